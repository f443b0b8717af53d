/**
 * Server-side hasher on `node:crypto`: about twice the speed of the portable one for 65-byte node
 * hashes (measured in `bench/chain/merkle.ts`). Never import this from code that must run in a browser;
 * the verifier (`verify.ts`) does not.
 */
import { hash } from 'node:crypto';
import { createTreeHasher, type TreeHasher } from './hash.js';

function nodeSha256(message: Uint8Array): Uint8Array {
  const digest = hash('sha256', message, 'buffer');
  // A plain Uint8Array view, so hashes from either hasher compare and serialise alike.
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** RFC 9162 hashing on `node:crypto`; same outputs as `portableTreeHasher`. */
export const nodeTreeHasher: TreeHasher = createTreeHasher(nodeSha256);
