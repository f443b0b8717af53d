/**
 * Every Ed25519 verifier this package offers, by name, for tests and benchmarks that must cover all
 * of them. Importing this module loads the native ones, so browser code imports `ed25519.js` instead.
 */
import { createPortableVerifier, type Ed25519Verifier } from './ed25519.js';
import { createNodeCryptoVerifier } from './ed25519-node.js';
import { createSodiumVerifier } from './ed25519-sodium.js';

/** Fresh instances (with empty caches) of the portable, node:crypto and libsodium verifiers. Requires Node. */
export function createAllVerifiers(): readonly Ed25519Verifier[] {
  return [createPortableVerifier(), createNodeCryptoVerifier(), createSodiumVerifier()];
}
