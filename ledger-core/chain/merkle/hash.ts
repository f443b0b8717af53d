/**
 * RFC 9162 §2.1.1 hashing with domain separation: a leaf hash is SHA-256(0x00 || leaf data) and a node
 * hash is SHA-256(0x01 || left || right), so no leaf can be passed off as an interior node.
 *
 * This module is portable (no `node:` imports): the browser verifier depends on it. A faster server-side
 * hasher lives in `hash-node.ts` and plugs in through the same `TreeHasher` interface.
 */
import { sha256 } from '@noble/hashes/sha2';

/** Every hash in the tree is a SHA-256 digest. */
export const hashBytes = 32;

/** A SHA-256 function: returns a fresh 32-byte digest that does not alias its input. */
export type Sha256 = (message: Uint8Array) => Uint8Array;

/**
 * The three hashes of RFC 9162 §2.1.1. Instances may reuse an internal scratch buffer, so they are for
 * one synchronous caller at a time (JavaScript's single thread guarantees it; do not share across workers).
 */
export interface TreeHasher {
  /** The root of the empty tree, SHA-256 of the empty string. Returns a fresh copy. */
  emptyRoot(): Uint8Array;
  /** SHA-256(0x00 || leafData); any length of leaf data. */
  leafHash(leafData: Uint8Array): Uint8Array;
  /** SHA-256(0x01 || left || right); requires both to be 32-byte hashes. */
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const leafPrefix = 0x00;
const nodePrefix = 0x01;

/** SHA-256 of the empty string (FIPS 180-4 test value), checked against every SHA-256 we are given. */
const emptySha256Hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Builds a `TreeHasher` over a SHA-256 implementation. Throws if `sha256` does not produce the SHA-256 of
 * the empty string, so a wrong or truncated hash function cannot silently produce incompatible roots.
 */
export function createTreeHasher(sha256Function: Sha256): TreeHasher {
  const emptyRoot = sha256Function(new Uint8Array(0));
  if (emptyRoot.length !== hashBytes || toHex(emptyRoot) !== emptySha256Hex) {
    throw new TypeError('createTreeHasher: the function given is not SHA-256');
  }
  // One 65-byte buffer for every node hash: node hashing dominates appends and verification, and
  // concatenating into a fresh array each time costs more than the copy into scratch.
  const nodeScratch = new Uint8Array(1 + 2 * hashBytes);
  nodeScratch[0] = nodePrefix;
  return {
    emptyRoot: () => emptyRoot.slice(),
    leafHash(leafData: Uint8Array): Uint8Array {
      const message = new Uint8Array(1 + leafData.length);
      message[0] = leafPrefix;
      message.set(leafData, 1);
      return sha256Function(message);
    },
    nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
      nodeScratch.set(left, 1);
      nodeScratch.set(right, 1 + hashBytes);
      return sha256Function(nodeScratch);
    },
  };
}

/**
 * Pure JavaScript SHA-256 that reuses one hash state: each call copies the initial state into a working
 * instance instead of allocating a new one. On the short messages of a Merkle tree (65 bytes per node
 * hash) that is about 1.4 times the one-shot call's rate, and about 1.15 times for a whole inclusion
 * verification. `_cloneInto` is the library's documented way to reuse an instance. Calls must not
 * interleave, which synchronous code guarantees.
 */
function reusingSha256(): Sha256 {
  const initial = sha256.create();
  let working = sha256.create();
  return (message: Uint8Array): Uint8Array => {
    working = initial._cloneInto(working);
    working.update(message);
    const digest = new Uint8Array(hashBytes);
    working.digestInto(digest);
    return digest;
  };
}

/**
 * The default hasher everywhere: pure JavaScript SHA-256, so the same code runs in a browser, the CLI
 * and the node. Node hashes take about twice as long as with `nodeTreeHasher`; see `bench/chain/merkle.ts`.
 */
export const portableTreeHasher: TreeHasher = createTreeHasher(reusingSha256());

/** RFC 9162 leaf hash with the portable hasher: SHA-256(0x00 || leafData). */
export function leafHash(leafData: Uint8Array): Uint8Array {
  return portableTreeHasher.leafHash(leafData);
}

/** RFC 9162 node hash with the portable hasher; requires `left` and `right` to be 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return portableTreeHasher.nodeHash(left, right);
}
