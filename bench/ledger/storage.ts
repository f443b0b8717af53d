/**
 * Ledger storage throughput on this machine's local disk (the system temporary folder):
 *
 * - block store: appends per second of 256 KiB blocks, each fdatasynced before the next (what a node
 *   does before it signs), reads per second with the checksum re-checked, and the scan rate of `open`;
 * - state store: `commitBlock` per second for blocks of 1,000 transactions, each with one state write
 *   and one entity version, plus the block's ~2,000 Merkle nodes, in one durable LMDB transaction;
 *   shown alone and together with the tree appends that produce the nodes;
 * - LMDB commit modes: the same block write set committed with the synchronous transaction (what the
 *   state store uses), the synchronous one without waiting for the flush, and the asynchronous one
 *   awaited per block, to show why the state store commits the way it does.
 *
 * `npm run bench ledger storage`
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Lmdb from 'lmdb';
import type * as Merkle from '../../ledger-core/chain/merkle/index.js';
import type * as Storage from '../../ledger-core/storage/index.js';
import { measureRate, type Benchmark, type BenchmarkResult } from '../benchmark.js';

// ledger-core's `exports` map names only "." so far, and its index does not re-export these modules;
// load the compiled modules by path (types come from the sources above) until subpaths are exported.
const ledgerCoreDir = path.resolve(__dirname, '../../../ledger-core');
const storage = require(path.join(ledgerCoreDir, 'dist/storage/index.js')) as typeof Storage;
const merkle = require(path.join(ledgerCoreDir, 'dist/chain/merkle/index.js')) as typeof Merkle;
const lmdb = require(require.resolve('lmdb', { paths: [ledgerCoreDir] })) as typeof Lmdb;

const measureMs = 3_000;
const blockBytes = 256 * 1024;
const blockTransactionCount = 1_000;
/** Distinct entities the state writes land on, so some blocks overwrite earlier values. */
const entityCount = 200_000;
/** Blocks committed per measured mode (plus a warm-up), for the commit comparisons. */
const commitBlockCount = 100;
const commitWarmupBlockCount = 10;

function temporaryDirectory(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `twinledger-bench-${label}-`));
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}

async function blockStoreBenchmark(): Promise<BenchmarkResult[]> {
  const dir = temporaryDirectory('blocks');
  try {
    const { store } = storage.BlockStore.open(dir);
    const payloads = Array.from({ length: 8 }, (_, salt) =>
      Uint8Array.from({ length: blockBytes }, (_, i) => (i * 31 + salt) & 0xff),
    );
    const appendsPerSecond = measureRate(
      () => store.append(store.heightLast + 1, payloads[store.heightLast % payloads.length] ?? new Uint8Array()),
      measureMs,
      5,
    );
    const heightLast = store.heightLast;
    const readsPerSecond = measureRate(
      (iteration) => store.read(1 + ((iteration * 7919) % heightLast)),
      measureMs,
      20,
    );
    store.close();
    const openStartNs = process.hrtime.bigint();
    const reopened = storage.BlockStore.open(dir);
    const openSeconds = Number(process.hrtime.bigint() - openStartNs) / 1e9;
    reopened.store.close();
    return [
      { label: 'append 256 KiB + fdatasync', value: appendsPerSecond, unit: 'blocks/s' },
      { label: 'append 256 KiB + fdatasync', value: Math.round(mib(appendsPerSecond * blockBytes)), unit: 'MiB/s' },
      { label: 'read 256 KiB, checksum re-checked', value: readsPerSecond, unit: 'blocks/s' },
      {
        label: `open: scan and check ${heightLast} blocks`,
        value: Math.round(mib(heightLast * blockBytes) / openSeconds),
        unit: 'MiB/s',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A type alias, not an interface, so it is assignable to the state store's JSON values. */
type DeviceState = {
  owner: string;
  status: string;
  readings: number[];
  height: number;
};

/** One state write per transaction, on entities spread over `entityCount`. */
function blockWrites(height: number): Map<string, DeviceState> {
  const writes = new Map<string, DeviceState>();
  for (let i = 0; i < blockTransactionCount; i++) {
    const entity = (height * 7_919 + i * 104_729) % entityCount;
    const value = { owner: `org-${entity % 97}`, status: 'active', readings: [i, height, entity], height };
    writes.set(`device/${entity}`, value);
  }
  return writes;
}

/** Transaction ids are SHA-256 digests, so index inserts land all over the B-tree as they would live. */
function blockTransactions(height: number): Array<{ id: string; position: number }> {
  return Array.from({ length: blockTransactionCount }, (_, position) => ({
    id: sha256Hex(`${height}/${position}`),
    position,
  }));
}

function leafHashes(height: number): Uint8Array[] {
  return Array.from({ length: blockTransactionCount }, (_, i) => merkle.leafHash(Buffer.from(`${height}/${i}`)));
}

async function commitBlockBenchmark(): Promise<BenchmarkResult[]> {
  const dir = temporaryDirectory('state');
  const store = storage.StateStore.open(dir);
  try {
    const tree = new merkle.AppendOnlyTree(store.merkleNodeStore, merkle.nodeTreeHasher);
    let commitNs = 0n;
    let appendNs = 0n;
    let measured = 0;
    for (let height = 1; height <= commitWarmupBlockCount + commitBlockCount; height++) {
      const writes = blockWrites(height);
      const transactions = blockTransactions(height);
      const leaves = leafHashes(height);
      const appendStartNs = process.hrtime.bigint();
      for (const leaf of leaves) tree.appendLeafHash(leaf);
      const commitStartNs = process.hrtime.bigint();
      store.commitBlock({
        height,
        blockHashHex: sha256Hex(`block ${height}`),
        revisionLast: height,
        treeSize: tree.treeSize,
        writes,
        transactions,
      });
      const endNs = process.hrtime.bigint();
      if (height > commitWarmupBlockCount) {
        appendNs += commitStartNs - appendStartNs;
        commitNs += endNs - commitStartNs;
        measured++;
      }
    }
    const commitsPerSecond = (measured * 1e9) / Number(commitNs);
    const blocksPerSecond = (measured * 1e9) / Number(commitNs + appendNs);
    const label = 'commitBlock, 1,000 tx, ~2,000 Merkle nodes';
    return [
      { label, value: Math.round(commitsPerSecond), unit: 'blocks/s' },
      { label, value: Math.round(commitsPerSecond * blockTransactionCount), unit: 'tx/s' },
      { label: 'tree appends + commitBlock, 1,000 tx', value: Math.round(blocksPerSecond), unit: 'blocks/s' },
    ];
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A synchronous commit that returns before LMDB's flush to disk completes. */
const noFlushWaitFlags = (lmdb.TransactionFlags.ABORTABLE |
  lmdb.TransactionFlags.SYNCHRONOUS_COMMIT |
  lmdb.TransactionFlags.NO_SYNC_FLUSH) as Lmdb.TransactionFlags;

type CommitMode = 'transactionSync (durable)' | 'transactionSync, no flush wait' | 'transaction (async, awaited)';
const commitModes: CommitMode[] = [
  'transactionSync (durable)',
  'transactionSync, no flush wait',
  'transaction (async, awaited)',
];
const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;

/** One LMDB environment laid out like the state store's, written with raw puts. */
class RawStateEnvironment {
  readonly dir = temporaryDirectory('lmdb-mode');
  readonly env = lmdb.open({ path: this.dir, maxDbs: 8 });
  private readonly state = this.env.openDB<string, string>({ name: 'state', encoding: 'string' });
  private readonly transactionIndex = this.env.openDB<Buffer, Buffer>({ name: 'tx', ...binary });
  private readonly versions = this.env.openDB<Buffer, Lmdb.Key>({ name: 'versions', encoding: 'binary' });
  private readonly nodes = this.env.openDB<Uint8Array, Buffer>({ name: 'merkle', ...binary });
  private readonly meta = this.env.openDB<string, string>({ name: 'meta', encoding: 'string' });
  private nodeIndex = 0;
  totalNs = 0n;

  /** Commits block `height`'s writes in `mode`; times only the transaction. */
  async commit(mode: CommitMode, height: number, block: RawBlock, timed: boolean): Promise<void> {
    const apply = (): void => {
      for (const [key, text] of block.writes) this.state.putSync(key, text);
      for (const [key, location] of block.transactions) this.transactionIndex.putSync(key, location);
      for (const [key] of block.writes) this.versions.putSync([key, height], emptyValue);
      for (const hash of block.nodeHashes) {
        const key = Buffer.alloc(8);
        key.writeUIntBE(this.nodeIndex++, 2, 6);
        this.nodes.putSync(key, hash);
      }
      this.meta.putSync('applied', JSON.stringify({ height }));
    };
    const startNs = process.hrtime.bigint();
    switch (mode) {
      case 'transactionSync (durable)':
        this.env.transactionSync(apply);
        break;
      case 'transactionSync, no flush wait':
        this.env.transactionSync(apply, noFlushWaitFlags);
        break;
      case 'transaction (async, awaited)':
        await this.env.transaction(apply);
        break;
    }
    if (timed) this.totalNs += process.hrtime.bigint() - startNs;
  }

  async close(): Promise<void> {
    await this.env.flushed;
    await this.env.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface RawBlock {
  writes: Array<readonly [string, string]>;
  transactions: Array<readonly [Buffer, Buffer]>;
  nodeHashes: Uint8Array[];
}

const emptyValue = Buffer.alloc(0);

function rawBlock(height: number): RawBlock {
  return {
    writes: [...blockWrites(height)].map(([key, value]) => [key, JSON.stringify(value)] as const),
    transactions: blockTransactions(height).map(({ id, position }) => {
      const location = Buffer.alloc(12);
      location.writeUInt32BE(height, 4);
      location.writeUInt32BE(position, 8);
      return [Buffer.from(id, 'hex'), location] as const;
    }),
    nodeHashes: Array.from({ length: 2 * blockTransactionCount }, (_, i) =>
      merkle.leafHash(Buffer.from(`${height}:${i}`)),
    ),
  };
}

/**
 * The same blocks committed in each mode, interleaved block by block so that a busy disk or CPU
 * slows every mode alike; blocks per second of transaction time for each.
 */
async function commitModesBenchmark(): Promise<BenchmarkResult[]> {
  const environments = commitModes.map(() => new RawStateEnvironment());
  try {
    for (let height = 1; height <= commitWarmupBlockCount + commitBlockCount; height++) {
      const block = rawBlock(height);
      for (const [position, mode] of commitModes.entries()) {
        await environments[position]?.commit(mode, height, block, height > commitWarmupBlockCount);
      }
    }
    return commitModes.map((mode, position) => ({
      label: `raw 1,000-tx block, ${mode}`,
      value: Math.round((commitBlockCount * 1e9) / Number(environments[position]?.totalNs ?? 1n)),
      unit: 'blocks/s',
    }));
  } finally {
    for (const environment of environments) await environment.close();
  }
}

export const benchmarks: Benchmark[] = [
  { name: 'storage block store', run: blockStoreBenchmark },
  { name: 'storage state store', run: commitBlockBenchmark },
  { name: 'storage lmdb commit modes', run: commitModesBenchmark },
];
