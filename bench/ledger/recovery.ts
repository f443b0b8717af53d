/**
 * How long an emptied node takes to catch up from a peer: three etcd members and three nodes in a
 * temporary folder; 100,000 `asset.note` transactions committed (256 clients, pre-signed); then one
 * node is stopped, its data folder wiped, and the ordering log compacted past block 1, so on restart
 * it can only catch up block by block from a peer (fetch, check the QC and the record, re-execute,
 * append, commit). The figure is the time from starting that node until its height equals the
 * others' (the load has stopped, so theirs is fixed), and the rate that gives.
 *
 * `npm run bench ledger recovery`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compactOrderingLog, orderingKeys, orderingPrefix } from '@twinledger/ledger-core/ordering';
import { Etcd3 } from 'etcd3';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';
import { presign, runLoad, startBenchLedger } from './cluster.js';

const transactionCount = 100_000;
const loadConcurrency = 256;
/** Long enough for 100,000 transactions at a few hundred per second; the load stops there regardless. */
const loadMsMax = 600_000;
const catchUpMsMax = 600_000;
const settleMsMax = 60_000;
const pollMs = 100;

interface Heights {
  readonly height: number;
  readonly qcHeight: number;
  readonly treeSize: number;
}

async function heightsOf(url: string): Promise<Heights | undefined> {
  try {
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as Heights;
  } catch {
    return undefined;
  }
}

/** Polls until `done` holds or `timeoutMs` passes; throws with `what` on timeout. */
async function until(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadlineMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ledger recovery',
    async run() {
      const cluster = await startBenchLedger('recovery');
      const etcd = new Etcd3({ hosts: [...cluster.etcd.endpoints] });
      try {
        const { urls, consortium } = cluster.ledger;
        const bodies = presign(cluster.signer, transactionCount, 'recovery');
        const load = await runLoad(urls, bodies, loadConcurrency, 0, loadMsMax);
        if (!load.exhausted) throw new Error(`only ${load.receiptCount} of ${transactionCount} transactions committed within ${loadMsMax} ms`);

        // Every node at the same QC height, and its applied revision published, before one is emptied.
        let target: Heights | undefined;
        await until('the nodes did not agree on a QC height', settleMsMax, async () => {
          const all = await Promise.all(urls.map(heightsOf));
          const first = all[0];
          if (first === undefined || all.some((h) => h === undefined || h.qcHeight !== first.height || h.height !== first.height)) return false;
          target = first;
          return true;
        });
        if (target === undefined) throw new Error('no target height');
        const settled = target;
        await new Promise((resolve) => setTimeout(resolve, 1_500));

        const member = consortium.genesis.members[2];
        if (member === undefined) throw new Error('the consortium has fewer than three members');
        await cluster.ledger.stopNode(member.name);
        fs.rmSync(path.join(cluster.dataDir, 'ledger', member.name), { recursive: true, force: true });
        const keys = orderingKeys(orderingPrefix(consortium.genesis.origin));
        const names = consortium.genesis.members.map((m) => m.name);
        // Bounded: each call deletes up to its budget; the log holds one key per batch, cut and signature.
        for (let call = 0; call < 100; call++) {
          const result = await compactOrderingLog(etcd, keys, names, { deleteKeysMax: 50_000 });
          if (result.kind !== 'compacted') throw new Error(`compaction waiting for ${result.nodesMissing.join(', ')}`);
          if (!result.more) break;
        }

        const index = names.indexOf(member.name);
        const url = urls[index] as string;
        const startMs = performance.now();
        await cluster.ledger.startNode(member.name);
        const readyMs = performance.now() - startMs;
        await until(`${member.name} did not reach height ${settled.height}`, catchUpMsMax, async () => {
          const heights = await heightsOf(url);
          return heights !== undefined && heights.height >= settled.height;
        });
        const caughtUpMs = performance.now() - startMs;
        const results: BenchmarkResult[] = [
          { label: `blocks to catch up (${settled.treeSize} transactions)`, value: settled.height, unit: 'blocks' },
          { label: 'start of the emptied node to ready (catch-up runs before it serves)', value: Math.round(readyMs), unit: 'ms' },
          { label: 'start of the emptied node to the others\' height', value: Math.round(caughtUpMs), unit: 'ms' },
          { label: 'catch-up rate', value: Math.round(settled.treeSize / (caughtUpMs / 1_000)), unit: 'tx/s' },
        ];
        return results;
      } finally {
        etcd.close();
        await cluster.stop();
      }
    },
  },
];
