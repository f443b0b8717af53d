/**
 * The production subgraph's reads of the projected graph (graph-schema/projection/production.ts): each
 * one Cypher statement, batched by key where entities are resolved by reference, and every row narrowed
 * into a typed record here so resolvers never see raw Neo4j values.
 */
import type { JsonValue } from '@twinledger/ledger-core/chain';
import type { Driver } from 'neo4j-driver';
import { asMap, numberOf, readRows, stringOf, type Row } from '../shared/neo4j.js';

export class GraphShapeError extends Error {
  override readonly name = 'GraphShapeError';
}

/** Most provenance entries an entity answers with, the oldest kept. */
export const provenanceEntriesMax = 20;
/** Most quality checks an item answers with, the oldest kept. */
export const qualityChecksMax = 100;

export interface ProductRow {
  readonly serial: string;
  readonly model: string;
  /** Null for a product only EPCIS events have named. */
  readonly batch: string | null;
  readonly producer: string | null;
  readonly registeredAtMs: number | null;
  readonly txId: string;
  readonly height: number;
}

export type LotKind = 'material' | 'batch' | 'lot';

export interface LotRow {
  readonly lot: string;
  readonly kind: LotKind;
  /** The material of a material lot, the model of a batch; null for a lot only EPCIS named. */
  readonly description: string | null;
  readonly quantity: number | null;
  readonly remaining: number | null;
  readonly unit: string | null;
  /** The supplier of a material lot, the producer of a batch. */
  readonly maker: string | null;
  readonly registeredAtMs: number | null;
  readonly txId: string;
  readonly height: number;
}

export interface SubjectRef {
  readonly kind: 'product' | 'lot';
  readonly key: string;
}

export interface StepRow {
  readonly id: string;
  readonly name: string;
  readonly station: string;
  readonly subject: SubjectRef;
  readonly producer: string;
  readonly recordedAtMs: number;
  readonly signedBy: 'organization' | 'device';
  readonly grantTxId: string | null;
  readonly parametersJson: string;
  readonly operator: string;
  readonly txId: string;
  readonly height: number;
}

export interface CheckRow {
  readonly id: string;
  readonly subject: SubjectRef;
  readonly result: 'pass' | 'fail';
  readonly producer: string;
  readonly recordedAtMs: number;
  readonly measurementsJson: string;
  readonly inspector: string;
  readonly txId: string;
  readonly height: number;
}

export interface LotUseRow {
  readonly lot: string;
  readonly kind: LotKind;
  readonly quantity: number;
  readonly unit: string;
  readonly txId: string;
}

type Properties = { readonly [name: string]: JsonValue };

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new GraphShapeError(`projected ${what} is missing`);
  return value;
}

function productRow(p: Properties): ProductRow {
  return {
    serial: required(stringOf(p['serial']), 'Product.serial'),
    model: stringOf(p['model']) ?? '',
    batch: stringOf(p['batch']),
    producer: stringOf(p['producer']),
    registeredAtMs: numberOf(p['registeredAtMs']),
    txId: required(stringOf(p['txId']), 'Product.txId'),
    height: required(numberOf(p['height']), 'Product.height'),
  };
}

function lotRow(p: Properties, labels: readonly string[]): LotRow {
  const kind: LotKind = labels.includes('Batch') ? 'batch' : labels.includes('MaterialLot') ? 'material' : 'lot';
  return {
    lot: required(stringOf(p['lot']), 'Lot.lot'),
    kind,
    description: stringOf(kind === 'batch' ? p['model'] : p['material']),
    quantity: numberOf(p['quantity']),
    remaining: numberOf(p['remaining']),
    unit: stringOf(p['unit']),
    maker: stringOf(kind === 'batch' ? p['producer'] : p['supplier']),
    registeredAtMs: numberOf(p['registeredAtMs']),
    txId: required(stringOf(p['txId']), 'Lot.txId'),
    height: required(numberOf(p['height']), 'Lot.height'),
  };
}

function subjectOf(p: Properties, what: string): SubjectRef {
  const kind = stringOf(p['subjectKind']);
  if (kind !== 'product' && kind !== 'lot') throw new GraphShapeError(`projected ${what}.subjectKind is not product or lot`);
  return { kind, key: required(stringOf(p['subject']), `${what}.subject`) };
}

function stepRow(p: Properties): StepRow {
  const signedBy = stringOf(p['signedBy']);
  if (signedBy !== 'organization' && signedBy !== 'device') throw new GraphShapeError('projected ProcessStep.signedBy is not organization or device');
  return {
    id: required(stringOf(p['id']), 'ProcessStep.id'),
    name: required(stringOf(p['name']), 'ProcessStep.name'),
    station: required(stringOf(p['station']), 'ProcessStep.station'),
    subject: subjectOf(p, 'ProcessStep'),
    producer: required(stringOf(p['producer']), 'ProcessStep.producer'),
    recordedAtMs: required(numberOf(p['recordedAtMs']), 'ProcessStep.recordedAtMs'),
    signedBy,
    grantTxId: stringOf(p['grantTxId']),
    parametersJson: required(stringOf(p['parametersJson']), 'ProcessStep.parametersJson'),
    operator: required(stringOf(p['operator']), 'ProcessStep.operator'),
    txId: required(stringOf(p['txId']), 'ProcessStep.txId'),
    height: required(numberOf(p['height']), 'ProcessStep.height'),
  };
}

function checkRow(p: Properties): CheckRow {
  const result = stringOf(p['result']);
  if (result !== 'pass' && result !== 'fail') throw new GraphShapeError('projected QualityCheck.result is not pass or fail');
  return {
    id: required(stringOf(p['id']), 'QualityCheck.id'),
    subject: subjectOf(p, 'QualityCheck'),
    result,
    producer: required(stringOf(p['producer']), 'QualityCheck.producer'),
    recordedAtMs: required(numberOf(p['recordedAtMs']), 'QualityCheck.recordedAtMs'),
    measurementsJson: required(stringOf(p['measurementsJson']), 'QualityCheck.measurementsJson'),
    inspector: required(stringOf(p['inspector']), 'QualityCheck.inspector'),
    txId: required(stringOf(p['txId']), 'QualityCheck.txId'),
    height: required(numberOf(p['height']), 'QualityCheck.height'),
  };
}

function labelsOf(row: Row): string[] {
  const labels = row['labels'];
  return Array.isArray(labels) ? labels.filter((label): label is string => typeof label === 'string') : [];
}

function lotUseRow(value: JsonValue): LotUseRow {
  const p = asMap(value) ?? {};
  const labels = Array.isArray(p['labels']) ? p['labels'].filter((label): label is string => typeof label === 'string') : [];
  return {
    lot: required(stringOf(p['lot']), 'consumed Lot.lot'),
    kind: labels.includes('Batch') ? 'batch' : labels.includes('MaterialLot') ? 'material' : 'lot',
    quantity: required(numberOf(p['quantity']), 'consumption quantity'),
    unit: required(stringOf(p['unit']), 'consumption unit'),
    txId: required(stringOf(p['txId']), 'consumption txId'),
  };
}

/** `keys` answered in order from rows keyed by column `key` (null where none). */
function inOrder<T>(keys: readonly string[], rows: readonly Row[], read: (row: Row) => T): (T | null)[] {
  const byKey = new Map(rows.map((row) => [String(row['key']), read(row)]));
  return keys.map((key) => byKey.get(key) ?? null);
}

export async function productsBySerial(driver: Driver, serials: readonly string[]): Promise<(ProductRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (p:Product {serial: key}) RETURN key, properties(p) AS p', { keys: [...serials] });
  return inOrder(serials, rows, (row) => productRow(asMap(row['p']) ?? {}));
}

/** The lots with these ids (any kind), in order. */
export async function lotsById(driver: Driver, lots: readonly string[]): Promise<(LotRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (l:Lot {lot: key}) RETURN key, properties(l) AS l, labels(l) AS labels', { keys: [...lots] });
  return inOrder(lots, rows, (row) => lotRow(asMap(row['l']) ?? {}, labelsOf(row)));
}

export async function stepsById(driver: Driver, ids: readonly string[]): Promise<(StepRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (s:ProcessStep {id: key}) RETURN key, properties(s) AS s', { keys: [...ids] });
  return inOrder(ids, rows, (row) => stepRow(asMap(row['s']) ?? {}));
}

export async function checksById(driver: Driver, ids: readonly string[]): Promise<(CheckRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (q:QualityCheck {id: key}) RETURN key, properties(q) AS q', { keys: [...ids] });
  return inOrder(ids, rows, (row) => checkRow(asMap(row['q']) ?? {}));
}

/** Products ordered by serial after `afterSerial`, at most `limit`, optionally of one batch and one producer. */
export async function productsPage(driver: Driver, filter: { batch: string | null; producer: string | null }, afterSerial: string | null, limit: number): Promise<ProductRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (p:Product) WHERE ($batch IS NULL OR p.batch = $batch) AND ($producer IS NULL OR p.producer = $producer) AND ($after IS NULL OR p.serial > $after)
RETURN properties(p) AS p ORDER BY p.serial LIMIT $limit`,
    { batch: filter.batch, producer: filter.producer, after: afterSerial, limit },
  );
  return rows.map((row) => productRow(asMap(row['p']) ?? {}));
}

/** Batches (or material lots) ordered by lot after `afterLot`, at most `limit`, optionally of one maker. */
export async function lotsPage(driver: Driver, kind: 'batch' | 'material', maker: string | null, afterLot: string | null, limit: number): Promise<LotRow[]> {
  // Labels and property names come from this fixed choice, never from input.
  const label = kind === 'batch' ? 'Batch' : 'MaterialLot';
  const makerProperty = kind === 'batch' ? 'producer' : 'supplier';
  const rows = await readRows(
    driver,
    `MATCH (l:Lot:${label}) WHERE ($maker IS NULL OR l.${makerProperty} = $maker) AND ($after IS NULL OR l.lot > $after)
RETURN properties(l) AS l, labels(l) AS labels ORDER BY l.lot LIMIT $limit`,
    { maker, after: afterLot, limit },
  );
  return rows.map((row) => lotRow(asMap(row['l']) ?? {}, labelsOf(row)));
}

function subjectMatch(subject: SubjectRef): string {
  return subject.kind === 'product' ? '(x:Product {serial: $key})' : '(x:Lot {lot: $key})';
}

/** Steps that worked on `subject`, oldest first (by height, then id) after the cursor key, at most `limit`. */
export async function stepsOfSubject(driver: Driver, subject: SubjectRef, after: { height: number; id: string } | null, limit: number): Promise<StepRow[]> {
  const rows = await readRows(
    driver,
    `MATCH ${subjectMatch(subject)}-[:PROCESSED_IN]->(s:ProcessStep)
WHERE $afterHeight IS NULL OR s.createdHeight > $afterHeight OR (s.createdHeight = $afterHeight AND s.id > $afterId)
RETURN properties(s) AS s ORDER BY s.createdHeight, s.id LIMIT $limit`,
    { key: subject.key, afterHeight: after?.height ?? null, afterId: after?.id ?? null, limit },
  );
  return rows.map((row) => stepRow(asMap(row['s']) ?? {}));
}

/** Quality checks of `subject`, oldest first, at most `qualityChecksMax`. */
export async function checksOfSubject(driver: Driver, subject: SubjectRef): Promise<CheckRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (q:QualityCheck)-[:CHECKS]->${subjectMatch(subject)}
RETURN properties(q) AS q ORDER BY q.createdHeight, q.id LIMIT $limit`,
    { key: subject.key, limit: qualityChecksMax },
  );
  return rows.map((row) => checkRow(asMap(row['q']) ?? {}));
}

/**
 * What the batch `lot` was made from, by lot id: the MADE_FROM relationships its creation wrote, which
 * carry a quantity (an EPCIS transformation's MADE_FROM names inputs without one).
 */
export async function batchInputs(driver: Driver, lot: string): Promise<LotUseRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (:Lot {lot: $lot})-[m:MADE_FROM]->(i:Lot)
WHERE m.quantity IS NOT NULL
RETURN {lot: i.lot, labels: labels(i), quantity: m.quantity, unit: m.unit, txId: m.txId} AS use ORDER BY i.lot`,
    { lot },
  );
  return rows.map((row) => lotUseRow(row['use'] ?? null));
}

/** What the step `id` consumed (CONSUMED), by lot id. */
export async function stepConsumption(driver: Driver, id: string): Promise<LotUseRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (:ProcessStep {id: $id})-[c:CONSUMED]->(i:Lot)
RETURN {lot: i.lot, labels: labels(i), quantity: c.quantity, unit: c.unit, txId: c.txId} AS use ORDER BY i.lot`,
    { id },
  );
  return rows.map((row) => lotUseRow(row['use'] ?? null));
}

/** The entity kinds that answer `provenance`, each with its label, key and the stamped relationships that belong to its history. */
const provenanceShapes = {
  product: { match: '(n:Product {serial: key})', types: ['OF_BATCH', 'PROCESSED_IN', 'CHECKS'] },
  lot: { match: '(n:Lot {lot: key})', types: ['SUPPLIED_BY', 'MADE_FROM', 'CONSUMED', 'PROCESSED_IN', 'CHECKS'] },
  step: { match: '(n:ProcessStep {id: key})', types: ['AT_STATION', 'PROCESSED_IN', 'CONSUMED'] },
  check: { match: '(n:QualityCheck {id: key})', types: ['CHECKS'] },
} as const;

export type ProvenanceKind = keyof typeof provenanceShapes;

/**
 * For each key, the transactions that made or changed the entity or wrote one of its history
 * relationships, oldest first (by height, then id), at most `provenanceEntriesMax`.
 */
export async function provenanceOf(driver: Driver, kind: ProvenanceKind, keys: readonly string[]): Promise<string[][]> {
  const shape = provenanceShapes[kind];
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH ${shape.match}
CALL {
  WITH n
  OPTIONAL MATCH (n)-[r]-()
  WHERE type(r) IN $types
  RETURN collect({txId: r.txId, height: r.height}) AS linked
}
UNWIND [{txId: n.createdTxId, height: n.createdHeight}, {txId: n.txId, height: n.height}] + linked AS entry
WITH key, entry WHERE entry.txId IS NOT NULL
WITH key, entry.txId AS txId, min(entry.height) AS height
ORDER BY height, txId
WITH key, collect(txId) AS txIds
RETURN key, txIds[..$max] AS txIds`,
    { keys: [...keys], types: [...shape.types], max: provenanceEntriesMax },
  );
  const byKey = new Map(rows.map((row) => [String(row['key']), Array.isArray(row['txIds']) ? row['txIds'].filter((txId): txId is string => typeof txId === 'string') : []]));
  return keys.map((key) => byKey.get(key) ?? []);
}
