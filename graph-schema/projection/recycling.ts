/**
 * Recycling events (ledger-core/contracts/recycling.ts) as graph writes, in the shared model of
 * docs/traceability.md. A rule is `(:RevenueRule {id})` with `-[:PARTY {partyIndex, shareBasisPoints,
 * accepted, acceptedTxId}]->(:Organization)` per party, in force (`inForce`, `inForceTxId`) once every
 * party accepted. An item is `(:RecoveredItem {id})` with its current `holder` and `status`;
 * `-[:HELD_BY {holderIndex, purpose, fromHeight, toHeight}]->(:Organization)` is one relationship per
 * holder the ledger recorded, closed by the next handover and never deleted, so "who held it" past and
 * present is one pattern (and who may read it, one check); `-[:UNDER_RULE]->(:RevenueRule)` its rule;
 * `-[:RECOVERS]->(:Product)` when the ledger found its id to be a registered product serial. Offers are
 * `(:RecyclingHandover {id: offerTxId})` nodes, `(:RecoveredItem)-[:HANDOVER]->` each; a sale is
 * `(:Sale {id: txId, amountMinor, currency})` with `(:RecoveredItem)-[:SOLD_IN]->`, `-[:SOLD_BY]->` the
 * seller and `-[:PAID {partyIndex, shareBasisPoints, amountMinor}]->` each party. Amounts are stored as
 * decimal strings: a Neo4j integer stops at 2^63 and a JavaScript number at 2^53. Every transaction
 * leaves a node or relationship stamped with it, which is what provenance lists.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import type { ParameterValue } from '../neo4j-values.js';
import { booleanField, nullableStringField, ownTransactionField, replacedOfferStatements } from './shared.js';
import {
  badField,
  countField,
  relationshipStamp,
  stampNode,
  stampParameters,
  stampReferencedNode,
  stringField,
  type CypherStatement,
  type HandlerTable,
  type ProjectionContext,
} from './types.js';

const purposes: readonly string[] = ['reuse', 'recycling'];
const minorUnitsPattern = /^(?:0|[1-9][0-9]*)$/;

function purposeField(event: LedgerEvent, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || !purposes.includes(value)) throw badField(event, field, `one of ${purposes.join(', ')}`);
  return value;
}

function minorUnitsField(event: LedgerEvent, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || !minorUnitsPattern.test(value)) throw badField(event, field, 'a whole number of minor units as decimal digits');
  return value;
}

/** `event[field]` as a list of objects (the parties of a rule, the parts of a sale); throws otherwise. */
function objectsField(event: LedgerEvent, field: string): { readonly [key: string]: unknown }[] {
  const value = event[field];
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
    throw badField(event, field, 'a non-empty list of objects');
  }
  return value as { readonly [key: string]: unknown }[];
}

function partyOrganization(event: LedgerEvent, field: string, item: { readonly [key: string]: unknown }): string {
  const organization = item['organization'];
  if (typeof organization !== 'string' || organization.length === 0) throw badField(event, `${field}.organization`, 'a non-empty string');
  return organization;
}

function partyShare(event: LedgerEvent, field: string, item: { readonly [key: string]: unknown }): number {
  const share = item['shareBasisPoints'];
  if (typeof share !== 'number' || !Number.isSafeInteger(share) || share < 1) throw badField(event, `${field}.shareBasisPoints`, 'a whole number of at least 1');
  return share;
}

function ruleProposed(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const proposer = stringField(event, 'proposer');
  const inForce = booleanField(event, 'inForce');
  const parties = objectsField(event, 'parties').map((party, partyIndex) => {
    const organization = partyOrganization(event, 'parties', party);
    const accepted = organization === proposer;
    return {
      organization,
      partyIndex,
      shareBasisPoints: partyShare(event, 'parties', party),
      accepted,
      acceptedTxId: accepted ? context.txId : null,
      acceptedHeight: accepted ? context.height : null,
    } satisfies { readonly [key: string]: ParameterValue };
  });
  if (!parties.some((party) => party.accepted)) throw badField(event, 'proposer', 'one of the parties');
  return [
    {
      text: `MERGE (r:RevenueRule {id: $rule})
${stampNode('r')}, r.proposer = $proposer, r.partyCount = size($parties), r.acceptedCount = 1, r.inForce = $inForce,
  r.inForceTxId = CASE WHEN $inForce THEN $txId ELSE null END, r.inForceHeight = CASE WHEN $inForce THEN $height ELSE null END,
  r.proposedAtMs = $ledgerTimeMs, r.delegationId = $delegationId
WITH r
UNWIND $parties AS party
MERGE (o:Organization {id: party.organization})
${stampReferencedNode('o')}
CREATE (r)-[:PARTY {txId: $txId, height: $height, partyIndex: party.partyIndex, shareBasisPoints: party.shareBasisPoints,
  accepted: party.accepted, acceptedTxId: party.acceptedTxId, acceptedHeight: party.acceptedHeight}]->(o)`,
      parameters: {
        ...stampParameters(context),
        rule: stringField(event, 'rule'),
        proposer,
        inForce,
        parties,
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function ruleAccepted(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const acceptedCount = countField(event, 'acceptedCount');
  const partyCount = countField(event, 'partyCount');
  const inForce = booleanField(event, 'inForce');
  if (acceptedCount < 2 || acceptedCount > partyCount) throw badField(event, 'acceptedCount', 'from 2 to partyCount');
  if (inForce !== (acceptedCount === partyCount)) throw badField(event, 'inForce', 'true exactly when every party accepted');
  return [
    {
      // The acceptance is stamped on the party's relationship, so the rule's provenance lists it.
      text: `MERGE (r:RevenueRule {id: $rule})
${stampNode('r')}, r.acceptedCount = $acceptedCount, r.inForce = $inForce,
  r.inForceTxId = CASE WHEN $inForce THEN $txId ELSE r.inForceTxId END, r.inForceHeight = CASE WHEN $inForce THEN $height ELSE r.inForceHeight END
WITH r
MATCH (r)-[p:PARTY {partyIndex: $partyIndex}]->(:Organization {id: $organization})
SET p.accepted = true, p.acceptedTxId = $txId, p.acceptedHeight = $height, p.acceptedDelegationId = $delegationId`,
      parameters: {
        ...stampParameters(context),
        rule: stringField(event, 'rule'),
        organization: stringField(event, 'organization'),
        partyIndex: countField(event, 'partyIndex'),
        acceptedCount,
        inForce,
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function itemRecovered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const item = stringField(event, 'item');
  const rule = nullableStringField(event, 'rule');
  const product = nullableStringField(event, 'product');
  const weightGrams = countField(event, 'weightGrams');
  if (weightGrams < 1) throw badField(event, 'weightGrams', 'at least 1');
  if (product !== null && product !== item) throw badField(event, 'product', 'the item id itself or null');
  const parameters = {
    ...stampParameters(context),
    item,
    description: stringField(event, 'description'),
    weightGrams,
    collector: stringField(event, 'collector'),
    rule,
    product,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  const statements: CypherStatement[] = [
    {
      text: `MERGE (i:RecoveredItem {id: $item})
${stampNode('i')}, i.description = $description, i.weightGrams = $weightGrams, i.collector = $collector, i.holder = $collector,
  i.holderCount = 1, i.status = 'held', i.rule = $rule, i.product = $product, i.recoveredAtMs = $ledgerTimeMs, i.delegationId = $delegationId
MERGE (o:Organization {id: $collector})
${stampReferencedNode('o')}
CREATE (i)-[:HELD_BY {txId: $txId, height: $height, holderIndex: 0, fromHeight: $height, sinceMs: $ledgerTimeMs}]->(o)`,
      parameters,
    },
  ];
  if (rule !== null) {
    statements.push({
      text: `MATCH (i:RecoveredItem {id: $item})
MERGE (r:RevenueRule {id: $rule})
${stampReferencedNode('r')}
CREATE (i)-[:UNDER_RULE ${relationshipStamp}]->(r)`,
      parameters,
    });
  }
  if (product !== null) {
    statements.push({
      // Merged: the product node is production's, written in an earlier block.
      text: `MATCH (i:RecoveredItem {id: $item})
MERGE (p:Product {serial: $product})
${stampReferencedNode('p')}
CREATE (i)-[:RECOVERS ${relationshipStamp}]->(p)`,
      parameters,
    });
  }
  return statements;
}

function handoverOffered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const item = stringField(event, 'item');
  const offerTxId = ownTransactionField(event, 'offerTxId', context);
  const replacesOfferTxId = nullableStringField(event, 'replacesOfferTxId');
  const statements = replacedOfferStatements('RecyclingHandover', replacesOfferTxId, context);
  statements.push({
    text: `MERGE (i:RecoveredItem {id: $item})
${stampNode('i')}, i.openOfferTxId = $offerTxId
MERGE (h:RecyclingHandover {id: $offerTxId})
${stampNode('h')}, h.item = $item, h.from = $from, h.to = $to, h.purpose = $purpose, h.status = 'open', h.offeredAtMs = $ledgerTimeMs,
  h.delegationId = $delegationId
MERGE (o:Organization {id: $to})
${stampReferencedNode('o')}
CREATE (i)-[:HANDOVER ${relationshipStamp}]->(h)
CREATE (h)-[:OFFERED_TO ${relationshipStamp}]->(o)`,
    parameters: {
      ...stampParameters(context),
      item,
      offerTxId,
      from: stringField(event, 'from'),
      to: stringField(event, 'to'),
      purpose: purposeField(event, 'purpose'),
      delegationId: nullableStringField(event, 'delegationId'),
    },
  });
  return statements;
}

function handoverAccepted(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const holderIndex = countField(event, 'holderIndex');
  if (holderIndex < 1) throw badField(event, 'holderIndex', 'at least 1');
  const parameters = {
    ...stampParameters(context),
    item: stringField(event, 'item'),
    from: stringField(event, 'from'),
    to: stringField(event, 'to'),
    purpose: purposeField(event, 'purpose'),
    offerTxId: stringField(event, 'offerTxId'),
    holderIndex,
    previousHolderIndex: holderIndex - 1,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  return [
    {
      // The previous holder's entry is closed, not removed: who held the item is what a later reader proves.
      text: `MATCH (:RecoveredItem {id: $item})-[h:HELD_BY {holderIndex: $previousHolderIndex}]->(:Organization {id: $from})
SET h.toHeight = $height, h.endedTxId = $txId, h.untilMs = $ledgerTimeMs`,
      parameters,
    },
    {
      text: `MERGE (i:RecoveredItem {id: $item})
${stampNode('i')}, i.holder = $to, i.holderCount = $holderIndex + 1, i.openOfferTxId = null
MERGE (h:RecyclingHandover {id: $offerTxId})
${stampNode('h')}, h.status = 'accepted', h.acceptedTxId = $txId, h.acceptedHeight = $height, h.endedTxId = $txId, h.acceptedDelegationId = $delegationId
MERGE (o:Organization {id: $to})
${stampReferencedNode('o')}
CREATE (i)-[:HELD_BY {txId: $txId, height: $height, holderIndex: $holderIndex, purpose: $purpose, fromHeight: $height, sinceMs: $ledgerTimeMs}]->(o)`,
      parameters,
    },
  ];
}

function saleRecorded(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const amountMinor = minorUnitsField(event, 'amountMinor');
  const rule = nullableStringField(event, 'rule');
  const withdrawnOfferTxId = nullableStringField(event, 'withdrawnOfferTxId');
  const parts = objectsField(event, 'parts').map((part, partyIndex) => {
    const amount = part['amountMinor'];
    if (typeof amount !== 'string' || !minorUnitsPattern.test(amount)) throw badField(event, 'parts.amountMinor', 'decimal digits');
    return { organization: partyOrganization(event, 'parts', part), partyIndex, shareBasisPoints: partyShare(event, 'parts', part), amountMinor: amount };
  });
  // The contract splits exactly; a sale whose parts do not add up is not one it emitted.
  if (parts.reduce((sum, part) => sum + BigInt(part.amountMinor), 0n) !== BigInt(amountMinor)) throw badField(event, 'parts', 'parts that add up to amountMinor');
  const parameters = {
    ...stampParameters(context),
    item: stringField(event, 'item'),
    seller: stringField(event, 'seller'),
    amountMinor,
    currency: stringField(event, 'currency'),
    rule,
    parts,
    withdrawnOfferTxId,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  const statements: CypherStatement[] = [];
  if (withdrawnOfferTxId !== null) {
    statements.push({
      text: `MERGE (w:RecyclingHandover {id: $withdrawnOfferTxId})
${stampNode('w')}, w.status = 'withdrawn', w.endedTxId = $txId`,
      parameters,
    });
  }
  statements.push({
    text: `MERGE (i:RecoveredItem {id: $item})
${stampNode('i')}, i.status = 'sold', i.saleTxId = $txId, i.openOfferTxId = null
CREATE (s:Sale {id: $txId, item: $item, seller: $seller, amountMinor: $amountMinor, currency: $currency, rule: $rule, delegationId: $delegationId,
  ledgerTimeMs: $ledgerTimeMs, txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height})
CREATE (i)-[:SOLD_IN ${relationshipStamp}]->(s)
MERGE (so:Organization {id: $seller})
${stampReferencedNode('so')}
CREATE (s)-[:SOLD_BY ${relationshipStamp}]->(so)
WITH s
UNWIND $parts AS part
MERGE (o:Organization {id: part.organization})
${stampReferencedNode('o')}
CREATE (s)-[:PAID {txId: $txId, height: $height, partyIndex: part.partyIndex, shareBasisPoints: part.shareBasisPoints, amountMinor: part.amountMinor}]->(o)`,
    parameters,
  });
  if (rule !== null) {
    statements.push({
      text: `MATCH (s:Sale {id: $txId})
MERGE (r:RevenueRule {id: $rule})
${stampReferencedNode('r')}
CREATE (s)-[:UNDER_RULE ${relationshipStamp}]->(r)`,
      parameters,
    });
  }
  return statements;
}

export const recyclingHandlers: HandlerTable = {
  RecyclingRuleProposed: ruleProposed,
  RecyclingRuleAccepted: ruleAccepted,
  RecyclingItemRecovered: itemRecovered,
  RecyclingHandoverOffered: handoverOffered,
  RecyclingHandoverAccepted: handoverAccepted,
  RecyclingSaleRecorded: saleRecorded,
};
