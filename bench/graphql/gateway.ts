/**
 * `npm run bench graphql`: the whole platform started in a temporary folder, then
 * - mutations per second through the gateway with read-your-writes (`registerDevice` answers once the
 *   projector has reached its transaction's height), and their p50/p99, at 32 and at 128 concurrent clients;
 * - devices per second registered in bulk (`registerDevices`, 100 devices a request, 4 requests at a
 *   time, each device answered after its projection), and the requests' p50/p99;
 * - query p50/p99 for `device(did){ owner provenance }` (each provenance entry fetches its proof bundle
 *   from a ledger node), at 16 concurrent clients, after an unmeasured window of the same queries;
 * - the gateway's added latency: the same identity-only query sent one at a time through the gateway
 *   and straight to the identity subgraph (with an identity header signed by the gateway's key);
 * - for each mutation window and the query window, the CPU each component of the platform spent per
 *   operation (its processes' user + system time from /proc) and how busy the machine's CPUs were.
 * Every phase is bounded in time and count; the platform is stopped and its folder removed at the end.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { identitySigningKeyFromPem, signIdentityHeader } from '@twinledger/gateway/identity-header';
import { didKeyFromPublicKey } from '@twinledger/ledger-core/chain';
import { startPlatform, type Platform } from '@twinledger/tools';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';
import { clockTicksPerSecond, cpuMsByComponent, readMachineCpuTicks, readProcessSamples } from './process-cpu.js';

/**
 * Unmeasured mutations first: a fresh platform's JVM and Node processes compile their hot paths for
 * minutes on two cores, and a benchmark run before that measures the compiler, not the platform. After
 * 60 s of load, Neo4j's JIT compiler threads still took 4.6 s of CPU in the next 20 s (more than its
 * Bolt workers); after 150 s, 0.3 s.
 */
const warmupWindowMs = 150_000;
const mutationWindowMs = 20_000;
/** A partner app's worth of concurrent writers, and four times as many to show where the rate levels off. */
const mutationClientCounts = [32, 128] as const;
const mutationCountMax = 20_000;
/**
 * The query path runs code the mutations never reached (the ledger subgraph's provenance, proof bundles,
 * the gateway's entity fetches): measured straight after the mutations, 10 s of these queries gave
 * 264/s with Neo4j's JIT compiler threads busy; after 40 s of them, 441/s.
 */
const queryWarmupWindowMs = 30_000;
const queryWindowMs = 10_000;
const queryClients = 16;
const overheadSamples = 1_000;
/** How the per-component CPU figures name this process, which generates the load. */
const loadProcessComponent = 'load process (this benchmark)';

/**
 * Bulk registration: a manufacturer's production run, 100 devices a request (the most one request
 * takes), four requests at a time. Warmed up on its own first, as the mutations above never ran the
 * bulk resolver.
 */
const bulkDevicesPerRequest = 100;
const bulkClients = 4;
const bulkWarmupWindowMs = 30_000;
const bulkWindowMs = 20_000;
/** Keys made ahead of the measured window: more than the platform registers in it at 1,200 devices/s. */
const bulkDidPoolSize = 24_000;

const registerDevices = `mutation RegisterMany($inputs: [RegisterDeviceInput!]!) {
  registerDevices(inputs: $inputs) { receipt { txId height status } device { did owner { id } } }
}`;
const registerDevice = `mutation Register($input: RegisterDeviceInput!) {
  registerDevice(input: $input) { receipt { txId height status } device { did owner { id } } }
}`;
const deviceWithProvenance = `query Device($did: DID!) { device(did: $did) { did owner { id } provenance { txId height proofBundle } } }`;
const deviceOnly = `query Device($did: DID!) { device(did: $did) { did model serial category } }`;

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/**
 * The load generator shares the platform's two cores, so it posts with node:http over kept-alive
 * sockets: Node's global fetch spends about four times the CPU per request.
 */
const keepAliveAgent = new http.Agent({ keepAlive: true });

function post(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent: keepAliveAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer);
          } catch (error: unknown) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))] as number;
}

/** Runs `clients` loops of `call` for `windowMs` (or `countMax` calls); answers latencies and elapsed time. */
async function drive(clients: number, windowMs: number, countMax: number, call: (index: number) => Promise<void>): Promise<{ latenciesMs: number[]; elapsedMs: number }> {
  const latenciesMs: number[] = [];
  const startedMs = performance.now();
  const deadlineMs = startedMs + windowMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadlineMs && next < countMax) {
        const index = next++;
        const callStartedMs = performance.now();
        await call(index);
        latenciesMs.push(performance.now() - callStartedMs);
      }
    }),
  );
  return { latenciesMs: latenciesMs.sort((a, b) => a - b), elapsedMs: performance.now() - startedMs };
}

/** node:crypto makes a key pair in a fraction of the portable signer's time: the load generator's own cost stays small. */
function newDeviceDid(): string {
  const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return didKeyFromPublicKey(new Uint8Array(spki.subarray(spki.length - 32)));
}

function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NEO4J_URI', 'REDIS_URL', 'ETCD_ENDPOINTS', 'LEDGER_PEERS']) delete env[name];
  return env;
}

/** What the platform's components and the machine's CPUs spent while `run` ran. */
interface WindowCpu {
  readonly byComponent: ReturnType<typeof cpuMsByComponent>;
  readonly busyPercent: number;
}

async function withCpuAccounting<T>(ticksPerSecond: number, run: () => Promise<T>): Promise<{ outcome: T; cpu: WindowCpu }> {
  const processesBefore = readProcessSamples();
  const machineBefore = readMachineCpuTicks();
  const outcome = await run();
  const machineAfter = readMachineCpuTicks();
  const byComponent = cpuMsByComponent(processesBefore, readProcessSamples(), process.pid, loadProcessComponent, ticksPerSecond);
  const busyPercent = (100 * (machineAfter.busyTicks - machineBefore.busyTicks)) / Math.max(1, machineAfter.totalTicks - machineBefore.totalTicks);
  return { outcome, cpu: { byComponent, busyPercent } };
}

/** The window's CPU as results: how busy the CPUs were, then the platform's and each component's CPU per operation. */
function cpuPerOperation(cpu: WindowCpu, window: string, label: string, operations: number): BenchmarkResult[] {
  const perOperationMs = (cpuMs: number): number => Number((cpuMs / Math.max(1, operations)).toFixed(2));
  const platformCpuMs = cpu.byComponent.filter(({ component }) => component !== loadProcessComponent).reduce((sum, { cpuMs }) => sum + cpuMs, 0);
  return [
    { label: `CPUs busy during ${window}`, value: Math.round(cpu.busyPercent), unit: '%' },
    { label: `${label}: the platform`, value: perOperationMs(platformCpuMs), unit: 'ms' },
    ...cpu.byComponent.map(({ component, cpuMs }) => ({ label: `${label}: ${component}`, value: perOperationMs(cpuMs), unit: 'ms' })),
  ];
}

async function measure(platform: Platform): Promise<BenchmarkResult[]> {
  const { gatewayUrl, demoApiKey, subgraphUrls, gatewayIdentityKeyPath } = platform.endpoints;
  const identityUrl = subgraphUrls['identity'];
  if (gatewayUrl === undefined || demoApiKey === undefined || identityUrl === undefined || gatewayIdentityKeyPath === undefined) {
    throw new Error('the platform runs no GraphQL layer');
  }
  const auth = { authorization: `Bearer ${demoApiKey}` };
  const results: BenchmarkResult[] = [];
  const registered: string[] = [];
  let failures = 0;

  // Device keys for a measured window are made before it starts: making them is the load generator's
  // work (≈ 0.1 ms of CPU a device, on the same two cores), not the platform's.
  const didPool: string[] = [];
  const fillDidPool = (count: number): void => {
    while (didPool.length < count) didPool.push(newDeviceDid());
  };
  const registerOne = async (index: number): Promise<void> => {
    const did = didPool.pop() ?? newDeviceDid();
    const answer = await post(gatewayUrl, auth, registerDevice, { input: { did, model: 'BX-1', serial: `bench-${index}-${randomBytes(3).toString('hex')}`, category: 'press' } });
    if (answer.errors === undefined) registered.push(did);
    else failures++;
  };
  await drive(mutationClientCounts[0], warmupWindowMs, Number.MAX_SAFE_INTEGER, registerOne);
  const ticksPerSecond = clockTicksPerSecond();
  const cpuResults: BenchmarkResult[] = [];
  for (const clients of mutationClientCounts) {
    fillDidPool(mutationCountMax);
    const { outcome: mutations, cpu } = await withCpuAccounting(ticksPerSecond, () => drive(clients, mutationWindowMs, mutationCountMax, registerOne));
    if (failures > 0) throw new Error(`${failures} mutations failed`);
    const count = mutations.latenciesMs.length;
    results.push(
      { label: `registerDevice with read-your-writes, ${clients} clients`, value: Math.round((count * 1000) / mutations.elapsedMs), unit: 'mutations/s' },
      { label: `registerDevice p50, ${clients} clients`, value: Math.round(percentile(mutations.latenciesMs, 0.5)), unit: 'ms' },
      { label: `registerDevice p99, ${clients} clients`, value: Math.round(percentile(mutations.latenciesMs, 0.99)), unit: 'ms' },
    );
    cpuResults.push(...cpuPerOperation(cpu, `the ${clients}-client mutation window`, `CPU per mutation, ${clients} clients`, count));
  }

  let bulkDevices = 0;
  const registerMany = async (index: number): Promise<void> => {
    const dids = Array.from({ length: bulkDevicesPerRequest }, () => didPool.pop() ?? newDeviceDid());
    const inputs = dids.map((did, position) => ({ did, model: 'BX-2', serial: `bulk-${index}-${position}-${randomBytes(3).toString('hex')}`, category: 'press' }));
    const answer = await post(gatewayUrl, auth, registerDevices, { inputs });
    if (answer.errors !== undefined) throw new Error(`registerDevices failed: ${answer.errors[0]?.message ?? ''}`);
    registered.push(...dids);
    bulkDevices += dids.length;
  };
  await drive(bulkClients, bulkWarmupWindowMs, Number.MAX_SAFE_INTEGER, registerMany);
  fillDidPool(bulkDidPoolSize);
  bulkDevices = 0;
  const { outcome: bulk, cpu: bulkCpu } = await withCpuAccounting(ticksPerSecond, () => drive(bulkClients, bulkWindowMs, Number.MAX_SAFE_INTEGER, registerMany));
  const bulkLabel = `${bulkClients} clients × ${bulkDevicesPerRequest} devices`;
  results.push(
    { label: `registerDevices with read-your-writes, ${bulkLabel}`, value: Math.round((bulkDevices * 1000) / bulk.elapsedMs), unit: 'devices/s' },
    { label: `registerDevices request p50, ${bulkLabel}`, value: Math.round(percentile(bulk.latenciesMs, 0.5)), unit: 'ms' },
    { label: `registerDevices request p99, ${bulkLabel}`, value: Math.round(percentile(bulk.latenciesMs, 0.99)), unit: 'ms' },
  );
  cpuResults.push(...cpuPerOperation(bulkCpu, `the bulk registration window`, `CPU per device registered in bulk, ${bulkLabel}`, bulkDevices));

  const queryOne = async (index: number): Promise<void> => {
    const answer = await post(gatewayUrl, auth, deviceWithProvenance, { did: registered[index % registered.length] });
    if (answer.errors !== undefined) throw new Error(`query failed: ${answer.errors[0]?.message ?? ''}`);
  };
  const queryWarmup = await drive(queryClients, queryWarmupWindowMs, Number.MAX_SAFE_INTEGER, queryOne);
  // The measured queries start at the device after the warm-up's last, so they repeat none of its reads
  // until the registered devices run out.
  const queryOffset = queryWarmup.latenciesMs.length;
  const { outcome: queries, cpu: queryCpu } = await withCpuAccounting(ticksPerSecond, () => drive(queryClients, queryWindowMs, Number.MAX_SAFE_INTEGER, (index) => queryOne(queryOffset + index)));
  cpuResults.push(...cpuPerOperation(queryCpu, `the ${queryClients}-client query window`, `CPU per query, ${queryClients} clients`, queries.latenciesMs.length));
  results.push(
    { label: `device(did){owner provenance} through the gateway, ${queryClients} clients`, value: Math.round((queries.latenciesMs.length * 1000) / queries.elapsedMs), unit: 'queries/s' },
    { label: 'device(did){owner provenance} p50', value: Math.round(percentile(queries.latenciesMs, 0.5)), unit: 'ms' },
    { label: 'device(did){owner provenance} p99', value: Math.round(percentile(queries.latenciesMs, 0.99)), unit: 'ms' },
  );

  const signingKey = identitySigningKeyFromPem(fs.readFileSync(gatewayIdentityKeyPath, 'utf8'));
  const organizationId = platform.ledger?.consortium.genesis.members[0]?.organizationId ?? 'demo';
  const viaGateway = await drive(1, 60_000, overheadSamples, async (index) => {
    await post(gatewayUrl, auth, deviceOnly, { did: registered[index % registered.length] });
  });
  // One header for the whole direct run, as the gateway reuses its headers: the comparison is then
  // of the gateway's work alone, not of a signature only one side makes.
  const header = await signIdentityHeader({ organizationId, role: 'partner', subject: 'bench' }, signingKey, 'identity');
  const direct = await drive(1, 60_000, overheadSamples, async (index) => {
    await post(identityUrl, { 'x-twinledger-identity': header }, deviceOnly, { did: registered[index % registered.length] });
  });
  results.push(
    { label: 'device(did) identity fields, through the gateway, p50', value: Number(percentile(viaGateway.latenciesMs, 0.5).toFixed(2)), unit: 'ms' },
    { label: 'device(did) identity fields, straight to the subgraph, p50', value: Number(percentile(direct.latenciesMs, 0.5).toFixed(2)), unit: 'ms' },
    { label: 'gateway added latency p50', value: Number((percentile(viaGateway.latenciesMs, 0.5) - percentile(direct.latenciesMs, 0.5)).toFixed(2)), unit: 'ms' },
    { label: 'gateway added latency p99', value: Number((percentile(viaGateway.latenciesMs, 0.99) - percentile(direct.latenciesMs, 0.99)).toFixed(2)), unit: 'ms' },
  );
  return [...results, ...cpuResults];
}

export const benchmarks: Benchmark[] = [
  {
    name: 'graphql',
    async run(): Promise<BenchmarkResult[]> {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-bench-graphql-'));
      const platform = await startPlatform({ dataDir, env: embeddedEnv() });
      try {
        return await measure(platform);
      } finally {
        keepAliveAgent.destroy();
        await platform.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  },
];
