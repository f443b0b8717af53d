/**
 * `npm run bench trace traversal`: backward and forward trace latency on a generated twin graph of at
 * least 1,000,000 nodes, with the statements the production subgraph runs (trace-cypher.ts).
 *
 * Starts its own Neo4j (2 GiB heap, 2 GiB page cache) with its store in a temporary folder named by the
 * network's seed and size; a store already holding that network (a marker node written at the end of a
 * complete load) is reused, since loading takes minutes; a half-loaded one is deleted and loaded again.
 * After a warm-up, one client over a driver opened as the platform opens it (openNeo4jDriver, TCP_NODELAY
 * sockets) runs a 6-hop backward trace from each of a few thousand random products, a 6-hop forward
 * trace and the recall report from each of a few thousand random lots, and reports p50/p99 of each and
 * what they found. Before that, both traces over a plain driver, whose sockets keep Nagle's algorithm,
 * for the difference it makes.
 * TRACE_BENCH_PRODUCTS (products in the network) and TRACE_BENCH_SEED override the network.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromNeo4j, toNeo4jParameters } from '@twinledger/graph-schema';
import { backwardTraceCypher, forwardTraceCypher, recallCypher, type TraceStatement } from '@twinledger/subgraphs/production/trace-cypher';
import { openNeo4jDriver, startNeo4j, type Neo4jService } from '@twinledger/tools';
import neo4j, { type Driver } from 'neo4j-driver';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';
import { generateNetwork, networkGeneratorVersion, networkNodeCount, networkRelationships, seededRandom, type TraceNetwork } from './generate.js';
import { loadNetwork } from './load.js';

/** 760,000 products make a network of just over 1,000,000 nodes with the generator's shares. */
const productsDefault = 760_000;
const nodesMin = 1_000_000;
const traceDepth = 6;
const pageRows = 20;
const warmupTraces = 500;
const measuredTraces = 3_000;
const neo4jHeapMb = 2_048;
/** Holds the loaded store (≈ 1.6 GiB of store files for the default network), so traces read no file pages. */
const neo4jPageCache = '2g';

function positiveIntegerFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${text}`);
  return value;
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))] as number;
}

function rounded(value: number): number {
  return Math.round(value * 100) / 100;
}

function log(line: string): void {
  process.stderr.write(`trace: ${line}\n`);
}

/** Runs `statement` and answers its elapsed time and the paths it counted. */
async function timed(driver: Driver, statement: TraceStatement): Promise<{ elapsedMs: number; paths: number }> {
  const startedMs = performance.now();
  const result = await driver.executeQuery(statement.text, toNeo4jParameters(statement.parameters), { routing: 'READ' });
  const elapsedMs = performance.now() - startedMs;
  const total = fromNeo4j(result.records[0]?.get('totalCount'));
  if (typeof total !== 'number') throw new Error('a trace answered no totalCount: its start is missing from the loaded graph');
  return { elapsedMs, paths: total };
}

/** p50/p99 of `statements` run one at a time, and the mean of their `totalCount` (`found`: what they count). */
async function measure(driver: Driver, label: string, statements: readonly TraceStatement[], found = 'paths'): Promise<BenchmarkResult[]> {
  const latenciesMs: number[] = [];
  let paths = 0;
  for (const statement of statements) {
    const { elapsedMs, paths: found } = await timed(driver, statement);
    latenciesMs.push(elapsedMs);
    paths += found;
  }
  latenciesMs.sort((a, b) => a - b);
  return [
    { label: `${label} p50`, value: rounded(percentile(latenciesMs, 0.5)), unit: 'ms' },
    { label: `${label} p99`, value: rounded(percentile(latenciesMs, 0.99)), unit: 'ms' },
    { label: `${label} ${found} per query (mean)`, value: rounded(paths / statements.length), unit: found },
    { label: `${label} queries`, value: statements.length, unit: 'queries' },
  ];
}

async function nodeCount(driver: Driver): Promise<number> {
  const result = await driver.executeQuery('MATCH (n) RETURN count(n) AS count', {}, { routing: 'READ' });
  return fromNeo4j(result.records[0]?.get('count')) as number;
}

function storeSizeBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? storeSizeBytes(full) : fs.statSync(full).size;
  }
  return total;
}

/**
 * Neo4j with a page cache that holds the loaded store: the launcher's 256 MiB default is a sixth of it,
 * and a trace benchmark over such a cache would measure page faults rather than traversal.
 */
function startBenchNeo4j(dataDir: string, logDir: string): Promise<Neo4jService> {
  // Recovery of a large store after an unclean stop takes longer than a fresh start.
  return startNeo4j(dataDir, logDir, { heapMb: neo4jHeapMb, pageCache: neo4jPageCache, readyTimeoutMs: 600_000, log });
}

interface LoadedStore {
  readonly service: Neo4jService;
  readonly driver: Driver;
  /** Seconds the load took, or undefined when a complete store was reused. */
  readonly loadSeconds: number | undefined;
  readonly relationships: number;
}

/** Neo4j over the network's store, loading the network unless a complete load of it is there already. */
async function openStore(dataDir: string, network: TraceNetwork, key: string): Promise<LoadedStore> {
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  let service = await startBenchNeo4j(dataDir, logDir);
  let driver = neo4j.driver(service.uri, undefined, { maxConnectionPoolSize: 4 });
  const marker = await driver.executeQuery('MATCH (m:BenchTraceLoad {key: $key}) RETURN m.relationships AS relationships', { key }, { routing: 'READ' });
  const record = marker.records[0];
  if (record !== undefined) {
    log(`reusing the store in ${dataDir}`);
    return { service, driver, loadSeconds: undefined, relationships: fromNeo4j(record.get('relationships')) as number };
  }
  if ((await nodeCount(driver)) > 0) {
    log('the store holds a partial load; deleting it');
    await driver.close();
    await service.child.stop();
    fs.rmSync(path.join(dataDir, 'neo4j'), { recursive: true, force: true });
    service = await startBenchNeo4j(dataDir, logDir);
    driver = neo4j.driver(service.uri, undefined, { maxConnectionPoolSize: 4 });
  }
  log(`loading ${networkNodeCount(network)} nodes into ${dataDir}`);
  let lastLoggedMs = performance.now();
  const report = await loadNetwork(driver, network, (rows) => {
    if (performance.now() - lastLoggedMs < 10_000) return;
    lastLoggedMs = performance.now();
    log(`${rows} rows written`);
  });
  await driver.executeQuery('CREATE (:BenchTraceLoad {key: $key, relationships: $relationships, loadMs: $loadMs})', toNeo4jParameters({ key, relationships: report.relationships, loadMs: report.elapsedMs }), { routing: 'WRITE' });
  log(`loaded in ${Math.round(report.elapsedMs / 1000)} s`);
  return { service, driver, loadSeconds: Math.round(report.elapsedMs / 1000), relationships: report.relationships };
}

/** `count` picks of `items` by a seeded generator, so every run traces the same starts. */
function picks<T>(items: readonly T[], count: number, seed: number): T[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => items[Math.floor(random() * items.length)] as T);
}

export const benchmarks: Benchmark[] = [
  {
    name: 'trace traversal',
    async run(): Promise<BenchmarkResult[]> {
      const products = positiveIntegerFromEnv('TRACE_BENCH_PRODUCTS', productsDefault);
      const seed = positiveIntegerFromEnv('TRACE_BENCH_SEED', 1);
      const network = generateNetwork({ seed, products, suppliers: 200, customers: 2_000, producers: 20, carriers: 20, productsPerBatch: 40, productStepShare: 0.05, reshipShare: 0.05, idPrefix: 'bench' });
      const nodes = networkNodeCount(network);
      if (products === productsDefault && nodes < nodesMin) throw new Error(`the default network has ${nodes} nodes, fewer than ${nodesMin}`);
      const key = `generator=${networkGeneratorVersion} seed=${seed} products=${products} nodes=${nodes} relationships=${networkRelationships(network).length}`;
      const dataDir = path.join(os.tmpdir(), `twinledger-bench-trace-${seed}-${products}`);
      const store = await openStore(dataDir, network, key);
      try {
        const lots = [...network.materialLots.map((lot) => lot.lot), ...network.batches.map((batch) => batch.lot)];
        const serials = network.products.map((product) => product.serial);
        const backward = (serial: string): TraceStatement => backwardTraceCypher({ kind: 'product', serial }, traceDepth, { offset: 0, limit: pageRows });
        const forward = (lot: string): TraceStatement => forwardTraceCypher(lot, traceDepth, { offset: 0, limit: pageRows });
        const backwardStarts = picks(serials, measuredTraces, seed + 3).map(backward);
        const forwardStarts = picks(lots, measuredTraces, seed + 4).map(forward);
        // The recall report's first page of 100 products, over the same lots.
        const recallStarts = picks(lots, measuredTraces, seed + 4).map((lot) => recallCypher(lot, traceDepth, { offset: 0, limit: 100 }));
        const warmUp = async (driver: Driver): Promise<void> => {
          for (const serial of picks(serials, warmupTraces, seed + 1)) await timed(driver, backward(serial));
          for (const lot of picks(lots, warmupTraces, seed + 2)) await timed(driver, forward(lot));
        };
        // First over a plain driver, whose sockets keep Nagle's algorithm: the figure before
        // openNeo4jDriver, which turns it off for the whole process, so this must come first.
        log('warming up, then measuring over a plain driver');
        await warmUp(store.driver);
        const nagle = [
          ...(await measure(store.driver, 'plain driver (Nagle on): backward 6-hop trace from a product', backwardStarts)),
          ...(await measure(store.driver, 'plain driver (Nagle on): forward 6-hop trace from a lot', forwardStarts)),
        ];
        log('measuring over a driver opened as the platform opens it');
        const driver = openNeo4jDriver(store.service.uri, { maxConnectionPoolSize: 4 });
        let results: BenchmarkResult[];
        try {
          await warmUp(driver);
          results = [
            ...(await measure(driver, 'backward 6-hop trace from a product', backwardStarts)),
            ...(await measure(driver, 'forward 6-hop trace from a lot', forwardStarts)),
            ...(await measure(driver, 'recall of a lot (depth 6)', recallStarts, 'products')),
          ];
        } finally {
          await driver.close();
        }
        return [
          { label: 'graph nodes (network, without bookkeeping)', value: nodes, unit: 'nodes' },
          { label: 'graph relationships', value: store.relationships, unit: 'relationships' },
          { label: 'store size', value: Math.round(storeSizeBytes(path.join(dataDir, 'neo4j')) / 2 ** 20), unit: 'MiB' },
          ...(store.loadSeconds === undefined ? [] : [{ label: 'load (UNWIND batches of 10,000 rows)', value: store.loadSeconds, unit: 's' }]),
          ...results,
          ...nagle.filter((result) => / p(50|99)$/.test(result.label)),
        ];
      } finally {
        await store.driver.close();
        await store.service.child.stop();
      }
    },
  },
];
