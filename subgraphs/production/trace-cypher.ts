/**
 * The Cypher of the trace queries, built as data: backward from a product or lot, forward from a lot,
 * and the recall report of a lot, each one read statement. The depth limit is written into the
 * variable-length pattern (Cypher takes no parameter there), so it is checked here to be an integer
 * 1..traceDepthMax before it reaches the text; every other input is a parameter.
 *
 * Each statement seeks its start node through the unique key of its label (`Product.serial`,
 * `Lot.lot`) and expands from there, so its cost follows the neighbourhood of the start, not the size
 * of the graph. Paths come back ordered by the keys along them, so a page is a stable slice and a
 * Relay cursor is a position in that order.
 */
import { traceBackwardTypes, traceDepthMax, traceForwardTypes } from '@twinledger/graph-schema';

export interface TraceStatement {
  readonly text: string;
  readonly parameters: { readonly [name: string]: string | number };
}

/** Where a backward trace starts: a product by serial, or a lot (batch, material lot) by its id. */
export type TraceStart = { readonly kind: 'product'; readonly serial: string } | { readonly kind: 'lot'; readonly lot: string };

/** A page of a trace: `offset` paths skipped in the stable order, then at most `limit`. */
export interface TracePage {
  readonly offset: number;
  readonly limit: number;
}

/** Longest trace page read at once (one more than the largest Relay page, to tell if there is a next one). */
export const traceLimitMax = 1_000;

/** Largest offset a cursor may carry; a deeper position is not a page anyone reads. */
export const traceOffsetMax = 1_000_000;

/** A trace argument outside its bounds; resolvers turn it into BAD_USER_INPUT. */
export class TraceInputError extends RangeError {
  override readonly name = 'TraceInputError';
}

/** `depth` as written into a pattern; throws TraceInputError unless it is an integer 1..traceDepthMax. */
export function checkedDepth(depth: number): number {
  if (!Number.isSafeInteger(depth) || depth < 1 || depth > traceDepthMax) {
    throw new TraceInputError(`depth must be an integer from 1 to ${traceDepthMax}, got ${String(depth)}`);
  }
  return depth;
}

function checkedPage(page: TracePage): TracePage {
  if (!Number.isSafeInteger(page.offset) || page.offset < 0 || page.offset > traceOffsetMax) {
    throw new TraceInputError(`offset must be an integer from 0 to ${traceOffsetMax}`);
  }
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > traceLimitMax) {
    throw new TraceInputError(`limit must be an integer from 1 to ${traceLimitMax}`);
  }
  return page;
}

/** Item ids as docs/traceability.md defines them: 1 to 256 printable ASCII characters, no spaces. */
const itemIdPattern = /^[\x21-\x7e]{1,256}$/;

function checkedKey(key: string, what: string): string {
  if (!itemIdPattern.test(key)) throw new TraceInputError(`${what} must be 1 to 256 printable ASCII characters without spaces`);
  return key;
}

/** The kind of node `variable` is, as the TraceNodeKind enum names it. */
function kindOf(variable: string): string {
  return `CASE WHEN ${variable}:Product THEN 'PRODUCT' WHEN ${variable}:Batch THEN 'BATCH' WHEN ${variable}:MaterialLot THEN 'MATERIAL_LOT'
 WHEN ${variable}:Lot THEN 'LOT' WHEN ${variable}:ProcessStep THEN 'PROCESS_STEP' WHEN ${variable}:Shipment THEN 'SHIPMENT'
 WHEN ${variable}:Organization THEN 'ORGANIZATION' ELSE 'OTHER' END`;
}

/** The key of node `variable`: the unique key of its label (docs/traceability.md). */
function keyOf(variable: string): string {
  return `CASE WHEN ${variable}:Product THEN ${variable}.serial WHEN ${variable}:Lot THEN ${variable}.lot ELSE ${variable}.id END`;
}

/** A node as a trace row carries it: kind, key and its stamps. */
function nodeMap(variable: string): string {
  return `{kind: ${kindOf(variable)}, key: ${keyOf(variable)}, createdTxId: ${variable}.createdTxId, createdHeight: ${variable}.createdHeight, txId: ${variable}.txId, height: ${variable}.height}`;
}

/**
 * The tail shared by the path queries: paths (as node and relationship lists in `pathNodes`,
 * `pathRels`) ordered by the kinds and keys along them, counted, and the page projected. A start with
 * no path at all arrives as one row of nulls, which counts as zero paths, so the statement still
 * answers for a start that exists.
 */
function pagedPaths(page: TracePage): string {
  return `WITH pathNodes, pathRels, [n IN pathNodes | [${kindOf('n')}, ${keyOf('n')}]] AS sortKey, [r IN pathRels | type(r)] AS sortTypes
ORDER BY sortKey, sortTypes
WITH collect(CASE WHEN pathNodes IS NULL THEN null ELSE {nodes: pathNodes, rels: pathRels} END) AS paths
RETURN size(paths) AS totalCount,
  [p IN paths[$offset..$offset + $limit] |
    {nodes: [n IN p.nodes | ${nodeMap('n')}],
     links: [i IN range(0, size(p.rels) - 1) | {index: i, type: type(p.rels[i]), reversed: startNode(p.rels[i]) <> p.nodes[i], txId: p.rels[i].txId, height: p.rels[i].height}]}] AS page`;
}

/**
 * Backward trace: every route from the start up its derivations (`traceBackwardTypes`, outgoing) that
 * ends where nothing further upstream is recorded or at `depth` relationships. No row when the start
 * does not exist; otherwise one row `{totalCount, page}`.
 */
export function backwardTraceCypher(start: TraceStart, depthIn: number, pageIn: TracePage): TraceStatement {
  const depth = checkedDepth(depthIn);
  const page = checkedPage(pageIn);
  const seek = start.kind === 'product' ? '(start:Product {serial: $key})' : '(start:Lot {lot: $key})';
  const key = start.kind === 'product' ? checkedKey(start.serial, 'serial') : checkedKey(start.lot, 'lot');
  const text = `MATCH ${seek}
OPTIONAL MATCH route = (start)-[:${traceBackwardTypes}*1..${depth}]->(end)
  WHERE length(route) = ${depth} OR NOT (end)-[:${traceBackwardTypes}]->()
WITH CASE WHEN route IS NULL THEN null ELSE nodes(route) END AS pathNodes, CASE WHEN route IS NULL THEN null ELSE relationships(route) END AS pathRels
${pagedPaths(page)}`;
  return { text, parameters: { key, offset: page.offset, limit: page.limit } };
}

/**
 * Forward trace: every route from the lot down to a product made from it (`traceForwardTypes`,
 * incoming, at most `depth` relationships), each extended by every shipment carrying that product and
 * the customer it is consigned to (two more relationships, outside `depth`). No row when the lot does
 * not exist; otherwise one row `{totalCount, page}`.
 */
export function forwardTraceCypher(lot: string, depthIn: number, pageIn: TracePage): TraceStatement {
  const depth = checkedDepth(depthIn);
  const page = checkedPage(pageIn);
  const text = `MATCH (start:Lot {lot: $key})
OPTIONAL MATCH route = (start)<-[:${traceForwardTypes}*1..${depth}]-(product:Product)
OPTIONAL MATCH (product)<-[carries:CARRIES]-(shipment:Shipment)
OPTIONAL MATCH (shipment)-[consigned:CONSIGNED_TO]->(customer:Organization)
WITH start, route, shipment, carries, customer, consigned
WITH CASE WHEN route IS NULL THEN null ELSE nodes(route) + CASE WHEN shipment IS NULL THEN [] ELSE [shipment] END + CASE WHEN customer IS NULL THEN [] ELSE [customer] END END AS pathNodes,
     CASE WHEN route IS NULL THEN null ELSE relationships(route) + CASE WHEN carries IS NULL THEN [] ELSE [carries] END + CASE WHEN consigned IS NULL THEN [] ELSE [consigned] END END AS pathRels
${pagedPaths(page)}`;
  return { text, parameters: { key: checkedKey(lot, 'lot'), offset: page.offset, limit: page.limit } };
}

/**
 * The recall report of a lot: the lot's stamps; how many products are made from it within `depth`;
 * the page of them (by serial) with producer, site and every shipment carrying each (its custodian,
 * location and stamps, so the reader picks the latest); and every consignment of a shipment carrying
 * the lot or anything made from it. No row when the lot does not exist.
 */
export function recallCypher(lot: string, depthIn: number, pageIn: TracePage): TraceStatement {
  const depth = checkedDepth(depthIn);
  const page = checkedPage(pageIn);
  const text = `MATCH (start:Lot {lot: $key})
OPTIONAL MATCH (start)<-[:${traceForwardTypes}*1..${depth}]-(item)
WITH start, collect(DISTINCT item) AS downstream
WITH start, downstream, [x IN downstream WHERE x:Product] AS products
WITH start, downstream, products,
  COLLECT {
    UNWIND [start] + downstream AS carried
    MATCH (carried)<-[:CARRIES]-(s:Shipment)-[c:CONSIGNED_TO]->(o:Organization)
    RETURN DISTINCT {organizationId: o.id, shipmentId: s.id, txId: c.txId, height: c.height}
  } AS consignments
UNWIND (CASE WHEN size(products) = 0 THEN [null] ELSE products END) AS product
WITH start, products, consignments, product ORDER BY product.serial
WITH start, size(products) AS totalCount, consignments, collect(product)[$offset..$offset + $limit] AS page
RETURN {createdTxId: start.createdTxId, createdHeight: start.createdHeight, txId: start.txId, height: start.height} AS lot,
  totalCount, consignments,
  [p IN page | {serial: p.serial, producer: p.producer, site: p.site,
    createdTxId: p.createdTxId, createdHeight: p.createdHeight, txId: p.txId, height: p.height,
    shipments: [(p)<-[c:CARRIES]-(s:Shipment) | {id: s.id, height: s.height, location: s.location,
      custodian: head([(s)-[k:IN_CUSTODY_OF]->(o:Organization) | o.id]),
      custodyTxId: head([(s)-[k:IN_CUSTODY_OF]->(:Organization) | k.txId]), custodyHeight: head([(s)-[k:IN_CUSTODY_OF]->(:Organization) | k.height]),
      carriesTxId: c.txId, carriesHeight: c.height}]}] AS products`;
  return { text, parameters: { key: checkedKey(lot, 'lot'), offset: page.offset, limit: page.limit } };
}

/** Who counts as a party to an item when a partner asks about it. */
export type PartyScope =
  /**
   * Trace: its maker (producer, supplier), the shipper, consignee or custodian of a shipment carrying
   * it, or an organisation that captured an EPCIS event naming it (it recorded the item in its chain).
   */
  | 'chain'
  /** Recall: its maker only, the organisation that answers for it. */
  | 'maker';

/**
 * Whether organisation `organizationId` is a party to the start item, by the unique-key seek of the
 * item and its own relationships only. No row when the item does not exist; otherwise one row `{party}`.
 */
export function partyCypher(start: TraceStart, organizationId: string, scope: PartyScope): TraceStatement {
  const seek = start.kind === 'product' ? '(start:Product {serial: $key})' : '(start:Lot {lot: $key})';
  const key = start.kind === 'product' ? checkedKey(start.serial, 'serial') : checkedKey(start.lot, 'lot');
  const maker = `($organizationId IN [start.producer, start.supplier] OR EXISTS { (start)-[:SUPPLIED_BY]->(:Organization {id: $organizationId}) })`;
  const shipping = `EXISTS { (start)<-[:CARRIES]-(:Shipment)-[:SHIPPED_FROM|CONSIGNED_TO|IN_CUSTODY_OF]->(:Organization {id: $organizationId}) }`;
  const observing = `EXISTS { (start)<-[:OBSERVED]-(:EpcisEvent {capturedBy: $organizationId}) }`;
  const text = `MATCH ${seek}
RETURN ${scope === 'chain' ? `${maker} OR ${shipping} OR ${observing}` : maker} AS party`;
  return { text, parameters: { key, organizationId } };
}
