/**
 * The package's public face: the chain layer (canonical encoding, signatures, did:key, transactions,
 * leaves, blocks, checkpoints, quorum certificates, consortium files, proof bundles) and the Merkle
 * tree with its proofs. Browser code imports the portable modules by path instead (see chain/index.ts).
 */
export * from './chain/index.js';
export * from './chain/merkle/index.js';
