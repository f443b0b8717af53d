/**
 * Ed25519 keys, signing, and the portable verifier (pure JavaScript, runs in a browser and the CLI).
 * Every verifier implements `Ed25519Verifier` and applies the rule pinned in `ed25519-rule.ts`; the
 * native ones for the ledger node's hot path live in `ed25519-node.ts` and `ed25519-sodium.ts`.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { mod } from '@noble/curves/abstract/modular';
import { bytesToNumberLE, equalBytes } from '@noble/curves/utils';
import { sha512 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes } from '@noble/hashes/utils';
import { BoundedLruCache } from './bounded-lru.js';
import { privateKeyBytes, publicKeyFault, signatureFault } from './ed25519-rule.js';

/** Verifies Ed25519 signatures under the pinned rule. Never throws on bad input: it answers false. */
export interface Ed25519Verifier {
  /** Which implementation computes the curve arithmetic, for logs and benchmarks. */
  readonly implementation: string;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** Signs with one private key; implementations differ in speed only (Ed25519 signing is deterministic). */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Tells a signer from raw private-key bytes without `instanceof`, which fails across realms. */
export function isSigner(key: Uint8Array | Ed25519Signer): key is Ed25519Signer {
  return typeof (key as Partial<Ed25519Signer>).sign === 'function';
}

export type Ed25519KeyErrorCode = 'ED25519_PRIVATE_KEY_LENGTH';

export class Ed25519KeyError extends Error {
  override readonly name = 'Ed25519KeyError';
  constructor(
    readonly code: Ed25519KeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A fresh private key (32-byte seed) from the platform's cryptographic random source. The only
 * function in this package that reads randomness; deterministic code derives keys with
 * `publicKeyFromPrivateKey` from seeds it is given.
 */
export function generatePrivateKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

/** The 32-byte public key of a 32-byte private key. Requires `privateKey.length === 32`. */
export function publicKeyFromPrivateKey(privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return ed25519.getPublicKey(privateKey);
}

/** The 64-byte RFC 8032 signature of `message`. Requires `privateKey.length === 32`. */
export function sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return ed25519.sign(message, privateKey);
}

/** A signer in pure JavaScript; works everywhere. Requires `privateKey.length === 32`. */
export function createPortableSigner(privateKey: Uint8Array): Ed25519Signer {
  assertPrivateKey(privateKey);
  const seed = Uint8Array.from(privateKey);
  return { publicKey: ed25519.getPublicKey(seed), sign: (message) => ed25519.sign(message, seed) };
}

export interface VerifierOptions {
  /** Public keys whose parsed form is kept, least recently used evicted first. Default 4,096. */
  readonly publicKeyCacheEntriesMax?: number;
}

export const publicKeyCacheEntriesDefault = 4_096;

type EdwardsPoint = ReturnType<typeof ed25519.Point.fromBytes>;
interface CachedPoint {
  readonly point: EdwardsPoint;
  uses: number;
}

// Decoding A costs a square root; a window table for A costs about three verifications and makes each
// later one about four times faster, so it is built on a key's second use, when it is likely to recur.
const pointWindowBits = 4;

/**
 * The pure-JavaScript verifier. It computes the cofactorless equation itself (noble's own `verify` is
 * cofactored) so that it agrees with the native verifiers on every input. Requires a positive
 * `publicKeyCacheEntriesMax` if given.
 */
export function createPortableVerifier(options: VerifierOptions = {}): Ed25519Verifier {
  const points = new BoundedLruCache<string, CachedPoint | null>(options.publicKeyCacheEntriesMax ?? publicKeyCacheEntriesDefault);
  const { Point } = ed25519;
  const groupOrder = Point.CURVE().n;

  const decode = (publicKey: Uint8Array): EdwardsPoint | undefined => {
    const cacheKey = bytesToHex(publicKey);
    let cached = points.get(cacheKey);
    if (cached === undefined) {
      cached = decodePoint(publicKey);
      points.set(cacheKey, cached);
    }
    if (cached === null) return undefined;
    cached.uses += 1;
    if (cached.uses === 2) cached.point.precompute(pointWindowBits);
    return cached.point;
  };

  return {
    implementation: 'noble',
    verify(signature, message, publicKey) {
      if (publicKeyFault(publicKey) !== undefined || signatureFault(signature) !== undefined) return false;
      const publicPoint = decode(publicKey);
      if (publicPoint === undefined) return false;
      const encodedR = signature.subarray(0, 32);
      const s = bytesToNumberLE(signature.subarray(32, 64));
      const k = mod(bytesToNumberLE(sha512(concatBytes(encodedR, publicKey, message))), groupOrder);
      const computedR = Point.BASE.multiplyUnsafe(s).subtract(publicPoint.multiplyUnsafe(k));
      return equalBytes(computedR.toBytes(), encodedR);
    },
  };
}

/** One shared portable verifier, so its key cache is shared by every caller that takes the default. */
export const portableVerifier: Ed25519Verifier = createPortableVerifier();

function decodePoint(publicKey: Uint8Array): CachedPoint | null {
  try {
    // Strict decoding (zip215 false): y < p, and x = 0 with the sign bit set is refused.
    return { point: ed25519.Point.fromBytes(publicKey, false), uses: 0 };
  } catch {
    return null; // not on the curve
  }
}

function assertPrivateKey(privateKey: Uint8Array): void {
  if (privateKey.length !== privateKeyBytes) {
    throw new Ed25519KeyError('ED25519_PRIVATE_KEY_LENGTH', `an Ed25519 private key is a ${privateKeyBytes}-byte seed`);
  }
}
