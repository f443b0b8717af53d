/**
 * RFC 9162 Merkle trees for the ledger-wide log: hashing, the stored append-only tree, its compact
 * range, the naive reference, and the verifiers.
 *
 * This index is for the server (it re-exports `nodeTreeHasher`, which imports `node:crypto`). Code that
 * runs in a browser imports `./verify.js` alone, which pulls in only portable modules.
 */
export { hashBytes, createTreeHasher, portableTreeHasher, leafHash, nodeHash } from './hash.js';
export type { Sha256, TreeHasher } from './hash.js';
export { nodeTreeHasher } from './hash-node.js';
export { treeSizeMax, inclusionProofLength, consistencyProofLength } from './tree-math.js';
export { checkInclusion, verifyInclusion, checkConsistency, verifyConsistency } from './verify.js';
export type { ProofCheck, ProofRefusal } from './verify.js';
export { merkleRoot, inclusionProof, consistencyProof } from './reference.js';
export { AppendOnlyTree } from './append-only-tree.js';
export { MerkleFrontier } from './frontier.js';
export { MemoryNodeStore } from './node-store.js';
export type { MerkleNodeStore } from './node-store.js';
export { MerkleErrorCode, MerkleRequestError } from './errors.js';
