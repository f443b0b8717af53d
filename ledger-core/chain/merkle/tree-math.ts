/**
 * Shape of RFC 9162 trees, on plain numbers. Tree sizes and leaf indexes go up to 2^53 - 1, past the
 * 32 bits that JavaScript's bitwise operators keep, so everything here uses arithmetic instead.
 * Pure and portable: shared by the verifier (browser) and the stored tree (server).
 */

/** The largest tree size whose indexes and sizes are exact in a JavaScript number. */
export const treeSizeMax = Number.MAX_SAFE_INTEGER;

/** True for a whole number in [0, treeSizeMax]: a valid tree size or leaf index. */
export function isTreePosition(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isOdd(value: number): boolean {
  return value % 2 === 1;
}

/** value >> 1 for values beyond 32 bits. */
export function half(value: number): number {
  return Math.floor(value / 2);
}

/** The RFC's k: the largest power of two strictly smaller than `size`; requires size ≥ 2. */
export function largestPowerOfTwoBelow(size: number): number {
  // Fast path while size - 1 fits in 32 bits (every tree this side of four billion leaves).
  if (size <= 2 ** 32) return 2 ** (31 - Math.clz32(size - 1));
  // Math.log2 may round up just below a power of two for large sizes; the loops correct either way.
  let power = 2 ** Math.floor(Math.log2(size - 1));
  while (power >= size) power /= 2;
  while (power * 2 < size) power *= 2;
  return power;
}

/** Number of set bits; requires a tree position. */
export function popCount(value: number): number {
  let count = 0;
  for (let rest = value; rest > 0; rest = half(rest)) if (isOdd(rest)) count++;
  return count;
}

/** Set bits of a value below 2^32. */
function popCount32(value: number): number {
  let bits = value >>> 0;
  bits -= (bits >>> 1) & 0x55555555;
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Number of hashes in the inclusion proof of leaf `index` in a tree of `treeSize` leaves (RFC 9162
 * §2.1.3.1: one sibling per split on the way from the root down to the leaf).
 * Requires 0 ≤ index < treeSize ≤ treeSizeMax.
 */
export function inclusionProofLength(index: number, treeSize: number): number {
  // Closed form while positions fit in 32 bits (the verifier's hot path): one hash per level below the
  // point where the leaf's path leaves the right edge, plus one per left subtree above it.
  if (treeSize <= 2 ** 32) {
    const inner = 32 - Math.clz32(index ^ (treeSize - 1));
    return inner + popCount32(inner === 32 ? 0 : index >>> inner);
  }
  let length = 0;
  let begin = 0;
  let size = treeSize;
  while (size > 1) {
    const split = largestPowerOfTwoBelow(size);
    if (index < begin + split) {
      size = split;
    } else {
      begin += split;
      size -= split;
    }
    length++;
  }
  return length;
}

/**
 * Number of hashes in the consistency proof from tree size `size1` to `size2` (RFC 9162 §2.1.4.1,
 * SUBPROOF): one per split, plus the old tree's own subtree hash unless it is the left part of a split
 * all the way down (then the verifier already holds it as the old root).
 * Requires 0 < size1 ≤ size2 ≤ treeSizeMax; equal sizes give 0.
 */
export function consistencyProofLength(size1: number, size2: number): number {
  let length = 0;
  let oldSize = size1;
  let size = size2;
  let isOldRoot = true;
  while (oldSize !== size) {
    const split = largestPowerOfTwoBelow(size);
    if (oldSize <= split) {
      size = split;
    } else {
      oldSize -= split;
      size -= split;
      isOldRoot = false;
    }
    length++;
  }
  return isOldRoot ? length : length + 1;
}
