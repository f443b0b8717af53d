/**
 * The rows of the trace statements (trace-cypher.ts) narrowed into the shapes the trace resolvers
 * answer with: paths of kind/key nodes and typed links, recall products with their holder and place,
 * customers grouped by organisation, and provenance as `txId` references. Pure, so the rules (which
 * shipment is a product's latest, what provenance lists) are tested as data.
 */
import type { JsonValue } from '@twinledger/ledger-core/chain';

/** Most provenance entries an element answers with (each one costs the ledger subgraph a proof). */
export const provenanceEntriesMax = 20;

/** The transaction that wrote something and the height of its block. */
export interface Stamp {
  readonly txId: string | null;
  readonly height: number | null;
}

export interface ProvenanceReference {
  readonly txId: string;
}

export type TraceNodeKind = 'PRODUCT' | 'BATCH' | 'MATERIAL_LOT' | 'LOT' | 'PROCESS_STEP' | 'SHIPMENT' | 'ORGANIZATION';

export interface TraceNode {
  readonly kind: TraceNodeKind;
  readonly key: string;
  readonly provenance: readonly ProvenanceReference[];
}

export interface TraceLink {
  readonly index: number;
  readonly type: string;
  readonly reversed: boolean;
  readonly provenance: readonly ProvenanceReference[];
}

export interface TracePath {
  readonly length: number;
  readonly nodes: readonly TraceNode[];
  readonly links: readonly TraceLink[];
}

export interface RecallProduct {
  readonly serial: string;
  readonly producerId: string | null;
  readonly holderId: string | null;
  readonly location: string | null;
  readonly shipmentId: string | null;
  readonly provenance: readonly ProvenanceReference[];
}

export interface RecallCustomer {
  readonly organizationId: string;
  readonly shipmentIds: readonly string[];
  readonly provenance: readonly ProvenanceReference[];
}

/** A row that is not what the trace statements return: the graph and the queries disagree. */
export class TraceRowError extends Error {
  override readonly name = 'TraceRowError';
}

type JsonMap = { readonly [name: string]: JsonValue };

function mapOf(value: JsonValue | undefined, what: string): JsonMap {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) throw new TraceRowError(`${what} is not a map`);
  return value as JsonMap;
}

function listOf(value: JsonValue | undefined, what: string): readonly JsonValue[] {
  if (!Array.isArray(value)) throw new TraceRowError(`${what} is not a list`);
  return value;
}

function stringOf(value: JsonValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new TraceRowError(`${what} is not a string`);
  return value;
}

function optionalString(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function optionalNumber(value: JsonValue | undefined): number | null {
  return typeof value === 'number' ? value : null;
}

function wholeNumber(value: JsonValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TraceRowError(`${what} is not a whole number`);
  return value;
}

function stamp(map: JsonMap, txIdField: string, heightField: string): Stamp {
  return { txId: optionalString(map[txIdField]), height: optionalNumber(map[heightField]) };
}

/**
 * Provenance references from stamps: each transaction once, oldest block first (a stamp without a
 * height last, by txId), at most `provenanceEntriesMax`. Stamps without a txId are skipped.
 */
export function provenanceOf(stamps: readonly Stamp[]): ProvenanceReference[] {
  const heightByTxId = new Map<string, number>();
  for (const { txId, height } of stamps) {
    if (txId === null || txId.length === 0) continue;
    const known = heightByTxId.get(txId);
    const value = height ?? Number.MAX_SAFE_INTEGER;
    if (known === undefined || value < known) heightByTxId.set(txId, value);
  }
  return [...heightByTxId]
    .sort(([txA, heightA], [txB, heightB]) => heightA - heightB || (txA < txB ? -1 : txA > txB ? 1 : 0))
    .slice(0, provenanceEntriesMax)
    .map(([txId]) => ({ txId }));
}

const nodeKinds: ReadonlySet<string> = new Set(['PRODUCT', 'BATCH', 'MATERIAL_LOT', 'LOT', 'PROCESS_STEP', 'SHIPMENT', 'ORGANIZATION']);

function traceNode(value: JsonValue, what: string): TraceNode {
  const map = mapOf(value, what);
  const kind = stringOf(map.kind, `${what}.kind`);
  if (!nodeKinds.has(kind)) throw new TraceRowError(`${what} is a node of no trace kind (${kind})`);
  return {
    kind: kind as TraceNodeKind,
    key: stringOf(map.key, `${what}.key`),
    provenance: provenanceOf([stamp(map, 'createdTxId', 'createdHeight'), stamp(map, 'txId', 'height')]),
  };
}

function traceLink(value: JsonValue, what: string): TraceLink {
  const map = mapOf(value, what);
  if (typeof map.reversed !== 'boolean') throw new TraceRowError(`${what}.reversed is not a boolean`);
  return {
    index: wholeNumber(map.index, `${what}.index`),
    type: stringOf(map.type, `${what}.type`),
    reversed: map.reversed,
    provenance: provenanceOf([stamp(map, 'txId', 'height')]),
  };
}

/** The paths of a trace page (`page` column of backwardTraceCypher / forwardTraceCypher). */
export function tracePathsOf(page: JsonValue | undefined): TracePath[] {
  return listOf(page, 'page').map((value, pathIndex) => {
    const map = mapOf(value, `path ${pathIndex}`);
    const nodes = listOf(map.nodes, `path ${pathIndex} nodes`).map((node, index) => traceNode(node, `path ${pathIndex} node ${index}`));
    const links = listOf(map.links, `path ${pathIndex} links`).map((link, index) => traceLink(link, `path ${pathIndex} link ${index}`));
    if (links.length !== nodes.length - 1) throw new TraceRowError(`path ${pathIndex} has ${nodes.length} nodes and ${links.length} links`);
    return { length: links.length, nodes, links };
  });
}

interface ShipmentOfProduct {
  readonly id: string;
  readonly height: number;
  readonly location: string | null;
  readonly custodian: string | null;
  readonly carries: Stamp;
  readonly custody: Stamp;
}

/**
 * The shipment that says where a product is: the one with the highest `height` (docs/traceability.md),
 * the greatest id among equals so the answer never depends on the order rows came in.
 */
export function latestShipment<T extends { readonly id: string; readonly height: number }>(shipments: readonly T[]): T | undefined {
  let latest: T | undefined;
  for (const shipment of shipments) {
    if (latest === undefined || shipment.height > latest.height || (shipment.height === latest.height && shipment.id > latest.id)) latest = shipment;
  }
  return latest;
}

/** The products of a recall page (`products` column of recallCypher), each with holder and location. */
export function recallProductsOf(products: JsonValue | undefined): RecallProduct[] {
  return listOf(products, 'products').map((value, index) => {
    const map = mapOf(value, `product ${index}`);
    const shipments: ShipmentOfProduct[] = listOf(map.shipments, `product ${index} shipments`).map((item, shipmentIndex) => {
      const shipment = mapOf(item, `product ${index} shipment ${shipmentIndex}`);
      return {
        id: stringOf(shipment.id, `product ${index} shipment ${shipmentIndex}.id`),
        height: wholeNumber(shipment.height, `product ${index} shipment ${shipmentIndex}.height`),
        location: optionalString(shipment.location),
        custodian: optionalString(shipment.custodian),
        carries: stamp(shipment, 'carriesTxId', 'carriesHeight'),
        custody: stamp(shipment, 'custodyTxId', 'custodyHeight'),
      };
    });
    const producerId = optionalString(map.producer);
    const latest = latestShipment(shipments);
    return {
      serial: stringOf(map.serial, `product ${index}.serial`),
      producerId,
      holderId: latest?.custodian ?? producerId,
      location: latest === undefined ? optionalString(map.site) : (latest.location ?? optionalString(map.site)),
      shipmentId: latest?.id ?? null,
      provenance: provenanceOf([
        stamp(map, 'createdTxId', 'createdHeight'),
        stamp(map, 'txId', 'height'),
        ...shipments.flatMap((shipment) => [shipment.carries, shipment.custody]),
      ]),
    };
  });
}

/** Consignments (`consignments` column of recallCypher) grouped by customer, customers by id. */
export function recallCustomersOf(consignments: JsonValue | undefined): RecallCustomer[] {
  const byCustomer = new Map<string, { shipmentIds: Set<string>; stamps: Stamp[] }>();
  listOf(consignments, 'consignments').forEach((value, index) => {
    const map = mapOf(value, `consignment ${index}`);
    const organizationId = stringOf(map.organizationId, `consignment ${index}.organizationId`);
    const customer = byCustomer.get(organizationId) ?? { shipmentIds: new Set<string>(), stamps: [] };
    customer.shipmentIds.add(stringOf(map.shipmentId, `consignment ${index}.shipmentId`));
    customer.stamps.push(stamp(map, 'txId', 'height'));
    byCustomer.set(organizationId, customer);
  });
  return [...byCustomer]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([organizationId, { shipmentIds, stamps }]) => ({ organizationId, shipmentIds: [...shipmentIds].sort(), provenance: provenanceOf(stamps) }));
}

/** The recalled lot's own provenance (`lot` column of recallCypher). */
export function lotProvenanceOf(lot: JsonValue | undefined): ProvenanceReference[] {
  const map = mapOf(lot, 'lot');
  return provenanceOf([stamp(map, 'createdTxId', 'createdHeight'), stamp(map, 'txId', 'height')]);
}

/** The `totalCount` column. */
export function totalCountOf(value: JsonValue | undefined): number {
  return wholeNumber(value, 'totalCount');
}
