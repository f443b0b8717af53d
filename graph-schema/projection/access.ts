/**
 * Access events (ledger-core/contracts/access.ts) as graph writes. A grant is `(:Grant {id})`, keyed by
 * the transaction that made it (also kept as `grantTxId`, since `txId` is the stamp of the last
 * writer, which is the revocation once there is one), with its actions, expiry and revocation:
 * `(:Device)-[:HAS_GRANT]->(:Grant)-[:GRANTED_TO]->(grantee)` and `(:Organization)-[:GRANTED]->(:Grant)`.
 * A grantee is an `(:Organization {id})` or, for a did:key, an `(:Actor {did})` (a person, a service or
 * the device itself, which is why a device's own key is not merged into its Device node). A device's
 * record of what it let happen is an `(:AccessEvent {id})` with the ledger's own decision beside it.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { booleanField, eventNodeId, nullableStringField, ownTransactionField } from './shared.js';
import {
  badField,
  countField,
  relationshipStamp,
  stampNode,
  stampParameters,
  stampReferencedNode,
  stringField,
  stringsField,
  type CypherStatement,
  type HandlerTable,
  type ProjectionContext,
} from './types.js';

/** Cypher that MERGEs the grantee as variable `e`: an Organization by id or an Actor by did. */
function granteeMerge(event: LedgerEvent): string {
  const kind = stringField(event, 'granteeKind');
  if (kind === 'organization') return `MERGE (e:Organization {id: $grantee})\n${stampReferencedNode('e')}`;
  if (kind === 'did') return `MERGE (e:Actor {did: $grantee})\n${stampReferencedNode('e')}`;
  throw badField(event, 'granteeKind', '"organization" or "did"');
}

function granted(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const grantTxId = ownTransactionField(event, 'grantTxId', context);
  return [
    {
      text: `MERGE (d:Device {did: $device})
${stampReferencedNode('d')}
MERGE (o:Organization {id: $owner})
${stampReferencedNode('o')}
${granteeMerge(event)}
CREATE (g:Grant {id: $grantTxId, grantTxId: $grantTxId, device: $device, owner: $owner, grantee: $grantee, granteeKind: $granteeKind,
  actions: $actions, expiresAtMs: $expiresAtMs, revoked: false, delegationId: $delegationId,
  txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height, ledgerTimeMs: $ledgerTimeMs})
CREATE (d)-[:HAS_GRANT ${relationshipStamp}]->(g)
CREATE (o)-[:GRANTED ${relationshipStamp}]->(g)
CREATE (g)-[:GRANTED_TO ${relationshipStamp}]->(e)`,
      parameters: {
        ...stampParameters(context),
        grantTxId,
        device: stringField(event, 'device'),
        owner: stringField(event, 'owner'),
        grantee: stringField(event, 'grantee'),
        granteeKind: stringField(event, 'granteeKind'),
        actions: stringsField(event, 'actions'),
        expiresAtMs: countField(event, 'expiresAtMs'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function revoked(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  ownTransactionField(event, 'revokeTxId', context);
  return [
    {
      // MERGE, not MATCH, on the grant: a MATCH that finds nothing writes nothing, and a projection
      // must never drop an event silently.
      text: `MERGE (g:Grant {id: $grantTxId})
${stampNode('g')}, g.revoked = true, g.revokeTxId = $txId, g.revokeHeight = $height, g.revokedAtMs = $ledgerTimeMs,
  g.revokedBy = $revokedBy, g.revokeDelegationId = $delegationId
MERGE (r:Organization {id: $revokedBy})
${stampReferencedNode('r')}
CREATE (r)-[:REVOKED ${relationshipStamp}]->(g)`,
      parameters: {
        ...stampParameters(context),
        grantTxId: stringField(event, 'grantTxId'),
        revokedBy: stringField(event, 'revokedBy'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function accessRecorded(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const result = stringField(event, 'result');
  if (result !== 'granted' && result !== 'denied') throw badField(event, 'result', '"granted" or "denied"');
  return [
    {
      text: `MERGE (d:Device {did: $device})
${stampReferencedNode('d')}
CREATE (a:AccessEvent {id: $id, device: $device, owner: $owner, actor: $actor, action: $action, result: $result, atMs: $atMs,
  ledgerAllowed: $ledgerAllowed, ledgerReason: $ledgerReason, grantTxId: $grantTxId, revokeTxId: $revokeTxId,
  position: $position, eventIndex: $eventIndex,
  txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height, ledgerTimeMs: $ledgerTimeMs})
CREATE (d)-[:ACCESS_EVENT ${relationshipStamp}]->(a)`,
      parameters: {
        ...stampParameters(context),
        id: eventNodeId(context),
        position: context.position,
        eventIndex: context.eventIndex,
        device: stringField(event, 'device'),
        owner: stringField(event, 'owner'),
        actor: stringField(event, 'actor'),
        action: stringField(event, 'action'),
        result,
        atMs: countField(event, 'atMs'),
        ledgerAllowed: booleanField(event, 'ledgerAllowed'),
        ledgerReason: stringField(event, 'ledgerReason'),
        grantTxId: nullableStringField(event, 'grantTxId'),
        revokeTxId: nullableStringField(event, 'revokeTxId'),
      },
    },
  ];
}

export const accessHandlers: HandlerTable = {
  AccessGranted: granted,
  AccessRevoked: revoked,
  DeviceAccessRecorded: accessRecorded,
};
