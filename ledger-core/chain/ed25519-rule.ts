/**
 * The one Ed25519 verification rule every verifier in Twinledger applies, whatever library computes
 * the curve arithmetic. A consortium must never split on whether a signature is valid, so the rule is
 * pinned here as byte-level pre-checks that run before any library sees the input:
 *
 *  - RFC 8032 section 5.1.7, cofactorless: encode([S]B - [k]A) must equal the 32 bytes of R.
 *  - S is canonical: S < L (RFC 8032 requires it; it also removes signature malleability).
 *  - A and R use canonical encodings: y < p.
 *  - Neither A nor R is a point of small order (order 1, 2, 4 or 8). With a small-order A, S = 0 and a
 *    small-order R verify about one message in eight with no secret at all; small-order components
 *    are also exactly where cofactored and cofactorless equations disagree.
 *
 * This is libsodium's rule. OpenSSL (node:crypto) checks S < L and compares R bytewise but accepts
 * small-order and non-canonical A; noble's built-in verify is cofactored. The pre-checks below close
 * both gaps, and the portable verifier computes the cofactorless equation itself, so all of them answer
 * alike on every input. ZIP-215 could not be the rule: OpenSSL's bytewise R comparison can only be
 * stricter than ZIP-215, never equal to it.
 */

export const publicKeyBytes = 32;
export const signatureBytes = 64;
/** An Ed25519 private key here is the RFC 8032 32-byte seed. */
export const privateKeyBytes = 32;

export type PublicKeyFault = 'PUBLIC_KEY_LENGTH' | 'PUBLIC_KEY_NOT_CANONICAL' | 'PUBLIC_KEY_SMALL_ORDER';
export type SignatureFault = 'SIGNATURE_LENGTH' | 'S_NOT_CANONICAL' | 'R_NOT_CANONICAL' | 'R_SMALL_ORDER';

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const groupOrderBytes = hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

// The y-coordinates of the eight points of order dividing 8: 0 (order 4), 1 (the identity), p - 1
// (order 2) and ±y8 (order 8). Each encodes two points (sign of x), and the sign bit is masked before
// comparing, so these five cover every canonical small-order encoding.
const smallOrderYs: readonly Uint8Array[] = [
  hexBytes('0000000000000000000000000000000000000000000000000000000000000000'),
  hexBytes('0100000000000000000000000000000000000000000000000000000000000000'),
  hexBytes('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  hexBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  hexBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
];

/** Why `publicKey` breaks the rule, or undefined if its encoding is acceptable. Byte checks only. */
export function publicKeyFault(publicKey: Uint8Array): PublicKeyFault | undefined {
  if (publicKey.length !== publicKeyBytes) return 'PUBLIC_KEY_LENGTH';
  if (!isCanonicalY(publicKey, 0)) return 'PUBLIC_KEY_NOT_CANONICAL';
  if (isSmallOrderY(publicKey, 0)) return 'PUBLIC_KEY_SMALL_ORDER';
  return undefined;
}

/**
 * Why `signature` breaks the rule before any curve arithmetic, or undefined. An R that is canonical
 * but not on the curve is left to the equation, which can never produce it.
 */
export function signatureFault(signature: Uint8Array): SignatureFault | undefined {
  if (signature.length !== signatureBytes) return 'SIGNATURE_LENGTH';
  if (!isScalarBelowGroupOrder(signature, 32)) return 'S_NOT_CANONICAL';
  if (!isCanonicalY(signature, 0)) return 'R_NOT_CANONICAL';
  if (isSmallOrderY(signature, 0)) return 'R_SMALL_ORDER';
  return undefined;
}

/** True when the 32 bytes at `offset`, sign bit cleared, are below p = 2^255 - 19. */
function isCanonicalY(bytes: Uint8Array, offset: number): boolean {
  // y >= p only when bytes 31..1 are all ones (bit 255 cleared) and byte 0 is at least 0xed.
  if (((bytes[offset + 31] ?? 0) & 0x7f) !== 0x7f) return true;
  for (let index = 30; index >= 1; index--) {
    if (bytes[offset + index] !== 0xff) return true;
  }
  return (bytes[offset] ?? 0) < 0xed;
}

function isSmallOrderY(bytes: Uint8Array, offset: number): boolean {
  return smallOrderYs.some((y) => {
    for (let index = 0; index < 31; index++) {
      if (bytes[offset + index] !== y[index]) return false;
    }
    return ((bytes[offset + 31] ?? 0) & 0x7f) === y[31];
  });
}

/** True when the 32 little-endian bytes at `offset` encode an integer below L. */
function isScalarBelowGroupOrder(bytes: Uint8Array, offset: number): boolean {
  for (let index = 31; index >= 0; index--) {
    const byte = bytes[offset + index] ?? 0;
    const limit = groupOrderBytes[index] ?? 0;
    if (byte !== limit) return byte < limit;
  }
  return false; // equal to L
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
