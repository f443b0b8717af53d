/**
 * The node HTTP API's answers (docs/ledger.md, "Node HTTP API") as types, and the strict checks that
 * turn a node's JSON into them. A node is not trusted: a wrong type, a value out of range, or a
 * receipt for another transaction is refused with `AnswerShapeError` and never reaches the caller.
 * Fields the API does not define are dropped rather than passed on, so nothing unchecked leaks out.
 */
import { blockHash, type BlockHeader } from '../chain/block.js';
import { canonicalBytes, CanonicalizationError } from '../chain/canonical.js';
import { checkConsortium, ConsortiumFileError, consortiumMembersMax } from '../chain/consortium-file.js';
import { outcomeCodeLengthMax, outcomeReasonLengthMax } from '../chain/proof-bundle.js';
import type { Consortium } from '../chain/quorum.js';
import { noteBytesMax } from '../chain/signed-note.js';
import { BlockRecordError, decodeBlockRecord, type BlockRecord } from '../execution/build-block.js';

interface ReceiptFields {
  /** Hex SHA-256 of the transaction's canonical bytes. */
  readonly txId: string;
  /** The block the transaction is in, from 1. */
  readonly height: number;
  /** Its place in that block, from 0. */
  readonly position: number;
  /** Its leaf in the ledger-wide tree: the block's tree size − its txCount + position. */
  readonly leafIndex: number;
  /** Hex hash of the block's header. */
  readonly blockHash: string;
  /** True when the submission was a transaction already on the ledger: this is its first receipt. */
  readonly duplicate?: boolean;
}

export interface AcceptedReceipt extends ReceiptFields {
  readonly status: 'accepted';
}

export interface RejectedReceipt extends ReceiptFields {
  readonly status: 'rejected';
  /** Stable rejection code: `STALE_TIME`, `UNKNOWN_TYPE`, or the contract's own. */
  readonly code: string;
  /** For people. */
  readonly reason: string;
}

/** What the ledger decided about a transaction, once it is in a block with a quorum certificate. */
export type Receipt = AcceptedReceipt | RejectedReceipt;

/** The transaction is in the ordering log (or on its way) but not yet in a QC'd block. */
export interface Pending {
  readonly txId: string;
  readonly status: 'pending';
}

export interface NodePeer {
  readonly name: string;
  readonly url: string;
  /** The peer's height as last seen; absent when never seen. */
  readonly height?: number;
  readonly reachable: boolean;
}

export interface NodeAlarm {
  /** Stable alarm code, such as `FORK`. */
  readonly code: string;
  readonly message: string;
  readonly height?: number;
}

/** `GET /status`. */
export interface NodeStatus {
  /** The node's name (its key name in checkpoints). */
  readonly node: string;
  /** Highest block it has applied. */
  readonly height: number;
  /** Highest block it holds a quorum certificate for. */
  readonly qcHeight: number;
  /** The etcd revision it has applied through. */
  readonly appliedRevision: number;
  readonly treeSize: number;
  /** Hex hash of the block at `height`; null before the first block. */
  readonly blockHash: string | null;
  readonly etcd: { readonly reachable: boolean };
  readonly peers: readonly NodePeer[];
  readonly alarms: readonly NodeAlarm[];
}

/** `GET /v1/blocks/<height>`: the block record, its hash and its QC note (null while the QC is pending). */
export interface BlockAnswer {
  readonly hash: string;
  readonly record: BlockRecord;
  readonly qc: string | null;
}

/** `GET /v1/checkpoints/latest` and `/v1/checkpoints/<height>`: the QC note text, not yet verified. */
export interface CheckpointAnswer {
  readonly height: number;
  readonly note: string;
}

/** The error body every non-2xx answer carries. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/** A node's answer that is not what the API promises; the message names the field. */
export class AnswerShapeError extends Error {
  override readonly name = 'AnswerShapeError';
}

/** Most peers or alarms one status lists; a consortium has at most this many members. */
export const statusListEntriesMax = consortiumMembersMax;
/** Longest name, URL or message in a status, in UTF-16 code units. */
export const statusTextLengthMax = 1_024;

const hexHashPattern = /^[0-9a-f]{64}$/;
const codePattern = new RegExp(`^[A-Z][A-Z0-9_]{0,${outcomeCodeLengthMax - 1}}$`);

/**
 * `value` as the receipt of `txId`. Requires `txId` to be the id the caller computed or asked for;
 * throws AnswerShapeError for anything else, including a well-formed receipt of another transaction.
 */
export function checkReceipt(value: unknown, txId: string): Receipt {
  const answer = record(value, 'receipt');
  const id = hexHash(answer, 'txId');
  if (id !== txId) throw new AnswerShapeError(`the receipt is for tx ${id}, not ${txId}`);
  const height = whole(answer, 'height', 1);
  const position = whole(answer, 'position', 0);
  const leafIndex = whole(answer, 'leafIndex', 0);
  if (leafIndex < position) throw new AnswerShapeError(`receipt leafIndex ${leafIndex} is below its position ${position}`);
  const fields: ReceiptFields = { txId: id, height, position, leafIndex, blockHash: hexHash(answer, 'blockHash') };
  const duplicate = answer['duplicate'];
  if (duplicate !== undefined && typeof duplicate !== 'boolean') throw new AnswerShapeError('receipt "duplicate" must be a boolean');
  const withDuplicate = duplicate === true ? { ...fields, duplicate: true } : fields;
  const status = answer['status'];
  if (status === 'accepted') {
    if (answer['code'] !== undefined || answer['reason'] !== undefined) throw new AnswerShapeError('an accepted receipt has no "code" or "reason"');
    return { ...withDuplicate, status };
  }
  if (status === 'rejected') {
    const code = text(answer, 'code', outcomeCodeLengthMax);
    if (!codePattern.test(code)) throw new AnswerShapeError('receipt "code" must be an upper-case code such as STALE_TIME');
    return { ...withDuplicate, status, code, reason: text(answer, 'reason', outcomeReasonLengthMax) };
  }
  throw new AnswerShapeError('receipt "status" must be "accepted" or "rejected"');
}

/** `value` as the pending answer for `txId`. Throws AnswerShapeError otherwise. */
export function checkPending(value: unknown, txId: string): Pending {
  const answer = record(value, 'pending answer');
  const id = hexHash(answer, 'txId');
  if (id !== txId) throw new AnswerShapeError(`the pending answer is for tx ${id}, not ${txId}`);
  if (answer['status'] !== 'pending') throw new AnswerShapeError('a pending answer has "status": "pending"');
  return { txId: id, status: 'pending' };
}

/** `value` as a node status. Throws AnswerShapeError naming the first field that is wrong. */
export function checkNodeStatus(value: unknown): NodeStatus {
  const answer = record(value, 'status');
  const etcd = record(answer['etcd'], 'status "etcd"');
  const height = whole(answer, 'height', 0);
  // A node with no block yet has no block hash to give; from block 1 on it must give one.
  const blockHashValue = height === 0 && answer['blockHash'] === null ? null : hexHash(answer, 'blockHash');
  return {
    node: text(answer, 'node', statusTextLengthMax, 1),
    height,
    qcHeight: whole(answer, 'qcHeight', 0),
    appliedRevision: whole(answer, 'appliedRevision', 0),
    treeSize: whole(answer, 'treeSize', 0),
    blockHash: blockHashValue,
    etcd: { reachable: boolean(etcd, 'reachable') },
    peers: list(answer, 'peers').map((entry, index) => {
      const peer = record(entry, `status peers[${index}]`);
      const height = optionalWhole(peer, 'height', 0);
      const checked = { name: text(peer, 'name', statusTextLengthMax, 1), url: text(peer, 'url', statusTextLengthMax, 1), reachable: boolean(peer, 'reachable') };
      return height === undefined ? checked : { ...checked, height };
    }),
    alarms: list(answer, 'alarms').map((entry, index) => {
      const alarm = record(entry, `status alarms[${index}]`);
      const code = text(alarm, 'code', outcomeCodeLengthMax, 1);
      if (!codePattern.test(code)) throw new AnswerShapeError(`status alarms[${index}] "code" must be an upper-case code such as FORK`);
      const height = optionalWhole(alarm, 'height', 0);
      const checked = { code, message: text(alarm, 'message', statusTextLengthMax) };
      return height === undefined ? checked : { ...checked, height };
    }),
  };
}

/**
 * `value` as block `height`: a canonical record whose header is at that height and hashes to `hash`,
 * and a QC note or null. Throws AnswerShapeError otherwise. The QC is not verified here.
 */
export function checkBlockAnswer(value: unknown, height: number): BlockAnswer {
  const answer = record(value, 'block answer');
  const hash = hexHash(answer, 'hash');
  let blockRecord: BlockRecord;
  try {
    blockRecord = decodeBlockRecord(canonicalBytes(answer['record']));
  } catch (error: unknown) {
    if (error instanceof BlockRecordError || error instanceof CanonicalizationError) throw new AnswerShapeError(`block "record": ${error.message}`);
    throw error;
  }
  const header: BlockHeader = blockRecord.header;
  if (header.height !== height) throw new AnswerShapeError(`asked for block ${height}, got block ${header.height}`);
  if (blockHash(header) !== hash) throw new AnswerShapeError(`block ${height}'s header does not hash to the "hash" given with it`);
  const qc = answer['qc'];
  if (qc !== null && (typeof qc !== 'string' || qc.length > noteBytesMax)) throw new AnswerShapeError('block "qc" must be the QC note text or null');
  return { hash, record: blockRecord, qc };
}

/** `value` as a checkpoint answer; `height`, when given, is the one asked for. Throws AnswerShapeError. */
export function checkCheckpointAnswer(value: unknown, height?: number): CheckpointAnswer {
  const answer = record(value, 'checkpoint answer');
  const answered = whole(answer, 'height', 1);
  if (height !== undefined && answered !== height) throw new AnswerShapeError(`asked for the checkpoint of block ${height}, got ${answered}`);
  return { height: answered, note: text(answer, 'note', noteBytesMax, 1) };
}

/** `value` as a consortium file. Throws AnswerShapeError with the consortium file's own code. */
export function checkConsortiumAnswer(value: unknown): Consortium {
  try {
    return checkConsortium(value);
  } catch (error: unknown) {
    if (error instanceof ConsortiumFileError) throw new AnswerShapeError(`consortium: ${error.code}: ${error.message}`);
    throw error;
  }
}

/** The error body `{"error": {"code", "message"}}`, or undefined when `value` is not one. */
export function readErrorBody(value: unknown): ErrorBody | undefined {
  if (!isRecord(value) || !isRecord(value['error'])) return undefined;
  const { code, message } = value['error'];
  if (typeof code !== 'string' || !codePattern.test(code)) return undefined;
  return { code, message: typeof message === 'string' ? message.slice(0, statusTextLengthMax) : '' };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new AnswerShapeError(`${what} must be a JSON object`);
  return value;
}

function whole(answer: Record<string, unknown>, key: string, min: number): number {
  const value = answer[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new AnswerShapeError(`"${key}" must be an integer of at least ${min}`);
  }
  return value;
}

function optionalWhole(answer: Record<string, unknown>, key: string, min: number): number | undefined {
  return answer[key] === undefined ? undefined : whole(answer, key, min);
}

function text(answer: Record<string, unknown>, key: string, lengthMax: number, lengthMin = 0): string {
  const value = answer[key];
  if (typeof value !== 'string' || value.length < lengthMin || value.length > lengthMax) {
    throw new AnswerShapeError(`"${key}" must be a string of ${lengthMin} to ${lengthMax} characters`);
  }
  return value;
}

function hexHash(answer: Record<string, unknown>, key: string): string {
  const value = answer[key];
  if (typeof value !== 'string' || !hexHashPattern.test(value)) throw new AnswerShapeError(`"${key}" must be 64 lowercase hex digits`);
  return value;
}

function boolean(answer: Record<string, unknown>, key: string): boolean {
  const value = answer[key];
  if (typeof value !== 'boolean') throw new AnswerShapeError(`"${key}" must be true or false`);
  return value;
}

function list(answer: Record<string, unknown>, key: string): readonly unknown[] {
  const value = answer[key];
  if (!Array.isArray(value) || value.length > statusListEntriesMax) {
    throw new AnswerShapeError(`"${key}" must be an array of at most ${statusListEntriesMax} entries`);
  }
  return value as unknown[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
