/**
 * did:key identifiers for Ed25519 public keys (W3C CCG did:key method): "did:key:" + multibase
 * base58btc ("z") of the multicodec varint 0xed 0x01 (ed25519-pub) followed by the 32-byte key.
 * Only the syntax is checked here; whether the key is a usable curve point is the verifier's rule.
 */
import { base58 } from '@scure/base';
import { BoundedLruCache } from './bounded-lru.js';
import { publicKeyBytes } from './ed25519-rule.js';

export type DidKeyErrorCode =
  | 'DID_KEY_TOO_LONG'
  | 'DID_KEY_WRONG_PREFIX'
  | 'DID_KEY_WRONG_MULTIBASE'
  | 'DID_KEY_BAD_BASE58'
  | 'DID_KEY_WRONG_CODEC'
  | 'DID_KEY_WRONG_LENGTH';

/** A did:key that does not name an Ed25519 public key; `code` says which part is wrong. */
export class DidKeyError extends Error {
  override readonly name = 'DidKeyError';
  constructor(
    readonly code: DidKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const didKeyPrefix = 'did:key:';
const base58btcMultibasePrefix = 'z';
// Unsigned-varint encoding of multicodec 0xed (ed25519-pub).
const ed25519Codec = Uint8Array.from([0xed, 0x01]);
// Base58 decoding is quadratic in length; an Ed25519 did:key is 56 characters.
const didKeyLengthMax = 128;
/** DIDs whose decoded key is remembered: decoding costs about as much as a native signature check. */
export const didKeyCacheEntriesMax = 4_096;
const decodedKeys = new BoundedLruCache<string, Uint8Array>(didKeyCacheEntriesMax);

/** The did:key of a 32-byte Ed25519 public key. Requires `publicKey.length === 32`. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== publicKeyBytes) {
    throw new DidKeyError('DID_KEY_WRONG_LENGTH', `an Ed25519 public key is ${publicKeyBytes} bytes, got ${publicKey.length}`);
  }
  const multicodec = new Uint8Array(ed25519Codec.length + publicKey.length);
  multicodec.set(ed25519Codec, 0);
  multicodec.set(publicKey, ed25519Codec.length);
  return `${didKeyPrefix}${base58btcMultibasePrefix}${base58.encode(multicodec)}`;
}

/**
 * The 32-byte Ed25519 public key a did:key names. Requires nothing: anything else, including a DID
 * URL with a fragment or a key of another type, throws `DidKeyError` saying what is wrong.
 */
export function publicKeyFromDidKey(did: string): Uint8Array {
  const cached = decodedKeys.get(did);
  // A copy, so a caller that writes into the key cannot change what the next caller gets.
  if (cached !== undefined) return cached.slice();
  const publicKey = decodeDidKey(did);
  decodedKeys.set(did, publicKey);
  return publicKey.slice();
}

function decodeDidKey(did: string): Uint8Array {
  if (did.length > didKeyLengthMax) {
    throw new DidKeyError('DID_KEY_TOO_LONG', `a did:key is at most ${didKeyLengthMax} characters, got ${did.length}`);
  }
  if (!did.startsWith(didKeyPrefix)) {
    throw new DidKeyError('DID_KEY_WRONG_PREFIX', `a did:key starts with "${didKeyPrefix}": ${JSON.stringify(did)}`);
  }
  const multibase = did.slice(didKeyPrefix.length);
  if (!multibase.startsWith(base58btcMultibasePrefix)) {
    throw new DidKeyError('DID_KEY_WRONG_MULTIBASE', `a did:key value is multibase base58btc, starting with "z": ${JSON.stringify(did)}`);
  }
  let multicodec: Uint8Array;
  try {
    multicodec = base58.decode(multibase.slice(1));
  } catch {
    throw new DidKeyError('DID_KEY_BAD_BASE58', `the did:key value is not base58btc: ${JSON.stringify(did)}`);
  }
  if (multicodec[0] !== ed25519Codec[0] || multicodec[1] !== ed25519Codec[1]) {
    throw new DidKeyError('DID_KEY_WRONG_CODEC', `the did:key does not name an Ed25519 key (multicodec 0xed01): ${JSON.stringify(did)}`);
  }
  if (multicodec.length !== ed25519Codec.length + publicKeyBytes) {
    throw new DidKeyError(
      'DID_KEY_WRONG_LENGTH',
      `an Ed25519 did:key carries ${publicKeyBytes} key bytes, this one ${multicodec.length - ed25519Codec.length}`,
    );
  }
  // One key, one identifier, without encoding the key again to compare: base58 is positional, so a
  // digit string that does not start with "1" names one number and that number one string; a leading
  // "1" would be a leading zero byte, which the codec check above refuses. The tests hold every
  // accepted spelling to re-encoding to itself.
  return multicodec.slice(ed25519Codec.length);
}
