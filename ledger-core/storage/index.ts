/**
 * A ledger node's storage: the block store (the truth, in checksummed append-only segment files) and
 * the state store (world state, transaction and entity-version indexes, and the ledger tree's nodes,
 * in LMDB), which is derived from blocks and rebuilt by replaying them.
 */
export { BlockStore, blockStoreDefaults } from './block-store.js';
export type {
  BlockStoreFaultPoint,
  BlockStoreFaults,
  BlockStoreOptions,
  BlockStoreRecovery,
  OpenedBlockStore,
} from './block-store.js';
export type { TornTailReason } from './segment-scan.js';
export { StateStore, entityVersionsCountDefault, entityVersionsCountMax } from './state-store.js';
export type {
  AppliedBlock,
  BlockCommit,
  StateStoreFaults,
  StateStoreOptions,
  StateView,
  TransactionEntry,
} from './state-store.js';
export type { TransactionLocation } from './state-keys.js';
export { stateKeyBytesMax } from './state-keys.js';
export { LmdbMerkleNodeStore, merkleNodeCacheCountMaxDefault } from './merkle-node-store-lmdb.js';
export { StorageCorruptionError, StorageErrorCode, StorageRequestError } from './errors.js';
export type { StorageRequestErrorCode } from './errors.js';
export { StorageInvariantError } from './invariant.js';
export { recordHeaderBytes, heightMax } from './record.js';
