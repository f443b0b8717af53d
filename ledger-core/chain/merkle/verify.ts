/**
 * Verification of RFC 9162 inclusion proofs (§2.1.3.2) and consistency proofs (§2.1.4.2).
 *
 * Importable alone: this module and what it imports (`hash.ts`, `tree-math.ts`) have no `node:` imports,
 * so a browser bundles only these. Everything here takes input from outside (a proof fetched from a
 * server, a checkpoint from a peer): malformed input of any shape returns a refusal, never throws.
 *
 * A proof binds a leaf (or an old root) to a root; it does not bind the tree size on its own. Some
 * neighbouring sizes share a proof shape (leaf 0 of a 5-leaf tree proves the same way as in a 6-leaf
 * tree), so the tree size must come from the signed checkpoint, never from the proof's sender.
 */
import { hashBytes, portableTreeHasher, type TreeHasher } from './hash.js';
import {
  consistencyProofLength,
  half,
  inclusionProofLength,
  isOdd,
  isTreePosition,
  popCount,
} from './tree-math.js';

/** Why a proof was refused. Stable strings: safe to log, count and show to a user. */
export type ProofRefusal =
  /** A leaf index or tree size that is not a whole number in [0, 2^53 - 1]. */
  | 'malformed-number'
  /** Inclusion: the leaf index is not below the tree size. */
  | 'index-out-of-range'
  /** Consistency: the first tree size is larger than the second. */
  | 'sizes-out-of-order'
  /** Consistency from an empty tree to a non-empty one: every tree extends it, so it proves nothing. */
  | 'empty-first-tree'
  /** A leaf hash, root or proof element that is not a 32-byte Uint8Array. */
  | 'hash-length'
  /** The proof is not an array, or does not have exactly the number of hashes the sizes call for. */
  | 'proof-length'
  /** Inclusion, or consistency between equal sizes: the root does not match. */
  | 'root-mismatch'
  /** Consistency: the proof does not lead to the first (older) root. */
  | 'first-root-mismatch'
  /** Consistency: the proof does not lead to the second (newer) root. */
  | 'second-root-mismatch';

/** The outcome of a verification, with the reason when refused. */
export type ProofCheck = { readonly valid: true } | { readonly valid: false; readonly refusal: ProofRefusal };

/** One shared answer for every valid proof, frozen so no caller can turn it into a refusal for others. */
const valid: ProofCheck = Object.freeze({ valid: true });

function refuse(refusal: ProofRefusal): ProofCheck {
  return { valid: false, refusal };
}

function isUint8Array(value: unknown): value is Uint8Array {
  // The second test accepts arrays made in another realm (an iframe, a worker's transfer, a test VM),
  // which fail `instanceof` against this realm's Uint8Array.
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}

function isHash(value: unknown): value is Uint8Array {
  return isUint8Array(value) && value.length === hashBytes;
}

function isProof(value: unknown, lengthExpected: number): value is readonly Uint8Array[] {
  return Array.isArray(value) && value.length === lengthExpected;
}

function allHashes(proof: readonly unknown[]): boolean {
  for (const element of proof) if (!isHash(element)) return false;
  return true;
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  return true;
}

/**
 * Checks that `leafHash` is leaf `index` of the tree of `treeSize` leaves whose root is `root`, given the
 * inclusion proof (audit path, bottom-up, as RFC 9162 §2.1.3.1 produces it).
 * Requires 0 ≤ index < treeSize and 32-byte hashes; anything else is refused with its reason.
 * `hasher` defaults to the portable one.
 */
export function checkInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hasher: TreeHasher = portableTreeHasher,
): ProofCheck {
  if (!isTreePosition(index) || !isTreePosition(treeSize)) return refuse('malformed-number');
  if (index >= treeSize) return refuse('index-out-of-range');
  if (!isHash(leafHash) || !isHash(root)) return refuse('hash-length');
  if (!isProof(proof, inclusionProofLength(index, treeSize))) return refuse('proof-length');
  if (!allHashes(proof)) return refuse('hash-length');

  // RFC 9162 §2.1.3.2: fn walks the leaf's position up the tree, sn the last leaf's position; a node with
  // fn == sn at the right edge has no right sibling and is promoted unchanged until it becomes a right child.
  let positionNode = index;
  let positionLast = treeSize - 1;
  let computedRoot = leafHash;
  for (const sibling of proof) {
    if (positionLast === 0) return refuse('proof-length');
    if (isOdd(positionNode) || positionNode === positionLast) {
      computedRoot = hasher.nodeHash(sibling, computedRoot);
      while (!isOdd(positionNode) && positionNode !== 0) {
        positionNode = half(positionNode);
        positionLast = half(positionLast);
      }
    } else {
      computedRoot = hasher.nodeHash(computedRoot, sibling);
    }
    positionNode = half(positionNode);
    positionLast = half(positionLast);
  }
  if (positionLast !== 0) return refuse('proof-length');
  return bytesEqual(computedRoot, root) ? valid : refuse('root-mismatch');
}

/** `checkInclusion` as a boolean: true only for a proof that verifies. Same preconditions. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hasher: TreeHasher = portableTreeHasher,
): boolean {
  return checkInclusion(leafHash, index, treeSize, proof, root, hasher).valid;
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with root
 * `root1` (every one of the first `size1` leaves unchanged), given the consistency proof of RFC 9162
 * §2.1.4.1. Equal sizes need an empty proof and equal roots (for size 0, the empty-tree root).
 * Requires 0 < size1 ≤ size2, or size1 = size2 = 0, and 32-byte hashes; anything else is refused.
 * `hasher` defaults to the portable one.
 */
export function checkConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
  hasher: TreeHasher = portableTreeHasher,
): ProofCheck {
  if (!isTreePosition(size1) || !isTreePosition(size2)) return refuse('malformed-number');
  if (size1 > size2) return refuse('sizes-out-of-order');
  if (!isHash(root1) || !isHash(root2)) return refuse('hash-length');
  if (size1 === size2) {
    if (!isProof(proof, 0)) return refuse('proof-length');
    if (!bytesEqual(root1, root2)) return refuse('root-mismatch');
    // Only one tree has no leaves; a size-0 checkpoint with any other root is not a tree head.
    if (size1 === 0 && !bytesEqual(root1, hasher.emptyRoot())) return refuse('root-mismatch');
    return valid;
  }
  if (size1 === 0) return refuse('empty-first-tree');
  if (!isProof(proof, consistencyProofLength(size1, size2))) return refuse('proof-length');
  if (!allHashes(proof)) return refuse('hash-length');

  // RFC 9162 §2.1.4.2. When size1 is a power of two the old tree is a subtree of the new one and its
  // root is the starting point of both recomputations, so the proof leaves it out.
  const path = popCount(size1) === 1 ? [root1, ...proof] : proof;
  let positionNode = size1 - 1;
  let positionLast = size2 - 1;
  while (isOdd(positionNode)) {
    positionNode = half(positionNode);
    positionLast = half(positionLast);
  }
  const first = path[0];
  if (first === undefined) return refuse('proof-length');
  let computedRoot1 = first;
  let computedRoot2 = first;
  for (let i = 1; i < path.length; i++) {
    const element = path[i];
    if (element === undefined || positionLast === 0) return refuse('proof-length');
    if (isOdd(positionNode) || positionNode === positionLast) {
      computedRoot1 = hasher.nodeHash(element, computedRoot1);
      computedRoot2 = hasher.nodeHash(element, computedRoot2);
      while (!isOdd(positionNode) && positionNode !== 0) {
        positionNode = half(positionNode);
        positionLast = half(positionLast);
      }
    } else {
      computedRoot2 = hasher.nodeHash(computedRoot2, element);
    }
    positionNode = half(positionNode);
    positionLast = half(positionLast);
  }
  if (positionLast !== 0) return refuse('proof-length');
  if (!bytesEqual(computedRoot1, root1)) return refuse('first-root-mismatch');
  if (!bytesEqual(computedRoot2, root2)) return refuse('second-root-mismatch');
  return valid;
}

/** `checkConsistency` as a boolean: true only for a proof that verifies. Same preconditions. */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
  hasher: TreeHasher = portableTreeHasher,
): boolean {
  return checkConsistency(size1, size2, root1, root2, proof, hasher).valid;
}
