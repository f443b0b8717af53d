/**
 * The compact range [0, treeSize): one hash per set bit of the tree size, the roots of the full subtrees
 * that make up the tree from left to right. Enough to append and to compute the current root in
 * O(log n) memory, without storing the tree; a node can keep it to check its own root cheaply, or
 * resume from a checkpoint's frontier.
 */
import { hashBytes, portableTreeHasher, type TreeHasher } from './hash.js';
import { MerkleErrorCode, MerkleRequestError } from './errors.js';
import { invariant } from './invariant.js';
import { half, isOdd, isTreePosition, popCount, treeSizeMax } from './tree-math.js';

export class MerkleFrontier {
  private size = 0;
  /** Full-subtree hashes, largest (leftmost) first; hashes.length = popCount(size). */
  private readonly hashes: Uint8Array[] = [];

  /** `hasher` defaults to the portable one; pass `nodeTreeHasher` on a server. */
  constructor(private readonly hasher: TreeHasher = portableTreeHasher) {}

  /**
   * Resumes from the frontier of a tree of `treeSize` leaves, as `subtreeHashes()` returned it.
   * Requires popCount(treeSize) 32-byte hashes, largest subtree first; throws MerkleRequestError otherwise.
   */
  static fromSubtreeHashes(
    treeSize: number,
    subtreeHashes: readonly Uint8Array[],
    hasher: TreeHasher = portableTreeHasher,
  ): MerkleFrontier {
    if (!isTreePosition(treeSize)) {
      throw new MerkleRequestError(MerkleErrorCode.treeSizeOutOfRange, `tree size ${treeSize} is not a tree size`);
    }
    if (subtreeHashes.length !== popCount(treeSize)) {
      throw new MerkleRequestError(
        MerkleErrorCode.frontierShape,
        `a tree of size ${treeSize} has ${popCount(treeSize)} subtree hashes, not ${subtreeHashes.length}`,
      );
    }
    const frontier = new MerkleFrontier(hasher);
    for (const hash of subtreeHashes) {
      if (!(hash instanceof Uint8Array) || hash.length !== hashBytes) {
        throw new MerkleRequestError(MerkleErrorCode.hashLength, 'a subtree hash is not 32 bytes');
      }
      frontier.hashes.push(hash.slice());
    }
    frontier.size = treeSize;
    return frontier;
  }

  /** Number of leaves appended so far. */
  get treeSize(): number {
    return this.size;
  }

  /** Appends a leaf by its data (hashed as an RFC 9162 leaf); returns its leaf index. */
  appendLeaf(leafData: Uint8Array): number {
    return this.appendLeafHash(this.hasher.leafHash(leafData));
  }

  /** Appends a leaf by its 32-byte leaf hash; returns its leaf index. O(1) amortised, O(log n) worst. */
  appendLeafHash(leafHash: Uint8Array): number {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== hashBytes) {
      throw new MerkleRequestError(MerkleErrorCode.hashLength, 'a leaf hash is 32 bytes');
    }
    if (this.size >= treeSizeMax) throw new MerkleRequestError(MerkleErrorCode.treeFull, 'tree size limit reached');
    // Like incrementing a binary counter: each trailing 1 bit of the size is a full subtree that the new
    // leaf completes into one twice as large.
    let hash: Uint8Array = leafHash.slice();
    for (let position = this.size; isOdd(position); position = half(position)) {
      const left = this.hashes.pop();
      invariant(left !== undefined, 'frontier shorter than its tree size');
      hash = this.hasher.nodeHash(left, hash);
    }
    this.hashes.push(hash);
    return this.size++;
  }

  /** The root (MTH) of the leaves appended so far; the empty tree's root before any append. */
  root(): Uint8Array {
    const last = this.hashes[this.hashes.length - 1];
    if (last === undefined) return this.hasher.emptyRoot();
    let root: Uint8Array = last.slice();
    for (let i = this.hashes.length - 2; i >= 0; i--) {
      const left = this.hashes[i];
      invariant(left !== undefined, 'frontier hash missing');
      root = this.hasher.nodeHash(left, root);
    }
    return root;
  }

  /** Copies of the full-subtree hashes, largest first: what `fromSubtreeHashes` takes back. */
  subtreeHashes(): Uint8Array[] {
    return this.hashes.map((hash) => hash.slice());
  }
}
