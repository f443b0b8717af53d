/**
 * Blocks and block records. Proves: headers chain (block 1 to the genesis value, each later one to its
 * predecessor's hash), count leaves, and carry the size and root of the ledger-wide tree, which equal
 * the naive reference root over every leaf so far; a record survives encode → decode byte for byte and
 * passes `checkBlockRecord` both before it is written and after it is read back; every tampering with a
 * record (a probe corpus, each failure collected into one report) is refused with its own code, at
 * decoding or at checking; a forged signature inside an otherwise consistent record is caught only when
 * a verifier is given; re-executing a record's transactions on a fresh ledger rebuilds the same block;
 * and building on a tree or revisions that do not follow the previous block stops with an invariant.
 */
import { bytesToHex } from '@noble/hashes/utils';
import { base64urlnopad } from '@scure/base';
import { genesisPrevHash } from '../chain/block.js';
import { canonicalize } from '../chain/canonical.js';
import { createNodeCryptoSigner, createNodeCryptoVerifier } from '../chain/ed25519-node.js';
import { leafData } from '../chain/leaf.js';
import { AppendOnlyTree } from '../chain/merkle/append-only-tree.js';
import { MerkleFrontier } from '../chain/merkle/frontier.js';
import { merkleRoot } from '../chain/merkle/reference.js';
import { transactionBytes } from '../chain/transaction.js';
import { allPassed, runVectors } from '../chain/vector-report.js';
import { createStandardRegistry } from '../contracts/standard.js';
import {
  blockRecordBytesMax,
  buildBlock,
  BlockRecordError,
  checkBlockRecord,
  decodeBlockRecord,
  encodeBlockRecord,
  type BlockRecord,
  type BlockRecordCheck,
} from './build-block.js';
import { executeBlock } from './execute-block.js';
import { ExecutionInvariantError } from './invariant.js';
import { seededParty, signedTransaction, testGenesis, testGenesisTimeMs } from './testing/fixtures.js';
import { MemoryLedger } from './testing/memory-ledger.js';

const verifier = createNodeCryptoVerifier();
const alpha = seededParty('alpha', createNodeCryptoSigner);
const beta = seededParty('beta', createNodeCryptoSigner);
const mallory = seededParty('mallory', createNodeCryptoSigner);
const genesis = testGenesis([alpha, beta]);

/** Three blocks: notes, a rejected note, an organisation request, an unknown type, a skipped forgery. */
function threeBlockLedger(): MemoryLedger {
  const ledger = new MemoryLedger(genesis, createStandardRegistry(), verifier);
  const at = (block: number) => testGenesisTimeMs + block * 1_000;
  const note = (party: typeof alpha, key: string, value: number, block: number, expectedVersion?: number) =>
    signedTransaction(party, 'asset.note', expectedVersion === undefined ? { key, value } : { key, value, expectedVersion }, at(block), `${key}-${value}`);
  ledger.runBlock([note(alpha, 'a', 1, 1), note(beta, 'b', 1, 1), note(alpha, 'a', 2, 1, 1)], at(1));
  const forged = note(beta, 'c', 9, 2);
  ledger.runBlock(
    [
      note(alpha, 'a', 3, 2, 1),
      signedTransaction(mallory, 'organization.register', { id: 'mallory', name: 'Mallory' }, at(2), 'r'),
      { tx: forged.tx, signature: base64urlnopad.encode(mallory.signer.sign(transactionBytes(forged.tx))) },
      signedTransaction(alpha, 'unhandled.operation', {}, at(2), 'd'),
      note(beta, 'b', 2, 2),
    ],
    at(2),
  );
  ledger.runBlock([note(beta, 'a', 4, 3, 2)], at(3));
  return ledger;
}

function block(ledger: MemoryLedger, height: number) {
  const built = ledger.blocks[height - 1];
  if (built === undefined) throw new Error(`no block ${height}`);
  return built;
}

/** The frontier of the ledger's tree after block `height` (0 for the empty tree). */
function frontierAfter(ledger: MemoryLedger, height: number): MerkleFrontier {
  return ledger.tree.frontier(height === 0 ? 0 : block(ledger, height).header.treeSize);
}

describe('buildBlock', () => {
  const ledger = threeBlockLedger();

  it('chains headers and commits to the ledger-wide tree', () => {
    const headers = ledger.blocks.map((built) => built.header);
    expect(headers.map((header) => [header.height, header.txCount, header.treeSize, header.revisionFirst, header.revisionLast])).toEqual([
      [1, 3, 3, 1, 3],
      [2, 4, 7, 4, 8],
      [3, 1, 8, 9, 9],
    ]);
    expect(headers[0]?.prevHash).toBe(genesisPrevHash);
    expect(headers[1]?.prevHash).toBe(block(ledger, 1).hash);
    expect(headers[2]?.prevHash).toBe(block(ledger, 2).hash);
    const allLeaves = ledger.blocks.flatMap((built) => built.record.entries.map((entry) => leafData({ tx: entry.tx, outcome: entry.outcome })));
    for (const header of headers) {
      expect(header.rootHash).toBe(bytesToHex(merkleRoot(allLeaves.slice(0, header.treeSize))));
    }
  });

  it('records outcomes and events as executed', () => {
    const entries = block(ledger, 2).record.entries;
    expect(entries.map((entry) => (entry.outcome.status === 'accepted' ? 'accepted' : entry.outcome.code))).toEqual([
      'VERSION_MISMATCH',
      'accepted',
      'UNKNOWN_TYPE',
      'accepted',
    ]);
    expect(entries[0]?.events).toEqual([]);
    expect(entries[3]?.events).toEqual([{ type: 'NoteWritten', key: 'b', value: 2, version: 2, writer: 'beta' }]);
  });

  it('makes an empty block when every transaction is skipped, leaving the tree as it was', () => {
    const local = threeBlockLedger();
    const replayed = block(local, 1).record.entries.map((entry) => JSON.parse(JSON.stringify(entry.tx)) as unknown);
    const { block: empty, execution } = local.runBlock(replayed, testGenesisTimeMs + 4_000);
    expect(execution.skipped.map((skip) => skip.code)).toEqual(['DUPLICATE', 'DUPLICATE', 'DUPLICATE']);
    expect(empty.header.txCount).toBe(0);
    expect(empty.header.treeSize).toBe(8);
    expect(empty.header.rootHash).toBe(block(local, 3).header.rootHash);
  });

  it('stops when the tree or the revisions do not follow the previous block', () => {
    const local = threeBlockLedger();
    const previous = block(local, 3).header;
    const execution = executeBlock({
      height: 4,
      previous,
      proposalTimeMs: testGenesisTimeMs + 5_000,
      transactions: [],
      state: local.view,
      isApplied: () => false,
      registry: local.registry,
      genesis,
      verifier,
    });
    expect(() => buildBlock({ execution, revisionFirst: 10, revisionLast: 10, tree: new AppendOnlyTree() })).toThrow(ExecutionInvariantError);
    expect(() => buildBlock({ execution, revisionFirst: 9, revisionLast: 9, tree: local.tree })).toThrow(ExecutionInvariantError);
    expect(() => buildBlock({ execution, revisionFirst: 11, revisionLast: 10, tree: local.tree })).toThrow(ExecutionInvariantError);
    expect(local.tree.treeSize).toBe(8);
  });
});

describe('block records', () => {
  const ledger = threeBlockLedger();

  it('survive encode and decode byte for byte, and pass the check on both sides', () => {
    let previous = null;
    let frontier = frontierAfter(ledger, 0);
    for (const built of ledger.blocks) {
      const bytes = encodeBlockRecord(built.record);
      const beforeWrite = checkBlockRecord({ record: built.record, previous, genesis, frontier, verifier });
      const readBack = decodeBlockRecord(bytes);
      expect(encodeBlockRecord(readBack)).toEqual(bytes);
      expect(readBack).toEqual(JSON.parse(JSON.stringify(built.record)));
      const afterRead = checkBlockRecord({ record: readBack, previous, genesis, frontier, verifier });
      expect(beforeWrite).toMatchObject({ ok: true, hash: built.hash });
      expect(afterRead).toMatchObject({ ok: true, hash: built.hash });
      if (!afterRead.ok) throw new Error(afterRead.reason);
      expect(bytesToHex(afterRead.frontier.root())).toBe(built.header.rootHash);
      previous = built.header;
      frontier = afterRead.frontier;
    }
  });

  it('rebuild the same block when their transactions are executed again on a fresh ledger', () => {
    const fresh = new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier());
    for (const built of ledger.blocks) {
      const record = decodeBlockRecord(encodeBlockRecord(built.record));
      // Revisions come from the ordering log (the skipped forgery took one), so they are given as recorded.
      const rebuilt = fresh.runBlock(
        record.entries.map((entry) => entry.tx),
        built.header.timeMs,
        { first: built.header.revisionFirst, last: built.header.revisionLast },
      );
      expect(rebuilt.execution.skipped).toEqual([]);
      expect(rebuilt.block.hash).toBe(built.hash);
      expect(rebuilt.block.record).toEqual(JSON.parse(JSON.stringify(built.record)));
    }
  });

  /** A deep copy of block 2's record as JSON, for a probe to change. */
  const recordTwo = (): { header: Record<string, unknown>; entries: Array<Record<string, unknown>> } =>
    JSON.parse(JSON.stringify(block(ledger, 2).record)) as { header: Record<string, unknown>; entries: Array<Record<string, unknown>> };

  interface CheckProbe {
    readonly name: string;
    readonly edit: (record: ReturnType<typeof recordTwo>) => void;
    readonly code: string;
  }

  const checkProbes: CheckProbe[] = [
    { name: 'height+1', edit: (r) => (r.header['height'] = 3), code: 'BLOCK_HEIGHT' },
    { name: 'prevHash-other', edit: (r) => (r.header['prevHash'] = 'f'.repeat(64)), code: 'BLOCK_PREV_HASH' },
    { name: 'timeMs-before-previous', edit: (r) => (r.header['timeMs'] = testGenesisTimeMs), code: 'BLOCK_TIME' },
    { name: 'revisionFirst-overlaps-previous', edit: (r) => (r.header['revisionFirst'] = 3), code: 'BLOCK_REVISIONS' },
    { name: 'txCount+1', edit: (r) => (r.header['txCount'] = 5), code: 'BLOCK_TX_COUNT' },
    {
      name: 'entry-dropped-count-fixed',
      edit: (r) => {
        r.entries.pop();
        r.header['txCount'] = 3;
      },
      code: 'BLOCK_TREE_SIZE',
    },
    {
      name: 'entry-dropped-count-and-size-fixed',
      edit: (r) => {
        r.entries.pop();
        r.header['txCount'] = 3;
        r.header['treeSize'] = 6;
      },
      code: 'BLOCK_ROOT',
    },
    { name: 'entries-swapped', edit: (r) => r.entries.reverse(), code: 'BLOCK_ROOT' },
    { name: 'rootHash-other', edit: (r) => (r.header['rootHash'] = '0'.repeat(64)), code: 'BLOCK_ROOT' },
    { name: 'rejection-reason-changed', edit: (r) => ((r.entries[0]?.['outcome'] as Record<string, unknown>)['reason'] = 'fine'), code: 'BLOCK_ROOT' },
    { name: 'rejected-made-accepted', edit: (r) => r.entries[0] !== undefined && (r.entries[0]['outcome'] = { status: 'accepted', eventsHash: eventsHashOfEmpty() }), code: 'BLOCK_ROOT' },
    { name: 'event-value-changed', edit: (r) => ((r.entries[3]?.['events'] as Array<Record<string, unknown>>)[0]!['value'] = 99), code: 'BLOCK_EVENTS' },
    { name: 'event-added-to-rejected', edit: (r) => r.entries[0] !== undefined && (r.entries[0]['events'] = [{ type: 'NoteWritten' }]), code: 'BLOCK_EVENTS' },
    {
      name: 'entry-duplicated-count-and-size-fixed',
      edit: (r) => {
        r.entries.push(JSON.parse(JSON.stringify(r.entries[1])) as Record<string, unknown>);
        r.header['txCount'] = 5;
        r.header['treeSize'] = 8;
      },
      code: 'BLOCK_DUPLICATE_TX',
    },
    {
      name: 'signature-of-other-key',
      edit: (r) => {
        const signed = r.entries[1]?.['tx'] as { tx: Parameters<typeof transactionBytes>[0]; signature: string };
        signed.signature = base64urlnopad.encode(alpha.signer.sign(transactionBytes(signed.tx)));
      },
      code: 'BLOCK_SIGNATURE',
    },
  ];

  it(`refuses each of ${checkProbes.length} tampered records with its code`, () => {
    const report = runVectors(
      checkProbes,
      (probe) => probe.name,
      (probe) => {
        const record = recordTwo();
        probe.edit(record);
        const check: BlockRecordCheck = checkBlockRecord({
          record: record as unknown as BlockRecord,
          previous: block(ledger, 1).header,
          genesis,
          frontier: frontierAfter(ledger, 1),
          verifier,
        });
        if (check.ok) return 'accepted';
        return check.code === probe.code ? undefined : `${check.code} (${check.reason}), expected ${probe.code}`;
      },
    );
    expect(report.text).toBe(allPassed(checkProbes.length));
  });

  it('catches a forged signature inside a consistent record only with a verifier', () => {
    // A peer that forges a signature and recomputes the root: the record is consistent, the signature is not.
    const record = recordTwo();
    const signed = record.entries[1]?.['tx'] as { tx: Parameters<typeof transactionBytes>[0]; signature: string };
    signed.signature = base64urlnopad.encode(alpha.signer.sign(transactionBytes(signed.tx)));
    const frontier = frontierAfter(ledger, 1);
    const recomputed = MerkleFrontier.fromSubtreeHashes(frontier.treeSize, frontier.subtreeHashes());
    for (const entry of record.entries as unknown as BlockRecord['entries']) recomputed.appendLeaf(leafData({ tx: entry.tx, outcome: entry.outcome }));
    record.header['rootHash'] = bytesToHex(recomputed.root());
    const input = { record: record as unknown as BlockRecord, previous: block(ledger, 1).header, genesis, frontier };
    expect(checkBlockRecord(input).ok).toBe(true);
    expect(checkBlockRecord({ ...input, verifier })).toMatchObject({ ok: false, code: 'BLOCK_SIGNATURE' });
  });

  it('leaves the frontier it is given as it was', () => {
    const frontier = frontierAfter(ledger, 1);
    const rootBefore = bytesToHex(frontier.root());
    checkBlockRecord({ record: block(ledger, 2).record, previous: block(ledger, 1).header, genesis, frontier });
    expect([frontier.treeSize, bytesToHex(frontier.root())]).toEqual([3, rootBefore]);
  });

  it('stops when the frontier is not the tree after the previous block', () => {
    const input = { record: block(ledger, 2).record, previous: block(ledger, 1).header, genesis };
    expect(() => checkBlockRecord({ ...input, frontier: frontierAfter(ledger, 2) })).toThrow(ExecutionInvariantError);
    const wrongRoot = MerkleFrontier.fromSubtreeHashes(3, frontierAfter(ledger, 1).subtreeHashes().map(() => new Uint8Array(32)));
    expect(() => checkBlockRecord({ ...input, frontier: wrongRoot })).toThrow(ExecutionInvariantError);
  });

  interface DecodeProbe {
    readonly name: string;
    readonly bytes: () => Uint8Array;
    readonly code: string;
  }

  const utf8 = (text: string) => new TextEncoder().encode(text);
  const editedText = (edit: (record: ReturnType<typeof recordTwo>) => void) => {
    const record = recordTwo();
    edit(record);
    return utf8(canonicalize(record));
  };
  const canonicalText = () => canonicalize(block(ledger, 2).record);

  const decodeProbes: DecodeProbe[] = [
    { name: 'too-large', bytes: () => new Uint8Array(blockRecordBytesMax + 1), code: 'BLOCK_RECORD_TOO_LARGE' },
    { name: 'invalid-utf8', bytes: () => Uint8Array.of(0x7b, 0xff, 0x7d), code: 'BLOCK_RECORD_NOT_JSON' },
    { name: 'truncated', bytes: () => utf8(canonicalText().slice(0, -1)), code: 'BLOCK_RECORD_NOT_JSON' },
    { name: 'trailing-space', bytes: () => utf8(`${canonicalText()} `), code: 'BLOCK_RECORD_NOT_CANONICAL' },
    { name: 'keys-unsorted', bytes: () => utf8(JSON.stringify({ header: block(ledger, 2).record.header, entries: block(ledger, 2).record.entries })), code: 'BLOCK_RECORD_NOT_CANONICAL' },
    { name: 'duplicate-key', bytes: () => utf8(canonicalText().replace('{"entries":', '{"entries":[],"entries":')), code: 'BLOCK_RECORD_NOT_CANONICAL' },
    { name: 'not-an-object', bytes: () => utf8('[]'), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'extra-field', bytes: () => editedText((r) => Object.assign(r, { qc: 'x' })), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'header-missing-rootHash', bytes: () => editedText((r) => delete r.header['rootHash']), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'entries-not-array', bytes: () => editedText((r) => Object.assign(r, { entries: {} })), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'entry-extra-field', bytes: () => editedText((r) => r.entries[0] !== undefined && (r.entries[0]['height'] = 2)), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'tx-bad-shape', bytes: () => editedText((r) => ((r.entries[0]?.['tx'] as Record<string, Record<string, unknown>>)['tx']!['v'] = 2)), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'signature-short', bytes: () => editedText((r) => ((r.entries[0]?.['tx'] as Record<string, unknown>)['signature'] = 'abc')), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'outcome-status-unknown', bytes: () => editedText((r) => r.entries[0] !== undefined && (r.entries[0]['outcome'] = { status: 'maybe' })), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'rejection-code-lowercase', bytes: () => editedText((r) => ((r.entries[0]?.['outcome'] as Record<string, unknown>)['code'] = 'stale')), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'eventsHash-short', bytes: () => editedText((r) => ((r.entries[1]?.['outcome'] as Record<string, unknown>)['eventsHash'] = 'ab')), code: 'BLOCK_RECORD_BAD_FIELD' },
    { name: 'event-without-type', bytes: () => editedText((r) => r.entries[1] !== undefined && (r.entries[1]['events'] = [{ id: 'x' }])), code: 'BLOCK_RECORD_BAD_FIELD' },
  ];

  it(`refuses each of ${decodeProbes.length} malformed encodings with its code`, () => {
    const report = runVectors(
      decodeProbes,
      (probe) => probe.name,
      (probe) => {
        try {
          decodeBlockRecord(probe.bytes());
          return 'decoded';
        } catch (error: unknown) {
          if (!(error instanceof BlockRecordError)) throw error;
          return error.code === probe.code ? undefined : `${error.code} (${error.message}), expected ${probe.code}`;
        }
      },
    );
    expect(report.text).toBe(allPassed(decodeProbes.length));
  });
});

function eventsHashOfEmpty(): string {
  // SHA-256 of "[]".
  return '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
}
