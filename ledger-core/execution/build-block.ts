/**
 * Blocks from executions, and the block record a node stores and serves to peers.
 *
 * `buildBlock` appends an execution's leaves to the ledger-wide tree and makes the header. The record
 * (`{header, entries}`) is what the block store writes and a peer sends to a node catching up; it holds
 * everything needed to re-derive the leaves. `checkBlockRecord` re-derives them and checks the header
 * against its predecessor and the tree: a node runs it on a block from a peer, and on its own block
 * before it is written and after it is read back, so the same check guards both sides of each boundary.
 */
import { bytesToHex } from '@noble/hashes/utils';
import { BlockHeaderError, blockHash, checkBlockHeader, type BlockHeader } from '../chain/block.js';
import { canonicalBytes, canonicalize } from '../chain/canonical.js';
import type { Ed25519Verifier } from '../chain/ed25519.js';
import type { JsonValue } from '../chain/json-value.js';
import { eventsHash, leafData, type TransactionOutcome } from '../chain/leaf.js';
import { TransactionShapeError } from '../chain/limits.js';
import { MerkleFrontier } from '../chain/merkle/frontier.js';
import { portableTreeHasher, type TreeHasher } from '../chain/merkle/hash.js';
import type { AppendOnlyTree } from '../chain/merkle/append-only-tree.js';
import { transactionBytes, transactionId, verifyTransaction, type SignedTransaction } from '../chain/transaction.js';
import { isRejectionCode, rejectionReasonLengthMax, type LedgerEvent } from '../contracts/contract.js';
import type { Genesis } from '../contracts/genesis.js';
import { blockTransactionCountMax, previousBlockHash, type BlockExecution } from './execute-block.js';
import { invariant, invariantFailed, unreachable } from './invariant.js';

/** Largest encoded block record, in bytes. */
export const blockRecordBytesMax = 64 * 1024 * 1024;

/** One leaf of a block as stored: the signed transaction, the decision, and the events it commits to. */
export interface BlockEntry {
  readonly tx: SignedTransaction;
  readonly outcome: TransactionOutcome;
  /** The contract's events; empty for a rejected transaction. Their hash is in an accepted outcome. */
  readonly events: readonly LedgerEvent[];
}

export interface BlockRecord {
  readonly header: BlockHeader;
  /** One per leaf, in leaf order. */
  readonly entries: readonly BlockEntry[];
}

export interface BuildBlockInput {
  readonly execution: BlockExecution;
  /** First and last etcd revisions of the ordering log the block covers (from its cut records). */
  readonly revisionFirst: number;
  readonly revisionLast: number;
  /** The ledger-wide tree holding exactly the leaves of blocks 1 to height - 1; the block's leaves are appended. */
  readonly tree: AppendOnlyTree;
}

export interface BuiltBlock {
  readonly header: BlockHeader;
  /** Hex SHA-256 of the header's canonical JSON: what the checkpoint's extension line carries. */
  readonly hash: string;
  readonly record: BlockRecord;
}

/**
 * Appends the execution's leaves to `tree` and makes the block. Requires `tree` to be at the previous
 * header's tree size and root (0 and empty for block 1), and 1 ≤ revisionFirst ≤ revisionLast with
 * revisionFirst above the previous block's revisionLast; a broken precondition throws
 * ExecutionInvariantError before the tree is touched.
 */
export function buildBlock(input: BuildBlockInput): BuiltBlock {
  const { execution, revisionFirst, revisionLast, tree } = input;
  const previous = execution.previous;
  const treeSizeBefore = previous === null ? 0 : previous.treeSize;
  invariant(tree.treeSize === treeSizeBefore, `tree holds ${tree.treeSize} leaves; block ${execution.height - 1} ended at ${treeSizeBefore}`);
  if (previous !== null) {
    invariant(bytesToHex(tree.root()) === previous.rootHash, `tree root differs from block ${previous.height}'s root`);
  }
  invariant(
    Number.isSafeInteger(revisionFirst) && Number.isSafeInteger(revisionLast) && 1 <= revisionFirst && revisionFirst <= revisionLast,
    `revisions ${revisionFirst}..${revisionLast} are not a range`,
  );
  invariant(previous === null || revisionFirst > previous.revisionLast, `block ${execution.height} starts at revision ${revisionFirst}, not after ${previous?.revisionLast}`);

  const entries: BlockEntry[] = [];
  for (const executed of execution.leaves) {
    tree.appendLeaf(leafData(executed.leaf));
    entries.push({ tx: executed.leaf.tx, outcome: executed.leaf.outcome, events: executed.events });
  }
  const header = checkedHeader({
    v: 1,
    height: execution.height,
    prevHash: previousBlockHash(previous),
    timeMs: execution.ledgerTimeMs,
    revisionFirst,
    revisionLast,
    txCount: entries.length,
    treeSize: tree.treeSize,
    rootHash: bytesToHex(tree.root()),
  });
  invariant(header.treeSize === treeSizeBefore + entries.length, `tree grew by ${header.treeSize - treeSizeBefore}, not ${entries.length}`);
  return { header, hash: blockHash(header), record: { header, entries } };
}

/** The record's bytes: its canonical JSON. Requires a record `checkBlockRecord` accepts. */
export function encodeBlockRecord(record: BlockRecord): Uint8Array {
  const bytes = canonicalBytes(record);
  invariant(bytes.length <= blockRecordBytesMax, `block ${record.header.height} encodes to ${bytes.length} bytes, more than ${blockRecordBytesMax}`);
  return bytes;
}

export const BlockRecordErrorCode = {
  /** More bytes than `blockRecordBytesMax`. */
  tooLarge: 'BLOCK_RECORD_TOO_LARGE',
  /** Not UTF-8 JSON. */
  notJson: 'BLOCK_RECORD_NOT_JSON',
  /** A field is missing, extra, or of the wrong shape. */
  badField: 'BLOCK_RECORD_BAD_FIELD',
  /** Valid, but not in canonical form: one block has one encoding. */
  notCanonical: 'BLOCK_RECORD_NOT_CANONICAL',
} as const;

export type BlockRecordErrorCode = (typeof BlockRecordErrorCode)[keyof typeof BlockRecordErrorCode];

/** Bytes that are not a block record: bad input from a peer or a damaged store. */
export class BlockRecordError extends Error {
  override readonly name = 'BlockRecordError';
  constructor(
    readonly code: BlockRecordErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const hexHashPattern = /^[0-9a-f]{64}$/;
const signaturePattern = /^[A-Za-z0-9_-]{86}$/;

/**
 * The block record in `bytes`. Requires nothing: bytes that are not a canonical record of the right
 * shape throw BlockRecordError. Shape only: whether the record is a valid successor is `checkBlockRecord`.
 */
export function decodeBlockRecord(bytes: Uint8Array): BlockRecord {
  if (bytes.length > blockRecordBytesMax) {
    throw new BlockRecordError(BlockRecordErrorCode.tooLarge, `a block record is at most ${blockRecordBytesMax} bytes, got ${bytes.length}`);
  }
  let text: string;
  let value: unknown;
  try {
    text = utf8Decoder.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new BlockRecordError(BlockRecordErrorCode.notJson, 'a block record is UTF-8 JSON');
  }
  const record = recordShape(value);
  if (canonicalize(record) !== text) {
    throw new BlockRecordError(BlockRecordErrorCode.notCanonical, 'the block record is not in canonical JSON form');
  }
  return record;
}

export type BlockRecordRefusalCode =
  /** The height is not one more than the previous block's. */
  | 'BLOCK_HEIGHT'
  /** prevHash is not the previous block's hash (or the genesis value for block 1). */
  | 'BLOCK_PREV_HASH'
  /** The time is below the previous block's (or the genesis time). */
  | 'BLOCK_TIME'
  /** The revisions do not start after the previous block's. */
  | 'BLOCK_REVISIONS'
  /** txCount is not the number of entries. */
  | 'BLOCK_TX_COUNT'
  /** treeSize is not the previous size plus the entries. */
  | 'BLOCK_TREE_SIZE'
  /** The root of the tree with the entries' leaves appended is not rootHash. */
  | 'BLOCK_ROOT'
  /** An accepted entry's events do not hash to its eventsHash, or a rejected entry has events. */
  | 'BLOCK_EVENTS'
  /** Two entries have the same transaction id. */
  | 'BLOCK_DUPLICATE_TX'
  /** An entry's signature does not verify (checked only when a verifier is given). */
  | 'BLOCK_SIGNATURE';

export type BlockRecordCheck =
  | {
      readonly ok: true;
      readonly hash: string;
      /** The frontier after the block's leaves: what the next block's check starts from. */
      readonly frontier: MerkleFrontier;
    }
  | { readonly ok: false; readonly code: BlockRecordRefusalCode; readonly reason: string };

export interface CheckBlockRecordInput {
  /** A record from `decodeBlockRecord` or `buildBlock`. */
  readonly record: BlockRecord;
  /** The header of block height - 1 as this node holds it, or null when the record should be block 1. */
  readonly previous: BlockHeader | null;
  readonly genesis: Genesis;
  /** The compact range of the tree after the previous block; it is copied, never advanced. */
  readonly frontier: MerkleFrontier;
  /** Verifies every entry's signature when given; a record under a quorum certificate can skip it. */
  readonly verifier?: Ed25519Verifier;
  /** Hashes the copy of the frontier; the portable hasher by default. */
  readonly hasher?: TreeHasher;
}

/**
 * Checks that `record` is a valid successor of `previous`: the hash chain, height, time and revisions,
 * the entry count and tree size, each accepted entry's events against its eventsHash, no transaction
 * twice, and the root after appending the re-derived leaves. Requires `frontier` to be the tree after
 * `previous` (its size and root are checked: a mismatch is this node's own broken state and throws
 * ExecutionInvariantError). Bad records are answered, never thrown.
 */
export function checkBlockRecord(input: CheckBlockRecordInput): BlockRecordCheck {
  const { record, previous, genesis } = input;
  const { header, entries } = record;
  const treeSizeBefore = previous === null ? 0 : previous.treeSize;
  invariant(input.frontier.treeSize === treeSizeBefore, `frontier is at ${input.frontier.treeSize} leaves, the previous block at ${treeSizeBefore}`);
  if (previous !== null) {
    invariant(bytesToHex(input.frontier.root()) === previous.rootHash, `frontier root differs from block ${previous.height}'s root`);
  }
  const expectedHeight = previous === null ? 1 : previous.height + 1;
  if (header.height !== expectedHeight) return refuse('BLOCK_HEIGHT', `block is at height ${header.height}, expected ${expectedHeight}`);
  if (header.prevHash !== previousBlockHash(previous)) {
    return refuse('BLOCK_PREV_HASH', `block ${header.height} does not chain to ${previous === null ? 'the genesis' : `block ${previous.height}`}`);
  }
  const timeFloorMs = previous === null ? genesis.timeMs : previous.timeMs;
  if (header.timeMs < timeFloorMs) return refuse('BLOCK_TIME', `block time ${header.timeMs} is before ${timeFloorMs}`);
  if (previous !== null && header.revisionFirst <= previous.revisionLast) {
    return refuse('BLOCK_REVISIONS', `block starts at revision ${header.revisionFirst}, not after ${previous.revisionLast}`);
  }
  if (header.txCount !== entries.length) return refuse('BLOCK_TX_COUNT', `header counts ${header.txCount} transactions, the block holds ${entries.length}`);
  if (header.treeSize !== treeSizeBefore + entries.length) {
    return refuse('BLOCK_TREE_SIZE', `tree size ${header.treeSize} is not ${treeSizeBefore} + ${entries.length}`);
  }
  const ids = new Set<string>();
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    invariant(entry !== undefined, `entry ${index} missing`);
    const eventsFault = entryEventsFault(entry);
    if (eventsFault !== undefined) return refuse('BLOCK_EVENTS', `entry ${index}: ${eventsFault}`);
    const id = transactionId(entry.tx.tx);
    if (ids.has(id)) return refuse('BLOCK_DUPLICATE_TX', `entry ${index} repeats transaction ${id}`);
    ids.add(id);
    if (input.verifier !== undefined) {
      const verification = verifyTransaction(entry.tx, input.verifier);
      if (!verification.ok) return refuse('BLOCK_SIGNATURE', `entry ${index}: ${verification.reason}`);
    }
  }
  const frontier = MerkleFrontier.fromSubtreeHashes(input.frontier.treeSize, input.frontier.subtreeHashes(), input.hasher ?? portableTreeHasher);
  for (const entry of entries) frontier.appendLeaf(leafData({ tx: entry.tx, outcome: entry.outcome }));
  if (bytesToHex(frontier.root()) !== header.rootHash) return refuse('BLOCK_ROOT', `block ${header.height}'s leaves do not give its root hash`);
  return { ok: true, hash: blockHash(header), frontier };
}

function entryEventsFault(entry: BlockEntry): string | undefined {
  const { outcome } = entry;
  switch (outcome.status) {
    case 'accepted':
      return eventsHash(entry.events) === outcome.eventsHash ? undefined : 'events do not hash to eventsHash';
    case 'rejected':
      return entry.events.length === 0 ? undefined : 'a rejected transaction has events';
    default:
      return unreachable(outcome);
  }
}


function refuse(code: BlockRecordRefusalCode, reason: string): BlockRecordCheck {
  return { ok: false, code, reason };
}

/** A header built here must pass the same check a header read back passes. */
function checkedHeader(header: BlockHeader): BlockHeader {
  try {
    return checkBlockHeader(header);
  } catch (error: unknown) {
    if (error instanceof BlockHeaderError) invariantFailed(`built header is invalid: ${error.message}`, error);
    throw error;
  }
}

function recordShape(value: unknown): BlockRecord {
  const record = expectRecord(value, 'block record', ['header', 'entries']);
  let header: BlockHeader;
  try {
    header = checkBlockHeader(record['header']);
  } catch (error: unknown) {
    if (error instanceof BlockHeaderError) badField(error.message);
    throw error;
  }
  const entriesValue = record['entries'];
  if (!Array.isArray(entriesValue) || entriesValue.length > blockTransactionCountMax) {
    badField(`entries must be an array of at most ${blockTransactionCountMax} entries`);
  }
  const entries: BlockEntry[] = [];
  for (let index = 0; index < entriesValue.length; index++) entries.push(entryShape(entriesValue[index], index));
  return { header, entries };
}

function entryShape(value: unknown, index: number): BlockEntry {
  const where = `entry ${index}`;
  const entry = expectRecord(value, where, ['tx', 'outcome', 'events']);
  const signed = expectRecord(entry['tx'], `${where} tx`, ['tx', 'signature']);
  try {
    // The full check, size included: what was signed must be a transaction the ledger could order.
    transactionBytes(signed['tx']);
  } catch (error: unknown) {
    if (error instanceof TransactionShapeError) badField(`${where} transaction: ${error.message}`);
    throw error;
  }
  const signature = signed['signature'];
  if (typeof signature !== 'string' || !signaturePattern.test(signature)) badField(`${where} signature is not 86 characters of base64url`);
  const outcome = outcomeShape(entry['outcome'], where);
  const events = entry['events'];
  if (!Array.isArray(events) || !events.every(isEvent)) badField(`${where} events must be an array of objects with a string type`);
  return { tx: signed as unknown as SignedTransaction, outcome, events: events as LedgerEvent[] };
}

function outcomeShape(value: unknown, where: string): TransactionOutcome {
  const status = value !== null && typeof value === 'object' ? (value as { status?: unknown }).status : undefined;
  if (status === 'accepted') {
    const outcome = expectRecord(value, `${where} outcome`, ['status', 'eventsHash']);
    const hash = outcome['eventsHash'];
    if (typeof hash !== 'string' || !hexHashPattern.test(hash)) badField(`${where} eventsHash is not a hex SHA-256`);
    return { status, eventsHash: hash };
  }
  if (status === 'rejected') {
    const outcome = expectRecord(value, `${where} outcome`, ['status', 'code', 'reason']);
    const { code, reason } = outcome;
    if (!isRejectionCode(code) || typeof reason !== 'string' || reason.length > rejectionReasonLengthMax) {
      badField(`${where} rejection needs a stable code and a reason of at most ${rejectionReasonLengthMax} characters`);
    }
    return { status, code, reason };
  }
  return badField(`${where} outcome status must be "accepted" or "rejected"`);
}

function isEvent(value: unknown): value is LedgerEvent {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
}

function expectRecord(value: unknown, where: string, fields: readonly string[]): Record<string, JsonValue> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) badField(`${where} must be an object`);
  const keys = Object.keys(value);
  if (keys.length !== fields.length || !fields.every((field) => keys.includes(field))) {
    badField(`${where} must have exactly the fields ${fields.join(', ')}`);
  }
  return value as Record<string, JsonValue>;
}

function badField(message: string): never {
  throw new BlockRecordError(BlockRecordErrorCode.badField, message);
}
