/**
 * Determinism, the property the consortium rests on: every node turns the same ordered log into the
 * same chain. For random logs of organisation and note transactions (with stale times, forgeries,
 * replays, unknown types and contract rejections mixed in), signed with freshly generated keys, proves:
 * - two ledgers built independently (separate state, tree and verifier implementation) produce
 *   byte-identical leaves, writes and block hashes;
 * - a ledger rebuilt from the encoded block records alone reaches the same block hashes and state;
 * - rejected and skipped transactions change nothing: a ledger fed only the accepted transactions
 *   reaches the same state after every block;
 * - a replayed transaction is skipped: resubmitting every leaf yields no leaf and no write.
 */
import { bytesToHex } from '@noble/hashes/utils';
import { base64urlnopad } from '@scure/base';
import fc from 'fast-check';
import { canonicalize } from '../chain/canonical.js';
import { generatePrivateKey } from '../chain/ed25519.js';
import { createNodeCryptoSigner, createNodeCryptoVerifier } from '../chain/ed25519-node.js';
import { createSodiumVerifier } from '../chain/ed25519-sodium.js';
import type { JsonValue } from '../chain/json-value.js';
import { leafData } from '../chain/leaf.js';
import { transactionBytes, type SignedTransaction } from '../chain/transaction.js';
import { createStandardRegistry } from '../contracts/standard.js';
import { decodeBlockRecord, encodeBlockRecord } from './build-block.js';
import { partyFromKey, signedTransaction, testGenesis, testGenesisTimeMs, type TestParty } from './testing/fixtures.js';
import { MemoryLedger } from './testing/memory-ledger.js';

// Generated keys: the properties hold whatever the keys are.
const members = ['alpha', 'beta', 'gamma'].map((name) => partyFromKey(name, generatePrivateKey(), createNodeCryptoSigner));
const outsiders = ['acme', 'bolt', 'cogs'].map((name) => partyFromKey(name, generatePrivateKey(), createNodeCryptoSigner));
const parties: readonly TestParty[] = [...members, ...outsiders];
const genesis = testGenesis(members);
const organizationIds = ['acme', 'bolt', 'cogs', 'alpha'];
const noteKeys = ['k1', 'k2', 'k3'];
const blockIntervalMs = 1_000;

type Operation =
  | { readonly kind: 'register'; readonly party: number; readonly id: number }
  | { readonly kind: 'approve'; readonly party: number; readonly id: number }
  | { readonly kind: 'note'; readonly party: number; readonly key: number; readonly value: number; readonly expectedVersion: number | null }
  | { readonly kind: 'stale'; readonly party: number }
  | { readonly kind: 'unknownType'; readonly party: number }
  | { readonly kind: 'forged'; readonly party: number; readonly key: number }
  | { readonly kind: 'replay'; readonly back: number };

const partyIndex = fc.nat({ max: parties.length - 1 });
/** Mostly members, so approvals often count and organisations become active. */
const approverIndex = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: members.length - 1 }) }, { weight: 1, arbitrary: partyIndex });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('register' as const), party: partyIndex, id: fc.nat({ max: organizationIds.length - 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('approve' as const), party: approverIndex, id: fc.nat({ max: organizationIds.length - 1 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('note' as const),
      party: partyIndex,
      key: fc.nat({ max: noteKeys.length - 1 }),
      value: fc.integer({ min: -5, max: 5 }),
      expectedVersion: fc.option(fc.nat({ max: 3 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), party: partyIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknownType' as const), party: partyIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forged' as const), party: partyIndex, key: fc.nat({ max: noteKeys.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.nat({ max: 20 }) }) },
);
/**
 * One log that reaches every path, run before the random ones: an outsider registers and writes too
 * early, members approve it (one too many), notes race on versions, and the ledger's own rules fire.
 */
const everyPath: Operation[][] = [
  [
    { kind: 'register', party: 3, id: 0 },
    { kind: 'note', party: 3, key: 0, value: 1, expectedVersion: null },
    { kind: 'approve', party: 4, id: 0 },
    { kind: 'note', party: 0, key: 0, value: 2, expectedVersion: 0 },
  ],
  [
    { kind: 'approve', party: 0, id: 0 },
    { kind: 'approve', party: 1, id: 0 },
    { kind: 'approve', party: 2, id: 0 },
    { kind: 'register', party: 4, id: 0 },
    { kind: 'note', party: 3, key: 0, value: 3, expectedVersion: 1 },
    { kind: 'note', party: 1, key: 0, value: 4, expectedVersion: 1 },
  ],
  [
    { kind: 'stale', party: 0 },
    { kind: 'unknownType', party: 1 },
    { kind: 'forged', party: 2, key: 1 },
    { kind: 'replay', back: 3 },
  ],
];

const blocksArbitrary = fc.array(fc.array(operation, { maxLength: 8 }), { minLength: 1, maxLength: 5 });

function party(index: number): TestParty {
  const found = parties[index];
  if (found === undefined) throw new Error(`no party ${index}`);
  return found;
}

/** The signed log: one array of decoded-JSON entries per block, as the ordering log would deliver it. */
function signLog(blocks: readonly (readonly Operation[])[]): unknown[][] {
  const made: SignedTransaction[] = [];
  return blocks.map((operations, blockIndex) => {
    const timeMs = testGenesisTimeMs + (blockIndex + 1) * blockIntervalMs;
    return operations.map((op, opIndex): unknown => {
      const nonce = `b${blockIndex}o${opIndex}`;
      let signed: SignedTransaction;
      switch (op.kind) {
        case 'register':
          signed = signedTransaction(party(op.party), 'organization.register', { id: organizationIds[op.id] ?? 'acme', name: `Org ${op.id}` }, timeMs, nonce);
          break;
        case 'approve':
          signed = signedTransaction(party(op.party), 'organization.approve', { id: organizationIds[op.id] ?? 'acme' }, timeMs, nonce);
          break;
        case 'note': {
          const payload: Record<string, JsonValue> = { key: noteKeys[op.key] ?? 'k1', value: op.value };
          if (op.expectedVersion !== null) payload['expectedVersion'] = op.expectedVersion;
          signed = signedTransaction(party(op.party), 'asset.note', payload, timeMs, nonce);
          break;
        }
        case 'stale':
          signed = signedTransaction(party(op.party), 'asset.note', { key: 'k1', value: 0 }, timeMs - genesis.parameters.txTimePastMs - 1, nonce);
          break;
        case 'unknownType':
          signed = signedTransaction(party(op.party), 'asset.erase', { key: 'k1' }, timeMs, nonce);
          break;
        case 'forged': {
          const genuine = signedTransaction(party(op.party), 'asset.note', { key: noteKeys[op.key] ?? 'k1', value: 100 }, timeMs, nonce);
          const forger = party((op.party + 1) % parties.length);
          return { tx: genuine.tx, signature: base64urlnopad.encode(forger.signer.sign(transactionBytes(genuine.tx))) };
        }
        case 'replay': {
          const earlier = made[made.length - 1 - op.back] ?? made[0];
          if (earlier === undefined) return 'not a transaction';
          return JSON.parse(JSON.stringify(earlier)) as unknown;
        }
      }
      made.push(signed);
      return JSON.parse(JSON.stringify(signed)) as unknown;
    });
  });
}

function proposalTimeMs(blockIndex: number): number {
  return testGenesisTimeMs + (blockIndex + 1) * blockIntervalMs;
}

/** Everything a block decides, as bytes: leaf data, writes and header hash. */
function fingerprint(ledger: MemoryLedger, log: readonly (readonly unknown[])[]): string[] {
  return log.map((transactions, blockIndex) => {
    const { execution, block } = ledger.runBlock(transactions, proposalTimeMs(blockIndex));
    const leaves = execution.leaves.map(({ leaf }) => bytesToHex(leafData(leaf)));
    const events = execution.leaves.map(({ events }) => canonicalize(events));
    return canonicalize({ leaves, events, writes: [...execution.writes], skipped: execution.skipped, hash: block.hash });
  });
}

function stateOf(ledger: MemoryLedger): string {
  return canonicalize([...ledger.state].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
}

describe('determinism', () => {
  it('two independently built ledgers agree byte for byte', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(blocksArbitrary, (blocks) => {
        const log = signLog(blocks);
        const first = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
        const second = new MemoryLedger(genesis, createStandardRegistry(), createSodiumVerifier());
        // Each ledger gets its own decoded copy of the log, as two nodes would.
        const copy = JSON.parse(JSON.stringify(log)) as unknown[][];
        expect(fingerprint(second, copy)).toEqual(fingerprint(first, log));
        expect(stateOf(second)).toBe(stateOf(first));
        for (const built of first.blocks) {
          for (const { outcome, events } of built.record.entries) {
            seen.add(outcome.status === 'accepted' ? 'accepted' : outcome.code);
            for (const event of events) seen.add(event.type);
          }
        }
      }),
      { numRuns: 100, examples: [[everyPath]] },
    );
    // The generator must reach every path for the agreement above to mean something.
    const expected = [
      'accepted',
      'STALE_TIME',
      'UNKNOWN_TYPE',
      'VERSION_MISMATCH',
      'WRITER_NOT_ACTIVE',
      'ORG_EXISTS',
      'ORG_ACTIVE',
      'NOT_CONSORTIUM_MEMBER',
      'OrganizationRegistered',
      'NoteWritten',
    ];
    expect(expected.filter((kind) => !seen.has(kind))).toEqual([]);
  });

  it('a ledger rebuilt from the block records alone reaches the same blocks and state', () => {
    fc.assert(
      fc.property(blocksArbitrary, (blocks) => {
        const original = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
        signLog(blocks).forEach((transactions, blockIndex) => original.runBlock(transactions, proposalTimeMs(blockIndex)));
        const rebuilt = new MemoryLedger(genesis, createStandardRegistry(), createSodiumVerifier());
        for (const built of original.blocks) {
          const record = decodeBlockRecord(encodeBlockRecord(built.record));
          const { header } = record;
          const again = rebuilt.runBlock(record.entries.map((entry) => entry.tx), header.timeMs, { first: header.revisionFirst, last: header.revisionLast });
          expect(again.block.hash).toBe(built.hash);
        }
        expect(stateOf(rebuilt)).toBe(stateOf(original));
      }),
      { numRuns: 100, examples: [[everyPath]] },
    );
  });

  it('rejected and skipped transactions change nothing', () => {
    fc.assert(
      fc.property(blocksArbitrary, (blocks) => {
        const full = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
        const acceptedOnly = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
        signLog(blocks).forEach((transactions, blockIndex) => {
          const { execution } = full.runBlock(transactions, proposalTimeMs(blockIndex));
          const accepted = execution.leaves.filter(({ leaf }) => leaf.outcome.status === 'accepted').map(({ leaf }) => leaf.tx);
          const replay = acceptedOnly.runBlock(JSON.parse(JSON.stringify(accepted)) as unknown[], proposalTimeMs(blockIndex));
          expect(replay.execution.leaves.every(({ leaf }) => leaf.outcome.status === 'accepted')).toBe(true);
          expect([...replay.execution.writes]).toEqual([...execution.writes]);
          expect(stateOf(acceptedOnly)).toBe(stateOf(full));
        });
      }),
      { numRuns: 100, examples: [[everyPath]] },
    );
  });

  it('a replayed transaction is skipped, never executed twice', () => {
    fc.assert(
      fc.property(blocksArbitrary, (blocks) => {
        const ledger = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
        signLog(blocks).forEach((transactions, blockIndex) => ledger.runBlock(transactions, proposalTimeMs(blockIndex)));
        const stateBefore = stateOf(ledger);
        const everyLeaf = ledger.blocks.flatMap((built) => built.record.entries.map((entry) => JSON.parse(JSON.stringify(entry.tx)) as unknown));
        const { execution, block } = ledger.runBlock(everyLeaf, proposalTimeMs(blocks.length));
        expect(execution.leaves).toEqual([]);
        expect(execution.writes.size).toBe(0);
        expect(execution.skipped.every((skip) => skip.code === 'DUPLICATE')).toBe(true);
        expect(execution.skipped).toHaveLength(everyLeaf.length);
        expect(block.header.txCount).toBe(0);
        expect(stateOf(ledger)).toBe(stateBefore);
      }),
      { numRuns: 100, examples: [[everyPath]] },
    );
  });
});
