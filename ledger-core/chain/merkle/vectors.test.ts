/**
 * Scenario: every RFC 9162 probe from transparency-dev/merkle's testdata (shared/vectors/rfc9162): for
 * each of a few trees, a good inclusion or consistency proof and the same proof mutated (a bit flipped,
 * an element added or removed, an index or size shifted, roots swapped, garbage added).
 *
 * Proves: the verifier accepts every good probe and refuses every `wantErr` probe, with both hashers; a
 * failing run lists every probe that went wrong ("N out of M failed"), not just the first. Also proves
 * the generators reproduce the good proofs from the RFC 6962 test leaves those probes were made from.
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

/** Compares one probe's outcome with what it expects; returns a failure line or undefined. */
function judge(name: string, wantErr: boolean, check: ProofCheck, hasherName: string): string | undefined {
  const refusalExpected = refusedDespiteCorpus[name];
  if (refusalExpected !== undefined) {
    if (!check.valid && check.refusal === refusalExpected) return undefined;
    return `${name} [${hasherName}]: expected refusal ${refusalExpected}, got ${JSON.stringify(check)}`;
  }
  if (check.valid === !wantErr) return undefined;
  return `${name} [${hasherName}]: wantErr=${wantErr} but got ${JSON.stringify(check)}`;
}

/** Fails with every failure listed; `total` counts probe × hasher runs. */
function report(failures: string[], total: number): void {
  if (failures.length > 0) throw new Error(`${failures.length} out of ${total} failed:\n${failures.join('\n')}`);
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

  it('accepts every good inclusion probe and refuses every wantErr one', () => {
    const failures: string[] = [];
    let total = 0;
    for (const file of inclusionFiles) {
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as InclusionProbe;
      for (const [hasherName, hasher] of hashers) {
        total++;
        const check = checkInclusion(
          bytes(probe.leafHash),
          probe.leafIdx,
          probe.treeSize,
          proofBytes(probe.proof),
          bytes(probe.root),
          hasher,
        );
        const failure = judge(relativeName(file), probe.wantErr, check, hasherName);
        if (failure !== undefined) failures.push(failure);
      }
    }
    report(failures, total);
  });

  it('accepts every good consistency probe and refuses every wantErr one', () => {
    const failures: string[] = [];
    let total = 0;
    for (const file of consistencyFiles) {
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as ConsistencyProbe;
      for (const [hasherName, hasher] of hashers) {
        total++;
        const check = checkConsistency(
          probe.size1,
          probe.size2,
          bytes(probe.root1),
          bytes(probe.root2),
          proofBytes(probe.proof),
          hasher,
        );
        const failure = judge(relativeName(file), probe.wantErr, check, hasherName);
        if (failure !== undefined) failures.push(failure);
      }
    }
    report(failures, total);
  });

  it('generates the good proofs and roots from the RFC 6962 test leaves', () => {
    const tree = new AppendOnlyTree();
    for (const leaf of rfc6962Leaves) tree.appendLeaf(leaf);
    const failures: string[] = [];
    let total = 0;
    const happyPaths = (files: string[]): string[] =>
      files.filter((file) => /\/\d+\/happy-path\.json$/.test(file.split(path.sep).join('/')));

    for (const file of happyPaths(inclusionFiles)) {
      total++;
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as InclusionProbe;
      const leaves = rfc6962Leaves.slice(0, probe.treeSize);
      const want = proofBytes(probe.proof);
      const ok =
        bytesEqual(merkleRoot(leaves), bytes(probe.root)) &&
        bytesEqual(tree.root(probe.treeSize), bytes(probe.root)) &&
        bytesEqual(tree.leafHash(probe.leafIdx), bytes(probe.leafHash)) &&
        proofsEqual(inclusionProof(leaves, probe.leafIdx), want) &&
        proofsEqual(tree.inclusionProof(probe.leafIdx, probe.treeSize), want);
      if (!ok) failures.push(`${relativeName(file)}: generated proof or root differs`);
    }
    for (const file of happyPaths(consistencyFiles)) {
      total++;
      const probe = JSON.parse(fs.readFileSync(file, 'utf8')) as ConsistencyProbe;
      const leaves = rfc6962Leaves.slice(0, probe.size2);
      const want = proofBytes(probe.proof);
      const ok =
        bytesEqual(tree.root(probe.size1), bytes(probe.root1)) &&
        bytesEqual(tree.root(probe.size2), bytes(probe.root2)) &&
        proofsEqual(consistencyProof(leaves, probe.size1), want) &&
        proofsEqual(tree.consistencyProof(probe.size1, probe.size2), want);
      if (!ok) failures.push(`${relativeName(file)}: generated proof or root differs`);
    }
    expect(total).toBe(10);
    report(failures, total);
  });
});
