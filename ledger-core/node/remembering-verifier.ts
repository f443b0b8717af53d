/**
 * An Ed25519 verifier that remembers the signatures it found valid, so execution does not verify again
 * what this node verified at submit. A hit must match the signature, the message and the key byte for
 * byte, so a remembered answer is exactly the answer the inner verifier gave; only valid answers are
 * remembered, and at most `entriesMax` of them (least recently used dropped first).
 */
import { BoundedLruCache } from '../chain/bounded-lru.js';
import type { Ed25519Verifier } from '../chain/ed25519.js';

interface Remembered {
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface RememberingVerifier extends Ed25519Verifier {
  readonly stats: { hits: number; misses: number };
}

/** Requires a positive `entriesMax`. */
export function createRememberingVerifier(inner: Ed25519Verifier, entriesMax: number): RememberingVerifier {
  const cache = new BoundedLruCache<string, Remembered>(entriesMax);
  const stats = { hits: 0, misses: 0 };
  return {
    implementation: inner.implementation,
    stats,
    verify(signature, message, publicKey) {
      const key = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('base64');
      const remembered = cache.get(key);
      if (remembered !== undefined && sameBytes(remembered.message, message) && sameBytes(remembered.publicKey, publicKey)) {
        stats.hits++;
        return true;
      }
      stats.misses++;
      const valid = inner.verify(signature, message, publicKey);
      if (valid) cache.set(key, { message, publicKey });
      return valid;
    },
  };
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(Buffer.from(right.buffer, right.byteOffset, right.byteLength));
}
