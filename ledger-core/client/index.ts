/**
 * The ledger client: submit signed transactions to ledger nodes with failover, await receipts, read
 * blocks, checkpoints and node status, and fetch proof bundles and verify them offline against the
 * consortium's keys; and the transaction builder every writer uses. One line per module.
 */
export * from './answers.js';
export * from './errors.js';
export * from './ledger-client.js';
export * from './transaction-builder.js';
export { startStandInNode, type StandInNode, type StandInRequest, type StandInAnswer, type StandInHandler } from './stand-in-node.js';
