/**
 * Bulk-loads a generated supply network (generate.ts) into Neo4j the way the projection lays it out
 * (docs/traceability.md): the migrations' constraints first, then nodes and relationships in UNWIND
 * batches, each record stamped with a synthetic transaction id and block height in the order the
 * ledger would have accepted them, so provenance and "latest shipment" read as they would after a real
 * projection. Writes with CREATE: requires a graph that holds none of the network's keys yet.
 */
import { applyMigrations, toNeo4jParameters, type Parameters } from '@twinledger/graph-schema';
import type { Driver } from 'neo4j-driver';
import { networkNodeCount, networkRelationships, type KeyLabel, type TraceNetwork } from './generate.js';

/** Rows per UNWIND transaction: big enough to amortise a round trip, small enough for a modest heap. */
export const loadBatchRows = 10_000;

/** Synthetic transactions per block when stamping a loaded network. */
export const transactionsPerBlock = 500;

export interface LoadReport {
  readonly nodes: number;
  readonly relationships: number;
  readonly elapsedMs: number;
}

export interface Stamp {
  readonly txId: string;
  readonly height: number;
}

/** The stamp of the `index`-th record of a loaded network: a 64-digit hex id and its block. */
export function syntheticStamp(index: number): Stamp {
  return { txId: index.toString(16).padStart(64, '0'), height: Math.floor(index / transactionsPerBlock) + 1 };
}

const keyProperty: Record<KeyLabel, string> = { Organization: 'id', Lot: 'lot', Product: 'serial', ProcessStep: 'id', Shipment: 'id' };

/** Key constraints the load relies on that a label may not have from the migrations yet (named as they do). */
const loadKeyConstraints: readonly string[] = (Object.entries(keyProperty) as [KeyLabel, string][]).map(
  ([label, property]) => `CREATE CONSTRAINT ${label.toLowerCase()}_${property.toLowerCase()}_unique IF NOT EXISTS FOR (n:${label}) REQUIRE n.${property} IS UNIQUE`,
);

type Row = { readonly [name: string]: string | number | boolean | null };

async function writeInBatches(driver: Driver, cypher: string, rows: readonly Row[], onRows: (count: number) => void): Promise<void> {
  for (let start = 0; start < rows.length; start += loadBatchRows) {
    const batch = rows.slice(start, start + loadBatchRows);
    await driver.executeQuery(cypher, toNeo4jParameters({ rows: batch } as Parameters), { routing: 'WRITE' });
    onRows(batch.length);
  }
}

/** The node rows of each label combination, stamped, in ledger order; and each key's stamp. */
export function networkNodeRows(network: TraceNetwork): { groups: { labels: string; rows: Row[] }[]; stampOf: Map<string, Stamp> } {
  let index = 0;
  const stampOf = new Map<string, Stamp>();
  const stamped = (key: string, row: Record<string, string | number | boolean | null>): Row => {
    const stamp = syntheticStamp(index);
    index += 1;
    stampOf.set(key, stamp);
    return { ...row, createdTxId: stamp.txId, createdHeight: stamp.height, txId: stamp.txId, height: stamp.height };
  };
  const organizations = [...network.suppliers, ...network.producers, ...network.customers, ...network.carriers].map((id) => stamped(`Organization ${id}`, { id }));
  const materialLots = network.materialLots.map((lot) =>
    stamped(`Lot ${lot.lot}`, { lot: lot.lot, kind: 'material', supplier: lot.supplier, material: lot.material, quantity: lot.quantity, unit: lot.unit }),
  );
  const batches = network.batches.map((batch) => stamped(`Lot ${batch.lot}`, { lot: batch.lot, kind: 'batch', producer: batch.producer, model: batch.model, quantity: batch.quantity, unit: batch.unit }));
  const products = network.products.map((product) => stamped(`Product ${product.serial}`, { serial: product.serial, model: product.model, batch: product.batch, producer: product.producer }));
  const steps = network.steps.map((step) => stamped(`ProcessStep ${step.id}`, { id: step.id, name: step.name, producer: step.producer }));
  const shipments = network.shipments.map((shipment) =>
    stamped(`Shipment ${shipment.id}`, { id: shipment.id, shipper: shipment.shipper, consignee: shipment.consignee, status: shipment.delivered ? 'delivered' : 'in_transit', location: shipment.location }),
  );
  return {
    groups: [
      { labels: 'Organization', rows: organizations },
      { labels: 'Lot:MaterialLot', rows: materialLots },
      { labels: 'Lot:Batch', rows: batches },
      { labels: 'Product', rows: products },
      { labels: 'ProcessStep', rows: steps },
      { labels: 'Shipment', rows: shipments },
    ],
    stampOf,
  };
}

/**
 * Loads `network` into the graph behind `driver`: migrations, any key constraint they lack for these
 * labels, then nodes, then relationships (each stamped with the transaction of the record that made
 * it). `onProgress` hears the rows written so far.
 */
export async function loadNetwork(driver: Driver, network: TraceNetwork, onProgress: (rowsWritten: number) => void = () => undefined): Promise<LoadReport> {
  const startedMs = performance.now();
  await applyMigrations(driver);
  for (const statement of loadKeyConstraints) await driver.executeQuery(statement, {}, { routing: 'WRITE' });
  await driver.executeQuery('CALL db.awaitIndexes(600)', {}, { routing: 'WRITE' });
  let written = 0;
  const counted = (count: number): void => {
    written += count;
    onProgress(written);
  };
  const { groups, stampOf } = networkNodeRows(network);
  for (const { labels, rows } of groups) await writeInBatches(driver, `UNWIND $rows AS row CREATE (n:${labels}) SET n = row`, rows, counted);

  const byShape = new Map<string, Row[]>();
  const relationships = networkRelationships(network);
  for (const relationship of relationships) {
    // A relationship is written by the record that made it: the step for PROCESSED_IN, else its start.
    const [ownerLabel, ownerKey] = relationship.type === 'PROCESSED_IN' ? [relationship.toLabel, relationship.to] : [relationship.fromLabel, relationship.from];
    const stamp = stampOf.get(`${ownerLabel} ${ownerKey}`);
    if (stamp === undefined) throw new Error(`${relationship.type} from ${relationship.from} names ${ownerLabel} ${ownerKey}, which the network lacks`);
    const shape = `${relationship.type} ${relationship.fromLabel} ${relationship.toLabel}`;
    const rows = byShape.get(shape) ?? [];
    rows.push({ from: relationship.from, to: relationship.to, txId: stamp.txId, height: stamp.height });
    byShape.set(shape, rows);
  }
  for (const [shape, rows] of byShape) {
    const [type, fromLabel, toLabel] = shape.split(' ') as [string, KeyLabel, KeyLabel];
    const cypher = `UNWIND $rows AS row
MATCH (a:${fromLabel} {${keyProperty[fromLabel]}: row.from})
MATCH (b:${toLabel} {${keyProperty[toLabel]}: row.to})
CREATE (a)-[:${type} {txId: row.txId, height: row.height}]->(b)`;
    await writeInBatches(driver, cypher, rows, counted);
  }
  return { nodes: networkNodeCount(network), relationships: relationships.length, elapsedMs: Math.round(performance.now() - startedMs) };
}
