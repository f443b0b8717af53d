/**
 * Scenario: the ledger tree kept in the state store, as the node drives it: a few thousand leaves
 * appended over many blocks of varying size, each block's nodes buffered and committed with the block,
 * then the environment closed and reopened; beside it the same leaves in a `MemoryNodeStore`.
 *
 * Proves: the LMDB store gives the same root after every block, and the same inclusion and consistency
 * proofs at past and current sizes, as the in-memory store, before and after reopening, and with a
 * one-slot cache (every read evicts the previous one, so a hash handed out earlier must stay intact
 * while the tree combines it with later ones); nodes appended but not committed are readable (the
 * tree needs them for the block's own appends) and counted; discarding them returns the store to the
 * last commit; the levels hold exactly floor(n / 2^level) nodes after reopening.
 */
import { AppendOnlyTree } from '../chain/merkle/append-only-tree.js';
import { nodeTreeHasher } from '../chain/merkle/hash-node.js';
import { MemoryNodeStore } from '../chain/merkle/node-store.js';
import { FailureLog, bytesEqual, leafDataFor, proofsEqual, seededRandom } from '../chain/merkle/testing.js';
import { StateStore } from './state-store.js';
import { removeDirectory, sha256Hex, temporaryDirectory } from './testing.js';

const leafCount = 3_000;

/** Appends leaves in blocks of 1..97 and commits each block; checks the root after every commit. */
function appendInBlocks(store: StateStore, memory: AppendOnlyTree, leafCountTarget: number, failures: FailureLog): AppendOnlyTree {
  const tree = new AppendOnlyTree(store.merkleNodeStore, nodeTreeHasher);
  const random = seededRandom(9162);
  let height = store.appliedHeight;
  while (tree.treeSize < leafCountTarget) {
    const blockLeafCount = Math.min(1 + random(97), leafCountTarget - tree.treeSize);
    for (let i = 0; i < blockLeafCount; i++) {
      const leaf = leafDataFor(tree.treeSize);
      tree.appendLeaf(leaf);
      memory.appendLeaf(leaf);
    }
    height++;
    store.commitBlock({
      height,
      blockHashHex: sha256Hex(`block ${height}`),
      revisionLast: height,
      treeSize: tree.treeSize,
      writes: new Map(),
      transactions: [],
    });
    failures.check(bytesEqual(tree.root(), memory.root()), () => `root differs after block ${height} at size ${tree.treeSize}`);
  }
  return tree;
}

/** Compares roots and proofs of `tree` with `memory` at sampled sizes and leaves. */
function compareProofs(tree: AppendOnlyTree, memory: AppendOnlyTree, failures: FailureLog): void {
  const random = seededRandom(6962);
  for (let sample = 0; sample < 400; sample++) {
    const size = 1 + random(tree.treeSize);
    const index = random(size);
    const older = 1 + random(size);
    failures.check(bytesEqual(tree.root(size), memory.root(size)), () => `root at size ${size}`);
    failures.check(proofsEqual(tree.inclusionProof(index, size), memory.inclusionProof(index, size)), () => `inclusion ${index} in ${size}`);
    failures.check(proofsEqual(tree.consistencyProof(older, size), memory.consistencyProof(older, size)), () => `consistency ${older} → ${size}`);
  }
}

describe('LmdbMerkleNodeStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = temporaryDirectory('merkle-lmdb');
  });
  afterEach(() => removeDirectory(dir));

  it('gives the same roots and proofs as MemoryNodeStore across many block commits and a reopen', async () => {
    const failures = new FailureLog();
    const memory = new AppendOnlyTree(new MemoryNodeStore(), nodeTreeHasher);
    const store = StateStore.open(dir);
    const tree = appendInBlocks(store, memory, leafCount, failures);
    expect(store.appliedHeight).toBeGreaterThan(40);
    compareProofs(tree, memory, failures);
    await store.close();

    for (const merkleNodeCacheCountMax of [65_536, 1]) {
      const reopened = StateStore.open(dir, { merkleNodeCacheCountMax });
      const reopenedTree = new AppendOnlyTree(reopened.merkleNodeStore, nodeTreeHasher);
      expect(reopenedTree.treeSize).toBe(leafCount);
      expect(reopened.merkleNodeStore.pendingNodeCount).toBe(0);
      for (let level = 0; 2 ** level <= leafCount; level++) {
        expect([level, reopened.merkleNodeStore.nodeCount(level)]).toEqual([level, Math.floor(leafCount / 2 ** level)]);
      }
      compareProofs(reopenedTree, memory, failures);
      await reopened.close();
    }

    // Appending continues after the reopen, still in step with the in-memory tree.
    const continued = StateStore.open(dir);
    const continuedTree = appendInBlocks(continued, memory, leafCount + 700, failures);
    compareProofs(continuedTree, memory, failures);
    await continued.close();
    expect(failures.checkedCount).toBeGreaterThan(2_000);
    failures.report();
  });

  it('reads and counts nodes appended but not committed, and discards them back to the last commit', async () => {
    const store = StateStore.open(dir);
    const memory = new AppendOnlyTree(new MemoryNodeStore(), nodeTreeHasher);
    const failures = new FailureLog();
    appendInBlocks(store, memory, 10, failures);
    const committedRoot = memory.root();

    const tree = new AppendOnlyTree(store.merkleNodeStore, nodeTreeHasher);
    for (let index = 10; index < 16; index++) tree.appendLeaf(leafDataFor(index));
    // 6 leaves take 10 → 16: parents at levels 1..4 complete along the way.
    expect(store.merkleNodeStore.nodeCount(0)).toBe(16);
    expect(store.merkleNodeStore.nodeCount(4)).toBe(1);
    expect(store.merkleNodeStore.pendingNodeCount).toBe(6 + 3 + 2 + 1 + 1);
    expect(bytesEqual(store.merkleNodeStore.node(0, 15), nodeTreeHasher.leafHash(leafDataFor(15)))).toBe(true);

    store.merkleNodeStore.discardPending();
    expect(store.merkleNodeStore.nodeCount(0)).toBe(10);
    expect(store.merkleNodeStore.nodeCount(4)).toBe(0);
    const reopenedTree = new AppendOnlyTree(store.merkleNodeStore, nodeTreeHasher);
    expect(bytesEqual(reopenedTree.root(), committedRoot)).toBe(true);
    failures.report();
    await store.close();
  });
});
