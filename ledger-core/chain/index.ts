/**
 * The chain layer's public API: canonical encoding, limits, Ed25519 under one pinned rule, did:key,
 * transactions, signed notes, checkpoints and quorum certificates. This entry loads the native
 * verifiers (node:crypto, libsodium); browser code imports the portable modules one by one
 * (`ed25519.js`, `transaction.js`, `checkpoint.js`, `quorum.js` need neither). One line per module.
 */
export * from './json-value.js';
export * from './canonical.js';
export * from './limits.js';
export * from './ed25519-rule.js';
export * from './ed25519.js';
export * from './ed25519-node.js';
export * from './ed25519-sodium.js';
export * from './ed25519-verifiers.js';
export * from './did-key.js';
export * from './transaction.js';
export * from './signed-note.js';
export * from './checkpoint.js';
export * from './quorum.js';
export * from './leaf.js';
export * from './block.js';
export * from './consortium-file.js';
export * from './proof-bundle.js';
