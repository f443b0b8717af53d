/**
 * The supply subgraph's reads of the projected graph (graph-schema/projection/supply.ts): one Cypher
 * statement each, batched by key for the per-request DataLoaders, every row narrowed into a typed
 * record here so resolvers never see raw Neo4j values.
 */
import type { JsonValue } from '@twinledger/ledger-core/chain';
import type { Driver } from 'neo4j-driver';
import { asMap, numberOf, readRows, stringOf } from '../shared/neo4j.js';

/** Most shipments, work orders, handovers or progress reports one entity lists. */
export const childListMax = 100;
/** Most provenance entries one entity answers with: each costs the ledger subgraph a proof fetch. */
export const provenanceEntriesMax = 20;

export class GraphShapeError extends Error {
  override readonly name = 'GraphShapeError';
}

type Properties = { readonly [name: string]: JsonValue };

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new GraphShapeError(`projected ${what} is missing`);
  return value;
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function numbers(value: JsonValue | undefined): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}

export interface OrderRow {
  readonly id: string;
  readonly buyer: string;
  readonly seller: string;
  /** As the ledger spells it: `created`, `in_production`… */
  readonly status: string;
  readonly lines: readonly { readonly item: string; readonly quantity: number }[];
  readonly quantity: number;
  readonly allocated: number;
  readonly produced: number;
  readonly delivered: number;
  readonly createdAtMs: number;
  /** The organisations that may read it. */
  readonly parties: readonly string[];
  readonly txId: string;
  readonly height: number;
}

export interface ShipmentRow {
  readonly id: string;
  readonly order: string;
  readonly shipper: string;
  readonly carrier: string;
  readonly consignee: string;
  readonly custodian: string;
  readonly status: string;
  readonly location: string;
  readonly legs: readonly { readonly index: number; readonly from: string; readonly to: string }[];
  readonly legsDone: number;
  readonly items: readonly ShipmentItemRow[];
  readonly openOfferTxId: string | null;
  /** The organisations that may read it besides its order's parties: shipper, carrier, consignee, buyer, every holder. */
  readonly parties: readonly string[];
  readonly txId: string;
  readonly height: number;
}

export interface ShipmentItemRow {
  readonly serial: string | null;
  readonly lot: string | null;
  readonly quantity: number | null;
}

export interface WorkOrderRow {
  readonly id: string;
  readonly order: string;
  readonly producer: string;
  readonly quantity: number;
  readonly produced: number;
  readonly delivered: number;
  readonly txId: string;
  readonly height: number;
}

export interface HandoverRow {
  readonly offerTxId: string;
  readonly shipment: string;
  readonly from: string;
  readonly to: string;
  readonly leg: number;
  readonly location: string;
  readonly status: string;
  readonly offeredAtMs: number;
  readonly acceptedTxId: string | null;
  readonly acceptedAtMs: number | null;
}

export interface TransitionRow {
  readonly from: string;
  readonly to: string;
  readonly by: string;
  readonly txId: string;
  readonly height: number;
  readonly atMs: number;
}

export interface ProgressRow {
  readonly produced: number;
  readonly delivered: number;
  readonly txId: string;
  readonly height: number;
  readonly atMs: number;
}

export interface TouchingTransaction {
  readonly txId: string;
  readonly height: number;
}

function orderRow(p: Properties): OrderRow {
  const items = strings(p['items']);
  const quantities = numbers(p['quantities']);
  if (items.length === 0 || items.length !== quantities.length) throw new GraphShapeError('projected Order lines are missing');
  return {
    id: required(stringOf(p['id']), 'Order.id'),
    buyer: required(stringOf(p['buyer']), 'Order.buyer'),
    seller: required(stringOf(p['seller']), 'Order.seller'),
    status: required(stringOf(p['status']), 'Order.status'),
    lines: items.map((item, index) => ({ item, quantity: quantities[index] ?? 0 })),
    quantity: required(numberOf(p['quantity']), 'Order.quantity'),
    allocated: required(numberOf(p['allocated']), 'Order.allocated'),
    produced: required(numberOf(p['produced']), 'Order.produced'),
    delivered: required(numberOf(p['delivered']), 'Order.delivered'),
    createdAtMs: required(numberOf(p['createdAtMs']), 'Order.createdAtMs'),
    parties: strings(p['parties']),
    txId: required(stringOf(p['txId']), 'Order.txId'),
    height: required(numberOf(p['height']), 'Order.height'),
  };
}

function shipmentItems(itemsJson: string): ShipmentItemRow[] {
  const parsed: unknown = JSON.parse(itemsJson);
  if (!Array.isArray(parsed)) throw new GraphShapeError('projected Shipment.itemsJson is not a list');
  return parsed.map((item: unknown) => {
    const fields = (item !== null && typeof item === 'object' ? item : {}) as { serial?: unknown; lot?: unknown; quantity?: unknown };
    return {
      serial: typeof fields.serial === 'string' ? fields.serial : null,
      lot: typeof fields.lot === 'string' ? fields.lot : null,
      quantity: typeof fields.quantity === 'number' ? fields.quantity : null,
    };
  });
}

function shipmentRow(p: Properties): ShipmentRow {
  const legFrom = strings(p['legFrom']);
  const legTo = strings(p['legTo']);
  if (legFrom.length === 0 || legFrom.length !== legTo.length) throw new GraphShapeError('projected Shipment legs are missing');
  return {
    id: required(stringOf(p['id']), 'Shipment.id'),
    order: required(stringOf(p['order']), 'Shipment.order'),
    shipper: required(stringOf(p['shipper']), 'Shipment.shipper'),
    carrier: required(stringOf(p['carrier']), 'Shipment.carrier'),
    consignee: required(stringOf(p['consignee']), 'Shipment.consignee'),
    custodian: required(stringOf(p['custodian']), 'Shipment.custodian'),
    status: required(stringOf(p['status']), 'Shipment.status'),
    location: required(stringOf(p['location']), 'Shipment.location'),
    legs: legFrom.map((from, index) => ({ index, from, to: legTo[index] ?? '' })),
    legsDone: required(numberOf(p['legsDone']), 'Shipment.legsDone'),
    items: shipmentItems(required(stringOf(p['itemsJson']), 'Shipment.itemsJson')),
    openOfferTxId: stringOf(p['openOfferTxId']),
    parties: strings(p['parties']),
    txId: required(stringOf(p['txId']), 'Shipment.txId'),
    height: required(numberOf(p['height']), 'Shipment.height'),
  };
}

function workOrderRow(p: Properties): WorkOrderRow {
  return {
    id: required(stringOf(p['id']), 'WorkOrder.id'),
    order: required(stringOf(p['order']), 'WorkOrder.order'),
    producer: required(stringOf(p['producer']), 'WorkOrder.producer'),
    quantity: required(numberOf(p['quantity']), 'WorkOrder.quantity'),
    produced: required(numberOf(p['produced']), 'WorkOrder.produced'),
    delivered: required(numberOf(p['delivered']), 'WorkOrder.delivered'),
    txId: required(stringOf(p['txId']), 'WorkOrder.txId'),
    height: required(numberOf(p['height']), 'WorkOrder.height'),
  };
}

function handoverRow(p: Properties): HandoverRow {
  return {
    offerTxId: required(stringOf(p['id']), 'CustodyHandover.id'),
    shipment: required(stringOf(p['shipment']), 'CustodyHandover.shipment'),
    from: required(stringOf(p['from']), 'CustodyHandover.from'),
    to: required(stringOf(p['to']), 'CustodyHandover.to'),
    leg: required(numberOf(p['leg']), 'CustodyHandover.leg'),
    location: required(stringOf(p['location']), 'CustodyHandover.location'),
    status: required(stringOf(p['status']), 'CustodyHandover.status'),
    offeredAtMs: required(numberOf(p['offeredAtMs']), 'CustodyHandover.offeredAtMs'),
    acceptedTxId: stringOf(p['acceptedTxId']),
    acceptedAtMs: numberOf(p['acceptedAtMs']),
  };
}

function touching(value: JsonValue | undefined): TouchingTransaction[] {
  return (Array.isArray(value) ? value : []).map((entry) => {
    const p = asMap(entry) ?? {};
    return { txId: required(stringOf(p['txId']), 'provenance txId'), height: required(numberOf(p['height']), 'provenance height') };
  });
}

/** Rows of `keys` in the same order, each from the column `column` of the row keyed `key`, or `fallback`. */
function byKey<T>(keys: readonly string[], rows: readonly { readonly [column: string]: JsonValue }[], read: (row: { readonly [column: string]: JsonValue }) => T, fallback: () => T): T[] {
  const found = new Map(rows.map((row) => [String(row['key']), read(row)]));
  return keys.map((key) => found.get(key) ?? fallback());
}

export async function ordersById(driver: Driver, ids: readonly string[]): Promise<(OrderRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (o:Order {id: key}) RETURN key, properties(o) AS o', { keys: [...ids] });
  return byKey<OrderRow | null>(ids, rows, (row) => orderRow(asMap(row['o']) ?? {}), () => null);
}

export async function shipmentsById(driver: Driver, ids: readonly string[]): Promise<(ShipmentRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (s:Shipment {id: key}) RETURN key, properties(s) AS s', { keys: [...ids] });
  return byKey<ShipmentRow | null>(ids, rows, (row) => shipmentRow(asMap(row['s']) ?? {}), () => null);
}

export async function workOrdersById(driver: Driver, ids: readonly string[]): Promise<(WorkOrderRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $keys AS key MATCH (w:WorkOrder {id: key}) RETURN key, properties(w) AS w', { keys: [...ids] });
  return byKey<WorkOrderRow | null>(ids, rows, (row) => workOrderRow(asMap(row['w']) ?? {}), () => null);
}

/** Each order's lifecycle steps, oldest first. */
export async function orderTransitions(driver: Driver, ids: readonly string[]): Promise<TransitionRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH (:Order {id: key})-[a:ADVANCED_BY]->(by:Organization)
WITH key, a, by ORDER BY a.height
RETURN key, collect({from: a.from, to: a.to, by: by.id, txId: a.txId, height: a.height, atMs: a.atMs}) AS steps`,
    { keys: [...ids] },
  );
  return byKey(
    ids,
    rows,
    (row) =>
      (Array.isArray(row['steps']) ? row['steps'] : []).map((entry) => {
        const p = asMap(entry) ?? {};
        return {
          from: required(stringOf(p['from']), 'ADVANCED_BY.from'),
          to: required(stringOf(p['to']), 'ADVANCED_BY.to'),
          by: required(stringOf(p['by']), 'ADVANCED_BY organisation'),
          txId: required(stringOf(p['txId']), 'ADVANCED_BY.txId'),
          height: required(numberOf(p['height']), 'ADVANCED_BY.height'),
          atMs: required(numberOf(p['atMs']), 'ADVANCED_BY.atMs'),
        };
      }),
    () => [],
  );
}

/** Each order's shipments, oldest first, at most `childListMax`. */
export async function orderShipments(driver: Driver, ids: readonly string[]): Promise<ShipmentRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH (s:Shipment)-[:FOR_ORDER]->(:Order {id: key})
WITH key, s ORDER BY s.createdHeight, s.id
RETURN key, collect(properties(s))[..$max] AS shipments`,
    { keys: [...ids], max: childListMax },
  );
  return byKey(ids, rows, (row) => (Array.isArray(row['shipments']) ? row['shipments'] : []).map((entry) => shipmentRow(asMap(entry) ?? {})), () => []);
}

/** Each order's work orders, oldest first, at most `childListMax`. */
export async function orderWorkOrders(driver: Driver, ids: readonly string[]): Promise<WorkOrderRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH (w:WorkOrder)-[:PART_OF]->(:Order {id: key})
WITH key, w ORDER BY w.createdHeight, w.id
RETURN key, collect(properties(w))[..$max] AS workOrders`,
    { keys: [...ids], max: childListMax },
  );
  return byKey(ids, rows, (row) => (Array.isArray(row['workOrders']) ? row['workOrders'] : []).map((entry) => workOrderRow(asMap(entry) ?? {})), () => []);
}

/** Each shipment's handover offers, oldest first, at most `childListMax`. */
export async function shipmentHandovers(driver: Driver, ids: readonly string[]): Promise<HandoverRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH (:Shipment {id: key})-[:HAS_HANDOVER]->(h:CustodyHandover)
WITH key, h ORDER BY h.createdHeight, h.id
RETURN key, collect(properties(h))[..$max] AS handovers`,
    { keys: [...ids], max: childListMax },
  );
  return byKey(ids, rows, (row) => (Array.isArray(row['handovers']) ? row['handovers'] : []).map((entry) => handoverRow(asMap(entry) ?? {})), () => []);
}

/** The handover offer made by transaction `offerTxId`, or null. */
export async function handoverByOfferTxId(driver: Driver, offerTxId: string): Promise<HandoverRow | null> {
  const [row] = await readRows(driver, 'MATCH (h:CustodyHandover {id: $id}) RETURN properties(h) AS h', { id: offerTxId });
  const p = asMap(row?.['h']);
  return p === undefined ? null : handoverRow(p);
}

/** Each work order's progress reports, oldest first, at most `childListMax` newest. */
export async function workOrderProgress(driver: Driver, ids: readonly string[]): Promise<ProgressRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $keys AS key
MATCH (:WorkOrder {id: key})-[r:PROGRESS_REPORTED]->()
WITH key, r ORDER BY r.height
RETURN key, collect({produced: r.produced, delivered: r.delivered, txId: r.txId, height: r.height, atMs: r.atMs})[-$max..] AS reports`,
    { keys: [...ids], max: childListMax },
  );
  return byKey(
    ids,
    rows,
    (row) =>
      (Array.isArray(row['reports']) ? row['reports'] : []).map((entry) => {
        const p = asMap(entry) ?? {};
        return {
          produced: required(numberOf(p['produced']), 'PROGRESS_REPORTED.produced'),
          delivered: required(numberOf(p['delivered']), 'PROGRESS_REPORTED.delivered'),
          txId: required(stringOf(p['txId']), 'PROGRESS_REPORTED.txId'),
          height: required(numberOf(p['height']), 'PROGRESS_REPORTED.height'),
          atMs: required(numberOf(p['atMs']), 'PROGRESS_REPORTED.atMs'),
        };
      }),
    () => [],
  );
}

// Every node and relationship the projection writes for an entity carries the transaction that made
// it; these unions gather them, oldest first, one entry per transaction.
const orderProvenanceCypher = `UNWIND $keys AS key
MATCH (o:Order {id: key})
CALL {
  WITH o RETURN o.createdTxId AS txId, o.createdHeight AS height
  UNION WITH o MATCH (o)-[a:ADVANCED_BY]->() RETURN a.txId AS txId, a.height AS height
  UNION WITH o MATCH (:WorkOrder)-[p:PART_OF]->(o) RETURN p.txId AS txId, p.height AS height
  UNION WITH o MATCH (w:WorkOrder)-[:PART_OF]->(o) MATCH (w)-[r:PROGRESS_REPORTED]->() RETURN r.txId AS txId, r.height AS height
  UNION WITH o MATCH (:Shipment)-[f:FOR_ORDER]->(o) RETURN f.txId AS txId, f.height AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

const shipmentProvenanceCypher = `UNWIND $keys AS key
MATCH (s:Shipment {id: key})
CALL {
  WITH s RETURN s.createdTxId AS txId, s.createdHeight AS height
  UNION WITH s MATCH (s)-[:HAS_HANDOVER]->(h) RETURN h.createdTxId AS txId, h.createdHeight AS height
  UNION WITH s MATCH (s)-[:HAS_HANDOVER]->(h) WHERE h.acceptedTxId IS NOT NULL RETURN h.acceptedTxId AS txId, h.acceptedHeight AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

const workOrderProvenanceCypher = `UNWIND $keys AS key
MATCH (w:WorkOrder {id: key})
CALL {
  WITH w RETURN w.createdTxId AS txId, w.createdHeight AS height
  UNION WITH w MATCH (w)-[r:PROGRESS_REPORTED]->() RETURN r.txId AS txId, r.height AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

async function provenance(driver: Driver, cypher: string, ids: readonly string[]): Promise<TouchingTransaction[][]> {
  const rows = await readRows(driver, cypher, { keys: [...ids], max: provenanceEntriesMax });
  return byKey(ids, rows, (row) => touching(row['entries']), () => []);
}

export const orderProvenance = (driver: Driver, ids: readonly string[]) => provenance(driver, orderProvenanceCypher, ids);
export const shipmentProvenance = (driver: Driver, ids: readonly string[]) => provenance(driver, shipmentProvenanceCypher, ids);
export const workOrderProvenance = (driver: Driver, ids: readonly string[]) => provenance(driver, workOrderProvenanceCypher, ids);

/**
 * Orders ordered by id after `afterId`, at most `limit`, optionally of one status: of organisation
 * `party` (its orders as buyer or seller, as carrier or consignee of a shipment, as producer of a work
 * order, which are exactly the orders whose `parties` name it), or every order when `party` is null.
 */
export async function ordersPage(driver: Driver, party: string | null, status: string | null, afterId: string | null, limit: number): Promise<OrderRow[]> {
  const rows =
    party === null
      ? await readRows(
          driver,
          `MATCH (o:Order) WHERE ($status IS NULL OR o.status = $status) AND ($after IS NULL OR o.id > $after)
RETURN properties(o) AS o ORDER BY o.id LIMIT $limit`,
          { status, after: afterId, limit },
        )
      : await readRows(
          driver,
          `MATCH (party:Organization {id: $party})
CALL {
  WITH party MATCH (party)<-[:BUYER|SELLER]-(o:Order) RETURN o
  UNION WITH party MATCH (party)<-[:CARRIED_BY|CONSIGNED_TO]-(:Shipment)-[:FOR_ORDER]->(o:Order) RETURN o
  UNION WITH party MATCH (party)<-[:PRODUCED_BY]-(:WorkOrder)-[:PART_OF]->(o:Order) RETURN o
}
WITH o WHERE ($status IS NULL OR o.status = $status) AND ($after IS NULL OR o.id > $after)
RETURN properties(o) AS o ORDER BY o.id LIMIT $limit`,
          { party, status, after: afterId, limit },
        );
  return rows.map((row) => orderRow(asMap(row['o']) ?? {}));
}
