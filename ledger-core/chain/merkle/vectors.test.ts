/**
 * Scenario: every RFC 9162 probe from transparency-dev/merkle's testdata (shared/vectors/rfc9162): for
 * each of a few trees, a good inclusion or consistency proof and the same proof mutated (a bit flipped,
 * an element added or removed, an index or size shifted, roots swapped, garbage added).
 *
 * Proves: the verifier accepts every good probe and refuses every `wantErr` probe, with both hashers (each
 * corpus is run once per hasher); a failing run lists every probe that went wrong ("N out of M failed"),
 * not just the first. Also proves the generators (reference and stored tree) reproduce the good proofs
 * from the RFC 6962 test leaves those probes were made from.
 *
 * One probe is refused on purpose: "sizes are equal (one) and proof is empty" expects two equal 12-byte
 * roots to pass. A root is a SHA-256 digest, so this verifier refuses any root that is not 32 bytes; the
 * test pins that refusal so a change on either side shows up here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppendOnlyTree } from './append-only-tree.js';
import { portableTreeHasher, type TreeHasher } from './hash.js';
import { nodeTreeHasher } from './hash-node.js';
import { consistencyProof, inclusionProof, merkleRoot } from './reference.js';
import { proofsEqual, bytesEqual } from './testing.js';
import { allPassed, runVectors } from '../vector-report.js';
import { checkConsistency, checkInclusion, type ProofCheck, type ProofRefusal } from './verify.js';

const vectorsDir = path.resolve(__dirname, '../../../../shared/vectors/rfc9162');

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

/** Probes this verifier answers differently from the corpus, each with the refusal it must give. */
const refusedDespiteCorpus: Record<string, ProofRefusal> = {
  'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'hash-length',
};

function probeFiles(kind: 'inclusion' | 'consistency'): string[] {
  const root = path.join(vectorsDir, kind);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) files.push(full);
    }
  };
  walk(root);
  return files.sort();
}

function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function proofBytes(proof: string[] | null): Uint8Array[] {
  return (proof ?? []).map(bytes);
}

function relativeName(file: string): string {
  return path.relative(vectorsDir, file).split(path.sep).join('/');
}

/** Compares one probe's outcome with what it expects; undefined when it passes. */
function judge(name: string, wantErr: boolean, check: ProofCheck): string | undefined {
  const refusalExpected = refusedDespiteCorpus[name];
  if (refusalExpected !== undefined) {
    if (!check.valid && check.refusal === refusalExpected) return undefined;
    return `expected refusal ${refusalExpected}, got ${JSON.stringify(check)}`;
  }
  if (check.valid === !wantErr) return undefined;
  return `wantErr=${wantErr} but got ${JSON.stringify(check)}`;
}

const hashers: Array<[string, TreeHasher]> = [
  ['portable', portableTreeHasher],
  ['node', nodeTreeHasher],
];

/** RFC 6962's test leaves (the data behind the corpus' good proofs; their 8-leaf root is 5dc9da79…). */
const rfc6962Leaves: Uint8Array[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));

describe('RFC 9162 probes', () => {
  const inclusionFiles = probeFiles('inclusion');
  const consistencyFiles = probeFiles('consistency');

  it('finds the whole corpus: 98 inclusion and 98 consistency probes', () => {
    // Guards the loader: a path change must not turn this file into a test of nothing.
    expect(inclusionFiles.length).toBe(98);
    expect(consistencyFiles.length).toBe(98);
  });

  /** Every probe file with every hasher: the corpus is run once per hasher. */
  function cases<Probe>(files: string[]): Array<{ name: string; probe: Probe; hasherName: string; hasher: TreeHasher }> {
    return files.flatMap((file) => {
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as Probe;
      return hashers.map(([hasherName, hasher]) => ({ name: relativeName(file), probe, hasherName, hasher }));
    });
  }

  it('accepts every good inclusion probe and refuses every wantErr one', () => {
    const inclusionCases = cases<InclusionProbe>(inclusionFiles);
    const report = runVectors(
      inclusionCases,
      ({ name, hasherName }) => `${name} [${hasherName}]`,
      ({ name, probe, hasher }) =>
        judge(
          name,
          probe.wantErr,
          checkInclusion(
            bytes(probe.leafHash),
            probe.leafIdx,
            probe.treeSize,
            proofBytes(probe.proof),
            bytes(probe.root),
            hasher,
          ),
        ),
    );
    expect(report.text).toBe(allPassed(inclusionCases.length));
  });

  it('accepts every good consistency probe and refuses every wantErr one', () => {
    const consistencyCases = cases<ConsistencyProbe>(consistencyFiles);
    const report = runVectors(
      consistencyCases,
      ({ name, hasherName }) => `${name} [${hasherName}]`,
      ({ name, probe, hasher }) =>
        judge(
          name,
          probe.wantErr,
          checkConsistency(
            probe.size1,
            probe.size2,
            bytes(probe.root1),
            bytes(probe.root2),
            proofBytes(probe.proof),
            hasher,
          ),
        ),
    );
    expect(report.text).toBe(allPassed(consistencyCases.length));
  });

  it('generates the good proofs and roots from the RFC 6962 test leaves', () => {
    const tree = new AppendOnlyTree();
    for (const leaf of rfc6962Leaves) tree.appendLeaf(leaf);
    const isHappyPath = (file: string): boolean => /\/\d+\/happy-path\.json$/.test(relativeName(file));

    const inclusionProbes = inclusionFiles.filter(isHappyPath);
    const inclusionReport = runVectors(inclusionProbes, relativeName, (file) => {
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as InclusionProbe;
      const leaves = rfc6962Leaves.slice(0, probe.treeSize);
      const want = proofBytes(probe.proof);
      if (!bytesEqual(merkleRoot(leaves), bytes(probe.root))) return 'reference root differs';
      if (!bytesEqual(tree.root(probe.treeSize), bytes(probe.root))) return 'stored tree root differs';
      if (!bytesEqual(tree.leafHash(probe.leafIdx), bytes(probe.leafHash))) return 'leaf hash differs';
      if (!proofsEqual(inclusionProof(leaves, probe.leafIdx), want)) return 'reference proof differs';
      if (!proofsEqual(tree.inclusionProof(probe.leafIdx, probe.treeSize), want)) return 'stored tree proof differs';
      return undefined;
    });
    expect(inclusionReport.text).toBe(allPassed(5));

    const consistencyProbes = consistencyFiles.filter(isHappyPath);
    const consistencyReport = runVectors(consistencyProbes, relativeName, (file) => {
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as ConsistencyProbe;
      const leaves = rfc6962Leaves.slice(0, probe.size2);
      const want = proofBytes(probe.proof);
      if (!bytesEqual(tree.root(probe.size1), bytes(probe.root1))) return 'root1 differs';
      if (!bytesEqual(tree.root(probe.size2), bytes(probe.root2))) return 'root2 differs';
      if (!proofsEqual(consistencyProof(leaves, probe.size1), want)) return 'reference proof differs';
      if (!proofsEqual(tree.consistencyProof(probe.size1, probe.size2), want)) return 'stored tree proof differs';
      return undefined;
    });
    expect(consistencyReport.text).toBe(allPassed(5));
  });
});
