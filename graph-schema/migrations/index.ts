/** Neo4j constraints and indexes as ordered, idempotent migrations, and their runner. */
export * from './migrations.js';
export * from './apply.js';
