/** The subgraphs' public face: each domain's server starter. One line per module. */
export * from './shared/errors.js';
export * from './identity/server.js';
export * from './ledger/server.js';
