/**
 * Chain crypto throughput on one core: Ed25519 verifications per second for every verifier (all under
 * the same pinned rule), signatures per second for every signer, SHA-256 leaf hashes per second for a
 * 500-byte leaf, and transaction ids and verifications per second for a transaction of about 500 bytes.
 *
 * `npm run bench chain crypto`
 */
import * as path from 'node:path';
import type * as Chain from '../../ledger-core/chain/index.js';
import type * as Merkle from '../../ledger-core/chain/merkle/index.js';
import { measureRate, type Benchmark, type BenchmarkResult } from '../benchmark.js';

// ledger-core's `exports` map names only "." so far, and its index does not re-export the chain module;
// load the compiled module by path (types come from the source above) until a subpath is exported.
const chain = require(path.resolve(__dirname, '../../../ledger-core/dist/chain/index.js')) as typeof Chain;
const merkle = require(path.resolve(__dirname, '../../../ledger-core/dist/chain/merkle/index.js')) as typeof Merkle;

const measureMs = 2_000;
/** About the size of a canonical transaction with a modest payload, and of a ledger leaf. */
const messageBytes = 500;
/** Distinct messages cycled through, so no layer can cache a result. */
const messageCount = 256;

function patternBytes(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + salt * 17) & 0xff);
}

const privateKey = patternBytes(32, 1);
const messages = Array.from({ length: messageCount }, (_, index) => patternBytes(messageBytes, index));
const nodeSigner = chain.createNodeCryptoSigner(privateKey);
const signatures = messages.map((message) => nodeSigner.sign(message));

function verifyRate(verifier: Chain.Ed25519Verifier, publicKey: Uint8Array): number {
  return measureRate((iteration) => {
    const index = iteration % messageCount;
    const signature = signatures[index];
    const message = messages[index];
    if (signature === undefined || message === undefined || !verifier.verify(signature, message, publicKey)) {
      throw new Error(`${verifier.implementation} refused a valid signature`);
    }
  }, measureMs);
}

// A second key whose signatures alternate with the first: with a one-entry cache every lookup misses,
// which is what the portable verifier pays the first time it meets a key.
const otherSigner = chain.createNodeCryptoSigner(patternBytes(32, 2));
const otherSignatures = messages.map((message) => otherSigner.sign(message));

const verifyBenchmark: Benchmark = {
  name: 'crypto ed25519 verify',
  async run(): Promise<BenchmarkResult[]> {
    const results: BenchmarkResult[] = [];
    for (const verifier of chain.createAllVerifiers()) {
      results.push({ label: `${verifier.implementation}, key cached`, value: verifyRate(verifier, nodeSigner.publicKey), unit: 'verify/s' });
    }
    const cold = chain.createPortableVerifier({ publicKeyCacheEntriesMax: 1 });
    const alternating = (iteration: number) => (iteration % 2 === 0 ? nodeSigner.publicKey : otherSigner.publicKey);
    const coldRate = measureRate((iteration) => {
      const index = iteration % messageCount;
      const signature = (iteration % 2 === 0 ? signatures : otherSignatures)[index];
      const message = messages[index];
      if (signature === undefined || message === undefined || !cold.verify(signature, message, alternating(iteration))) {
        throw new Error('portable verifier refused a valid signature');
      }
    }, measureMs, 10);
    results.push({ label: 'noble, key not cached', value: coldRate, unit: 'verify/s' });
    return results;
  },
};

const signBenchmark: Benchmark = {
  name: 'crypto ed25519 sign',
  async run(): Promise<BenchmarkResult[]> {
    const signers: Array<[string, Chain.Ed25519Signer]> = [
      ['noble', chain.createPortableSigner(privateKey)],
      ['node:crypto', nodeSigner],
    ];
    return signers.map(([label, signer]) => ({
      label,
      value: measureRate((iteration) => signer.sign(messages[iteration % messageCount] ?? new Uint8Array(0)), measureMs),
      unit: 'sign/s',
    }));
  },
};

// RFC 9162 leaf hashes, SHA-256(0x00 || leaf), with the Merkle module's two hashers.
const hashBenchmark: Benchmark = {
  name: 'crypto sha256 leaf',
  async run(): Promise<BenchmarkResult[]> {
    const leafAt = (iteration: number) => messages[iteration % messageCount] ?? new Uint8Array(0);
    const hashers: Array<[string, Merkle.TreeHasher]> = [
      ['portable (@noble/hashes)', merkle.portableTreeHasher],
      ['node:crypto', merkle.nodeTreeHasher],
    ];
    return hashers.map(([label, hasher]) => ({
      label: `${label}, ${messageBytes}-byte leaf`,
      value: measureRate((iteration) => hasher.leafHash(leafAt(iteration)), measureMs),
      unit: 'hash/s',
    }));
  },
};

const transactions = Array.from({ length: messageCount }, (_, index): Chain.Transaction => ({
  v: 1,
  type: 'production.recordStep',
  payload: {
    batch: `LOT-2026-${String(index).padStart(6, '0')}`,
    step: 'machining',
    station: 'cell-7/cnc-5x',
    operator: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    readings: { spindleRpm: 12_000, coolantC: 18.5, toolWearPct: 37.25 },
    inputs: ['LOT-2026-000001', 'LOT-2026-000002'],
    note: 'routine run, no deviations recorded',
  },
  signer: chain.didKeyFromPublicKey(nodeSigner.publicKey),
  nonce: `n-${index}`,
  time: 1_767_225_600_000 + index,
}));
const signedTransactions = transactions.map((tx) => chain.signTransaction(tx, nodeSigner));

const transactionBenchmark: Benchmark = {
  name: 'crypto transaction',
  async run(): Promise<BenchmarkResult[]> {
    const sizeBytes = chain.transactionBytes(transactions[0]).length;
    const txAt = (iteration: number) => transactions[iteration % messageCount];
    const signedAt = (iteration: number) => signedTransactions[iteration % messageCount];
    const results: BenchmarkResult[] = [
      { label: `id (shape, limits, JCS, SHA-256), ${sizeBytes} B`, value: measureRate((i) => chain.transactionId(txAt(i)), measureMs), unit: 'tx/s' },
    ];
    for (const verifier of chain.createAllVerifiers()) {
      const rate = measureRate((i) => {
        if (!chain.verifyTransaction(signedAt(i), verifier).ok) throw new Error('valid transaction refused');
      }, measureMs);
      results.push({ label: `verify with ${verifier.implementation}, ${sizeBytes} B`, value: rate, unit: 'tx/s' });
    }
    return results;
  },
};

export const benchmarks: Benchmark[] = [verifyBenchmark, signBenchmark, hashBenchmark, transactionBenchmark];
