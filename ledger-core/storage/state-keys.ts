/**
 * How the state store's keys and small values are laid out in LMDB, and the checks that keep outside
 * input within what LMDB can hold. LMDB keys are at most 1,978 bytes here; entity version keys add a
 * few bytes to a state key, so state keys stop well short of that.
 */
import { StorageErrorCode, StorageRequestError } from './errors.js';

/** Longest state or entity key, in UTF-8 bytes. */
export const stateKeyBytesMax = 1024;

/** Transaction ids and block hashes: SHA-256 digests as 64 lowercase hex digits. */
const sha256HexPattern = /^[0-9a-f]{64}$/;
const loneSurrogatePattern = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a key LMDB's ordered key encoding cannot keep distinct: empty, holding U+0000 (its separator
 * inside composite keys), a lone surrogate (which UTF-8 would turn into U+FFFD, merging two keys), or
 * longer than `stateKeyBytesMax`. Requires nothing of `key`.
 */
export function checkStateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StorageRequestError(StorageErrorCode.stateKeyInvalid, 'a state key is a non-empty string');
  }
  if (key.includes('\u0000')) {
    throw new StorageRequestError(StorageErrorCode.stateKeyInvalid, 'a state key may not contain U+0000');
  }
  if (loneSurrogatePattern.test(key)) {
    throw new StorageRequestError(StorageErrorCode.stateKeyInvalid, 'a state key may not contain a lone surrogate');
  }
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes > stateKeyBytesMax) {
    throw new StorageRequestError(
      StorageErrorCode.stateKeyInvalid,
      `state key of ${keyBytes} UTF-8 bytes is over stateKeyBytesMax ${stateKeyBytesMax}`,
    );
  }
}

/** True for 64 lowercase hex digits. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && sha256HexPattern.test(value);
}

/** The 32-byte LMDB key of a transaction id; requires `isSha256Hex(id)`. */
export function transactionIdKey(id: string): Buffer {
  return Buffer.from(id, 'hex');
}

/** Where a transaction sits in the chain. */
export interface TransactionLocation {
  height: number;
  /** Index of the transaction within its block, from 0. */
  position: number;
}

const twoTo32 = 2 ** 32;
const transactionLocationBytes = 12;

/** 8-byte height then 4-byte position, big-endian; requires a safe height and a u32 position. */
export function encodeTransactionLocation(location: TransactionLocation): Buffer {
  const bytes = Buffer.allocUnsafe(transactionLocationBytes);
  bytes.writeUInt32BE(Math.floor(location.height / twoTo32), 0);
  bytes.writeUInt32BE(location.height % twoTo32, 4);
  bytes.writeUInt32BE(location.position, 8);
  return bytes;
}

/** Inverse of `encodeTransactionLocation`; undefined for bytes of the wrong length. */
export function decodeTransactionLocation(bytes: Uint8Array): TransactionLocation | undefined {
  if (bytes.length !== transactionLocationBytes) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    height: buffer.readUInt32BE(0) * twoTo32 + buffer.readUInt32BE(4),
    position: buffer.readUInt32BE(8),
  };
}

/** Deepest Merkle level: a tree of up to 2^53 - 1 leaves has levels 0..52; 53 is the interface's bound. */
export const merkleLevelMax = 53;
const merkleKeyBytes = 8;
const twoTo48 = 2 ** 48;

/**
 * The LMDB key of Merkle node `index` at `level`: one byte of level, then the index in 7 bytes
 * big-endian, so a level's nodes sort by index and every safe-integer index fits.
 * Requires 0 ≤ level ≤ merkleLevelMax and a safe non-negative integer index.
 */
export function merkleNodeKey(level: number, index: number): Buffer {
  const key = Buffer.allocUnsafe(merkleKeyBytes);
  key[0] = level;
  key[1] = Math.floor(index / twoTo48);
  key.writeUIntBE(index % twoTo48, 2, 6);
  return key;
}

/** The index part of a key made by `merkleNodeKey`. */
export function merkleNodeIndexOf(key: Uint8Array): number {
  const buffer = Buffer.from(key.buffer, key.byteOffset, key.length);
  return (buffer[1] ?? 0) * twoTo48 + buffer.readUIntBE(2, 6);
}
