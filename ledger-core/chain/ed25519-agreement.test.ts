/**
 * The three Ed25519 verifiers never split. Proves, on 10,000 random (key, message, mutation) cases,
 * that the portable, node:crypto and libsodium verifiers give the same answer, that the answer is
 * "valid" exactly for unmutated signatures, and that flipping any single bit of a signature, any bit
 * of the message, or swapping the key makes all three refuse; and on fresh random keys that signatures
 * from the portable and node:crypto signers are identical.
 *
 * Cost: in the first test keys come from a pool of 32 so the portable verifier's per-key table is reused (a cold key
 * costs about four verifications), and signing uses the node:crypto signer, ten times faster than the
 * portable one and byte-identical to it (checked below). The second test pays for 10,000 cold keys
 * (about 10 s, mostly the portable verifier parsing each key) so no key is ever seen twice.
 */
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils';
import { createPortableSigner, type Ed25519Signer } from './ed25519.js';
import { createNodeCryptoSigner } from './ed25519-node.js';
import { createAllVerifiers } from './ed25519-verifiers.js';

const verifiers = createAllVerifiers();
const keyPoolSize = 32;
const seed32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const signerPool: readonly Ed25519Signer[] = fc.sample(seed32, { numRuns: keyPoolSize, seed: 20_260_101 }).map(createNodeCryptoSigner);

type Mutation = { kind: 'none' } | { kind: 'signature-bit'; bit: number } | { kind: 'message-bit'; bit: number } | { kind: 'other-key'; offset: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'none' }),
  fc.nat(511).map<Mutation>((bit) => ({ kind: 'signature-bit', bit })),
  fc.nat(8 * 64 - 1).map<Mutation>((bit) => ({ kind: 'message-bit', bit })),
  fc.integer({ min: 1, max: keyPoolSize - 1 }).map<Mutation>((offset) => ({ kind: 'other-key', offset })),
);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  const index = Math.floor(bit / 8) % Math.max(copy.length, 1);
  if (copy.length > 0) copy[index] = (copy[index] ?? 0) ^ (1 << bit % 8);
  return copy;
}

it('all verifiers agree on 10,000 random messages, keys and mutations', () => {
  fc.assert(
    fc.property(fc.nat(keyPoolSize - 1), fc.uint8Array({ minLength: 1, maxLength: 64 }), mutation, (keyIndex, message, change) => {
      const signer = signerPool[keyIndex];
      if (signer === undefined) throw new Error('key pool index out of range');
      let signature: Uint8Array = signer.sign(message);
      let signedMessage: Uint8Array = message;
      let publicKey: Uint8Array = signer.publicKey;
      if (change.kind === 'signature-bit') signature = flipBit(signature, change.bit);
      if (change.kind === 'message-bit') signedMessage = flipBit(message, change.bit);
      if (change.kind === 'other-key') publicKey = signerPool[(keyIndex + change.offset) % keyPoolSize]?.publicKey ?? publicKey;
      // A plain boolean rather than expect(): this body runs 10,000 times and the matcher costs more
      // than a native verification. fast-check reports the failing case and its seed.
      const expected = change.kind === 'none';
      return verifiers.every((verifier) => verifier.verify(signature, signedMessage, publicKey) === expected);
    }),
    { numRuns: 10_000 },
  );
});

it('all verifiers agree on 10,000 fresh random keys, one per message', () => {
  // Each case a key never seen before, so every verifier parses a cold key: the pool above cannot hide a
  // disagreement that only shows on the first use of a key.
  fc.assert(
    fc.property(seed32, fc.uint8Array({ minLength: 0, maxLength: 128 }), fc.boolean(), (seed, message, tamper) => {
      const signer = createNodeCryptoSigner(seed);
      const signature = signer.sign(message);
      const checked = tamper ? flipBit(signature, message.length % 512) : signature;
      return verifiers.every((verifier) => verifier.verify(checked, message, signer.publicKey) === !tamper);
    }),
    { numRuns: 10_000 },
  );
});

it('flipping any one of the 512 signature bits fails every verifier', () => {
  const signer = signerPool[0];
  if (signer === undefined) throw new Error('empty key pool');
  const message = new TextEncoder().encode('checkpoint body');
  const signature = signer.sign(message);
  const accepted: string[] = [];
  for (let bit = 0; bit < 512; bit++) {
    const flipped = flipBit(signature, bit);
    for (const verifier of verifiers) {
      if (verifier.verify(flipped, message, signer.publicKey)) accepted.push(`${verifier.implementation} bit ${bit}`);
    }
  }
  expect(accepted).toEqual([]);
});

it('signers agree and verifiers accept on fresh keys', () => {
  fc.assert(
    fc.property(seed32, fc.uint8Array({ maxLength: 200 }), (privateKey, message) => {
      const portable = createPortableSigner(privateKey);
      const native = createNodeCryptoSigner(privateKey);
      const signature = native.sign(message);
      expect(bytesToHex(portable.sign(message))).toBe(bytesToHex(signature));
      expect(verifiers.map((verifier) => verifier.verify(signature, message, native.publicKey))).toEqual([true, true, true]);
    }),
    { numRuns: 200 },
  );
});
