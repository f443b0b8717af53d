/** The workers: the projector from the ledger into Neo4j, graph rebuild and the canonical graph dump. One line per module. */
export * from './invariant.js';
export * from './consortium.js';
export * from './projector/fault-points.js';
export * from './projector/head.js';
export * from './projector/verify-block.js';
export * from './projector/projector.js';
export * from './projector/args.js';
export * from './rebuild/rebuild.js';
export * from './rebuild/dump.js';
export * from './commands/index.js';
export * from './custody/index.js';
export * from './read-your-writes/index.js';
