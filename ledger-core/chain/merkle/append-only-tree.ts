/**
 * The ledger's Merkle tree: append-only, with every full-subtree hash kept in a `MerkleNodeStore`, so it
 * answers for any tree size it has ever had: the root at that size, the inclusion proof of any leaf
 * against it, and the consistency proof between any two sizes. Each answer costs O(log n) stored-hash
 * lookups plus the few hashes that rebuild the one subtree on the right edge of a past size that was
 * not yet full (at most popCount(size) node hashes).
 *
 * Pure: no I/O of its own; the store decides where hashes live.
 */
import { hashBytes, portableTreeHasher, type TreeHasher } from './hash.js';
import { MerkleErrorCode, MerkleRequestError } from './errors.js';
import { invariant, invariantBroken } from './invariant.js';
import { MemoryNodeStore, type MerkleNodeStore } from './node-store.js';
import { MerkleFrontier } from './frontier.js';
import { half, isOdd, isTreePosition, largestPowerOfTwoBelow, treeSizeMax } from './tree-math.js';

export class AppendOnlyTree {
  private size: number;

  /**
   * Opens the tree held by `store` (empty by default). Parents a crash left out of the store are
   * recomputed; a store holding more parents than its leaves allow stops with an invariant error.
   * `hasher` defaults to the portable one; a server should pass `nodeTreeHasher` (faster: see the
   * figures in `bench/chain/merkle.ts`).
   */
  constructor(
    private readonly store: MerkleNodeStore = new MemoryNodeStore(),
    private readonly hasher: TreeHasher = portableTreeHasher,
  ) {
    this.size = store.nodeCount(0);
    invariant(isTreePosition(this.size), `store holds ${this.size} leaves`);
    this.completeParents();
  }

  /** Number of leaves appended so far: the current tree size. */
  get treeSize(): number {
    return this.size;
  }

  /** Appends a leaf by its data (hashed as an RFC 9162 leaf); returns its leaf index. */
  appendLeaf(leafData: Uint8Array): number {
    return this.appendLeafHash(this.hasher.leafHash(leafData));
  }

  /**
   * Appends a leaf by its 32-byte leaf hash; returns its leaf index. Writes the leaf hash, then each
   * parent it completes: O(1) node hashes amortised, O(log n) at worst.
   */
  appendLeafHash(leafHash: Uint8Array): number {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== hashBytes) {
      throw new MerkleRequestError(MerkleErrorCode.hashLength, 'a leaf hash is 32 bytes');
    }
    if (this.size >= treeSizeMax) throw new MerkleRequestError(MerkleErrorCode.treeFull, 'tree size limit reached');
    const index = this.size;
    this.store.appendNode(0, leafHash);
    let hash = leafHash;
    let level = 0;
    for (let position = index; isOdd(position); position = half(position)) {
      hash = this.hasher.nodeHash(this.store.node(level, position - 1), hash);
      level++;
      this.store.appendNode(level, hash);
    }
    this.size = index + 1;
    return index;
  }

  /** The leaf hash of leaf `index`; requires 0 ≤ index < treeSize. */
  leafHash(index: number): Uint8Array {
    this.requireLeafIndex(index, this.size);
    return this.store.node(0, index).slice();
  }

  /** The root (MTH) of the tree at `treeSize`; requires 0 ≤ treeSize ≤ this.treeSize. */
  root(treeSize: number = this.size): Uint8Array {
    this.requireTreeSize(treeSize);
    return treeSize === 0 ? this.hasher.emptyRoot() : this.subtreeHash(0, treeSize);
  }

  /**
   * The inclusion proof (RFC 9162 PATH) of leaf `index` against the tree at `treeSize`, bottom-up.
   * Requires 0 ≤ index < treeSize ≤ this.treeSize.
   */
  inclusionProof(index: number, treeSize: number = this.size): Uint8Array[] {
    this.requireTreeSize(treeSize);
    this.requireLeafIndex(index, treeSize);
    // Walk down from the root; the sibling of each subtree on the way is one proof element. Once the walk
    // turns left, the subtree is full, so only the first right sibling can need recomputing.
    const proofTopDown: Uint8Array[] = [];
    let begin = 0;
    let size = treeSize;
    while (size > 1) {
      const split = largestPowerOfTwoBelow(size);
      if (index < begin + split) {
        proofTopDown.push(this.subtreeHash(begin + split, size - split));
        size = split;
      } else {
        proofTopDown.push(this.subtreeHash(begin, split));
        begin += split;
        size -= split;
      }
    }
    return proofTopDown.reverse();
  }

  /**
   * The consistency proof (RFC 9162 PROOF) from the tree at `size1` to the tree at `size2`, bottom-up.
   * Requires 0 < size1 ≤ size2 ≤ this.treeSize, or size1 = size2 = 0; equal sizes give an empty proof.
   */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.requireTreeSize(size2);
    if (!isTreePosition(size1) || size1 > size2 || (size1 === 0 && size2 > 0)) {
      throw new MerkleRequestError(
        MerkleErrorCode.consistencySizesOutOfRange,
        `no consistency proof from tree size ${size1} to ${size2}`,
      );
    }
    // SUBPROOF as a loop: follow the old tree's right edge down the new tree, taking each sibling; the
    // old tree's own subtree closes the proof unless the old root is that subtree (verifier holds it).
    const proofTopDown: Uint8Array[] = [];
    let begin = 0;
    let oldSize = size1;
    let size = size2;
    let isOldRoot = true;
    while (oldSize !== size) {
      const split = largestPowerOfTwoBelow(size);
      if (oldSize <= split) {
        proofTopDown.push(this.subtreeHash(begin + split, size - split));
        size = split;
      } else {
        proofTopDown.push(this.subtreeHash(begin, split));
        begin += split;
        oldSize -= split;
        size -= split;
        isOldRoot = false;
      }
    }
    if (!isOldRoot) proofTopDown.push(this.subtreeHash(begin, size));
    return proofTopDown.reverse();
  }

  /** The compact range of the tree at `treeSize`; requires 0 ≤ treeSize ≤ this.treeSize. */
  frontier(treeSize: number = this.size): MerkleFrontier {
    this.requireTreeSize(treeSize);
    return MerkleFrontier.fromSubtreeHashes(treeSize, this.fullSubtrees(0, treeSize), this.hasher);
  }

  /**
   * The full subtrees covering leaves [begin, begin + size), left to right, largest first. Requires
   * begin to be a multiple of the largest of them, which holds for every subtree of the RFC's splits.
   */
  private fullSubtrees(begin: number, size: number): Uint8Array[] {
    const hashes: Uint8Array[] = [];
    let power = 1;
    let level = 0;
    while (power * 2 <= size) {
      power *= 2;
      level++;
    }
    let position = begin;
    let remaining = size;
    for (; level >= 0; level--, power /= 2) {
      if (remaining < power) continue;
      if (position % power !== 0) invariantBroken(`subtree at ${position} of size ${power} is not aligned`);
      hashes.push(this.store.node(level, position / power));
      position += power;
      remaining -= power;
    }
    return hashes;
  }

  /** MTH of leaves [begin, begin + size); requires size ≥ 1 and the alignment of `fullSubtrees`. */
  private subtreeHash(begin: number, size: number): Uint8Array {
    const hashes = this.fullSubtrees(begin, size);
    const last = hashes.pop();
    if (last === undefined) invariantBroken(`empty subtree at ${begin}`);
    let hash: Uint8Array = last.slice();
    for (let i = hashes.length - 1; i >= 0; i--) {
      const left = hashes[i];
      if (left === undefined) invariantBroken(`subtree hash ${i} missing`);
      hash = this.hasher.nodeHash(left, hash);
    }
    return hash;
  }

  /** Recomputes parents missing from the store (a crash between a leaf and its parents). */
  private completeParents(): void {
    for (let level = 0; this.store.nodeCount(level) > 1 || this.store.nodeCount(level + 1) > 0; level++) {
      const parentCountExpected = half(this.store.nodeCount(level));
      let parentCount = this.store.nodeCount(level + 1);
      invariant(
        parentCount <= parentCountExpected,
        `level ${level + 1} holds ${parentCount} nodes over ${this.store.nodeCount(level)} children`,
      );
      for (; parentCount < parentCountExpected; parentCount++) {
        const parent = this.hasher.nodeHash(
          this.store.node(level, 2 * parentCount),
          this.store.node(level, 2 * parentCount + 1),
        );
        this.store.appendNode(level + 1, parent);
      }
    }
  }

  private requireTreeSize(treeSize: number): void {
    if (!isTreePosition(treeSize) || treeSize > this.size) {
      throw new MerkleRequestError(
        MerkleErrorCode.treeSizeOutOfRange,
        `tree size ${treeSize} is not in [0, ${this.size}]`,
      );
    }
  }

  private requireLeafIndex(index: number, treeSize: number): void {
    if (!isTreePosition(index) || index >= treeSize) {
      throw new MerkleRequestError(
        MerkleErrorCode.leafIndexOutOfRange,
        `leaf index ${index} is not in a tree of size ${treeSize}`,
      );
    }
  }
}
