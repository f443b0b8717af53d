/**
 * Bounds on everything a transaction may contain, checked before any canonical encoding or hash is
 * computed, so hostile input costs at most a bounded walk. Units are in each name or on its line.
 */
import type { JsonValue } from './json-value.js';

/** Largest transaction: UTF-8 bytes of its RFC 8785 canonical form. */
export const transactionBytesMax = 65_536;
/** Deepest nesting of arrays and objects inside `payload`, in levels (a scalar payload is level 0). */
export const payloadDepthMax = 32;
/** Longest string or object key anywhere in `payload`, in UTF-16 code units. */
export const stringLengthMax = 8_192;
/** Longest transaction `type`, in characters (ASCII only, so characters = bytes). */
export const typeLengthMax = 64;
/** Longest transaction `nonce`, in characters (ASCII only). */
export const nonceLengthMax = 64;
/** Longest `signer` DID, in characters; an Ed25519 did:key is 56. */
export const signerLengthMax = 128;
/** Latest transaction `time`, in milliseconds since the Unix epoch: 9999-12-31T23:59:59.999Z. */
export const timeMsMax = 253_402_300_799_999;
/** Deepest nesting `canonicalize` accepts for any value, in levels; bounds recursion, not policy. */
export const canonicalDepthMax = 256;

export type TransactionShapeErrorCode =
  /** A field is missing, extra, of the wrong type, or outside its syntax. */
  | 'TX_BAD_FIELD'
  /** The transaction, or one string in it, is longer than its limit. */
  | 'TX_TOO_LARGE'
  /** `payload` nests deeper than `payloadDepthMax`. */
  | 'TX_TOO_DEEP'
  /** `payload` holds something JSON cannot carry (NaN, undefined, a Date, a lone surrogate, ...). */
  | 'TX_NOT_JSON';

/** A transaction refused before hashing: bad input from outside, never a broken invariant. */
export class TransactionShapeError extends Error {
  override readonly name = 'TransactionShapeError';
  constructor(
    readonly code: TransactionShapeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Walks `payload` once and refuses it if it breaks a limit or is not JSON. The walk stops as soon as
 * the bytes it has seen prove the transaction too large: every UTF-16 code unit of a string becomes
 * at least one UTF-8 byte and every value at least one byte, so the running count is a lower bound
 * on the canonical size and never refuses a payload that would fit.
 * Requires nothing of `payload`; on return, `payload` is a `JsonValue` within every payload limit.
 */
export function checkPayloadLimits(payload: unknown): asserts payload is JsonValue {
  const budget = { bytesSeen: 0 };
  walk(payload, 0, budget, '/payload');
}

function walk(value: unknown, depth: number, budget: { bytesSeen: number }, path: string): void {
  budget.bytesSeen += 1;
  if (budget.bytesSeen > transactionBytesMax) {
    throw new TransactionShapeError('TX_TOO_LARGE', `transaction is larger than ${transactionBytesMax} bytes`);
  }
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TransactionShapeError('TX_NOT_JSON', `${path} is not a finite number`);
    return;
  }
  if (typeof value === 'string') {
    checkString(value, budget, path);
    return;
  }
  if (typeof value !== 'object') {
    throw new TransactionShapeError('TX_NOT_JSON', `${path} is a ${typeof value}, which JSON cannot carry`);
  }
  if (depth + 1 > payloadDepthMax) {
    throw new TransactionShapeError('TX_TOO_DEEP', `${path} nests deeper than ${payloadDepthMax} levels`);
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      walk(value[index], depth + 1, budget, `${path}/${index}`);
    }
    return;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TransactionShapeError('TX_NOT_JSON', `${path} is not a plain object`);
  }
  for (const [key, child] of Object.entries(value)) {
    checkString(key, budget, `${path} key`);
    walk(child, depth + 1, budget, `${path}/${key.length > 64 ? `${key.slice(0, 64)}…` : key}`);
  }
}

function checkString(text: string, budget: { bytesSeen: number }, path: string): void {
  if (text.length > stringLengthMax) {
    throw new TransactionShapeError('TX_TOO_LARGE', `${path} is longer than ${stringLengthMax} UTF-16 code units`);
  }
  budget.bytesSeen += text.length;
  if (budget.bytesSeen > transactionBytesMax) {
    throw new TransactionShapeError('TX_TOO_LARGE', `transaction is larger than ${transactionBytesMax} bytes`);
  }
}
