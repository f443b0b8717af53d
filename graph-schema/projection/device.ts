/**
 * Device events (ledger-core/contracts/device.ts) as graph writes. A device is `(:Device {did})` with
 * its model, serial, category and current owner; the owner holds it by
 * `(:Organization)-[:OWNS {txId, height, sinceMs}]->(:Device)`, replaced on each transfer. Ownership
 * history is one `(:Device)-[:OWNED_BY {ownerIndex, fromHeight, toHeight, txId}]->(:Organization)` per
 * owner the ledger recorded, closed (toHeight, endedTxId) by the next transfer and never deleted, so
 * "who owned it at height h" is one relationship filter. Offers are `(:TransferOffer {id})` nodes keyed
 * by their transaction and reports `(:DeviceReport {id})` nodes: every transaction that touched a
 * device leaves a node or relationship stamped with it, which is what provenance lists.
 */
import { canonicalize } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { eventNodeId, nullableStringField, replacedOfferStatements } from './shared.js';
import {
  countField,
  ProjectionError,
  ProjectionErrorCode,
  relationshipStamp,
  stampNode,
  stampParameters,
  stampReferencedNode,
  stringField,
  type CypherStatement,
  type HandlerTable,
  type ProjectionContext,
} from './types.js';

function registered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (d:Device {did: $did})
${stampNode('d')}, d.model = $model, d.serial = $serial, d.category = $category, d.owner = $owner, d.ownerCount = 1,
  d.registeredTxId = $txId, d.registeredHeight = $height, d.registeredAtMs = $ledgerTimeMs, d.delegationId = $delegationId
MERGE (o:Organization {id: $owner})
${stampReferencedNode('o')}
CREATE (o)-[:OWNS {txId: $txId, height: $height, sinceMs: $ledgerTimeMs}]->(d)
CREATE (d)-[:OWNED_BY {txId: $txId, height: $height, ownerIndex: 0, fromHeight: $height, sinceMs: $ledgerTimeMs}]->(o)`,
      parameters: {
        ...stampParameters(context),
        did: stringField(event, 'did'),
        model: stringField(event, 'model'),
        serial: stringField(event, 'serial'),
        category: stringField(event, 'category'),
        owner: stringField(event, 'owner'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function transferOffered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const did = stringField(event, 'did');
  const offerTxId = stringField(event, 'offerTxId');
  const replacesOfferTxId = nullableStringField(event, 'replacesOfferTxId');
  const statements = replacedOfferStatements('TransferOffer', replacesOfferTxId, context);
  statements.push({
    text: `MERGE (d:Device {did: $did})
${stampNode('d')}, d.openOfferTxId = $offerTxId
MERGE (t:TransferOffer {id: $offerTxId})
${stampNode('t')}, t.did = $did, t.from = $from, t.to = $to, t.expiresAtMs = $expiresAtMs, t.status = 'open', t.delegationId = $delegationId
MERGE (o:Organization {id: $to})
${stampReferencedNode('o')}
CREATE (d)-[:HAS_OFFER ${relationshipStamp}]->(t)
CREATE (t)-[:OFFERED_TO ${relationshipStamp}]->(o)`,
    parameters: {
      ...stampParameters(context),
      did,
      offerTxId,
      from: stringField(event, 'from'),
      to: stringField(event, 'to'),
      expiresAtMs: countField(event, 'expiresAtMs'),
      delegationId: nullableStringField(event, 'delegationId'),
    },
  });
  return statements;
}

function transferred(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const did = stringField(event, 'did');
  const ownerIndex = countField(event, 'ownerIndex');
  if (ownerIndex < 1) throw new ProjectionError(ProjectionErrorCode.badEventField, event.type, `${event.type}.ownerIndex starts at 1`);
  const parameters = {
    ...stampParameters(context),
    did,
    from: stringField(event, 'from'),
    to: stringField(event, 'to'),
    offerTxId: stringField(event, 'offerTxId'),
    ownerIndex,
    previousOwnerIndex: ownerIndex - 1,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  return [
    {
      // The previous owner's history entry is closed, not removed: history is what a later reader proves.
      text: `MATCH (d:Device {did: $did})-[h:OWNED_BY {ownerIndex: $previousOwnerIndex}]->(:Organization {id: $from})
SET h.toHeight = $height, h.endedTxId = $txId, h.untilMs = $ledgerTimeMs
WITH d
MATCH (:Organization)-[owns:OWNS]->(d)
DELETE owns`,
      parameters,
    },
    {
      text: `MERGE (d:Device {did: $did})
${stampNode('d')}, d.owner = $to, d.ownerCount = $ownerIndex + 1, d.openOfferTxId = null, d.transferDelegationId = $delegationId
MERGE (t:TransferOffer {id: $offerTxId})
${stampNode('t')}, t.status = 'accepted', t.endedTxId = $txId
MERGE (o:Organization {id: $to})
${stampReferencedNode('o')}
CREATE (o)-[:OWNS {txId: $txId, height: $height, sinceMs: $ledgerTimeMs}]->(d)
CREATE (d)-[:OWNED_BY {txId: $txId, height: $height, ownerIndex: $ownerIndex, fromHeight: $height, sinceMs: $ledgerTimeMs}]->(o)`,
      parameters,
    },
  ];
}

function reported(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  if (!('data' in event)) throw new ProjectionError(ProjectionErrorCode.badEventField, event.type, `${event.type}.data is missing`);
  return [
    {
      // A report changes no device field, so the device keeps its stamp; the report node carries this one.
      text: `MERGE (d:Device {did: $did})
${stampReferencedNode('d')}
CREATE (r:DeviceReport {id: $id, did: $did, owner: $owner, kind: $kind, dataJson: $dataJson, grantTxId: $grantTxId,
  txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height, ledgerTimeMs: $ledgerTimeMs})
CREATE (d)-[:REPORTED ${relationshipStamp}]->(r)`,
      parameters: {
        ...stampParameters(context),
        id: eventNodeId(context),
        did: stringField(event, 'did'),
        owner: stringField(event, 'owner'),
        kind: stringField(event, 'kind'),
        dataJson: canonicalize(event['data']),
        grantTxId: stringField(event, 'grantTxId'),
      },
    },
  ];
}

export const deviceHandlers: HandlerTable = {
  DeviceRegistered: registered,
  DeviceTransferOffered: transferOffered,
  DeviceTransferred: transferred,
  DeviceReported: reported,
};
