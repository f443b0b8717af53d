/**
 * The bounded LRU cache behind the verifiers' key caches. Proves: it never holds more than its bound,
 * evicts the least recently used entry (a read counts as a use), and refuses a bound below one; and
 * that verifiers whose key cache is far smaller than the number of keys still answer correctly.
 */
import fc from 'fast-check';
import { BoundedLruCache } from './bounded-lru.js';
import { createPortableVerifier } from './ed25519.js';
import { createNodeCryptoSigner, createNodeCryptoVerifier } from './ed25519-node.js';

it('evicts the least recently used entry and stays within its bound', () => {
  const cache = new BoundedLruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  expect(cache.get('a')).toBe(1);
  cache.set('c', 3);
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBe(1);
  expect(cache.get('c')).toBe(3);
  expect(cache.size).toBe(2);
  expect(() => new BoundedLruCache(0)).toThrow(RangeError);
});

it('verifiers stay correct when keys outnumber their cache', () => {
  const message = new TextEncoder().encode('m');
  const signers = Array.from({ length: 6 }, (_, index) => createNodeCryptoSigner(new Uint8Array(32).fill(index + 10)));
  const verifiers = [createPortableVerifier({ publicKeyCacheEntriesMax: 2 }), createNodeCryptoVerifier({ publicKeyCacheEntriesMax: 2 })];
  for (let round = 0; round < 3; round++) {
    for (const [index, signer] of signers.entries()) {
      const signature = signer.sign(message);
      const wrongKey = signers[(index + 1) % signers.length]?.publicKey ?? signer.publicKey;
      for (const verifier of verifiers) {
        expect(verifier.verify(signature, message, signer.publicKey)).toBe(true);
        expect(verifier.verify(signature, message, wrongKey)).toBe(false);
      }
    }
  }
});

it('answers every get exactly as a naive least-recently-used list would', () => {
  // The reference: an array in use order, oldest first; a linear scan per operation.
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 12 }), fc.integer()), { maxLength: 200 }),
      (entriesMax, operations) => {
        const cache = new BoundedLruCache<number, number>(entriesMax);
        const reference: Array<[number, number]> = [];
        for (const [isSet, key, value] of operations) {
          const index = reference.findIndex(([k]) => k === key);
          if (isSet) {
            if (index >= 0) reference.splice(index, 1);
            reference.push([key, value]);
            if (reference.length > entriesMax) reference.shift();
            cache.set(key, value);
          } else {
            const expected = index >= 0 ? reference.splice(index, 1)[0] : undefined;
            if (expected !== undefined) reference.push(expected);
            if (cache.get(key) !== expected?.[1]) return false;
          }
          if (cache.size !== reference.length) return false;
        }
        return true;
      },
    ),
    { numRuns: 2_000 },
  );
});
