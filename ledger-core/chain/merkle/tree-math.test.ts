/**
 * Scenario: tree sizes and leaf indexes across the whole range a JavaScript number holds exactly, up
 * to 2^53 - 1, where the 32-bit bitwise operators would silently wrap.
 *
 * Proves: the proof lengths computed with plain arithmetic equal the closed forms computed with exact
 * BigInt bit operations, on both sides of the 32-bit fast path. Inclusion: the bits where index and
 * treeSize - 1 differ, plus the set bits above them. Consistency: the same for size1 - 1 and size2 - 1,
 * less the trailing ones of size1 - 1, plus one unless size1 is a power of two. And the RFC's split k is
 * the largest power of two below the size.
 */
import fc from 'fast-check';
import {
  consistencyProofLength,
  inclusionProofLength,
  largestPowerOfTwoBelow,
  popCount,
  treeSizeMax,
} from './tree-math.js';

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function popCountBig(value: bigint): number {
  return [...value.toString(2)].filter((digit) => digit === '1').length;
}

function trailingOnes(value: bigint): number {
  let count = 0;
  for (let rest = value; (rest & 1n) === 1n; rest >>= 1n) count++;
  return count;
}

function inclusionLengthExact(index: bigint, treeSize: bigint): number {
  const inner = bitLength(index ^ (treeSize - 1n));
  return inner + popCountBig(index >> BigInt(inner));
}

function consistencyLengthExact(size1: bigint, size2: bigint): number {
  if (size1 === size2) return 0;
  const last1 = size1 - 1n;
  const inner = bitLength(last1 ^ (size2 - 1n));
  const shift = trailingOnes(last1);
  const border = popCountBig(last1 >> BigInt(inner));
  const isPowerOfTwo = (size1 & (size1 - 1n)) === 0n;
  return inner - shift + border + (isPowerOfTwo ? 0 : 1);
}

/** Sizes spread over every magnitude up to 2^53 - 1, powers of two and their neighbours included. */
const treeSizeArbitrary = fc.oneof(
  fc.integer({ min: 1, max: treeSizeMax }),
  fc.integer({ min: 1, max: 2 ** 32 }),
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 0, max: 53 }).chain((exponent) =>
    fc.constantFrom(2 ** exponent - 1, 2 ** exponent, 2 ** exponent + 1).filter((size) => size >= 1 && size <= treeSizeMax),
  ),
);

describe('tree shape on numbers up to 2^53 - 1', () => {
  it('splits at the largest power of two below the size', () => {
    fc.assert(
      fc.property(treeSizeArbitrary.filter((size) => size >= 2), (size) => {
        const split = largestPowerOfTwoBelow(size);
        return popCount(split) === 1 && split < size && split * 2 >= size;
      }),
      { numRuns: 5000, seed: 1 },
    );
  });

  it('counts inclusion proof hashes as the exact bit formula does', () => {
    fc.assert(
      fc.property(
        treeSizeArbitrary.chain((treeSize) => fc.tuple(fc.integer({ min: 0, max: treeSize - 1 }), fc.constant(treeSize))),
        ([index, treeSize]) => inclusionProofLength(index, treeSize) === inclusionLengthExact(BigInt(index), BigInt(treeSize)),
      ),
      { numRuns: 5000, seed: 2 },
    );
  });

  it('counts consistency proof hashes as the exact bit formula does', () => {
    fc.assert(
      fc.property(
        treeSizeArbitrary.chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2))),
        ([size1, size2]) =>
          consistencyProofLength(size1, size2) === consistencyLengthExact(BigInt(size1), BigInt(size2)),
      ),
      { numRuns: 5000, seed: 3 },
    );
  });

  it('gives the longest proofs at the top of the range', () => {
    expect(inclusionProofLength(0, treeSizeMax)).toBe(53);
    expect(inclusionProofLength(treeSizeMax - 1, treeSizeMax)).toBe(52);
    expect(consistencyProofLength(1, treeSizeMax)).toBe(53);
    expect(largestPowerOfTwoBelow(treeSizeMax)).toBe(2 ** 52);
    expect(largestPowerOfTwoBelow(2 ** 32 + 1)).toBe(2 ** 32);
    expect(largestPowerOfTwoBelow(2 ** 32)).toBe(2 ** 31);
  });
});
