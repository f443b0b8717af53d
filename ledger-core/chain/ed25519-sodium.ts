/**
 * Ed25519 verification on libsodium (through sodium-native), the fastest verifier measured on the
 * ledger node's hardware. libsodium's own rule is the pinned rule, so the shared pre-checks only
 * repeat what it does; they stay so that the rule is stated in one place for every verifier.
 */
import { crypto_sign_verify_detached } from 'sodium-native';
import type { Ed25519Verifier } from './ed25519.js';
import { publicKeyFault, signatureFault } from './ed25519-rule.js';

/** The libsodium verifier; requires nothing. No key cache: libsodium's API takes raw key bytes and has no parsed-key object. */
export function createSodiumVerifier(): Ed25519Verifier {
  return {
    implementation: 'libsodium',
    verify(signature, message, publicKey) {
      if (publicKeyFault(publicKey) !== undefined || signatureFault(signature) !== undefined) return false;
      return crypto_sign_verify_detached(signature, message, publicKey);
    },
  };
}
