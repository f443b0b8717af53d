/**
 * Where the stored tree keeps its hashes. Only full subtrees are stored: at level L, node i is the hash
 * of the 2^L leaves starting at leaf i × 2^L (level 0 holds the leaf hashes). Those never change once
 * written, so a store is append-only per level, and a tree of n leaves holds fewer than 2n hashes. The
 * hashes of subtrees that are not yet full (the right edge of a tree size) are recomputed on demand.
 *
 * The interface is synchronous and small so the ledger node can put it over its own storage (LMDB,
 * segment files); `MemoryNodeStore` is the in-memory implementation used by tests and benchmarks.
 */
import { hashBytes } from './hash.js';
import { invariantBroken } from './invariant.js';

export interface MerkleNodeStore {
  /** How many full-subtree hashes level `level` holds; requires 0 ≤ level ≤ 53. */
  nodeCount(level: number): number;
  /**
   * The hash of node `index` at `level`; requires 0 ≤ index < nodeCount(level). The returned bytes may
   * be a view into the store: callers must not modify them, and must copy them to keep them.
   */
  node(level: number, index: number): Uint8Array;
  /**
   * Stores `hash` as node nodeCount(level) of `level`; requires a 32-byte hash. The store copies it.
   * The tree appends a leaf hash at level 0 before the parents it completes, so a store that loses the
   * tail of an append on a crash loses parents, never a leaf below a stored parent; the tree recomputes
   * missing parents when it opens.
   */
  appendNode(level: number, hash: Uint8Array): void;
}

/** Nodes per chunk: 32 KiB chunks keep a million-leaf tree in a few thousand allocations. */
const chunkNodeCountMax = 1024;
/** First chunk of a level starts small, since upper levels hold few nodes. */
const chunkNodeCountFirst = 8;

interface Level {
  chunks: Uint8Array[];
  nodeCount: number;
}

/**
 * Hashes in memory, packed 32 bytes apiece into chunks per level (a Uint8Array per hash would cost
 * several times the memory in object headers).
 */
export class MemoryNodeStore implements MerkleNodeStore {
  private readonly levels: Level[] = [];

  nodeCount(level: number): number {
    return this.levels[level]?.nodeCount ?? 0;
  }

  node(level: number, index: number): Uint8Array {
    const held = this.levels[level];
    if (held === undefined || !(index >= 0 && index < held.nodeCount)) invariantBroken(`no node ${index} at level ${level}`);
    const chunk = held.chunks[Math.floor(index / chunkNodeCountMax)];
    if (chunk === undefined) invariantBroken(`chunk missing for node ${index} at level ${level}`);
    const offsetBytes = (index % chunkNodeCountMax) * hashBytes;
    return chunk.subarray(offsetBytes, offsetBytes + hashBytes);
  }

  appendNode(level: number, hash: Uint8Array): void {
    if (hash.length !== hashBytes) invariantBroken(`node hash of ${hash.length} bytes`);
    while (this.levels.length <= level) this.levels.push({ chunks: [], nodeCount: 0 });
    const held = this.levels[level];
    if (held === undefined) invariantBroken(`level ${level} missing`);
    const chunkIndex = Math.floor(held.nodeCount / chunkNodeCountMax);
    const offsetNodes = held.nodeCount % chunkNodeCountMax;
    let chunk = held.chunks[chunkIndex];
    if (chunk === undefined) {
      chunk = new Uint8Array((chunkIndex === 0 ? chunkNodeCountFirst : chunkNodeCountMax) * hashBytes);
      held.chunks.push(chunk);
    } else if (offsetNodes * hashBytes >= chunk.length) {
      const grown = new Uint8Array(Math.min(chunk.length * 2, chunkNodeCountMax * hashBytes));
      grown.set(chunk);
      chunk = grown;
      held.chunks[chunkIndex] = chunk;
    }
    chunk.set(hash, offsetNodes * hashBytes);
    held.nodeCount++;
  }
}
