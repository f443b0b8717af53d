/**
 * Contracts: the deterministic rules that decide what each transaction does to the world state. Pure
 * modules (no I/O, clock or randomness), safe to load in a browser. One line per module.
 */
export * from './contract.js';
export * from './registry.js';
export * from './genesis.js';
export * from './identifiers.js';
export { ContractInvariantError } from './invariant.js';
export * from './organization.js';
export * from './asset-note.js';
export * from './delegation.js';
export * from './device.js';
export * from './access.js';
export * from './production.js';
export * from './supply.js';
export * from './recycling.js';
export * from './revenue-split.js';
export * from './epcis.js';
export * from './standard.js';
