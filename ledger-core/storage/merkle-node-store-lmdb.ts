/**
 * The ledger tree's node store over the state store's LMDB environment. Nodes appended while a block
 * executes stay in memory until the block commits, so one LMDB write transaction carries the block's
 * state, indexes and tree nodes together: after a crash the tree size always matches the applied height.
 *
 * Reads go to the pending nodes, then a bounded cache, then LMDB. Appends read the left sibling just
 * written and roots read the right edge, so the cache is fed with every node as it commits.
 */
import type { Database } from 'lmdb';
import { BoundedLruCache } from '../chain/bounded-lru.js';
import { hashBytes } from '../chain/merkle/hash.js';
import type { MerkleNodeStore } from '../chain/merkle/node-store.js';
import { invariant } from './invariant.js';
import { merkleLevelMax, merkleNodeIndexOf, merkleNodeKey } from './state-keys.js';

/** Default bound on cached node hashes: 65,536 × 32 bytes of hashes, a few MiB with map overhead. */
export const merkleNodeCacheCountMaxDefault = 65_536;

/** Cache keys pack (level, index) into one number: index × 64 + level stays exact below 2^47 leaves. */
const cacheableIndexLimit = 2 ** 47;

function cacheKeyOf(level: number, index: number): number | undefined {
  return index < cacheableIndexLimit ? index * 64 + level : undefined;
}

export class LmdbMerkleNodeStore implements MerkleNodeStore {
  private readonly committedCounts: number[] = [];
  /** Nodes appended since the last commit, per level, in index order after the committed ones. */
  private pending: Uint8Array[][] = [];
  private pendingCount = 0;
  private readonly cache: BoundedLruCache<number, Uint8Array>;

  /**
   * Reads the committed node count of every level from `db`, which must hold binary keys made by
   * `merkleNodeKey` and 32-byte binary values. Requires a positive `cacheCountMax`.
   */
  constructor(
    private readonly db: Database<Buffer, Buffer>,
    cacheCountMax: number = merkleNodeCacheCountMaxDefault,
  ) {
    this.cache = new BoundedLruCache(cacheCountMax);
    for (let level = 0; level <= merkleLevelMax; level++) {
      const count = this.countStored(level);
      invariant(count === 0 || level === 0 || (this.committedCounts[level - 1] ?? 0) > 0, `level ${level} holds nodes over an empty level`);
      this.committedCounts.push(count);
    }
  }

  /** Committed plus pending nodes at `level`; requires 0 ≤ level ≤ 53. */
  nodeCount(level: number): number {
    return (this.committedCounts[level] ?? 0) + (this.pending[level]?.length ?? 0);
  }

  /** Node `index` at `level`; requires 0 ≤ index < nodeCount(level). Returned bytes must not be modified. */
  node(level: number, index: number): Uint8Array {
    const committed = this.committedCounts[level] ?? 0;
    invariant(Number.isSafeInteger(index) && index >= 0, `node index ${index} at level ${level}`);
    if (index >= committed) {
      const hash = this.pending[level]?.[index - committed];
      invariant(hash !== undefined, `no node ${index} at level ${level}`);
      return hash;
    }
    const cacheKey = cacheKeyOf(level, index);
    const cached = cacheKey === undefined ? undefined : this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const stored = this.db.getBinary(merkleNodeKey(level, index));
    invariant(stored !== undefined && stored.length === hashBytes, `node ${index} at level ${level} missing or not ${hashBytes} bytes`);
    const hash = new Uint8Array(stored);
    if (cacheKey !== undefined) this.cache.set(cacheKey, hash);
    return hash;
  }

  /** Buffers `hash` as node nodeCount(level) of `level` until the next commit; requires a 32-byte hash. */
  appendNode(level: number, hash: Uint8Array): void {
    invariant(Number.isInteger(level) && level >= 0 && level <= merkleLevelMax, `level ${level}`);
    invariant(hash.length === hashBytes, `node hash of ${hash.length} bytes`);
    while (this.pending.length <= level) this.pending.push([]);
    this.pending[level]?.push(hash.slice());
    this.pendingCount++;
  }

  /** Nodes appended since the last commit. */
  get pendingNodeCount(): number {
    return this.pendingCount;
  }

  /** Writes every pending node. Requires being inside a write transaction of the store's environment. */
  writePending(): void {
    for (const [level, hashes] of this.pending.entries()) {
      const committed = this.committedCounts[level] ?? 0;
      for (const [offset, hash] of hashes.entries()) this.db.putSync(merkleNodeKey(level, committed + offset), Buffer.from(hash));
    }
  }

  /** Records that the transaction which ran `writePending` committed: pending nodes become committed. */
  markCommitted(): void {
    for (const [level, hashes] of this.pending.entries()) {
      const committed = this.committedCounts[level] ?? 0;
      for (const [offset, hash] of hashes.entries()) {
        const cacheKey = cacheKeyOf(level, committed + offset);
        if (cacheKey !== undefined) this.cache.set(cacheKey, hash);
      }
      this.committedCounts[level] = committed + hashes.length;
    }
    this.pending = [];
    this.pendingCount = 0;
  }

  /**
   * Drops the nodes appended since the last commit (a block abandoned before commit). An
   * `AppendOnlyTree` over this store keeps its own size, so the caller must open a new one afterwards.
   */
  discardPending(): void {
    this.pending = [];
    this.pendingCount = 0;
  }

  /** Stored nodes at `level`: one past the last index, since levels are written contiguously. */
  private countStored(level: number): number {
    for (const key of this.db.getKeys({
      start: merkleNodeKey(level + 1, 0),
      exclusiveStart: true,
      end: merkleNodeKey(level, 0),
      inclusiveEnd: true,
      reverse: true,
      limit: 1,
    })) {
      invariant(key instanceof Uint8Array && key.length === 8 && key[0] === level, `unexpected Merkle key at level ${level}`);
      return merkleNodeIndexOf(key) + 1;
    }
    return 0;
  }
}
