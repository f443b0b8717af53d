/** The event → Cypher projection: one handler table per domain and the registry that joins them. */
export * from './types.js';
export * from './batch.js';
export * from './shared.js';
export * from './organization.js';
export * from './note.js';
export * from './device.js';
export * from './access.js';
export * from './delegation.js';
export * from './production.js';
export * from './supply.js';
export * from './recycling.js';
export * from './epcis.js';
export * from './trace-model.js';
export * from './registry.js';
