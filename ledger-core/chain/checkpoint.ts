/**
 * Checkpoints (c2sp.org/tlog-checkpoint): the signed head of the ledger-wide Merkle log after a block.
 * Note text: origin line, decimal tree size line, base64 root hash line, then one extension line
 * `twinledger-block <height> <hex block hash>` binding the tree head to the block that produced it.
 * Every member's node signs the same text; the signatures are C2SP signed-note lines.
 */
import { base64 } from '@scure/base';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { portableVerifier, type Ed25519Verifier } from './ed25519.js';
import { signNote, verifyNote, type NoteSignerKey, type NoteVerification, type NoteVerifierKey } from './signed-note.js';

/** SHA-256 output size: every root hash and block hash, in bytes. */
export const checkpointHashBytes = 32;
/** Longest origin line, in UTF-16 code units. */
export const originLengthMax = 256;
/** The first word of the extension line that carries the block. */
export const blockExtensionKeyword = 'twinledger-block';

/** The three lines every tlog checkpoint has, plus any extension lines, as the spec defines them. */
export interface CheckpointBody {
  readonly origin: string;
  /** Number of leaves, 0 to 2^53 - 1. */
  readonly treeSize: number;
  /** RFC 9162 root hash of the first `treeSize` leaves. */
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty lines after the root hash. */
  readonly extensionLines: readonly string[];
}

/** A Twinledger checkpoint: the log head after block `blockHeight`, whose hash is `blockHash`. */
export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly blockHeight: number;
  readonly blockHash: Uint8Array;
}

export type CheckpointErrorCode =
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_BAD_ORIGIN'
  | 'CHECKPOINT_BAD_TREE_SIZE'
  | 'CHECKPOINT_BAD_ROOT_HASH'
  | 'CHECKPOINT_BAD_BLOCK_LINE';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const decimalPattern = /^(?:0|[1-9][0-9]{0,15})$/;
const blockLinePattern = new RegExp(`^${blockExtensionKeyword} (0|[1-9][0-9]{0,15}) ([0-9a-f]{${2 * checkpointHashBytes}})$`);

/** The note text of a checkpoint body. Requires the fields to be valid as `parseCheckpointBody` checks. */
export function formatCheckpointBody(body: CheckpointBody): string {
  checkOrigin(body.origin);
  checkCount(body.treeSize, 'CHECKPOINT_BAD_TREE_SIZE', 'tree size');
  if (body.rootHash.length !== checkpointHashBytes) throw new CheckpointError('CHECKPOINT_BAD_ROOT_HASH', `root hash is ${checkpointHashBytes} bytes`);
  for (const line of body.extensionLines) {
    if (line.length === 0 || line.includes('\n')) throw new CheckpointError('CHECKPOINT_MALFORMED', 'extension lines are non-empty single lines');
  }
  const lines = [body.origin, String(body.treeSize), base64.encode(body.rootHash), ...body.extensionLines];
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Parses checkpoint note text (without signatures). Requires nothing; throws `CheckpointError` unless
 * the text is at least three newline-terminated lines: an origin without spaces or "+", a decimal tree
 * size without leading zeros, a canonical padded base64 32-byte root hash, then non-empty extensions.
 */
export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) throw new CheckpointError('CHECKPOINT_MALFORMED', 'checkpoint text ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensionLines] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw new CheckpointError('CHECKPOINT_MALFORMED', 'a checkpoint has an origin, a tree size and a root hash line');
  }
  checkOrigin(origin);
  if (!decimalPattern.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw new CheckpointError('CHECKPOINT_BAD_TREE_SIZE', `tree size ${JSON.stringify(sizeLine.slice(0, 32))} is not a decimal from 0 to 2^53 - 1`);
  }
  let rootHash: Uint8Array;
  try {
    rootHash = base64.decode(rootLine);
  } catch {
    throw new CheckpointError('CHECKPOINT_BAD_ROOT_HASH', 'root hash is not padded standard base64');
  }
  if (rootHash.length !== checkpointHashBytes || base64.encode(rootHash) !== rootLine) {
    throw new CheckpointError('CHECKPOINT_BAD_ROOT_HASH', `root hash is not the canonical base64 of ${checkpointHashBytes} bytes`);
  }
  if (extensionLines.some((line) => line.length === 0)) throw new CheckpointError('CHECKPOINT_MALFORMED', 'extension lines are non-empty');
  return { origin, treeSize: Number(sizeLine), rootHash, extensionLines };
}

/** The note text of a Twinledger checkpoint. Requires valid fields (see `parseCheckpoint`). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  checkCount(checkpoint.blockHeight, 'CHECKPOINT_BAD_BLOCK_LINE', 'block height');
  if (checkpoint.blockHash.length !== checkpointHashBytes) throw new CheckpointError('CHECKPOINT_BAD_BLOCK_LINE', `block hash is ${checkpointHashBytes} bytes`);
  const blockLine = `${blockExtensionKeyword} ${checkpoint.blockHeight} ${bytesToHex(checkpoint.blockHash)}`;
  return formatCheckpointBody({ ...checkpoint, extensionLines: [blockLine] });
}

/**
 * Parses a Twinledger checkpoint: a tlog checkpoint with exactly one extension line,
 * `twinledger-block <decimal height> <64 lowercase hex>`. Throws `CheckpointError`.
 */
export function parseCheckpoint(text: string): Checkpoint {
  const body = parseCheckpointBody(text);
  const [blockLine, ...others] = body.extensionLines;
  const match = blockLine === undefined || others.length > 0 ? null : blockLinePattern.exec(blockLine);
  const heightText = match?.[1];
  const hashText = match?.[2];
  if (heightText === undefined || hashText === undefined || !Number.isSafeInteger(Number(heightText))) {
    throw new CheckpointError('CHECKPOINT_BAD_BLOCK_LINE', `a checkpoint ends with one line "${blockExtensionKeyword} <height> <hex hash>"`);
  }
  return { origin: body.origin, treeSize: body.treeSize, rootHash: body.rootHash, blockHeight: Number(heightText), blockHash: hexToBytes(hashText) };
}

/** The checkpoint as a signed note carrying one signature per key. Requires valid fields and keys. */
export function signCheckpoint(checkpoint: Checkpoint, keys: readonly NoteSignerKey[]): string {
  return signNote(formatCheckpoint(checkpoint), keys);
}

export type CheckpointRefusalCode = Extract<NoteVerification, { ok: false }>['code'] | CheckpointErrorCode;

export type CheckpointVerification =
  | { readonly ok: true; readonly checkpoint: Checkpoint; readonly verifiedBy: readonly NoteVerifierKey[] }
  | { readonly ok: false; readonly code: CheckpointRefusalCode; readonly reason: string };

/**
 * Verifies a signed checkpoint against `knownKeys` by the signed-note rules (unknown signatures
 * ignored, at least one known signature, none failing) and parses its text. Counts no quorum: a quorum
 * certificate is checked with `verifyQuorumCertificate`. Requires nothing; never throws for bad input.
 */
export function verifyCheckpoint(
  message: string | Uint8Array,
  knownKeys: readonly NoteVerifierKey[],
  verifier: Ed25519Verifier = portableVerifier,
): CheckpointVerification {
  const verified = verifyNote(message, knownKeys, verifier);
  if (!verified.ok) return verified;
  try {
    return { ok: true, checkpoint: parseCheckpoint(verified.note.text), verifiedBy: verified.verifiedBy };
  } catch (error: unknown) {
    if (error instanceof CheckpointError) return { ok: false, code: error.code, reason: error.message };
    throw error;
  }
}

function checkOrigin(origin: string): void {
  if (origin.length === 0 || origin.length > originLengthMax || /[\s+\u0000-\u001f]/u.test(origin)) {
    throw new CheckpointError('CHECKPOINT_BAD_ORIGIN', `origin is 1 to ${originLengthMax} characters without spaces, "+" or control characters`);
  }
}

function checkCount(value: number, code: CheckpointErrorCode, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new CheckpointError(code, `${what} is an integer from 0 to 2^53 - 1`);
}
