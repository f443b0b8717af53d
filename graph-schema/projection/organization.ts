/**
 * Organisation events (ledger-core/contracts/organization.ts) as graph writes. An organisation is
 * `(:Organization {id})`, pending from its request and active once registered; each member's approval
 * is an `(:Organization)-[:APPROVED]->(:Organization)` relationship. The members' own organisations
 * come from genesis, not from blocks, so they appear as the approver end of an approval, keyed by id
 * and stamped with the first transaction that named them.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { countField, stampNode, stampParameters, stampReferencedNode, stringField, stringsField, type CypherStatement, type HandlerTable, type ProjectionContext } from './types.js';

function registrationRequested(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (o:Organization {id: $id})
${stampNode('o')}, o.name = $name, o.did = $did, o.status = 'pending', o.approvalCount = 0, o.requestedHeight = $height`,
      parameters: { ...stampParameters(context), id: stringField(event, 'id'), name: stringField(event, 'name'), did: stringField(event, 'did') },
    },
  ];
}

function approved(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      // MERGE rather than MATCH on the approved organisation: a MATCH that finds nothing writes
      // nothing, and a projection must never drop an event silently.
      text: `MERGE (o:Organization {id: $id})
${stampNode('o')}, o.approvalCount = $approvalCount, o.quorum = $quorum
MERGE (a:Organization {id: $approver})
${stampReferencedNode('a')}
CREATE (a)-[:APPROVED {txId: $txId, height: $height, approvalCount: $approvalCount}]->(o)`,
      parameters: {
        ...stampParameters(context),
        id: stringField(event, 'id'),
        approver: stringField(event, 'approver'),
        approvalCount: countField(event, 'approvalCount'),
        quorum: countField(event, 'quorum'),
      },
    },
  ];
}

function registered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (o:Organization {id: $id})
${stampNode('o')}, o.name = $name, o.did = $did, o.status = 'active', o.approvals = $approvals, o.activatedHeight = $height`,
      parameters: {
        ...stampParameters(context),
        id: stringField(event, 'id'),
        name: stringField(event, 'name'),
        did: stringField(event, 'did'),
        approvals: stringsField(event, 'approvals'),
      },
    },
  ];
}

export const organizationHandlers: HandlerTable = {
  OrganizationRegistrationRequested: registrationRequested,
  OrganizationApproved: approved,
  OrganizationRegistered: registered,
};
