/**
 * Block execution throughput on one core: transactions per second through `executeBlock` for blocks of
 * 1,000 `asset.note` transactions (about 330 bytes each, four member organisations signing in turn,
 * each note a new key), with signature verification on each native verifier and with verification
 * answered without curve arithmetic, so the cost of the signatures and of everything else shows
 * separately. A last figure adds `buildBlock` (leaf hashing, tree appends, header) to the fastest path.
 * Each measured call executes the same decoded block over the same empty state, as block 1: the figures
 * leave out decoding the log's JSON, and the block's input is frozen once, in the warm-up.
 *
 * `npm run bench ledger execution`
 */
import * as path from 'node:path';
import type * as Chain from '../../ledger-core/chain/index.js';
import type * as Merkle from '../../ledger-core/chain/merkle/index.js';
import type * as Contracts from '../../ledger-core/contracts/index.js';
import type * as Execution from '../../ledger-core/execution/index.js';
import type * as Fixtures from '../../ledger-core/execution/testing/fixtures.js';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';

// ledger-core's `exports` map names only "."; load the compiled modules by path (types come from the
// sources above) until subpaths are exported.
const dist = path.resolve(__dirname, '../../../ledger-core/dist');
const chain = require(path.join(dist, 'chain/index.js')) as typeof Chain;
const merkle = require(path.join(dist, 'chain/merkle/index.js')) as typeof Merkle;
const contracts = require(path.join(dist, 'contracts/index.js')) as typeof Contracts;
const execution = require(path.join(dist, 'execution/index.js')) as typeof Execution;
const fixtures = require(path.join(dist, 'execution/testing/fixtures.js')) as typeof Fixtures;

const blockTxCount = 1_000;
const measureMs = 3_000;

const members = ['alpha', 'beta', 'gamma', 'delta'].map((name) => fixtures.seededParty(name, chain.createNodeCryptoSigner));
const genesis = fixtures.testGenesis(members);
const proposalTimeMs = fixtures.testGenesisTimeMs + 1_000;
const registry = contracts.createStandardRegistry();
const emptyState: Contracts.StateView = { get: () => undefined };

/** The block's transactions as the ordering log delivers them: decoded JSON, in order. */
function blockTransactions(): unknown[] {
  return Array.from({ length: blockTxCount }, (_, index) => {
    const party = members[index % members.length];
    if (party === undefined) throw new Error('no party');
    const payload = { key: `meter-${String(index).padStart(6, '0')}`, value: { energyKwh: 1_250.5 + index, interval: '2026-01-01T00:15:00Z/PT15M', site: 'plant-3/feeder-2' } };
    return JSON.parse(JSON.stringify(fixtures.signedTransaction(party, 'asset.note', payload, proposalTimeMs, `n-${index}`))) as unknown;
  });
}

/**
 * Transactions per second of `runBlock`, run for about `durationMs` after a warm-up. Counted per block
 * and divided exactly: `measureRate` rounds operations per second, which at ~15 blocks/s would cost
 * two digits of the figure.
 */
function transactionsPerSecond(runBlock: () => void, durationMs: number): number {
  const warmupEndNs = process.hrtime.bigint() + 500_000_000n;
  while (process.hrtime.bigint() < warmupEndNs) runBlock();
  const startNs = process.hrtime.bigint();
  const endNs = startNs + BigInt(durationMs) * 1_000_000n;
  let blocks = 0;
  let nowNs = startNs;
  while (nowNs < endNs) {
    runBlock();
    blocks++;
    nowNs = process.hrtime.bigint();
  }
  return Math.round((blocks * blockTxCount * 1e9) / Number(nowNs - startNs));
}

/** Answers every signature as valid without computing anything: what execution costs besides the curve. */
const noVerification: Chain.Ed25519Verifier = { implementation: 'none', verify: () => true };

function executeOnce(transactions: readonly unknown[], verifier: Chain.Ed25519Verifier): Execution.BlockExecution {
  const result = execution.executeBlock({
    height: 1,
    previous: null,
    proposalTimeMs,
    transactions,
    state: emptyState,
    isApplied: () => false,
    registry,
    genesis,
    verifier,
  });
  if (result.leaves.length !== blockTxCount || result.leaves.some(({ leaf }) => leaf.outcome.status !== 'accepted')) {
    throw new Error(`${verifier.implementation}: not every transaction was accepted`);
  }
  return result;
}

const executionBenchmark: Benchmark = {
  name: 'ledger execution',
  async run(): Promise<BenchmarkResult[]> {
    const transactions = blockTransactions();
    const verifiers: Array<[string, Chain.Ed25519Verifier]> = [
      ['verify with libsodium', chain.createSodiumVerifier()],
      ['verify with node:crypto', chain.createNodeCryptoVerifier()],
      ['no signature verification', noVerification],
    ];
    const results: BenchmarkResult[] = [];
    for (const [label, verifier] of verifiers) {
      const rate = transactionsPerSecond(() => executeOnce(transactions, verifier), measureMs);
      results.push({ label: `executeBlock, ${blockTxCount}-tx blocks, ${label}`, value: rate, unit: 'tx/s' });
    }
    const sodium = chain.createSodiumVerifier();
    const builtRate = transactionsPerSecond(() => {
      const executed = executeOnce(transactions, sodium);
      execution.buildBlock({ execution: executed, revisionFirst: 1, revisionLast: blockTxCount, tree: new merkle.AppendOnlyTree(undefined, merkle.nodeTreeHasher) });
    }, measureMs);
    results.push({ label: `executeBlock + buildBlock, ${blockTxCount}-tx blocks, verify with libsodium`, value: builtRate, unit: 'tx/s' });
    return results;
  },
};

export const benchmarks: Benchmark[] = [executionBenchmark];
