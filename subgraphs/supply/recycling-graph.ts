/**
 * The recycling reads of the projected graph (graph-schema/projection/recycling.ts wrote it): each one
 * Cypher statement, batched by key where the resolvers load entities, every row narrowed here into a
 * typed record so resolvers never see raw Neo4j values.
 */
import type { JsonValue } from '@twinledger/ledger-core/chain';
import type { Driver } from 'neo4j-driver';
import { asMap, numberOf, readRows, stringOf, type Row } from '../shared/neo4j.js';

/** Most provenance references one entity answers with: the ledger subgraph fetches a proof for each. */
export const recyclingProvenanceMax = 20;

export interface RuleParty {
  readonly organization: string;
  readonly partyIndex: number;
  readonly shareBasisPoints: number;
  readonly accepted: boolean;
  readonly acceptedTxId: string | null;
}

export interface RuleRow {
  readonly id: string;
  readonly proposer: string;
  readonly inForce: boolean;
  readonly inForceTxId: string | null;
  readonly parties: readonly RuleParty[];
  readonly txId: string;
  readonly height: number;
}

export interface ItemRow {
  readonly id: string;
  readonly description: string;
  readonly weightGrams: number;
  readonly collector: string;
  readonly holder: string;
  readonly status: string;
  readonly rule: string | null;
  readonly saleTxId: string | null;
  readonly productSerial: string | null;
  readonly recoveredAtMs: number;
  /** Every organisation that held the item, the present holder included: who may read it. */
  readonly holders: readonly string[];
  /** The parties of its rule: who may read it too. */
  readonly ruleParties: readonly string[];
  readonly txId: string;
  readonly height: number;
}

export interface HoldingRow {
  readonly holder: string;
  readonly holderIndex: number;
  readonly purpose: string | null;
  readonly txId: string;
  readonly fromHeight: number;
  readonly sinceMs: number;
  readonly toHeight: number | null;
  readonly endedTxId: string | null;
  readonly untilMs: number | null;
}

export interface HandoverRow {
  readonly offerTxId: string;
  readonly from: string;
  readonly to: string;
  readonly purpose: string;
  readonly status: string;
  readonly acceptedTxId: string | null;
}

export interface PayoutRow {
  readonly organization: string;
  readonly shareBasisPoints: number;
  /** Decimal digits: amounts are stored as strings so none is rounded. */
  readonly amountMinor: string;
}

export interface SaleRow {
  readonly txId: string;
  readonly height: number;
  readonly item: string;
  readonly seller: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly rule: string | null;
  readonly atMs: number;
  readonly payouts: readonly PayoutRow[];
}

function requiredString(map: { readonly [name: string]: JsonValue }, name: string, what: string): string {
  const value = stringOf(map[name]);
  if (value === null) throw new Error(`${what}.${name} is not a string in the graph`);
  return value;
}

function requiredNumber(map: { readonly [name: string]: JsonValue }, name: string, what: string): number {
  const value = numberOf(map[name]);
  if (value === null) throw new Error(`${what}.${name} is not a number in the graph`);
  return value;
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function maps(value: JsonValue | undefined): { readonly [name: string]: JsonValue }[] {
  return Array.isArray(value) ? value.map((item) => asMap(item)).filter((item): item is { readonly [name: string]: JsonValue } => item !== undefined) : [];
}

/** Rows keyed by the `key` column, answered in the order of `keys` (null where the graph has none). */
function inKeyOrder<T>(keys: readonly string[], rows: readonly Row[], narrow: (row: Row) => T): (T | null)[] {
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(String(row['key']), narrow(row));
  return keys.map((key) => byKey.get(key) ?? null);
}

const rulesCypher = `UNWIND $keys AS key
MATCH (r:RevenueRule {id: key})
CALL {
  WITH r
  MATCH (r)-[p:PARTY]->(o:Organization)
  WITH o, p ORDER BY p.partyIndex
  RETURN collect({organization: o.id, partyIndex: p.partyIndex, shareBasisPoints: p.shareBasisPoints, accepted: p.accepted, acceptedTxId: p.acceptedTxId}) AS parties
}
RETURN key, r {.id, .proposer, .inForce, .inForceTxId, .txId, .height} AS rule, parties`;

function ruleFromRow(row: Row): RuleRow {
  const rule = asMap(row['rule']);
  if (rule === undefined) throw new Error('a rule row has no rule');
  return {
    id: requiredString(rule, 'id', 'RevenueRule'),
    proposer: requiredString(rule, 'proposer', 'RevenueRule'),
    inForce: rule['inForce'] === true,
    inForceTxId: stringOf(rule['inForceTxId']),
    txId: requiredString(rule, 'txId', 'RevenueRule'),
    height: requiredNumber(rule, 'height', 'RevenueRule'),
    parties: maps(row['parties']).map((party) => ({
      organization: requiredString(party, 'organization', 'PARTY'),
      partyIndex: requiredNumber(party, 'partyIndex', 'PARTY'),
      shareBasisPoints: requiredNumber(party, 'shareBasisPoints', 'PARTY'),
      accepted: party['accepted'] === true,
      acceptedTxId: stringOf(party['acceptedTxId']),
    })),
  };
}

/** The rules with these ids, in the same order (null for an unknown id). */
export async function rulesById(driver: Driver, ids: readonly string[]): Promise<(RuleRow | null)[]> {
  return inKeyOrder(ids, await readRows(driver, rulesCypher, { keys: [...ids] }), ruleFromRow);
}

const itemsCypher = `UNWIND $keys AS key
MATCH (i:RecoveredItem {id: key})
CALL { WITH i MATCH (i)-[:HELD_BY]->(o:Organization) RETURN collect(DISTINCT o.id) AS holders }
CALL { WITH i OPTIONAL MATCH (i)-[:UNDER_RULE]->(:RevenueRule)-[:PARTY]->(o:Organization) RETURN collect(DISTINCT o.id) AS ruleParties }
CALL { WITH i OPTIONAL MATCH (i)-[:RECOVERS]->(p:Product) RETURN p.serial AS productSerial LIMIT 1 }
RETURN key, i {.id, .description, .weightGrams, .collector, .holder, .status, .rule, .saleTxId, .recoveredAtMs, .txId, .height} AS item,
  holders, ruleParties, productSerial`;

function itemFromRow(row: Row): ItemRow {
  const item = asMap(row['item']);
  if (item === undefined) throw new Error('an item row has no item');
  return {
    id: requiredString(item, 'id', 'RecoveredItem'),
    description: requiredString(item, 'description', 'RecoveredItem'),
    weightGrams: requiredNumber(item, 'weightGrams', 'RecoveredItem'),
    collector: requiredString(item, 'collector', 'RecoveredItem'),
    holder: requiredString(item, 'holder', 'RecoveredItem'),
    status: requiredString(item, 'status', 'RecoveredItem'),
    rule: stringOf(item['rule']),
    saleTxId: stringOf(item['saleTxId']),
    recoveredAtMs: requiredNumber(item, 'recoveredAtMs', 'RecoveredItem'),
    txId: requiredString(item, 'txId', 'RecoveredItem'),
    height: requiredNumber(item, 'height', 'RecoveredItem'),
    productSerial: stringOf(row['productSerial']),
    holders: strings(row['holders']),
    ruleParties: strings(row['ruleParties']),
  };
}

/** The recovered items with these ids, in the same order (null for an unknown id). */
export async function itemsById(driver: Driver, ids: readonly string[]): Promise<(ItemRow | null)[]> {
  return inKeyOrder(ids, await readRows(driver, itemsCypher, { keys: [...ids] }), itemFromRow);
}

// A partner's items: those it holds or held, and those under a rule it is a party to; each path starts
// at the organisation's key, so the read grows with the organisation's items, not with all items.
const partnerItemIdsCypher = `CALL {
  MATCH (:Organization {id: $organization})<-[:HELD_BY]-(i:RecoveredItem) RETURN i
  UNION
  MATCH (:Organization {id: $organization})<-[:PARTY]-(:RevenueRule)<-[:UNDER_RULE]-(i:RecoveredItem) RETURN i
}
WITH i WHERE $after IS NULL OR i.id > $after
RETURN i.id AS id ORDER BY id LIMIT $limit`;

const allItemIdsCypher = `MATCH (i:RecoveredItem) WHERE $after IS NULL OR i.id > $after
RETURN i.id AS id ORDER BY id LIMIT $limit`;

/**
 * Ids of the items an organisation may read (every item when `organization` is null: a reader across
 * organisations), ordered by id, after `after`, at most `limit`.
 */
export async function visibleItemIds(driver: Driver, organization: string | null, after: string | null, limit: number): Promise<string[]> {
  const rows =
    organization === null
      ? await readRows(driver, allItemIdsCypher, { after, limit })
      : await readRows(driver, partnerItemIdsCypher, { organization, after, limit });
  return rows.map((row) => String(row['id']));
}

const partnerRuleIdsCypher = `MATCH (:Organization {id: $organization})<-[:PARTY]-(r:RevenueRule)
WHERE $after IS NULL OR r.id > $after
RETURN r.id AS id ORDER BY id LIMIT $limit`;

const allRuleIdsCypher = `MATCH (r:RevenueRule) WHERE $after IS NULL OR r.id > $after
RETURN r.id AS id ORDER BY id LIMIT $limit`;

/**
 * Ids of the rules an organisation is a party to (every rule when `organization` is null: a reader
 * across organisations), ordered by id, after `after`, at most `limit`.
 */
export async function visibleRuleIds(driver: Driver, organization: string | null, after: string | null, limit: number): Promise<string[]> {
  const rows =
    organization === null
      ? await readRows(driver, allRuleIdsCypher, { after, limit })
      : await readRows(driver, partnerRuleIdsCypher, { organization, after, limit });
  return rows.map((row) => String(row['id']));
}

const holdingsCypher = `UNWIND $keys AS key
MATCH (:RecoveredItem {id: key})-[h:HELD_BY]->(o:Organization)
WITH key, h, o ORDER BY h.holderIndex
RETURN key, collect(h {holder: o.id, .holderIndex, .purpose, .txId, .fromHeight, .sinceMs, .toHeight, .endedTxId, .untilMs}) AS holdings`;

/** Each item's holders, oldest first. */
export async function holdingsOf(driver: Driver, ids: readonly string[]): Promise<HoldingRow[][]> {
  const found = inKeyOrder(ids, await readRows(driver, holdingsCypher, { keys: [...ids] }), (row) =>
    maps(row['holdings']).map((holding) => ({
      holder: requiredString(holding, 'holder', 'HELD_BY'),
      holderIndex: requiredNumber(holding, 'holderIndex', 'HELD_BY'),
      purpose: stringOf(holding['purpose']),
      txId: requiredString(holding, 'txId', 'HELD_BY'),
      fromHeight: requiredNumber(holding, 'fromHeight', 'HELD_BY'),
      sinceMs: requiredNumber(holding, 'sinceMs', 'HELD_BY'),
      toHeight: numberOf(holding['toHeight']),
      endedTxId: stringOf(holding['endedTxId']),
      untilMs: numberOf(holding['untilMs']),
    })),
  );
  return found.map((list) => list ?? []);
}

const handoversCypher = `UNWIND $keys AS key
MATCH (:RecoveredItem {id: key})-[:HANDOVER]->(h:RecyclingHandover)
WITH key, h ORDER BY h.createdHeight, h.id
RETURN key, collect(h {offerTxId: h.id, .from, .to, .purpose, .status, .acceptedTxId}) AS handovers`;

/** Each item's handover offers, oldest first. */
export async function handoversOf(driver: Driver, ids: readonly string[]): Promise<HandoverRow[][]> {
  const found = inKeyOrder(ids, await readRows(driver, handoversCypher, { keys: [...ids] }), (row) =>
    maps(row['handovers']).map((handover) => ({
      offerTxId: requiredString(handover, 'offerTxId', 'RecyclingHandover'),
      from: requiredString(handover, 'from', 'RecyclingHandover'),
      to: requiredString(handover, 'to', 'RecyclingHandover'),
      purpose: requiredString(handover, 'purpose', 'RecyclingHandover'),
      status: requiredString(handover, 'status', 'RecyclingHandover'),
      acceptedTxId: stringOf(handover['acceptedTxId']),
    })),
  );
  return found.map((list) => list ?? []);
}

const salesCypher = `UNWIND $keys AS key
MATCH (s:Sale {id: key})
CALL {
  WITH s
  MATCH (s)-[p:PAID]->(o:Organization)
  WITH o, p ORDER BY p.partyIndex
  RETURN collect({organization: o.id, shareBasisPoints: p.shareBasisPoints, amountMinor: p.amountMinor}) AS payouts
}
RETURN key, s {.id, .height, .item, .seller, .amountMinor, .currency, .rule, .ledgerTimeMs} AS sale, payouts`;

/** The sales recorded by these transactions, in the same order (null for an unknown one). */
export async function salesByTxId(driver: Driver, txIds: readonly string[]): Promise<(SaleRow | null)[]> {
  return inKeyOrder(txIds, await readRows(driver, salesCypher, { keys: [...txIds] }), (row) => {
    const sale = asMap(row['sale']);
    if (sale === undefined) throw new Error('a sale row has no sale');
    return {
      txId: requiredString(sale, 'id', 'Sale'),
      height: requiredNumber(sale, 'height', 'Sale'),
      item: requiredString(sale, 'item', 'Sale'),
      seller: requiredString(sale, 'seller', 'Sale'),
      amountMinor: requiredString(sale, 'amountMinor', 'Sale'),
      currency: requiredString(sale, 'currency', 'Sale'),
      rule: stringOf(sale['rule']),
      atMs: requiredNumber(sale, 'ledgerTimeMs', 'Sale'),
      payouts: maps(row['payouts']).map((payout) => ({
        organization: requiredString(payout, 'organization', 'PAID'),
        shareBasisPoints: requiredNumber(payout, 'shareBasisPoints', 'PAID'),
        amountMinor: requiredString(payout, 'amountMinor', 'PAID'),
      })),
    };
  });
}

export interface TouchingTransaction {
  readonly txId: string;
  readonly height: number;
}

// Every node and relationship the projection writes for an item or a rule carries the transaction that
// made it; these unions gather them, oldest first.
const itemProvenanceCypher = `UNWIND $keys AS key
MATCH (i:RecoveredItem {id: key})
CALL {
  WITH i RETURN i.createdTxId AS txId, i.createdHeight AS height
  UNION WITH i MATCH (i)-[h:HELD_BY]->() RETURN h.txId AS txId, h.height AS height
  UNION WITH i MATCH (i)-[:HANDOVER]->(h) RETURN h.createdTxId AS txId, h.createdHeight AS height
  UNION WITH i MATCH (i)-[:SOLD_IN]->(s) RETURN s.createdTxId AS txId, s.createdHeight AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

const ruleProvenanceCypher = `UNWIND $keys AS key
MATCH (r:RevenueRule {id: key})
CALL {
  WITH r RETURN r.createdTxId AS txId, r.createdHeight AS height
  UNION WITH r MATCH (r)-[p:PARTY]->() WHERE p.acceptedTxId IS NOT NULL RETURN p.acceptedTxId AS txId, p.acceptedHeight AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

async function touching(driver: Driver, cypher: string, keys: readonly string[]): Promise<TouchingTransaction[][]> {
  const found = inKeyOrder(keys, await readRows(driver, cypher, { keys: [...keys], max: recyclingProvenanceMax }), (row) =>
    maps(row['entries']).flatMap((entry) => {
      const txId = stringOf(entry['txId']);
      const height = numberOf(entry['height']);
      return txId === null || height === null ? [] : [{ txId, height }];
    }),
  );
  return found.map((list) => list ?? []);
}

/** The transactions that made or changed each item, oldest first, at most `recyclingProvenanceMax`. */
export function itemProvenance(driver: Driver, ids: readonly string[]): Promise<TouchingTransaction[][]> {
  return touching(driver, itemProvenanceCypher, ids);
}

/** The transactions that proposed and accepted each rule, oldest first, at most `recyclingProvenanceMax`. */
export function ruleProvenance(driver: Driver, ids: readonly string[]): Promise<TouchingTransaction[][]> {
  return touching(driver, ruleProvenanceCypher, ids);
}
