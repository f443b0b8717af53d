/**
 * The trace and recall queries against a real Neo4j, over a small graph written here with Cypher in
 * the shape docs/traceability.md gives (this tests the queries, not the projection): two suppliers'
 * material lots and a packaging lot, a subassembly batch and two product batches, process steps that
 * consumed them, three products, and shipments (one product shipped twice, so its latest shipment
 * decides who holds it). Executed through the trace SDL and `traceResolvers`, as the gateway would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Identity } from '@twinledger/gateway';
import { applyMigrations, graphSchemaPackageDir, sharedScalarsSdl } from '@twinledger/graph-schema';
import { neo4jAuthFromEnv } from '@twinledger/tools';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import neo4j, { type Driver } from 'neo4j-driver';
import { bigIntScalar, dateTimeScalar, didScalar, hexScalar } from '../shared/scalars.js';
import { traceResolvers } from './trace.js';

jest.setTimeout(120_000);

/** A prefix of this run, so the graph's unique keys never meet another run's. */
const run = `t${Date.now().toString(36)}`;
const k = (name: string): string => `${run}-${name}`;
const tx = (n: number): string => n.toString(16).padStart(64, '0');

let driver: Driver;
let schema: GraphQLSchema;

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

async function ask(identity: Identity, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const result = await graphql({ schema, source: query, variableValues: variables, contextValue: { driver, identity } });
  return JSON.parse(JSON.stringify(result)) as Answer;
}

function codeOf(answer: Answer): unknown {
  return answer.errors?.[0]?.extensions?.code;
}

const analyst: Identity = { organizationId: k('agency'), role: 'analyst' } as Identity;
const regulator: Identity = { organizationId: k('authority'), role: 'regulator' } as Identity;
const partner = (organization: string): Identity => ({ organizationId: k(organization), role: 'partner' }) as Identity;

/**
 * Nodes `[label, key, height]` and relationships `[from, type, to, height]`; heights double as
 * synthetic transaction numbers, so provenance is checkable.
 */
const nodes: [string, string, number, Record<string, string>?][] = [
  ['Organization', 'supA', 1],
  ['Organization', 'supB', 1],
  ['Organization', 'plant', 1],
  ['Organization', 'cust1', 1],
  ['Organization', 'cust2', 1],
  ['Organization', 'carrier', 1],
  ['Organization', 'outsider', 1],
  ['Organization', 'observer', 1],
  ['Lot:MaterialLot', 'ML-A', 2, { supplier: 'supA' }],
  ['Lot:MaterialLot', 'ML-B', 3, { supplier: 'supB' }],
  ['Lot:MaterialLot', 'PK-1', 4, { supplier: 'supA' }],
  ['Lot:Batch', 'B1', 5, { producer: 'plant' }],
  ['ProcessStep', 'ST-1', 6, { producer: 'plant' }],
  ['Lot:Batch', 'B2', 7, { producer: 'plant' }],
  ['ProcessStep', 'ST-2', 8, { producer: 'plant' }],
  ['Lot:Batch', 'B3', 9, { producer: 'plant' }],
  ['Product', 'P1', 10, { producer: 'plant', site: 'plant yard' }],
  ['Product', 'P2', 11, { producer: 'plant', site: 'plant yard' }],
  ['Product', 'P3', 12, { producer: 'plant', site: 'plant yard' }],
  ['ProcessStep', 'ST-3', 13, { producer: 'plant' }],
  ['Shipment', 'SH-1', 20, { location: 'cust1 dock' }],
  ['Shipment', 'SH-3', 22, { location: 'cust2 dock' }],
  ['Shipment', 'SH-2', 25, { location: 'hub 4' }],
  ['EpcisEvent', 'EV-1', 27, { capturedBy: 'observer' }],
];

const relationships: [string, string, string, number][] = [
  ['ML-A', 'SUPPLIED_BY', 'supA', 2],
  ['ML-B', 'SUPPLIED_BY', 'supB', 3],
  ['PK-1', 'SUPPLIED_BY', 'supA', 4],
  ['B1', 'MADE_FROM', 'ML-A', 5],
  ['B1', 'MADE_FROM', 'ML-B', 5],
  ['B1', 'PROCESSED_IN', 'ST-1', 6],
  ['ST-1', 'CONSUMED', 'ML-A', 6],
  ['ST-1', 'CONSUMED', 'ML-B', 6],
  ['B2', 'MADE_FROM', 'B1', 7],
  ['B2', 'PROCESSED_IN', 'ST-2', 8],
  ['ST-2', 'CONSUMED', 'B1', 8],
  ['B3', 'MADE_FROM', 'ML-B', 9],
  ['P1', 'OF_BATCH', 'B2', 10],
  ['P2', 'OF_BATCH', 'B2', 11],
  ['P3', 'OF_BATCH', 'B3', 12],
  ['P2', 'PROCESSED_IN', 'ST-3', 13],
  ['ST-3', 'CONSUMED', 'PK-1', 13],
  ['SH-1', 'CARRIES', 'P1', 20],
  ['SH-1', 'SHIPPED_FROM', 'plant', 20],
  ['SH-1', 'CONSIGNED_TO', 'cust1', 20],
  ['SH-1', 'IN_CUSTODY_OF', 'cust1', 21],
  ['SH-3', 'CARRIES', 'P3', 22],
  ['SH-3', 'SHIPPED_FROM', 'plant', 22],
  ['SH-3', 'CONSIGNED_TO', 'cust2', 22],
  ['SH-3', 'IN_CUSTODY_OF', 'cust2', 23],
  ['SH-2', 'CARRIES', 'P1', 25],
  ['SH-2', 'SHIPPED_FROM', 'cust1', 25],
  ['SH-2', 'CONSIGNED_TO', 'cust2', 25],
  ['SH-2', 'IN_CUSTODY_OF', 'carrier', 26],
  ['EV-1', 'OBSERVED', 'P3', 27],
];

const keyProperty = (label: string): string => (label.startsWith('Lot') ? 'lot' : label === 'Product' ? 'serial' : label === 'EpcisEvent' ? 'hashId' : 'id');
const labelOf = new Map(nodes.map(([label, key]) => [key, label.split(':')[0] as string]));

beforeAll(async () => {
  const uri = process.env.NEO4J_URI;
  if (uri === undefined) throw new Error('NEO4J_URI is not set: run under the integration project');
  driver = neo4j.driver(uri, neo4jAuthFromEnv());
  await applyMigrations(driver);
  for (const [label, key, height, properties] of nodes) {
    const prefixed = Object.fromEntries(Object.entries(properties ?? {}).map(([name, value]) => [name, name === 'site' || name === 'location' ? value : k(value)]));
    await driver.executeQuery(`CREATE (n:${label}) SET n = $properties, n.${keyProperty(label)} = $key, n.createdTxId = $txId, n.txId = $txId, n.createdHeight = $height, n.height = $height`, {
      properties: prefixed,
      key: k(key),
      txId: tx(height),
      height: neo4j.int(height),
    });
  }
  for (const [from, type, to, height] of relationships) {
    const fromLabel = labelOf.get(from) as string;
    const toLabel = labelOf.get(to) as string;
    await driver.executeQuery(
      `MATCH (a:${fromLabel} {${keyProperty(fromLabel)}: $from}) MATCH (b:${toLabel} {${keyProperty(toLabel)}: $to}) CREATE (a)-[:${type} {txId: $txId, height: $height}]->(b)`,
      { from: k(from), to: k(to), txId: tx(height), height: neo4j.int(height) },
    );
  }
  const sdl = fs.readFileSync(path.join(graphSchemaPackageDir(), 'sdl', 'production', '20-trace.graphql'), 'utf8');
  const typeDefs = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { ping: Boolean }
type ProvenanceEntry @key(fields: "txId", resolvable: false) { txId: Hex! }
type Organization @key(fields: "id", resolvable: false) { id: ID! }
${sdl}
${sharedScalarsSdl()}`);
  schema = buildSubgraphSchema([{ typeDefs, resolvers: { ...traceResolvers, Hex: hexScalar, DID: didScalar, BigInt: bigIntScalar, DateTime: dateTimeScalar } }]);
});

afterAll(async () => {
  await driver?.close();
});

const backwardQuery = `query($serial: String, $lot: String, $depth: Int, $first: Int, $after: String) {
  traceBackward(serial: $serial, lot: $lot, depth: $depth, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { length nodes { kind key provenance { txId } } links { index type reversed provenance { txId } } } }
  }
}`;
const forwardQuery = `query($lot: String!, $depth: Int, $first: Int, $after: String) {
  traceForward(lot: $lot, depth: $depth, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { length nodes { kind key } links { type reversed } } }
  }
}`;
const recallQuery = `query($lot: String!, $depth: Int, $first: Int, $after: String) {
  recall(lot: $lot, depth: $depth, first: $first, after: $after) {
    lot depth provenance { txId }
    products { totalCount pageInfo { hasNextPage } edges { node { serial producer { id } holder { id } location shipmentId provenance { txId } } } }
    customers { organization { id } shipmentIds provenance { txId } }
  }
}`;

interface PathAnswer {
  length: number;
  nodes: { kind: string; key: string; provenance?: { txId: string }[] }[];
  links: { index?: number; type: string; reversed: boolean; provenance?: { txId: string }[] }[];
}
interface ConnectionAnswer {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor?: string; node: PathAnswer }[];
}

/** A path as `key -TYPE-> key`, with run prefixes removed. */
function spelled(path: PathAnswer): string {
  const names = path.nodes.map((node) => node.key.slice(run.length + 1));
  return names.reduce((text, name, index) => (index === 0 ? name : `${text} ${path.links[index - 1]?.reversed === true ? '<-' : '-'}${path.links[index - 1]?.type ?? '?'}${path.links[index - 1]?.reversed === true ? '-' : '->'} ${name}`), '');
}

async function allPaths(identity: Identity, query: string, variables: Record<string, unknown>, field: 'traceBackward' | 'traceForward'): Promise<ConnectionAnswer> {
  const answer = await ask(identity, query, { ...variables, first: 100 });
  expect(answer.errors).toBeUndefined();
  return answer.data?.[field] as ConnectionAnswer;
}

describe('traceBackward', () => {
  it('walks a product back through batches, steps and material lots to the suppliers: every route, each once', async () => {
    const trace = await allPaths(analyst, backwardQuery, { serial: k('P1'), depth: 6 }, 'traceBackward');
    expect(trace.edges.map((edge) => spelled(edge.node)).sort()).toEqual(
      [
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -MADE_FROM-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -MADE_FROM-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -MADE_FROM-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -MADE_FROM-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-B -SUPPLIED_BY-> supB',
      ].sort(),
    );
    expect(trace.totalCount).toBe(8);
    const first = trace.edges[0]?.node as PathAnswer;
    expect(first.nodes[0]).toEqual({ kind: 'PRODUCT', key: k('P1'), provenance: [{ txId: tx(10) }] });
    expect(first.nodes.map((node) => node.kind).slice(0, 2)).toEqual(['PRODUCT', 'BATCH']);
    expect(first.links[0]).toEqual({ index: 0, type: 'OF_BATCH', reversed: false, provenance: [{ txId: tx(10) }] });
    expect(first.nodes[first.nodes.length - 1]?.kind).toBe('ORGANIZATION');
  });

  it('stops at the depth limit: routes cut short end at depth, shorter ones where nothing is upstream', async () => {
    const five = await allPaths(analyst, backwardQuery, { serial: k('P1'), depth: 5 }, 'traceBackward');
    expect(five.edges.map((edge) => spelled(edge.node)).sort()).toEqual(
      [
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -MADE_FROM-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -MADE_FROM-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -MADE_FROM-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -MADE_FROM-> ML-A -SUPPLIED_BY-> supA',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -MADE_FROM-> ML-B -SUPPLIED_BY-> supB',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-A',
        'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2 -CONSUMED-> B1 -PROCESSED_IN-> ST-1 -CONSUMED-> ML-B',
      ].sort(),
    );
    expect(Math.max(...five.edges.map((edge) => edge.node.length))).toBe(5);
    const two = await allPaths(analyst, backwardQuery, { serial: k('P1'), depth: 2 }, 'traceBackward');
    expect(two.edges.map((edge) => spelled(edge.node)).sort()).toEqual(['P1 -OF_BATCH-> B2 -MADE_FROM-> B1', 'P1 -OF_BATCH-> B2 -PROCESSED_IN-> ST-2']);
  });

  it('starts from a lot as well: a batch back to its supplier, a material lot one relationship up to its supplier', async () => {
    const fromBatch = await allPaths(analyst, backwardQuery, { lot: k('B3') }, 'traceBackward');
    expect(fromBatch.edges.map((edge) => spelled(edge.node))).toEqual(['B3 -MADE_FROM-> ML-B -SUPPLIED_BY-> supB']);
    const leaf = await allPaths(analyst, backwardQuery, { lot: k('ML-A'), depth: 1 }, 'traceBackward');
    expect(leaf.edges.map((edge) => spelled(edge.node))).toEqual(['ML-A -SUPPLIED_BY-> supA']);
  });

  it('pages in a stable order: pages of three put together are the whole trace', async () => {
    const whole = await allPaths(analyst, backwardQuery, { serial: k('P1') }, 'traceBackward');
    const seen: string[] = [];
    let after: string | null = null;
    for (let pageIndex = 0; pageIndex < 10; pageIndex += 1) {
      const answer = await ask(analyst, backwardQuery, { serial: k('P1'), first: 3, after });
      const page = answer.data?.traceBackward as ConnectionAnswer;
      expect(page.totalCount).toBe(8);
      seen.push(...page.edges.map((edge) => spelled(edge.node)));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(whole.edges.map((edge) => spelled(edge.node)));
  });

  it('refuses bad arguments, names a missing item NOT_FOUND', async () => {
    expect(codeOf(await ask(analyst, backwardQuery, { serial: k('P1'), depth: 13 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, { serial: k('P1'), depth: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, { serial: k('P1'), lot: k('B1') }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, {}))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, { serial: 'has space' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, { serial: k('P1'), after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(analyst, backwardQuery, { serial: k('nope') }))).toBe('NOT_FOUND');
  });
});

describe('traceForward', () => {
  it('walks a lot forward to every product made from it, then to each shipment and its consignee', async () => {
    const trace = await allPaths(regulator, forwardQuery, { lot: k('ML-A') }, 'traceForward');
    const routesToB2 = ['ML-A <-MADE_FROM- B1 <-MADE_FROM- B2', 'ML-A <-MADE_FROM- B1 <-CONSUMED- ST-2 <-PROCESSED_IN- B2', 'ML-A <-CONSUMED- ST-1 <-PROCESSED_IN- B1 <-MADE_FROM- B2', 'ML-A <-CONSUMED- ST-1 <-PROCESSED_IN- B1 <-CONSUMED- ST-2 <-PROCESSED_IN- B2'];
    expect(trace.edges.map((edge) => spelled(edge.node)).sort()).toEqual(
      routesToB2
        .flatMap((route) => [`${route} <-OF_BATCH- P1 <-CARRIES- SH-1 -CONSIGNED_TO-> cust1`, `${route} <-OF_BATCH- P1 <-CARRIES- SH-2 -CONSIGNED_TO-> cust2`, `${route} <-OF_BATCH- P2`])
        .sort(),
    );
    expect(trace.totalCount).toBe(12);
  });

  it('reaches a product reworked with a packaging lot, and no further than depth', async () => {
    const trace = await allPaths(analyst, forwardQuery, { lot: k('PK-1') }, 'traceForward');
    expect(trace.edges.map((edge) => spelled(edge.node))).toEqual(['PK-1 <-CONSUMED- ST-3 <-PROCESSED_IN- P2']);
    const three = await allPaths(analyst, forwardQuery, { lot: k('ML-A'), depth: 3 }, 'traceForward');
    expect(three.edges.map((edge) => spelled(edge.node)).sort()).toEqual([
      'ML-A <-MADE_FROM- B1 <-MADE_FROM- B2 <-OF_BATCH- P1 <-CARRIES- SH-1 -CONSIGNED_TO-> cust1',
      'ML-A <-MADE_FROM- B1 <-MADE_FROM- B2 <-OF_BATCH- P1 <-CARRIES- SH-2 -CONSIGNED_TO-> cust2',
      'ML-A <-MADE_FROM- B1 <-MADE_FROM- B2 <-OF_BATCH- P2',
    ]);
    const two = await allPaths(analyst, forwardQuery, { lot: k('ML-A'), depth: 2 }, 'traceForward');
    expect(two).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});

describe('recall', () => {
  it('answers exactly the products made from the lot, who holds each and where, and the customers', async () => {
    const answer = await ask(analyst, recallQuery, { lot: k('ML-B') });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.recall).toEqual({
      lot: k('ML-B'),
      depth: 6,
      provenance: [{ txId: tx(3) }],
      products: {
        totalCount: 3,
        pageInfo: { hasNextPage: false },
        edges: [
          // Shipped twice: the later shipment (height 25, in transit) decides holder and place.
          { node: { serial: k('P1'), producer: { id: k('plant') }, holder: { id: k('carrier') }, location: 'hub 4', shipmentId: k('SH-2'), provenance: [10, 20, 21, 25, 26].map((n) => ({ txId: tx(n) })) } },
          { node: { serial: k('P2'), producer: { id: k('plant') }, holder: { id: k('plant') }, location: 'plant yard', shipmentId: null, provenance: [{ txId: tx(11) }] } },
          { node: { serial: k('P3'), producer: { id: k('plant') }, holder: { id: k('cust2') }, location: 'cust2 dock', shipmentId: k('SH-3'), provenance: [12, 22, 23].map((n) => ({ txId: tx(n) })) } },
        ],
      },
      customers: [
        { organization: { id: k('cust1') }, shipmentIds: [k('SH-1')], provenance: [{ txId: tx(20) }] },
        { organization: { id: k('cust2') }, shipmentIds: [k('SH-2'), k('SH-3')], provenance: [{ txId: tx(22) }, { txId: tx(25) }] },
      ],
    });
  });

  it('pages products by serial and narrows by depth', async () => {
    const first = await ask(analyst, recallQuery, { lot: k('ML-B'), first: 2 });
    const products = (first.data?.recall as { products: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: { node: { serial: string } }[] } }).products;
    expect(products.edges.map((edge) => edge.node.serial)).toEqual([k('P1'), k('P2')]);
    expect(products.pageInfo.hasNextPage).toBe(true);
    const shallow = await ask(analyst, recallQuery, { lot: k('ML-B'), depth: 2 });
    expect((shallow.data?.recall as { products: { edges: { node: { serial: string } }[] } }).products.edges.map((edge) => edge.node.serial)).toEqual([k('P3')]);
    const packaging = await ask(analyst, recallQuery, { lot: k('PK-1') });
    expect(packaging.data?.recall).toMatchObject({ products: { totalCount: 1 }, customers: [] });
  });
});

describe('who may ask', () => {
  it('lets the parties in the chain trace an item, and refuses everyone else with FORBIDDEN', async () => {
    for (const organization of ['plant', 'cust1', 'cust2', 'carrier']) {
      expect({ organization, code: codeOf(await ask(partner(organization), backwardQuery, { serial: k('P1') })) }).toEqual({ organization, code: undefined });
    }
    expect(codeOf(await ask(partner('supA'), forwardQuery, { lot: k('ML-A') }))).toBeUndefined();
    // An organisation that captured an EPCIS event naming P3 is in P3's chain, not in P1's.
    expect(codeOf(await ask(partner('observer'), backwardQuery, { serial: k('P3') }))).toBeUndefined();
    expect(codeOf(await ask(partner('observer'), backwardQuery, { serial: k('P1') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask(partner('outsider'), backwardQuery, { serial: k('P1') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask(partner('supB'), forwardQuery, { lot: k('ML-A') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask({ organizationId: k('outsider'), role: 'admin' } as Identity, backwardQuery, { serial: k('P1') }))).toBe('FORBIDDEN');
  });

  it('keeps a recall to analysts, regulators and the lot maker', async () => {
    expect(codeOf(await ask(regulator, recallQuery, { lot: k('ML-B') }))).toBeUndefined();
    expect(codeOf(await ask(partner('supB'), recallQuery, { lot: k('ML-B') }))).toBeUndefined();
    expect(codeOf(await ask(partner('plant'), recallQuery, { lot: k('B1') }))).toBeUndefined();
    expect(codeOf(await ask(partner('plant'), recallQuery, { lot: k('ML-B') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask(partner('cust1'), recallQuery, { lot: k('ML-B') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask(partner('observer'), recallQuery, { lot: k('B3') }))).toBe('FORBIDDEN');
    expect(codeOf(await ask(analyst, recallQuery, { lot: k('nope') }))).toBe('NOT_FOUND');
  });
});
