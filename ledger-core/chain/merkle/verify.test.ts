/**
 * Scenario: the verifiers fed what a hostile or broken server could send: numbers that are not tree
 * positions, hashes of the wrong length or type, proofs that are not arrays, and values of any type at
 * all; hashes made in another realm; then honest proofs in trees far beyond 2^32 leaves.
 *
 * Proves: malformed input is refused with its reason and never throws; each refusal names the first
 * thing wrong; and verification stays exact for leaf indexes and tree sizes up to 2^53 - 1 (a stored
 * tree whose leaves are all equal has O(1) subtree hashes per level, so it can be that large).
 */
import * as vm from 'node:vm';
import fc from 'fast-check';
import { AppendOnlyTree } from './append-only-tree.js';
import { hashBytes, portableTreeHasher } from './hash.js';
import type { MerkleNodeStore } from './node-store.js';
import { treeSizeMax } from './tree-math.js';
import { checkConsistency, checkInclusion, verifyConsistency, verifyInclusion } from './verify.js';

const leaves = [1, 2, 3, 4, 5].map((value) => portableTreeHasher.leafHash(new Uint8Array([value])));
const tree = new AppendOnlyTree();
for (const leafHash of leaves) tree.appendLeafHash(leafHash);
const root5 = tree.root(5);
const root3 = tree.root(3);
const leaf2 = leaves[2] as Uint8Array;
const proof2 = tree.inclusionProof(2, 5);
const proof3to5 = tree.consistencyProof(3, 5);

describe('refusal reasons', () => {
  it('accepts the honest proofs these cases start from', () => {
    expect(checkInclusion(leaf2, 2, 5, proof2, root5)).toEqual({ valid: true });
    expect(checkConsistency(3, 5, root3, root5, proof3to5)).toEqual({ valid: true });
    expect(checkConsistency(5, 5, root5, root5, [])).toEqual({ valid: true });
    expect(checkConsistency(0, 0, tree.root(0), tree.root(0), [])).toEqual({ valid: true });
  });

  it.each([
    ['negative index', () => checkInclusion(leaf2, -1, 5, proof2, root5), 'malformed-number'],
    ['fractional index', () => checkInclusion(leaf2, 2.5, 5, proof2, root5), 'malformed-number'],
    ['NaN tree size', () => checkInclusion(leaf2, 2, Number.NaN, proof2, root5), 'malformed-number'],
    ['tree size 2^53', () => checkInclusion(leaf2, 2, 2 ** 53, proof2, root5), 'malformed-number'],
    ['index = tree size', () => checkInclusion(leaf2, 5, 5, proof2, root5), 'index-out-of-range'],
    ['empty tree', () => checkInclusion(leaf2, 0, 0, [], root5), 'index-out-of-range'],
    ['31-byte leaf hash', () => checkInclusion(leaf2.subarray(1), 2, 5, proof2, root5), 'hash-length'],
    ['33-byte root', () => checkInclusion(leaf2, 2, 5, proof2, new Uint8Array(33)), 'hash-length'],
    ['proof too short', () => checkInclusion(leaf2, 2, 5, proof2.slice(1), root5), 'proof-length'],
    ['proof too long', () => checkInclusion(leaf2, 2, 5, [...proof2, root5], root5), 'proof-length'],
    ['short proof element', () => checkInclusion(leaf2, 2, 5, [leaf2, leaf2, new Uint8Array(31)], root5), 'hash-length'],
    ['other leaf', () => checkInclusion(leaves[1] as Uint8Array, 2, 5, proof2, root5), 'root-mismatch'],
  ] as const)('inclusion: %s', (_name, run, refusal) => {
    expect(run()).toEqual({ valid: false, refusal });
  });

  it.each([
    ['negative size1', () => checkConsistency(-1, 5, root3, root5, proof3to5), 'malformed-number'],
    ['infinite size2', () => checkConsistency(3, Number.POSITIVE_INFINITY, root3, root5, proof3to5), 'malformed-number'],
    ['size1 > size2', () => checkConsistency(5, 3, root5, root3, proof3to5), 'sizes-out-of-order'],
    ['12-byte roots, equal sizes', () => checkConsistency(1, 1, new Uint8Array(12), new Uint8Array(12), []), 'hash-length'],
    ['equal sizes, proof given', () => checkConsistency(5, 5, root5, root5, [root5]), 'proof-length'],
    ['equal sizes, roots differ', () => checkConsistency(5, 5, root3, root5, []), 'root-mismatch'],
    ['size 0 with a non-empty root', () => checkConsistency(0, 0, root5, root5, []), 'root-mismatch'],
    ['from the empty tree', () => checkConsistency(0, 5, tree.root(0), root5, []), 'empty-first-tree'],
    ['empty proof', () => checkConsistency(3, 5, root3, root5, []), 'proof-length'],
    ['proof element of 0 bytes', () => checkConsistency(3, 5, root3, root5, proof3to5.map(() => new Uint8Array(0))), 'hash-length'],
    ['wrong old root', () => checkConsistency(3, 5, root5, root5, proof3to5), 'first-root-mismatch'],
    ['wrong new root', () => checkConsistency(3, 5, root3, root3, proof3to5), 'second-root-mismatch'],
  ] as const)('consistency: %s', (_name, run, refusal) => {
    expect(run()).toEqual({ valid: false, refusal });
  });
});

describe('never throws', () => {
  /** Almost-right values mixed with anything at all. */
  const numberish = fc.oneof(
    fc.integer({ min: -3, max: 9 }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5, 2 ** 53, 2 ** 64, treeSizeMax),
    fc.anything(),
  );
  const hashish = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 40 }),
    fc.uint8Array({ minLength: hashBytes, maxLength: hashBytes }),
    fc.constantFrom(leaf2, root5, root3),
    fc.anything(),
  );
  const proofish = fc.oneof(fc.array(hashish, { maxLength: 6 }), fc.constantFrom(proof2, proof3to5), fc.anything());

  it('refuses any inclusion input of the wrong shape without throwing', () => {
    fc.assert(
      fc.property(hashish, numberish, numberish, proofish, hashish, (leafHash, index, treeSize, proof, root) => {
        // Values from outside arrive untyped; the casts say what a caller's JSON decoding might claim.
        const result = verifyInclusion(
          leafHash as Uint8Array,
          index as number,
          treeSize as number,
          proof as Uint8Array[],
          root as Uint8Array,
        );
        return typeof result === 'boolean';
      }),
      { numRuns: 5000, seed: 1 },
    );
  });

  it('refuses any consistency input of the wrong shape without throwing', () => {
    fc.assert(
      fc.property(numberish, numberish, hashish, hashish, proofish, (size1, size2, root1, root2, proof) => {
        const result = verifyConsistency(
          size1 as number,
          size2 as number,
          root1 as Uint8Array,
          root2 as Uint8Array,
          proof as Uint8Array[],
        );
        return typeof result === 'boolean';
      }),
      { numRuns: 5000, seed: 2 },
    );
  });
});

/**
 * A store for a tree whose leaves all have the same hash: every full subtree at a level has the same
 * hash, so a tree of any size needs one hash per level.
 */
class UniformLeavesStore implements MerkleNodeStore {
  private readonly levelHashes: Uint8Array[];

  constructor(
    private readonly treeSize: number,
    leafHash: Uint8Array,
  ) {
    this.levelHashes = [leafHash];
    for (let level = 1; level <= 53; level++) {
      const below = this.levelHashes[level - 1] as Uint8Array;
      this.levelHashes.push(portableTreeHasher.nodeHash(below, below));
    }
  }

  nodeCount(level: number): number {
    return Math.floor(this.treeSize / 2 ** level);
  }

  node(level: number, index: number): Uint8Array {
    if (index >= this.nodeCount(level)) throw new Error(`no node ${index} at level ${level}`);
    return this.levelHashes[level] as Uint8Array;
  }

  appendNode(): void {
    throw new Error('read-only');
  }
}

describe('trees beyond 32 bits', () => {
  const leafHash = portableTreeHasher.leafHash(new Uint8Array([7]));
  const treeSize = treeSizeMax;
  const hugeTree = new AppendOnlyTree(new UniformLeavesStore(treeSize, leafHash));

  it('verifies inclusion proofs at leaf indexes up to 2^53 - 2', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 32, max: treeSize }), fc.nat(), (size, indexSeed) => {
        const index = indexSeed % size;
        const proof = hugeTree.inclusionProof(index, size);
        return verifyInclusion(leafHash, index, size, proof, hugeTree.root(size));
      }),
      { numRuns: 300, seed: 53 },
    );
    const last = treeSize - 1;
    expect(verifyInclusion(leafHash, last, treeSize, hugeTree.inclusionProof(last, treeSize), hugeTree.root())).toBe(true);
  });

  it('verifies consistency proofs between sizes beyond 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 32, max: treeSize }), fc.nat(), (size2, size1Seed) => {
        const size1 = 1 + (size1Seed % size2);
        const proof = hugeTree.consistencyProof(size1, size2);
        return verifyConsistency(size1, size2, hugeTree.root(size1), hugeTree.root(size2), proof);
      }),
      { numRuns: 300, seed: 54 },
    );
  });

  it('still refuses a wrong position there', () => {
    // With equal leaves only the tree shape can tell positions apart: sizes of different shape must fail.
    const size = 2 ** 40 + 3;
    const proof = hugeTree.inclusionProof(2 ** 40 + 1, size);
    expect(verifyInclusion(leafHash, 2 ** 40 + 1, size, proof, hugeTree.root(size))).toBe(true);
    expect(checkInclusion(leafHash, 2 ** 40 + 2, size, proof, hugeTree.root(size))).toEqual({
      valid: false,
      refusal: 'proof-length',
    });
    expect(checkInclusion(leafHash, 2 ** 40 + 1, size, proof, hugeTree.root(size - 1))).toEqual({
      valid: false,
      refusal: 'root-mismatch',
    });
  });
});

describe('arrays from another realm', () => {
  it('accepts hashes made by another realm’s Uint8Array, as a browser frame may pass', () => {
    const ForeignUint8Array = vm.runInNewContext('Uint8Array') as Uint8ArrayConstructor;
    const foreign = (bytes: Uint8Array): Uint8Array => new ForeignUint8Array(bytes);
    expect(foreign(leaf2) instanceof Uint8Array).toBe(false);
    expect(verifyInclusion(foreign(leaf2), 2, 5, proof2.map(foreign), foreign(root5))).toBe(true);
    expect(verifyConsistency(3, 5, foreign(root3), foreign(root5), proof3to5.map(foreign))).toBe(true);
  });
});
