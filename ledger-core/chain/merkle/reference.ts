/**
 * The naive reference: RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF, SUBPROOF) written as
 * the RFC's recursion over the whole list of leaves, O(n) hashes per call. It exists to be obviously
 * right; tests compare the stored tree and the verifier against it. Do not use it on a live ledger.
 */
import { portableTreeHasher, type TreeHasher } from './hash.js';
import { MerkleErrorCode, MerkleRequestError } from './errors.js';

/** The RFC's k for a list of n ≥ 2 entries: the largest power of two strictly smaller than n. */
function split(size: number): number {
  let power = 1;
  while (power * 2 < size) power *= 2;
  return power;
}

/** MTH(D[n]): the root of the tree over `leafData`; the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(leafData: readonly Uint8Array[], hasher: TreeHasher = portableTreeHasher): Uint8Array {
  const size = leafData.length;
  const [first] = leafData;
  if (first === undefined) return hasher.emptyRoot();
  if (size === 1) return hasher.leafHash(first);
  const k = split(size);
  return hasher.nodeHash(merkleRoot(leafData.slice(0, k), hasher), merkleRoot(leafData.slice(k), hasher));
}

function path(index: number, leafData: readonly Uint8Array[], hasher: TreeHasher): Uint8Array[] {
  const size = leafData.length;
  if (size === 1) return [];
  const k = split(size);
  if (index < k) return [...path(index, leafData.slice(0, k), hasher), merkleRoot(leafData.slice(k), hasher)];
  return [...path(index - k, leafData.slice(k), hasher), merkleRoot(leafData.slice(0, k), hasher)];
}

/**
 * PATH(m, D[n]): the inclusion proof of leaf `index` in the tree over `leafData`, bottom-up.
 * Requires 0 ≤ index < leafData.length.
 */
export function inclusionProof(
  leafData: readonly Uint8Array[],
  index: number,
  hasher: TreeHasher = portableTreeHasher,
): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafData.length) {
    throw new MerkleRequestError(
      MerkleErrorCode.leafIndexOutOfRange,
      `leaf index ${index} is not in a tree of size ${leafData.length}`,
    );
  }
  return path(index, leafData, hasher);
}

function subproof(
  size1: number,
  leafData: readonly Uint8Array[],
  isOldRoot: boolean,
  hasher: TreeHasher,
): Uint8Array[] {
  const size = leafData.length;
  if (size1 === size) return isOldRoot ? [] : [merkleRoot(leafData, hasher)];
  const k = split(size);
  if (size1 <= k) {
    return [...subproof(size1, leafData.slice(0, k), isOldRoot, hasher), merkleRoot(leafData.slice(k), hasher)];
  }
  return [...subproof(size1 - k, leafData.slice(k), false, hasher), merkleRoot(leafData.slice(0, k), hasher)];
}

/**
 * PROOF(m, D[n]): the consistency proof from the tree of the first `size1` leaves to the tree over all
 * of `leafData`. Requires 0 < size1 ≤ leafData.length, or size1 = leafData.length = 0 (equal sizes give
 * an empty proof).
 */
export function consistencyProof(
  leafData: readonly Uint8Array[],
  size1: number,
  hasher: TreeHasher = portableTreeHasher,
): Uint8Array[] {
  const size2 = leafData.length;
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2 || (size1 === 0 && size2 > 0)) {
    throw new MerkleRequestError(
      MerkleErrorCode.consistencySizesOutOfRange,
      `no consistency proof from tree size ${size1} to ${size2}`,
    );
  }
  return subproof(size1, leafData, true, hasher);
}
