/**
 * Ordering throughput through a real etcd (ETCD_ENDPOINTS, comma-separated; the suite reports nothing
 * without it):
 *
 * - batcher: transactions and batches per second that one node's submission batcher gets ordered, at
 *   1, 32 and 256 concurrent submitters, each submitting a ~500-byte item and awaiting its revision
 *   before the next, with the default limits; and the median and 99th-percentile submit latency;
 * - blocks: with three sequencers (one client each), 256 submitters spread over them, transactions and
 *   blocks per second that reach every node as blocks.
 *
 * Each run writes under its own prefix and deletes it afterwards.
 *
 * `ETCD_ENDPOINTS=http://127.0.0.1:2379 npm run bench ledger ordering`
 */
import { randomUUID } from 'node:crypto';
import * as ordering from '@twinledger/ledger-core/ordering';
import { Etcd3 } from 'etcd3';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';

const warmupMs = 500;
const measureMs = 3_000;
const itemBytesTarget = 500;
const concurrencies = [1, 32, 256];

interface Item {
  submitter: number;
  index: number;
  payload: string;
}

function item(submitter: number, index: number): { item: Item; sizeBytes: number } {
  const base: Item = { submitter, index, payload: '' };
  const padding = Math.max(0, itemBytesTarget - Buffer.byteLength(JSON.stringify(base)));
  const value: Item = { ...base, payload: 'p'.repeat(padding) };
  return { item: value, sizeBytes: Buffer.byteLength(JSON.stringify(value)) };
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length));
  return Math.round(sortedMs[index]! * 100) / 100;
}

function endpoints(): string[] | undefined {
  const list = (process.env.ETCD_ENDPOINTS ?? '').split(',').filter((endpoint) => endpoint.length > 0);
  if (list.length === 0) {
    console.error('ordering: ETCD_ENDPOINTS is not set; skipping');
    return undefined;
  }
  return list;
}

/**
 * Runs `concurrency` submitters, each looping submit-and-await until the window closes. Counts only
 * submissions that both started and settled inside the measured window (after the warm-up).
 */
async function runSubmitters(
  concurrency: number,
  submit: (submitter: number, index: number) => Promise<number>,
): Promise<{ txCount: number; revisions: Set<number>; latenciesMs: number[]; elapsedMs: number }> {
  const startNs = process.hrtime.bigint();
  const measureFromNs = startNs + BigInt(warmupMs) * 1_000_000n;
  const endNs = measureFromNs + BigInt(measureMs) * 1_000_000n;
  const revisions = new Set<number>();
  const latenciesMs: number[] = [];
  let txCount = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, submitter) => {
      // Ends when the window closes: every round takes at least one etcd round trip.
      for (let index = 0; process.hrtime.bigint() < endNs; index++) {
        const sentNs = process.hrtime.bigint();
        const revision = await submit(submitter, index);
        const doneNs = process.hrtime.bigint();
        if (sentNs >= measureFromNs && doneNs <= endNs) {
          txCount++;
          revisions.add(revision);
          latenciesMs.push(Number(doneNs - sentNs) / 1e6);
        }
      }
    }),
  );
  return { txCount, revisions, latenciesMs, elapsedMs: measureMs };
}

async function batcherBenchmark(): Promise<BenchmarkResult[]> {
  const hosts = endpoints();
  if (hosts === undefined) return [];
  const results: BenchmarkResult[] = [];
  for (const concurrency of concurrencies) {
    const client = new Etcd3({ hosts });
    const keys = ordering.orderingKeys(ordering.orderingPrefix(`bench-${randomUUID()}`));
    const batcher = new ordering.SubmissionBatcher<Item>({
      ...ordering.orderingLimitsDefault,
      keys,
      node: 'bench',
      appender: ordering.etcdLogAppender(client),
    });
    try {
      const run = await runSubmitters(concurrency, async (submitter, index) => {
        const { item: value, sizeBytes } = item(submitter, index);
        return (await batcher.submit(value, sizeBytes)).revision;
      });
      await batcher.close();
      const seconds = run.elapsedMs / 1_000;
      const sorted = [...run.latenciesMs].sort((a, b) => a - b);
      results.push(
        { label: `${concurrency} submitters tx`, value: Math.round(run.txCount / seconds), unit: 'tx/s' },
        { label: `${concurrency} submitters batches`, value: Math.round(run.revisions.size / seconds), unit: 'batches/s' },
        { label: `${concurrency} submitters submit p50`, value: percentile(sorted, 0.5), unit: 'ms' },
        { label: `${concurrency} submitters submit p99`, value: percentile(sorted, 0.99), unit: 'ms' },
      );
    } finally {
      await client.delete().prefix(keys.prefix);
      client.close();
    }
  }
  return results;
}

async function blocksBenchmark(): Promise<BenchmarkResult[]> {
  const hosts = endpoints();
  if (hosts === undefined) return [];
  const nodes = ['node-a', 'node-b', 'node-c'];
  const keys = ordering.orderingKeys(ordering.orderingPrefix(`bench-${randomUUID()}`));
  const clients = nodes.map(() => new Etcd3({ hosts }));
  const blockArrivals: Array<{ atNs: bigint; txCount: number }> = [];
  const sequencers = nodes.map((node, index) => {
    const sequencer = new ordering.Sequencer<Item>({
      client: clients[index]!,
      keys,
      node,
      nodes,
      limits: ordering.orderingLimitsDefault,
      start: { heightLast: 0, revisionLast: 0 },
    });
    if (index === 0) {
      sequencer.onBlock((block) => {
        blockArrivals.push({ atNs: process.hrtime.bigint(), txCount: block.batches.reduce((sum, batch) => sum + batch.items.length, 0) });
      });
    }
    sequencer.start();
    return sequencer;
  });
  try {
    const concurrency = 256;
    const measureFromNs = process.hrtime.bigint() + BigInt(warmupMs) * 1_000_000n;
    await runSubmitters(concurrency, async (submitter, index) => {
      const { item: value, sizeBytes } = item(submitter, index);
      return (await sequencers[submitter % sequencers.length]!.submit(value, sizeBytes)).revision;
    });
    const measureToNs = measureFromNs + BigInt(measureMs) * 1_000_000n;
    const inWindow = blockArrivals.filter((arrival) => arrival.atNs >= measureFromNs && arrival.atNs <= measureToNs);
    const seconds = measureMs / 1_000;
    return [
      { label: `${concurrency} submitters, 3 nodes: tx in blocks`, value: Math.round(inWindow.reduce((sum, a) => sum + a.txCount, 0) / seconds), unit: 'tx/s' },
      { label: `${concurrency} submitters, 3 nodes: blocks`, value: Math.round(inWindow.length / seconds), unit: 'blocks/s' },
    ];
  } finally {
    await Promise.all(sequencers.map((sequencer) => sequencer.stop()));
    await clients[0]!.delete().prefix(keys.prefix);
    for (const client of clients) client.close();
  }
}

export const benchmarks: Benchmark[] = [
  { name: 'ordering batcher', run: batcherBenchmark },
  { name: 'ordering blocks', run: blocksBenchmark },
];
