/**
 * Merkle tree throughput on one core: node hashes with each SHA-256, appends to the stored tree, proof generation from it at the
 * current and at past tree sizes, and proof verification, all against a tree of 1,000,000 leaves.
 * Verification is measured with the portable hasher (what a browser runs) and with node:crypto (what
 * the node can pass in); the goal for portable inclusion verification is ≥ 20,000/s.
 *
 * `npm run bench chain merkle`
 */
import * as path from 'node:path';
import type * as Merkle from '../../ledger-core/chain/merkle/index.js';
import { measureRate, type Benchmark, type BenchmarkResult } from '../benchmark.js';

// ledger-core's `exports` map names only "." so far, and its index does not re-export the Merkle module;
// load the compiled module by path (types come from the source above) until a subpath is exported.
const merkle = require(path.resolve(__dirname, '../../../ledger-core/dist/chain/merkle/index.js')) as typeof Merkle;

const treeSize = 1_000_000;
const leafDataBytes = 128;
const measureMs = 2_000;
/** Distinct proofs cycled through while measuring, so caches do not flatter the figures. */
const proofSampleCount = 4_096;

/** Seeded xorshift32: the same positions on every run. */
function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

function leafDataFor(index: number): Uint8Array {
  const data = new Uint8Array(leafDataBytes);
  new DataView(data.buffer).setUint32(0, index);
  return data;
}

/** Appends `leafHashes` to a fresh tree; returns the tree and appends per second. */
function timedBuild(
  leafHashes: readonly Uint8Array[],
  hasher: Merkle.TreeHasher,
): { tree: Merkle.AppendOnlyTree; appendsPerSecond: number } {
  const tree = new merkle.AppendOnlyTree(new merkle.MemoryNodeStore(), hasher);
  const startNs = process.hrtime.bigint();
  for (const leafHash of leafHashes) tree.appendLeafHash(leafHash);
  const elapsedNs = Number(process.hrtime.bigint() - startNs);
  return { tree, appendsPerSecond: Math.round((leafHashes.length * 1e9) / elapsedNs) };
}

let shared: { tree: Merkle.AppendOnlyTree; leafHashes: Uint8Array[] } | undefined;

/** The 1,000,000-leaf tree (node:crypto hasher) the proof benchmarks read, built once. */
function sharedTree(): { tree: Merkle.AppendOnlyTree; leafHashes: Uint8Array[] } {
  if (shared === undefined) {
    const leafHashes = Array.from({ length: treeSize }, (_, index) => merkle.nodeTreeHasher.leafHash(leafDataFor(index)));
    shared = { tree: timedBuild(leafHashes, merkle.nodeTreeHasher).tree, leafHashes };
  }
  return shared;
}

/** The choice behind the server hasher: node hashes (65-byte input) per second with each SHA-256. */
const hashBenchmark: Benchmark = {
  name: 'merkle hash',
  async run(): Promise<BenchmarkResult[]> {
    const left = merkle.portableTreeHasher.leafHash(leafDataFor(1));
    const right = merkle.portableTreeHasher.leafHash(leafDataFor(2));
    return [
      {
        label: 'nodeHash, portable hasher',
        value: measureRate(() => merkle.portableTreeHasher.nodeHash(left, right), measureMs),
        unit: 'hashes/s',
      },
      {
        label: 'nodeHash, node:crypto hasher',
        value: measureRate(() => merkle.nodeTreeHasher.nodeHash(left, right), measureMs),
        unit: 'hashes/s',
      },
    ];
  },
};

const appendBenchmark: Benchmark = {
  name: 'merkle append',
  async run(): Promise<BenchmarkResult[]> {
    const { leafHashes } = sharedTree();
    const node = timedBuild(leafHashes, merkle.nodeTreeHasher);
    const portable = timedBuild(leafHashes, merkle.portableTreeHasher);
    // Leaf hashing included: what the node pays per transaction from its bytes.
    const leafData = Array.from({ length: treeSize }, (_, index) => leafDataFor(index));
    const withLeafHash = new merkle.AppendOnlyTree(new merkle.MemoryNodeStore(), merkle.nodeTreeHasher);
    const startNs = process.hrtime.bigint();
    for (const data of leafData) withLeafHash.appendLeaf(data);
    const leafDataRate = Math.round((treeSize * 1e9) / Number(process.hrtime.bigint() - startNs));
    // The frontier alone: what a node pays to know its root without storing the tree.
    const frontier = new merkle.MerkleFrontier(merkle.nodeTreeHasher);
    const frontierStartNs = process.hrtime.bigint();
    for (const leafHash of leafHashes) frontier.appendLeafHash(leafHash);
    const frontierRate = Math.round((treeSize * 1e9) / Number(process.hrtime.bigint() - frontierStartNs));
    if (!bytesEqualish(node.tree.root(), portable.tree.root()) || !bytesEqualish(frontier.root(), node.tree.root())) {
      throw new Error('merkle append: hashers or frontier disagree on the root');
    }
    return [
      { label: 'appendLeafHash to 1M leaves, node:crypto hasher', value: node.appendsPerSecond, unit: 'appends/s' },
      { label: 'appendLeafHash to 1M leaves, portable hasher', value: portable.appendsPerSecond, unit: 'appends/s' },
      { label: `appendLeaf (${leafDataBytes}-byte leaf data) to 1M leaves, node:crypto`, value: leafDataRate, unit: 'appends/s' },
      { label: 'frontier appendLeafHash to 1M leaves, node:crypto', value: frontierRate, unit: 'appends/s' },
    ];
  },
};

function bytesEqualish(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, i) => byte === right[i]);
}

const proveBenchmark: Benchmark = {
  name: 'merkle prove',
  async run(): Promise<BenchmarkResult[]> {
    const { tree } = sharedTree();
    const random = seededRandom(1);
    const indexes = Array.from({ length: proofSampleCount }, () => random(treeSize));
    const pastSizes = Array.from({ length: proofSampleCount }, () => 1 + random(treeSize));
    const sizePairs = pastSizes.map((size2) => [1 + random(size2), size2] as const);
    const at = <T>(values: readonly T[], iteration: number): T => values[iteration % values.length] as T;
    return [
      {
        label: 'inclusionProof at tree size 1M',
        value: measureRate((i) => tree.inclusionProof(at(indexes, i), treeSize), measureMs),
        unit: 'proofs/s',
      },
      {
        label: 'inclusionProof at a random past tree size',
        value: measureRate((i) => {
          const size = at(pastSizes, i);
          tree.inclusionProof(at(indexes, i) % size, size);
        }, measureMs),
        unit: 'proofs/s',
      },
      {
        label: 'consistencyProof between random past sizes',
        value: measureRate((i) => {
          const [size1, size2] = at(sizePairs, i);
          tree.consistencyProof(size1, size2);
        }, measureMs),
        unit: 'proofs/s',
      },
      {
        label: 'root at a random past tree size',
        value: measureRate((i) => tree.root(at(pastSizes, i)), measureMs),
        unit: 'roots/s',
      },
    ];
  },
};

const verifyBenchmark: Benchmark = {
  name: 'merkle verify',
  async run(): Promise<BenchmarkResult[]> {
    const { tree, leafHashes } = sharedTree();
    const random = seededRandom(2);
    const root = tree.root();
    const inclusionCases = Array.from({ length: proofSampleCount }, () => {
      const index = random(treeSize);
      return { index, leafHash: leafHashes[index] as Uint8Array, proof: tree.inclusionProof(index) };
    });
    const consistencyCases = Array.from({ length: proofSampleCount }, () => {
      const size1 = 1 + random(treeSize - 1);
      return { size1, root1: tree.root(size1), proof: tree.consistencyProof(size1) };
    });
    const verifyInclusionRate = (hasher: Merkle.TreeHasher): number =>
      measureRate((i) => {
        const testCase = inclusionCases[i % proofSampleCount];
        if (testCase === undefined || !merkle.verifyInclusion(testCase.leafHash, testCase.index, treeSize, testCase.proof, root, hasher)) {
          throw new Error('merkle verify: an honest inclusion proof was refused');
        }
      }, measureMs);
    const verifyConsistencyRate = (hasher: Merkle.TreeHasher): number =>
      measureRate((i) => {
        const testCase = consistencyCases[i % proofSampleCount];
        if (testCase === undefined || !merkle.verifyConsistency(testCase.size1, treeSize, testCase.root1, root, testCase.proof, hasher)) {
          throw new Error('merkle verify: an honest consistency proof was refused');
        }
      }, measureMs);
    return [
      { label: 'verifyInclusion in 1M leaves, portable (browser)', value: verifyInclusionRate(merkle.portableTreeHasher), unit: 'verifications/s' },
      { label: 'verifyInclusion in 1M leaves, node:crypto', value: verifyInclusionRate(merkle.nodeTreeHasher), unit: 'verifications/s' },
      { label: 'verifyConsistency to 1M leaves, portable (browser)', value: verifyConsistencyRate(merkle.portableTreeHasher), unit: 'verifications/s' },
      { label: 'verifyConsistency to 1M leaves, node:crypto', value: verifyConsistencyRate(merkle.nodeTreeHasher), unit: 'verifications/s' },
    ];
  },
};

export const benchmarks: Benchmark[] = [hashBenchmark, appendBenchmark, proveBenchmark, verifyBenchmark];
