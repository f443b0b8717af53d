/**
 * Delegation events (ledger-core/contracts/delegation.ts) as graph writes. A delegation is
 * `(:Organization)-[:DELEGATED]->(:Delegation {id})-[:TO]->(:Actor {did})`, keyed by the granting
 * transaction, with its scope and expiry; `status` is active, replaced or revoked, and `endedByTxId`
 * names the transaction that ended it. A replacement links `(new)-[:REPLACES]->(old)`.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { nullableStringField, ownTransactionField } from './shared.js';
import {
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

function granted(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const delegationId = ownTransactionField(event, 'delegationId', context);
  const replacesDelegationId = nullableStringField(event, 'replacesDelegationId');
  const parameters = {
    ...stampParameters(context),
    delegationId,
    organization: stringField(event, 'organization'),
    delegate: stringField(event, 'delegate'),
    scope: stringsField(event, 'scope'),
    expiresAtMs: countField(event, 'expiresAtMs'),
    replacesDelegationId,
  };
  const statements: CypherStatement[] = [
    {
      text: `MERGE (o:Organization {id: $organization})
${stampReferencedNode('o')}
MERGE (a:Actor {did: $delegate})
${stampReferencedNode('a')}
CREATE (g:Delegation {id: $delegationId, organization: $organization, delegate: $delegate, scope: $scope, expiresAtMs: $expiresAtMs,
  status: 'active', txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height, ledgerTimeMs: $ledgerTimeMs})
CREATE (o)-[:DELEGATED ${relationshipStamp}]->(g)
CREATE (g)-[:TO ${relationshipStamp}]->(a)`,
      parameters,
    },
  ];
  if (replacesDelegationId !== null) {
    statements.push({
      text: `MATCH (g:Delegation {id: $delegationId})
MERGE (r:Delegation {id: $replacesDelegationId})
${stampNode('r')}, r.status = 'replaced', r.endedByTxId = $txId
CREATE (g)-[:REPLACES ${relationshipStamp}]->(r)`,
      parameters,
    });
  }
  return statements;
}

function revoked(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  ownTransactionField(event, 'revokeTxId', context);
  return [
    {
      text: `MERGE (g:Delegation {id: $delegationId})
${stampNode('g')}, g.status = 'revoked', g.endedByTxId = $txId, g.organization = $organization, g.delegate = $delegate`,
      parameters: {
        ...stampParameters(context),
        delegationId: stringField(event, 'delegationId'),
        organization: stringField(event, 'organization'),
        delegate: stringField(event, 'delegate'),
      },
    },
  ];
}

export const delegationHandlers: HandlerTable = {
  DelegationGranted: granted,
  DelegationRevoked: revoked,
};
