/**
 * Execution: the pure step from a block's ordered transactions to its leaves, writes and header, and
 * the block record nodes store and exchange. One line per module.
 */
export * from './execute-block.js';
export * from './build-block.js';
export { ExecutionInvariantError } from './invariant.js';
