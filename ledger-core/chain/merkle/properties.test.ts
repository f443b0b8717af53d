/**
 * Scenario: 512 distinct leaves appended one by one to the stored tree, which is then asked about every
 * tree size it has had (0 to 512), next to the naive recursive reference over the same leaves.
 *
 * Proves, for every tree size up to 512:
 * - the stored tree's root at every past size equals the reference root, and so does the frontier's;
 * - every inclusion proof (all 131,328 leaf/size pairs) and every consistency proof (all 131,328 size
 *   pairs) from the stored tree verifies, and equals the reference's proof (all pairs up to 64 leaves,
 *   a fixed dense sample above);
 * - flipping any bit of the leaf hash, a proof element, or a root makes verification fail (every bit up
 *   to 12 leaves, one seeded bit per hash up to 128 leaves, random bits up to 512); so does adding or
 *   removing a proof element, or changing the leaf index or a tree size, except where the changed
 *   numbers give the proof exactly the same shape (e.g. leaf 0 of 5 leaves and of 6): a proof does not
 *   bind the tree size on its own, the signed checkpoint does.
 * The exhaustive loops hash with the node hasher for speed; the random (fast-check) cases verify with the
 * default portable hasher, and a last property shows the two hashers agree on any input.
 */
import fc from 'fast-check';
import { AppendOnlyTree } from './append-only-tree.js';
import { MerkleFrontier } from './frontier.js';
import { portableTreeHasher } from './hash.js';
import { nodeTreeHasher } from './hash-node.js';
import { MemoryNodeStore } from './node-store.js';
import { consistencyProof, inclusionProof, merkleRoot } from './reference.js';
import {
  FailureLog,
  bytesEqual,
  consistencyShape,
  flipBit,
  inclusionShape,
  leafDataFor,
  proofsEqual,
  seededRandom,
} from './testing.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const treeSizeLimit = 512;
/** Up to this size, every pair is compared with the reference; above it, a fixed sample. */
const referenceExhaustiveLimit = 64;
const sampleCountPerSize = 2;

const leaves = Array.from({ length: treeSizeLimit }, (_, index) => leafDataFor(index));
const leafHashes = leaves.map((leaf) => nodeTreeHasher.leafHash(leaf));
const tree = new AppendOnlyTree(new MemoryNodeStore(), nodeTreeHasher);
for (const leaf of leaves) tree.appendLeaf(leaf);
const roots = Array.from({ length: treeSizeLimit + 1 }, (_, size) => tree.root(size));

function leafHashAt(index: number): Uint8Array {
  const hash = leafHashes[index];
  if (hash === undefined) throw new Error(`no leaf ${index}`);
  return hash;
}

function rootAt(size: number): Uint8Array {
  const root = roots[size];
  if (root === undefined) throw new Error(`no root for size ${size}`);
  return root;
}

/** Values in [0, bound) to sample for a size above the exhaustive limit: both ends, middle, seeded rest. */
function sample(bound: number, seed: number): number[] {
  const random = seededRandom(seed);
  const picked = new Set([0, 1, Math.floor(bound / 2), bound - 2, bound - 1]);
  const pickedCountMax = Math.min(bound, picked.size + sampleCountPerSize);
  while (picked.size < pickedCountMax) picked.add(random(bound));
  return [...picked].filter((value) => value >= 0 && value < bound);
}

describe('stored tree against the reference, every size up to 512', () => {
  it('gives the reference root at every past size, as do its frontiers', () => {
    const log = new FailureLog();
    const frontier = new MerkleFrontier(nodeTreeHasher);
    const portableTree = new AppendOnlyTree();
    for (let size = 0; size <= treeSizeLimit; size++) {
      if (size > 0) {
        frontier.appendLeaf(leaves[size - 1] as Uint8Array);
        portableTree.appendLeaf(leaves[size - 1] as Uint8Array);
      }
      const want = merkleRoot(leaves.slice(0, size), nodeTreeHasher);
      log.check(bytesEqual(rootAt(size), want), () => `root(${size})`);
      log.check(bytesEqual(frontier.root(), want), () => `frontier after ${size} appends`);
      log.check(bytesEqual(tree.frontier(size).root(), want), () => `tree.frontier(${size})`);
      log.check(bytesEqual(portableTree.root(), want), () => `portable-hasher tree at ${size}`);
    }
    log.report();
  });

  it('makes an inclusion proof that verifies for every leaf at every tree size', () => {
    const log = new FailureLog();
    for (let size = 1; size <= treeSizeLimit; size++) {
      const root = rootAt(size);
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size);
        log.check(verifyInclusion(leafHashAt(index), index, size, proof, root, nodeTreeHasher), () => `leaf ${index} of ${size}`);
      }
    }
    expect(log.checkedCount).toBe((treeSizeLimit * (treeSizeLimit + 1)) / 2);
    log.report();
  });

  it('makes the same inclusion proofs as the reference', () => {
    const log = new FailureLog();
    for (let size = 1; size <= treeSizeLimit; size++) {
      const prefix = leaves.slice(0, size);
      const indexes = size <= referenceExhaustiveLimit ? [...Array(size).keys()] : sample(size, size);
      for (const index of indexes) {
        const want = inclusionProof(prefix, index, nodeTreeHasher);
        log.check(proofsEqual(tree.inclusionProof(index, size), want), () => `leaf ${index} of ${size}`);
      }
    }
    log.report();
  });

  it('makes a consistency proof that verifies between every two tree sizes', () => {
    const log = new FailureLog();
    log.check(verifyConsistency(0, 0, rootAt(0), rootAt(0), tree.consistencyProof(0, 0), nodeTreeHasher), () => 'sizes 0 to 0');
    for (let size2 = 1; size2 <= treeSizeLimit; size2++) {
      const root2 = rootAt(size2);
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = tree.consistencyProof(size1, size2);
        log.check(verifyConsistency(size1, size2, rootAt(size1), root2, proof, nodeTreeHasher), () => `sizes ${size1} to ${size2}`);
      }
    }
    expect(log.checkedCount).toBe(1 + (treeSizeLimit * (treeSizeLimit + 1)) / 2);
    log.report();
  });

  it('makes the same consistency proofs as the reference', () => {
    const log = new FailureLog();
    for (let size2 = 1; size2 <= treeSizeLimit; size2++) {
      const prefix = leaves.slice(0, size2);
      const sizes1 =
        size2 <= referenceExhaustiveLimit
          ? [...Array(size2).keys()].map((offset) => offset + 1)
          : sample(size2, size2 + 7919).map((offset) => offset + 1);
      for (const size1 of sizes1) {
        const want = consistencyProof(prefix, size1, nodeTreeHasher);
        log.check(proofsEqual(tree.consistencyProof(size1, size2), want), () => `sizes ${size1} to ${size2}`);
      }
    }
    log.report();
  });
});

/** Every way of changing one thing about a good inclusion proof, with whether it must still verify. */
function inclusionMutations(
  index: number,
  size: number,
  bitFor: (hashNumber: number) => number[],
): Array<{ name: string; leafHash: Uint8Array; index: number; size: number; proof: Uint8Array[]; root: Uint8Array; verifies: boolean }> {
  const leafHash = leafHashAt(index);
  const proof = tree.inclusionProof(index, size);
  const root = rootAt(size);
  const base = { leafHash, index, size, proof, root, verifies: false };
  const mutations: Array<typeof base & { name: string }> = [];
  for (const bit of bitFor(0)) mutations.push({ ...base, name: `leaf hash bit ${bit}`, leafHash: flipBit(leafHash, bit) });
  for (const bit of bitFor(1)) mutations.push({ ...base, name: `root bit ${bit}`, root: flipBit(root, bit) });
  proof.forEach((element, position) => {
    for (const bit of bitFor(2 + position)) {
      const changed = proof.slice();
      changed[position] = flipBit(element, bit);
      mutations.push({ ...base, name: `proof[${position}] bit ${bit}`, proof: changed });
    }
  });
  mutations.push({ ...base, name: 'extra element', proof: [...proof, root] });
  mutations.push({ ...base, name: 'preceding element', proof: [leafHash, ...proof] });
  if (proof.length > 0) {
    mutations.push({ ...base, name: 'last element removed', proof: proof.slice(0, -1) });
    mutations.push({ ...base, name: 'first element removed', proof: proof.slice(1) });
  }
  for (const otherIndex of [index - 1, index + 1, index ^ 2, index + size]) {
    if (otherIndex < 0 || otherIndex === index) continue;
    const verifies = otherIndex < size && inclusionShape(otherIndex, size) === inclusionShape(index, size);
    mutations.push({ ...base, name: `index ${otherIndex}`, index: otherIndex, verifies });
  }
  for (const otherSize of [size - 1, size + 1, size * 2, Math.floor(size / 2)]) {
    if (otherSize === size) continue;
    const verifies = index < otherSize && inclusionShape(index, otherSize) === inclusionShape(index, size);
    mutations.push({ ...base, name: `tree size ${otherSize}`, size: otherSize, verifies });
  }
  return mutations;
}

describe('mutated inclusion proofs', () => {
  const everyBit = (): number[] => [...Array(256).keys()];

  it('are refused for every bit of every hash up to 12 leaves, and one seeded bit up to 128', () => {
    const log = new FailureLog();
    const random = seededRandom(42);
    const oneBit = (): number[] => [random(256)];
    let sizeChangesThatVerify = 0;
    for (let size = 1; size <= 128; size++) {
      for (let index = 0; index < size; index++) {
        for (const mutation of inclusionMutations(index, size, size <= 12 ? everyBit : oneBit)) {
          const verified = verifyInclusion(
            mutation.leafHash,
            mutation.index,
            mutation.size,
            mutation.proof,
            mutation.root,
            nodeTreeHasher,
          );
          if (mutation.verifies && verified) sizeChangesThatVerify++;
          log.check(verified === mutation.verifies, () => `leaf ${index} of ${size}, ${mutation.name}: ${verified}`);
        }
      }
    }
    log.report();
    // The shape exception is real (leaf 0 of 5 and of 6), so the rule above is not vacuous.
    expect(sizeChangesThatVerify).toBeGreaterThan(0);
    expect(verifyInclusion(leafHashAt(0), 0, 6, tree.inclusionProof(0, 5), rootAt(5))).toBe(true);
  });

  it('are refused for a random bit of a random hash at any size up to 512', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: treeSizeLimit }).chain((size) =>
          fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 })),
        ),
        ([size, index, hashChoice, bit]) => {
          const proof = tree.inclusionProof(index, size);
          const target = hashChoice % (proof.length + 2);
          let leafHash = leafHashAt(index);
          let root = rootAt(size);
          if (target === 0) leafHash = flipBit(leafHash, bit);
          else if (target === 1) root = flipBit(root, bit);
          else proof[target - 2] = flipBit(proof[target - 2] as Uint8Array, bit);
          return !verifyInclusion(leafHash, index, size, proof, root);
        },
      ),
      { numRuns: 3000, seed: 9162 },
    );
  });
});

/** The node hasher in the many-case loops; the verifier's logic does not depend on the hasher. */
function verifyConsistencyFast(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  return verifyConsistency(size1, size2, root1, root2, proof, nodeTreeHasher);
}

describe('mutated consistency proofs', () => {
  it('are refused for one seeded bit of each hash, an added or removed element, or other sizes, up to 64 leaves', () => {
    const log = new FailureLog();
    const random = seededRandom(6962);
    let sizeChangesThatVerify = 0;
    for (let size2 = 1; size2 <= referenceExhaustiveLimit; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = tree.consistencyProof(size1, size2);
        const root1 = rootAt(size1);
        const root2 = rootAt(size2);
        const expectRefused = (name: string, verified: boolean): void =>
          log.check(!verified, () => `sizes ${size1} to ${size2}, ${name} verified`);

        expectRefused('root1 bit', verifyConsistencyFast(size1, size2, flipBit(root1, random(256)), root2, proof));
        expectRefused('root2 bit', verifyConsistencyFast(size1, size2, root1, flipBit(root2, random(256)), proof));
        proof.forEach((element, position) => {
          const changed = proof.slice();
          changed[position] = flipBit(element, random(256));
          expectRefused(`proof[${position}] bit`, verifyConsistencyFast(size1, size2, root1, root2, changed));
        });
        expectRefused('extra element', verifyConsistencyFast(size1, size2, root1, root2, [...proof, root2]));
        expectRefused('preceding element', verifyConsistencyFast(size1, size2, root1, root2, [root1, ...proof]));
        if (proof.length > 0) {
          expectRefused('last removed', verifyConsistencyFast(size1, size2, root1, root2, proof.slice(0, -1)));
          expectRefused('first removed', verifyConsistencyFast(size1, size2, root1, root2, proof.slice(1)));
        }
        if (size1 !== size2) expectRefused('roots swapped', verifyConsistencyFast(size1, size2, root2, root1, proof));

        const otherSizes: Array<[number, number]> = [
          [size1 - 1, size2],
          [size1 + 1, size2],
          [size1, size2 - 1],
          [size1, size2 + 1],
          [size1, size2 * 2],
          [size1 * 2, size2 * 2],
        ];
        for (const [otherSize1, otherSize2] of otherSizes) {
          const verified = verifyConsistencyFast(otherSize1, otherSize2, root1, root2, proof);
          const shapeKept =
            otherSize1 > 0 &&
            otherSize1 <= otherSize2 &&
            consistencyShape(otherSize1, otherSize2) === consistencyShape(size1, size2);
          if (verified && shapeKept) sizeChangesThatVerify++;
          log.check(
            verified === shapeKept,
            () => `sizes ${size1} to ${size2} checked as ${otherSize1} to ${otherSize2}: ${verified}`,
          );
        }
      }
    }
    log.report();
    expect(sizeChangesThatVerify).toBeGreaterThan(0);
  });

  it('are refused for a random bit of a random hash at any sizes up to 512', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: treeSizeLimit }).chain((size2) =>
          fc.tuple(fc.integer({ min: 1, max: size2 - 1 }), fc.constant(size2), fc.nat(), fc.integer({ min: 0, max: 255 })),
        ),
        ([size1, size2, hashChoice, bit]) => {
          const proof = tree.consistencyProof(size1, size2);
          const target = hashChoice % (proof.length + 2);
          let root1 = rootAt(size1);
          let root2 = rootAt(size2);
          if (target === 0) root1 = flipBit(root1, bit);
          else if (target === 1) root2 = flipBit(root2, bit);
          else proof[target - 2] = flipBit(proof[target - 2] as Uint8Array, bit);
          return !verifyConsistency(size1, size2, root1, root2, proof);
        },
      ),
      { numRuns: 3000, seed: 6962 },
    );
  });
});

describe('arbitrary leaf data', () => {
  it('gives the reference roots and proofs, and they verify, for any leaf bytes (empty included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 40 }).chain((data) =>
          fc.tuple(
            fc.constant(data),
            fc.integer({ min: 1, max: data.length }),
            fc.nat(),
            fc.nat(),
          ),
        ),
        ([data, size, indexSeed, size1Seed]) => {
          const stored = new AppendOnlyTree(new MemoryNodeStore(), portableTreeHasher);
          for (const leaf of data) stored.appendLeaf(leaf);
          const prefix = data.slice(0, size);
          const index = indexSeed % size;
          const size1 = 1 + (size1Seed % size);
          const root = merkleRoot(prefix);
          const leafHash = portableTreeHasher.leafHash(prefix[index] as Uint8Array);
          const proof = stored.inclusionProof(index, size);
          const consistency = stored.consistencyProof(size1, size);
          return (
            bytesEqual(stored.root(size), root) &&
            bytesEqual(stored.leafHash(index), leafHash) &&
            proofsEqual(proof, inclusionProof(prefix, index)) &&
            proofsEqual(consistency, consistencyProof(prefix, size1)) &&
            verifyInclusion(leafHash, index, size, proof, root) &&
            verifyConsistency(size1, size, stored.root(size1), root, consistency)
          );
        },
      ),
      { numRuns: 500, seed: 2021 },
    );
  });
});

describe('hashers', () => {
  it('agree on every leaf and node hash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (data, other) => {
        const leafHash = portableTreeHasher.leafHash(data);
        return (
          bytesEqual(leafHash, nodeTreeHasher.leafHash(data)) &&
          bytesEqual(portableTreeHasher.nodeHash(leafHash, other), nodeTreeHasher.nodeHash(leafHash, other)) &&
          bytesEqual(portableTreeHasher.emptyRoot(), nodeTreeHasher.emptyRoot())
        );
      }),
      { numRuns: 2000, seed: 256 },
    );
  });
});
