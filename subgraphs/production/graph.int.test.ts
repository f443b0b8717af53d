/**
 * The production projection and the production subgraph's reads against a real Neo4j: the events a
 * production history emits are projected with the real handlers (one write transaction per event, in
 * ledger order, onto a migrated graph), then read through the subgraph's schema as the gateway would.
 * Shows: a lot that EPCIS named first becomes a MaterialLot in place (one node, both labels); batches
 * list their inputs and lots what they have left; steps page oldest first with stable cursors;
 * provenance lists the making transaction and every later one that linked the entity, oldest first;
 * private fields answer the maker and a regulator and are FORBIDDEN to another partner.
 */
import type { Identity } from '@twinledger/gateway';
import { applyMigrations, projectEvent, toNeo4jParameters, type ProjectionContext } from '@twinledger/graph-schema';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { neo4jAuthFromEnv } from '@twinledger/tools';
import { graphql, type GraphQLSchema } from 'graphql';
import neo4j, { type Driver } from 'neo4j-driver';
import { productionContext, productionSchema } from './schema.js';

jest.setTimeout(120_000);

/** A prefix of this run, so the graph's unique keys never meet another run's. */
const run = `p${Date.now().toString(36)}`;
const k = (name: string): string => `${run}-${name}`;
const tx = (height: number): string => `${run.length.toString(16)}${height.toString(16).padStart(63, '0')}`;
const station = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';

let driver: Driver;
let schema: GraphQLSchema;

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

const producer: Identity = { organizationId: k('plant'), role: 'partner' } as Identity;
const regulator: Identity = { organizationId: k('authority'), role: 'regulator' } as Identity;
const outsider: Identity = { organizationId: k('outsider'), role: 'partner' } as Identity;

async function ask(identity: Identity, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const result = await graphql({ schema, source: query, variableValues: variables, contextValue: productionContext(driver, identity) });
  return JSON.parse(JSON.stringify(result)) as Answer;
}

/** The events of a production history, one per block from height 1. */
const history: LedgerEvent[] = [
  { type: 'MaterialLotRegistered', lot: k('steel'), material: 'Steel', quantity: 1000, unit: 'kg', supplier: k('mill'), delegationId: null },
  {
    type: 'BatchCreated',
    lot: k('B1'),
    model: 'Gearbox',
    quantity: 3,
    unit: 'pcs',
    producer: k('plant'),
    inputs: [
      { lot: k('steel'), quantity: 600, unit: 'kg', remaining: 400 },
      { lot: k('bearings'), quantity: 6, unit: 'pcs', remaining: 44 },
    ],
    delegationId: null,
  },
  ...['P1', 'P2', 'P3'].map((serial) => ({ type: 'ProductRegistered', serial: k(serial), model: 'Gearbox', batch: k('B1'), producer: k('plant'), delegationId: null })),
  ...[1, 2, 3].map((n) => ({
    type: 'ProcessStepRecorded',
    id: k(`S${n}`),
    station,
    subjectKind: 'product',
    subject: k('P1'),
    producer: k('plant'),
    name: `Step ${n}`,
    parameters: { n, ok: true },
    operator: 'badge-1',
    inputs: n === 1 ? [{ lot: k('steel'), quantity: 5, unit: 'kg', remaining: 395 }] : [],
    signedBy: n === 3 ? 'device' : 'organization',
    grantTxId: n === 3 ? tx(99) : null,
    delegationId: null,
  })),
  { type: 'QualityCheckRecorded', id: k('Q1'), subjectKind: 'product', subject: k('P1'), producer: k('plant'), result: 'pass', measurements: { noiseDb: 61.5 }, inspector: 'badge-2', delegationId: null },
];

beforeAll(async () => {
  const uri = process.env.NEO4J_URI;
  if (uri === undefined) throw new Error('NEO4J_URI is not set: run under the integration project');
  driver = neo4j.driver(uri, neo4jAuthFromEnv());
  await applyMigrations(driver);
  schema = productionSchema();
  // The bearings lot was named by an EPCIS event before its supplier registered it.
  await driver.executeQuery('CREATE (:Lot {lot: $lot, createdTxId: $txId, createdHeight: 0, txId: $txId, height: 0})', { lot: k('bearings'), txId: tx(0) });
  const events: LedgerEvent[] = [history[0] as LedgerEvent, { ...(history[0] as LedgerEvent), lot: k('bearings'), material: 'Bearing', quantity: 50, unit: 'pcs' }, ...history.slice(1)];
  for (const [index, event] of events.entries()) {
    const height = index + 1;
    const context: ProjectionContext = { txId: tx(height), height, position: 0, eventIndex: 0, ledgerTimeMs: 1_767_225_600_000 + height * 1_000, blockHash: 'cd'.repeat(32) };
    const session = driver.session();
    try {
      await session.executeWrite(async (write) => {
        for (const statement of projectEvent(event, context)) await write.run(statement.text, toNeo4jParameters(statement.parameters));
      });
    } finally {
      await session.close();
    }
  }
});

afterAll(async () => {
  await driver?.close();
});

test('a lot EPCIS named first becomes a material lot in place, and batches list what they were made from', async () => {
  const [row] = (await driver.executeQuery('MATCH (l:Lot {lot: $lot}) RETURN labels(l) AS labels, count(*) AS n', { lot: k('bearings') })).records;
  expect([...(row?.get('labels') as string[])].sort()).toEqual(['Lot', 'MaterialLot']);
  const answer = await ask(outsider, 'query($lot: String!) { batch(lot: $lot) { model quantity remaining unit producer { id } inputs { lot kind quantity unit txId } } }', { lot: k('B1') });
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.['batch']).toEqual({
    model: 'Gearbox',
    quantity: '3',
    remaining: '3',
    unit: 'pcs',
    producer: { id: k('plant') },
    inputs: [
      { lot: k('bearings'), kind: 'MATERIAL_LOT', quantity: '6', unit: 'pcs', txId: tx(3) },
      { lot: k('steel'), kind: 'MATERIAL_LOT', quantity: '600', unit: 'kg', txId: tx(3) },
    ].sort((a, b) => (a.lot < b.lot ? -1 : 1)),
  });
  const lots = await ask(outsider, 'query($a: String!, $b: String!) { a: materialLot(lot: $a) { remaining supplier { id } } b: materialLot(lot: $b) { remaining } notABatch: batch(lot: $a) { lot } }', {
    a: k('steel'),
    b: k('bearings'),
  });
  expect(lots.data).toEqual({ a: { remaining: '395', supplier: { id: k('mill') } }, b: { remaining: '44' }, notABatch: null });
});

test('steps page oldest first with stable cursors, and a batch pages its products by serial', async () => {
  const query = 'query($s: String!, $after: String) { product(serial: $s) { processSteps(first: 2, after: $after) { edges { node { id signedBy grantTxId } } pageInfo { hasNextPage endCursor } } } }';
  const first = await ask(outsider, query, { s: k('P1') });
  const page1 = (first.data?.['product'] as { processSteps: { edges: { node: unknown }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }).processSteps;
  expect(page1.edges.map((edge) => edge.node)).toEqual([
    { id: k('S1'), signedBy: 'ORGANIZATION', grantTxId: null },
    { id: k('S2'), signedBy: 'ORGANIZATION', grantTxId: null },
  ]);
  expect(page1.pageInfo.hasNextPage).toBe(true);
  const second = await ask(outsider, query, { s: k('P1'), after: page1.pageInfo.endCursor });
  expect(second.data?.['product']).toEqual({ processSteps: { edges: [{ node: { id: k('S3'), signedBy: 'DEVICE', grantTxId: tx(99) } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } } });
  const products = await ask(outsider, 'query($b: String!) { batch(lot: $b) { products(first: 2) { edges { node { serial } } pageInfo { hasNextPage } } } }', { b: k('B1') });
  expect(products.data?.['batch']).toEqual({ products: { edges: [{ node: { serial: k('P1') } }, { node: { serial: k('P2') } }], pageInfo: { hasNextPage: true } } });
  expect((await ask(outsider, query, { s: k('P1'), after: 'not-a-cursor' })).errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
});

test('provenance: the making transaction, then every one that linked the entity, oldest first', async () => {
  const answer = await ask(outsider, 'query($s: String!, $l: String!, $st: String!) { product(serial: $s) { provenance { txId } } materialLot(lot: $l) { provenance { txId } } processStep(id: $st) { provenance { txId } } }', {
    s: k('P1'),
    l: k('steel'),
    st: k('S1'),
  });
  expect(answer.errors).toBeUndefined();
  const txIds = (entity: string): string[] => (answer.data?.[entity] as { provenance: { txId: string }[] }).provenance.map((entry) => entry.txId);
  // P1: registered at height 4, steps at 7, 8, 9, the check at 10.
  expect(txIds('product')).toEqual([tx(4), tx(7), tx(8), tx(9), tx(10)]);
  // The steel lot: registered at 1, consumed by the batch at 3 and by step S1 at 7.
  expect(txIds('materialLot')).toEqual([tx(1), tx(3), tx(7)]);
  expect(txIds('processStep')).toEqual([tx(7)]);
});

test('process data answers the maker and a regulator, and is FORBIDDEN to another partner', async () => {
  const query = 'query($st: String!, $q: String!) { processStep(id: $st) { name parameters operator subject { ... on Product { serial } } } qualityCheck(id: $q) { result measurements inspector } }';
  const full = { processStep: { name: 'Step 1', parameters: { n: 1, ok: true }, operator: 'badge-1', subject: { serial: k('P1') } }, qualityCheck: { result: 'PASS', measurements: { noiseDb: 61.5 }, inspector: 'badge-2' } };
  for (const identity of [producer, regulator]) {
    const answer = await ask(identity, query, { st: k('S1'), q: k('Q1') });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual(full);
  }
  const refused = await ask(outsider, query, { st: k('S1'), q: k('Q1') });
  expect(refused.data).toEqual({ processStep: { ...full.processStep, parameters: null, operator: null }, qualityCheck: { result: 'PASS', measurements: null, inspector: null } });
  expect(refused.errors?.map((error) => [error.path?.join('.'), error.extensions?.['code']]).sort()).toEqual(
    [
      ['processStep.parameters', 'FORBIDDEN'],
      ['processStep.operator', 'FORBIDDEN'],
      ['qualityCheck.measurements', 'FORBIDDEN'],
      ['qualityCheck.inspector', 'FORBIDDEN'],
    ].sort(),
  );
});
