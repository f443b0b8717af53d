/**
 * The ledger tree's node store over the state store's LMDB environment. Nodes appended while a block
 * executes stay in memory until the block commits, so one LMDB write transaction carries the block's
 * state, indexes and tree nodes together: after a crash the tree size always matches the applied height.
 *
 * What is read, and from where:
 * - appends read the last node of a level and the current root reads the last node of each level with
 *   a set bit, so the last committed node of every level (at most 54) is held in memory, beside the
 *   pending ones: appending and the current root never touch LMDB;
 * - proofs read O(log n) nodes anywhere in the tree; an LMDB read of a mapped page costs about 1 µs,
 *   so those go through a fixed-size direct-mapped cache (one slot per hash of level and index, a miss
 *   replaces the slot), which costs the same whatever the traffic. An LRU over a Map was measured
 *   instead and its eviction slowed down as deletions accumulated.
 */
import type { Database } from 'lmdb';
import { hashBytes } from '../chain/merkle/hash.js';
import type { MerkleNodeStore } from '../chain/merkle/node-store.js';
import { invariant, invariantBroken } from './invariant.js';
import { merkleLevelMax, merkleNodeIndexOf, merkleNodeKey } from './state-keys.js';

/** Default number of cache slots: 65,536 hashes of 32 bytes, a few MiB with object overhead. */
export const merkleNodeCacheCountMaxDefault = 65_536;

/** Cache tags pack (level, index) into one number: (index × 64 + level) + 1 stays exact below 2^47. */
const cacheableIndexLimit = 2 ** 47;
const twoTo32 = 2 ** 32;

export class LmdbMerkleNodeStore implements MerkleNodeStore {
  private readonly committedCounts: number[] = [];
  /** The last committed node of each level, undefined for an empty level. */
  private readonly rightEdge: Array<Uint8Array | undefined> = [];
  /** Nodes appended since the last commit, per level, in index order after the committed ones. */
  private pending: Uint8Array[][] = [];
  private pendingCount = 0;
  /** Direct-mapped cache: slot s holds the hash tagged slotTags[s] (0 = empty). */
  private readonly slotTags: Float64Array;
  private readonly slotHashes: Array<Uint8Array | undefined>;

  /**
   * Reads the committed node count and last node of every level from `db`, which must hold binary keys
   * made by `merkleNodeKey` and 32-byte binary values. Requires a positive integer `cacheCountMax`.
   */
  constructor(
    private readonly db: Database<Uint8Array, Buffer>,
    cacheCountMax: number = merkleNodeCacheCountMaxDefault,
  ) {
    invariant(Number.isSafeInteger(cacheCountMax) && cacheCountMax >= 1, `cacheCountMax ${cacheCountMax}`);
    this.slotTags = new Float64Array(cacheCountMax);
    this.slotHashes = new Array<Uint8Array | undefined>(cacheCountMax).fill(undefined);
    for (let level = 0; level <= merkleLevelMax; level++) {
      const count = this.countStored(level);
      invariant(
        count === 0 || level === 0 || (this.committedCounts[level - 1] ?? 0) > 0,
        `level ${level} holds nodes over an empty level`,
      );
      this.committedCounts.push(count);
      this.rightEdge.push(count === 0 ? undefined : this.readStored(level, count - 1));
    }
  }

  /** Committed plus pending nodes at `level`; requires 0 ≤ level ≤ 53. */
  nodeCount(level: number): number {
    return (this.committedCounts[level] ?? 0) + (this.pending[level]?.length ?? 0);
  }

  /** Node `index` at `level`; requires 0 ≤ index < nodeCount(level). Returned bytes must not be modified. */
  node(level: number, index: number): Uint8Array {
    const committed = this.committedCounts[level] ?? 0;
    if (!(Number.isSafeInteger(index) && index >= 0)) invariantBroken(`node index ${index} at level ${level}`);
    if (index >= committed) {
      const hash = this.pending[level]?.[index - committed];
      if (hash === undefined) invariantBroken(`no node ${index} at level ${level}`);
      return hash;
    }
    if (index === committed - 1) {
      const hash = this.rightEdge[level];
      if (hash === undefined) invariantBroken(`right edge of level ${level} missing`);
      return hash;
    }
    if (index >= cacheableIndexLimit) return this.readStored(level, index);
    const tag = index * 64 + level + 1;
    const slot = this.slotOf(level, index);
    const cached = this.slotHashes[slot];
    if (cached !== undefined && this.slotTags[slot] === tag) return cached;
    // A miss replaces the slot's array rather than overwriting it: hashes handed out earlier stay intact.
    const hash = this.readStored(level, index);
    this.slotTags[slot] = tag;
    this.slotHashes[slot] = hash;
    return hash;
  }

  /** Buffers `hash` as node nodeCount(level) of `level` until the next commit; requires a 32-byte hash. */
  appendNode(level: number, hash: Uint8Array): void {
    if (!(Number.isInteger(level) && level >= 0 && level <= merkleLevelMax)) invariantBroken(`level ${level}`);
    if (hash.length !== hashBytes) invariantBroken(`node hash of ${hash.length} bytes`);
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
      for (const [offset, hash] of hashes.entries()) this.db.putSync(merkleNodeKey(level, committed + offset), hash);
    }
  }

  /** Records that the transaction which ran `writePending` committed: pending nodes become committed. */
  markCommitted(): void {
    for (const [level, hashes] of this.pending.entries()) {
      const last = hashes.at(-1);
      if (last === undefined) continue;
      this.committedCounts[level] = (this.committedCounts[level] ?? 0) + hashes.length;
      this.rightEdge[level] = last;
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

  private readStored(level: number, index: number): Uint8Array {
    const stored = this.db.getBinary(merkleNodeKey(level, index));
    if (stored === undefined || stored.length !== hashBytes) {
      invariantBroken(`node ${index} at level ${level} missing or not ${hashBytes} bytes`);
    }
    return new Uint8Array(stored);
  }

  /** A well-mixed slot for (level, index), so neighbouring indexes spread over the whole cache. */
  private slotOf(level: number, index: number): number {
    const low = index >>> 0;
    const high = Math.floor(index / twoTo32);
    const mixed = Math.imul(low ^ Math.imul(high * 64 + level + 1, 0x9e3779b1), 0x85ebca6b);
    return ((mixed ^ (mixed >>> 15)) >>> 0) % this.slotTags.length;
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
      const isLevelKey = key instanceof Uint8Array && key.length === 8 && key[0] === level;
      invariant(isLevelKey, `unexpected Merkle key at level ${level}`);
      return merkleNodeIndexOf(key) + 1;
    }
    return 0;
  }
}
