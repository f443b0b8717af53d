/**
 * Scenario: the stored tree as the ledger node will drive it: appends, questions about past sizes,
 * requests out of range, a store reopened after a crash lost the tail of an append, and the compact
 * range (frontier) saved and resumed.
 *
 * Proves: after n appends level L of the store holds exactly floor(n / 2^L) hashes (nothing ephemeral is
 * stored); out-of-range requests fail with a MerkleRequestError and its stable code, and leave the tree
 * unchanged; hashes handed out are copies; a reopened store gets its missing parents back and gives the
 * same roots, while a store with more parents than its leaves allow stops; a frontier resumed from its
 * saved hashes continues to the same roots as the tree.
 */
import { AppendOnlyTree } from './append-only-tree.js';
import { MerkleErrorCode, MerkleRequestError } from './errors.js';
import { MerkleFrontier } from './frontier.js';
import { portableTreeHasher } from './hash.js';
import { nodeTreeHasher } from './hash-node.js';
import { MemoryNodeStore } from './node-store.js';
import { merkleRoot } from './reference.js';
import { bytesEqual, leafDataFor } from './testing.js';

function treeOf(size: number, store = new MemoryNodeStore()): AppendOnlyTree {
  const tree = new AppendOnlyTree(store, nodeTreeHasher);
  for (let index = 0; index < size; index++) tree.appendLeaf(leafDataFor(index));
  return tree;
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof MerkleRequestError) return error.code;
    throw error;
  }
  return undefined;
}

describe('AppendOnlyTree', () => {
  it('stores exactly the full subtrees: floor(n / 2^level) hashes per level', () => {
    const store = new MemoryNodeStore();
    const tree = new AppendOnlyTree(store, nodeTreeHasher);
    for (let size = 1; size <= 2100; size++) {
      expect(tree.appendLeaf(leafDataFor(size - 1))).toBe(size - 1);
      for (let level = 0; level <= 12; level++) {
        if (store.nodeCount(level) !== Math.floor(size / 2 ** level)) {
          throw new Error(`after ${size} appends level ${level} holds ${store.nodeCount(level)} hashes`);
        }
      }
    }
    expect(tree.treeSize).toBe(2100);
  });

  it('refuses requests outside the tree with a stable code, and stays usable', () => {
    const tree = treeOf(10);
    const rootBefore = tree.root();
    expect(codeOf(() => tree.root(11))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => tree.root(-1))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => tree.root(2.5))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => tree.inclusionProof(10))).toBe(MerkleErrorCode.leafIndexOutOfRange);
    expect(codeOf(() => tree.inclusionProof(5, 5))).toBe(MerkleErrorCode.leafIndexOutOfRange);
    expect(codeOf(() => tree.inclusionProof(0, 11))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => tree.inclusionProof(0, 0))).toBe(MerkleErrorCode.leafIndexOutOfRange);
    expect(codeOf(() => tree.leafHash(10))).toBe(MerkleErrorCode.leafIndexOutOfRange);
    expect(codeOf(() => tree.consistencyProof(6, 5))).toBe(MerkleErrorCode.consistencySizesOutOfRange);
    expect(codeOf(() => tree.consistencyProof(0, 5))).toBe(MerkleErrorCode.consistencySizesOutOfRange);
    expect(codeOf(() => tree.consistencyProof(3, 11))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => tree.appendLeafHash(new Uint8Array(31)))).toBe(MerkleErrorCode.hashLength);
    expect(codeOf(() => tree.frontier(11))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(tree.treeSize).toBe(10);
    expect(bytesEqual(tree.root(), rootBefore)).toBe(true);
    expect(tree.consistencyProof(0, 0)).toEqual([]);
    expect(tree.consistencyProof(7, 7)).toEqual([]);
  });

  it('hands out copies, so a caller cannot change the stored hashes', () => {
    const tree = treeOf(13);
    const rootBefore = tree.root(13);
    for (const hash of [...tree.inclusionProof(4, 13), ...tree.consistencyProof(5, 13), tree.leafHash(2), tree.root(8)]) {
      hash.fill(0);
    }
    tree.frontier(13).subtreeHashes().forEach((hash) => hash.fill(0));
    expect(bytesEqual(tree.root(13), rootBefore)).toBe(true);
    expect(bytesEqual(tree.root(8), merkleRoot([...Array(8).keys()].map((i) => leafDataFor(i)), nodeTreeHasher))).toBe(true);
  });

  it('recomputes the parents a crash left out of the store when it reopens', () => {
    // The leaves of a 37-leaf tree reached the store, none of their parents did.
    const store = new MemoryNodeStore();
    const leafData = [...Array(37).keys()].map((index) => leafDataFor(index));
    for (const leaf of leafData) store.appendNode(0, nodeTreeHasher.leafHash(leaf));
    const reopened = new AppendOnlyTree(store, nodeTreeHasher);
    expect(reopened.treeSize).toBe(37);
    for (let level = 0; level <= 6; level++) expect(store.nodeCount(level)).toBe(Math.floor(37 / 2 ** level));
    for (let size = 0; size <= 37; size++) {
      expect(bytesEqual(reopened.root(size), merkleRoot(leafData.slice(0, size), nodeTreeHasher))).toBe(true);
    }
    // And it goes on appending as if nothing happened.
    reopened.appendLeaf(leafDataFor(37));
    expect(bytesEqual(reopened.root(), treeOf(38).root())).toBe(true);
  });

  it('reopens an intact store unchanged', () => {
    const store = new MemoryNodeStore();
    const original = treeOf(100, store);
    const reopened = new AppendOnlyTree(store, portableTreeHasher);
    expect(reopened.treeSize).toBe(100);
    expect(bytesEqual(reopened.root(77), original.root(77))).toBe(true);
  });

  it('stops on a store holding more parents than its leaves allow', () => {
    const store = new MemoryNodeStore();
    treeOf(4, store);
    store.appendNode(1, new Uint8Array(32));
    expect(() => new AppendOnlyTree(store)).toThrow(/merkle invariant violated/);
  });
});

describe('MerkleFrontier', () => {
  it('resumes from its saved subtree hashes and continues to the same roots as the tree', () => {
    const tree = treeOf(300);
    for (const savedAt of [0, 1, 2, 3, 64, 127, 128, 129, 200]) {
      const saved = tree.frontier(savedAt);
      expect(saved.treeSize).toBe(savedAt);
      const resumed = MerkleFrontier.fromSubtreeHashes(savedAt, saved.subtreeHashes(), nodeTreeHasher);
      for (let size = savedAt + 1; size <= 300; size++) {
        expect(resumed.appendLeafHash(tree.leafHash(size - 1))).toBe(size - 1);
        if (!bytesEqual(resumed.root(), tree.root(size))) throw new Error(`resumed at ${savedAt}, differs at ${size}`);
      }
    }
  });

  it('refuses saved hashes that do not fit the tree size', () => {
    const hash = new Uint8Array(32);
    expect(codeOf(() => MerkleFrontier.fromSubtreeHashes(5, [hash]))).toBe(MerkleErrorCode.frontierShape);
    expect(codeOf(() => MerkleFrontier.fromSubtreeHashes(4, [hash, hash]))).toBe(MerkleErrorCode.frontierShape);
    expect(codeOf(() => MerkleFrontier.fromSubtreeHashes(1, [new Uint8Array(31)]))).toBe(MerkleErrorCode.hashLength);
    expect(codeOf(() => MerkleFrontier.fromSubtreeHashes(-1, []))).toBe(MerkleErrorCode.treeSizeOutOfRange);
    expect(codeOf(() => new MerkleFrontier().appendLeafHash(new Uint8Array(0)))).toBe(MerkleErrorCode.hashLength);
  });

  it('gives the empty-tree root before any append', () => {
    expect(bytesEqual(new MerkleFrontier().root(), merkleRoot([]))).toBe(true);
  });
});
