/**
 * Committed throughput of the whole ledger cluster on this machine: three etcd members and three ledger
 * node processes in a temporary folder, driven by one load process (this one) at 1, 32 and 256
 * concurrent clients. Each client submits a pre-signed `asset.note` transaction to "its" node
 * (client i → node i mod 3), waits for the receipt (the node answers once the block has its QC), and
 * submits the next. For each concurrency, after a warm-up, it reports:
 *
 * - committed tx/s: receipts received inside the measured window / the window;
 * - commit latency p50 / p99: submit → receipt, over the receipts received inside the window;
 * - blocks/s and transactions per block over the window (from the nodes' heights and tree sizes).
 *
 * Transactions are signed before the window opens, so the load process spends its CPU on HTTP only;
 * it still shares the two cores with the nodes and etcd, as a client on the same machine would.
 *
 * `npm run bench ledger cluster`. Set LEDGER_BENCH_CPU_PROFILE_DIR to a folder to have each node
 * process write a V8 CPU profile there when it stops (LEDGER_CPU_PROFILE_DIR, see the node's main).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTransaction, transactionSigner, type TransactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys } from '@twinledger/ledger-core/node/bootstrap';
import { startEtcdCluster, startLedgerCluster, type EtcdCluster, type LedgerCluster } from '@twinledger/tools';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';

/** LEDGER_BENCH_MEASURE_MS and LEDGER_BENCH_CONCURRENCY (comma-separated) narrow a run while profiling. */
const measureMsMax = 120_000;
const concurrencyMax = 2_048;
const warmupMs = 3_000;
const measureMs = boundedWhole(process.env.LEDGER_BENCH_MEASURE_MS, 15_000, 1_000, measureMsMax);
const concurrencies = (process.env.LEDGER_BENCH_CONCURRENCY ?? '1,32,256').split(',').map((text) => boundedWhole(text, 1, 1, concurrencyMax));
/** Transactions signed ahead per concurrency: enough for this rate over warm-up + window. */
const presignRatePerSecondMax = 8_000;
const presignCountMax = Math.ceil((presignRatePerSecondMax * (warmupMs + measureMs)) / 1_000);

/** How long the node may hold one submission for its receipt, and the client's deadline on top. */
const submitWaitMs = 30_000;
const requestTimeoutMs = submitWaitMs + 5_000;
/** After the window closes, how long in-flight submissions may take to settle before the next run. */
const drainMsMax = requestTimeoutMs + 1_000;

export interface BenchLedger {
  readonly dataDir: string;
  readonly etcd: EtcdCluster;
  readonly ledger: LedgerCluster;
  readonly signer: TransactionSigner;
  stop(): Promise<void>;
}

/**
 * Starts etcd and the three nodes in a fresh temporary folder. `stop` stops every process and removes
 * the folder; a failed start cleans up before it throws.
 */
export async function startBenchLedger(tag: string): Promise<BenchLedger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `twinledger-bench-${tag}-`));
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir);
  let etcd: EtcdCluster | undefined;
  let ledger: LedgerCluster | undefined;
  const stop = async (): Promise<void> => {
    await ledger?.stop().catch(() => undefined);
    await etcd?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    etcd = await startEtcdCluster(dataDir, logDir);
    const profileDir = process.env.LEDGER_BENCH_CPU_PROFILE_DIR;
    // The node processes inherit this process's environment.
    if (profileDir !== undefined && profileDir.length > 0) process.env.LEDGER_CPU_PROFILE_DIR = path.resolve(profileDir);
    ledger = await startLedgerCluster({ dataDir, logDir, etcdEndpoints: etcd.endpoints });
    const consortium = loadConsortium(ledger.consortiumDir);
    const member = consortium.genesis.members[0];
    if (member === undefined) throw new Error('the consortium has no members');
    const signer = transactionSigner(loadMemberKeys(consortium, member.name).organizationKey);
    return { dataDir, etcd, ledger, signer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function boundedWhole(text: string | undefined, fallback: number, minimum: number, maximum: number): number {
  if (text === undefined || text.length === 0) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) throw new Error(`${JSON.stringify(text)} is not a whole number in ${minimum}..${maximum}`);
  return value;
}

/** `count` signed note transactions as request bodies, signed now (not in any measured window). */
export function presign(signer: TransactionSigner, count: number, tag: string): Buffer[] {
  const bodies: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const { signed } = buildTransaction({ type: 'asset.note', payload: { key: `${tag}-${index % 1_024}`, value: `value ${index}` } }, signer);
    bodies.push(Buffer.from(JSON.stringify(signed)));
  }
  return bodies;
}

export interface PostAnswer {
  readonly status: number;
  readonly body: string;
}

/** One POST over a keep-alive agent, bounded by `timeoutMs`; rejects on a connection failure or timeout. */
export function postTransaction(agent: http.Agent, url: URL, body: Buffer, timeoutMs: number): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length }, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

interface NodeCounters {
  readonly height: number;
  readonly treeSize: number;
}

async function statusOf(url: string): Promise<NodeCounters> {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
  const status = (await response.json()) as NodeCounters;
  return { height: status.height, treeSize: status.treeSize };
}

export function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length));
  return Math.round((sortedMs[index] ?? 0) * 10) / 10;
}

export interface LoadRun {
  /** Receipts (200 answers) received inside the window. */
  readonly receiptCount: number;
  /** Submit → receipt, in ms, for the receipts received inside the window, sorted. */
  readonly latenciesMs: number[];
  /** Answers other than a receipt (202 pending, 4xx, 5xx) and transport failures, over the whole run. */
  readonly otherCount: number;
  /** The pre-signed transactions ran out before the window closed. */
  readonly exhausted: boolean;
  readonly elapsedMs: number;
  readonly blockCount: number;
  readonly txCount: number;
}

/**
 * Runs `concurrency` clients over `bodies` for `warmupMsGiven` + `measureMsGiven`, then waits (bounded)
 * for submissions still in flight, so the next run starts on an idle cluster.
 */
export async function runLoad(urls: readonly string[], bodies: readonly Buffer[], concurrency: number, warmupMsGiven: number, measureMsGiven: number): Promise<LoadRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.ceil(concurrency / urls.length) + 2 });
  const targets = urls.map((url) => new URL(`${url}/v1/transactions?waitMs=${submitWaitMs}`));
  const startMs = performance.now();
  const measureFromMs = startMs + warmupMsGiven;
  const endMs = measureFromMs + measureMsGiven;
  const latenciesMs: number[] = [];
  let next = 0;
  let otherCount = 0;
  let exhausted = false;
  let before: NodeCounters | undefined;
  const sampleBefore = (async () => {
    await new Promise((resolve) => setTimeout(resolve, warmupMsGiven));
    before = await statusOf(urls[0] as string);
  })();
  try {
    const clients = Array.from({ length: concurrency }, async (_, client) => {
      const target = targets[client % targets.length] as URL;
      while (performance.now() < endMs) {
        const body = bodies[next++];
        if (body === undefined) {
          exhausted = true;
          return;
        }
        const sentMs = performance.now();
        try {
          const answer = await postTransaction(agent, target, body, requestTimeoutMs);
          const doneMs = performance.now();
          if (answer.status !== 200) otherCount++;
          else if (doneMs >= measureFromMs && doneMs <= endMs) latenciesMs.push(doneMs - sentMs);
        } catch {
          otherCount++;
        }
      }
    });
    // The window closes at its end, or earlier when every client has used up the pre-signed pool.
    const settled = Promise.all(clients);
    let windowTimer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise<void>((resolve) => (windowTimer = setTimeout(resolve, warmupMsGiven + measureMsGiven)))]);
    clearTimeout(windowTimer);
    const closedMs = performance.now();
    const after = await statusOf(urls[0] as string);
    await sampleBefore;
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, drainMsMax).unref())]);
    latenciesMs.sort((a, b) => a - b);
    const beforeCounters = before ?? { height: 0, treeSize: 0 };
    return {
      receiptCount: latenciesMs.length,
      latenciesMs,
      otherCount,
      exhausted,
      elapsedMs: Math.max(1, Math.min(measureMsGiven, closedMs - measureFromMs)),
      blockCount: after.height - beforeCounters.height,
      txCount: after.treeSize - beforeCounters.treeSize,
    };
  } finally {
    agent.destroy();
  }
}

function resultsOf(concurrency: number, run: LoadRun): BenchmarkResult[] {
  const seconds = run.elapsedMs / 1_000;
  const label = (what: string): string => `${concurrency} clients: ${what}${run.exhausted ? ' (pre-signed pool ran out)' : ''}`;
  return [
    { label: label('committed'), value: Math.round(run.receiptCount / seconds), unit: 'tx/s' },
    { label: label('commit latency p50'), value: percentile(run.latenciesMs, 0.5), unit: 'ms' },
    { label: label('commit latency p99'), value: percentile(run.latenciesMs, 0.99), unit: 'ms' },
    { label: label('blocks'), value: Math.round((run.blockCount / seconds) * 10) / 10, unit: 'blocks/s' },
    { label: label('transactions per block'), value: run.blockCount === 0 ? 0 : Math.round(run.txCount / run.blockCount), unit: 'tx' },
    { label: label('answers other than a receipt'), value: run.otherCount, unit: 'requests' },
  ];
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ledger cluster',
    async run() {
      const cluster = await startBenchLedger('cluster');
      try {
        const results: BenchmarkResult[] = [];
        for (const concurrency of concurrencies) {
          const count = concurrency === 1 ? Math.ceil(((warmupMs + measureMs) / 1_000) * 1_000) : presignCountMax;
          const bodies = presign(cluster.signer, count, `bench-${concurrency}`);
          const run = await runLoad(cluster.ledger.urls, bodies, concurrency, warmupMs, measureMs);
          const figures = resultsOf(concurrency, run);
          // Printed as each run ends, so a long suite shows progress.
          for (const figure of figures) process.stderr.write(`  ${figure.label}: ${figure.value} ${figure.unit}\n`);
          results.push(...figures);
        }
        return results;
      } finally {
        await cluster.stop();
      }
    },
  },
];
