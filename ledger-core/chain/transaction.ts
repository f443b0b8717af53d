/**
 * Transactions: what a signer asks the ledger to do. The canonical bytes (RFC 8785) of the six fields
 * are hashed for the id and signed with Ed25519; the signature travels beside the transaction, never
 * inside what it signs. Shape and limits are checked before anything is hashed.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { base64urlnopad } from '@scure/base';
import { CanonicalizationError, canonicalBytes } from './canonical.js';
import { DidKeyError, didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { createPortableSigner, isSigner, portableVerifier, type Ed25519Signer, type Ed25519Verifier } from './ed25519.js';
import { publicKeyFault, signatureBytes } from './ed25519-rule.js';
import type { JsonValue } from './json-value.js';
import {
  checkPayloadLimits,
  nonceLengthMax,
  signerLengthMax,
  timeMsMax,
  transactionBytesMax,
  TransactionShapeError,
  typeLengthMax,
  type TransactionShapeErrorCode,
} from './limits.js';

export interface Transaction {
  /** Format version; only 1 exists. */
  readonly v: 1;
  /** Which contract operation, as dotted lowerCamel segments: `device.register`, `lease.approve`. */
  readonly type: string;
  /** The operation's input; the contract for `type` gives it meaning. */
  readonly payload: JsonValue;
  /** The did:key of the Ed25519 key that signs. */
  readonly signer: string;
  /** Chosen by the signer to make otherwise equal transactions distinct; printable ASCII. */
  readonly nonce: string;
  /** When the signer made it, in integer milliseconds since the Unix epoch (the signer's clock). */
  readonly time: number;
}

/** A transaction and its Ed25519 signature over the canonical bytes of `tx`. */
export interface SignedTransaction {
  readonly tx: Transaction;
  /** The 64 signature bytes in unpadded base64url (RFC 4648 section 5): always 86 characters. */
  readonly signature: string;
}

export type TransactionRejectionCode =
  | TransactionShapeErrorCode
  /** `signer` is not an Ed25519 did:key, or its key is not a usable point under the pinned rule. */
  | 'BAD_SIGNER'
  /** The signature is not 86 characters of base64url, or does not verify. */
  | 'BAD_SIGNATURE';

export type TransactionVerification =
  | { readonly ok: true; readonly id: string; readonly signerPublicKey: Uint8Array }
  | { readonly ok: false; readonly code: TransactionRejectionCode; readonly reason: string };

const transactionFields = ['v', 'type', 'payload', 'signer', 'nonce', 'time'] as const;
const typePattern = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/;
const noncePattern = /^[\x21-\x7e]+$/;
const signaturePattern = /^[A-Za-z0-9_-]{86}$/;

/**
 * `value` as a `Transaction`, or a `TransactionShapeError` naming the first field that is wrong.
 * Requires nothing; checks fields and payload limits, not the signer's DID (see `verifyTransaction`).
 */
export function checkTransactionShape(value: unknown): Transaction {
  if (!isPlainRecord(value)) throw new TransactionShapeError('TX_BAD_FIELD', 'a transaction is a JSON object');
  for (const key of Object.keys(value)) {
    if (!(transactionFields as readonly string[]).includes(key)) {
      throw new TransactionShapeError('TX_BAD_FIELD', `unknown transaction field ${JSON.stringify(key.slice(0, 64))}`);
    }
  }
  const { v, type, payload, signer, nonce, time } = value;
  if (v !== 1) throw new TransactionShapeError('TX_BAD_FIELD', 'v must be 1');
  checkText('type', type, typeLengthMax, typePattern, 'dotted lowerCamel segments such as "device.register"');
  if (!('payload' in value)) throw new TransactionShapeError('TX_BAD_FIELD', 'payload is missing (use null for none)');
  checkText('signer', signer, signerLengthMax, /^did:/, 'a did:key');
  checkText('nonce', nonce, nonceLengthMax, noncePattern, 'printable ASCII without spaces');
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0 || time > timeMsMax) {
    throw new TransactionShapeError('TX_BAD_FIELD', `time must be an integer count of milliseconds from 0 to ${timeMsMax}`);
  }
  checkPayloadLimits(payload);
  return { v, type: type as string, payload, signer: signer as string, nonce: nonce as string, time };
}

/**
 * The RFC 8785 bytes that are hashed and signed. Requires nothing: a bad shape, a limit broken or a
 * value JSON cannot carry throws `TransactionShapeError`.
 */
export function transactionBytes(tx: unknown): Uint8Array {
  return canonicalTransactionBytes(checkTransactionShape(tx));
}

/** Requires `tx` to have passed `checkTransactionShape`; adds the exact size limit. */
function canonicalTransactionBytes(tx: Transaction): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(tx);
  } catch (error: unknown) {
    if (error instanceof CanonicalizationError) throw new TransactionShapeError('TX_NOT_JSON', error.message);
    throw error;
  }
  if (bytes.length > transactionBytesMax) {
    throw new TransactionShapeError('TX_TOO_LARGE', `transaction is ${bytes.length} bytes, more than ${transactionBytesMax}`);
  }
  return bytes;
}

/** Lowercase hex SHA-256 of the canonical bytes: the transaction id. Throws like `transactionBytes`. */
export function transactionId(tx: unknown): string {
  return bytesToHex(sha256(transactionBytes(tx)));
}

/**
 * Signs `tx` with a 32-byte private key or a signer. Requires `tx.signer` to be the did:key of that
 * key; otherwise, or if `tx` is malformed, throws `TransactionShapeError`.
 */
export function signTransaction(tx: Transaction, key: Uint8Array | Ed25519Signer): SignedTransaction {
  const bytes = transactionBytes(tx);
  const signer = isSigner(key) ? key : createPortableSigner(key);
  const keyDid = didKeyFromPublicKey(signer.publicKey);
  if (keyDid !== tx.signer) {
    throw new TransactionShapeError('TX_BAD_FIELD', `signer is ${tx.signer} but the signing key is ${keyDid}`);
  }
  return { tx, signature: base64urlnopad.encode(signer.sign(bytes)) };
}

/**
 * Checks a signed transaction from outside: shape and limits, then the signer, then the signature.
 * Requires nothing and never throws for bad input; the answer says what is wrong. `verifier` defaults
 * to the portable one; a ledger node passes a native verifier.
 */
export function verifyTransaction(signed: unknown, verifier: Ed25519Verifier = portableVerifier): TransactionVerification {
  if (!isPlainRecord(signed) || Object.keys(signed).length !== 2 || !('tx' in signed) || typeof signed['signature'] !== 'string') {
    return reject('TX_BAD_FIELD', 'a signed transaction is an object with exactly "tx" and a string "signature"');
  }
  let bytes: Uint8Array;
  let tx: Transaction;
  try {
    tx = checkTransactionShape(signed['tx']);
    bytes = canonicalTransactionBytes(tx);
  } catch (error: unknown) {
    if (error instanceof TransactionShapeError) return reject(error.code, error.message);
    throw error;
  }
  let signerPublicKey: Uint8Array;
  try {
    signerPublicKey = publicKeyFromDidKey(tx.signer);
  } catch (error: unknown) {
    if (error instanceof DidKeyError) return reject('BAD_SIGNER', error.message);
    throw error;
  }
  const keyFault = publicKeyFault(signerPublicKey);
  if (keyFault !== undefined) return reject('BAD_SIGNER', `the signer's key is not usable: ${keyFault}`);
  const signatureText = signed['signature'];
  if (!signaturePattern.test(signatureText)) {
    return reject('BAD_SIGNATURE', `the signature is not ${signatureBytes} bytes of unpadded base64url`);
  }
  let signature: Uint8Array;
  try {
    signature = base64urlnopad.decode(signatureText);
  } catch {
    return reject('BAD_SIGNATURE', 'the signature is not canonical base64url');
  }
  if (!verifier.verify(signature, bytes, signerPublicKey)) {
    return reject('BAD_SIGNATURE', `the signature does not verify for ${tx.signer}`);
  }
  return { ok: true, id: bytesToHex(sha256(bytes)), signerPublicKey };
}

function reject(code: TransactionRejectionCode, reason: string): TransactionVerification {
  return { ok: false, code, reason };
}

function checkText(field: string, value: unknown, lengthMax: number, pattern: RegExp, expected: string): void {
  if (typeof value !== 'string') throw new TransactionShapeError('TX_BAD_FIELD', `${field} must be a string`);
  if (value.length > lengthMax) throw new TransactionShapeError('TX_TOO_LARGE', `${field} is longer than ${lengthMax} characters`);
  if (!pattern.test(value)) throw new TransactionShapeError('TX_BAD_FIELD', `${field} must be ${expected}`);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
