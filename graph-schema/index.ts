/**
 * The graph's schema: Neo4j migrations, the event → Cypher projection, and the value conversions at the
 * Bolt boundary. One line per module.
 */
export * from './neo4j-values.js';
export * from './migrations/index.js';
export * from './projection/index.js';
export * from './sdl/index.js';
