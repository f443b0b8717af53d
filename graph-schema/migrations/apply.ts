/**
 * Applies the migrations a graph has not had yet, in order, and records each as a `:Migration {id}`
 * node once all its statements ran. Neo4j does not mix schema and data writes in one transaction, so
 * a migration is not atomic; its statements are idempotent instead, and a crash before the record is
 * written re-runs the whole migration next time.
 */
import type { Driver } from 'neo4j-driver';
import { stringFromNeo4j } from '../neo4j-values.js';
import { migrations as migrationsDefault, type Migration } from './migrations.js';

export class MigrationInvariantError extends Error {
  override readonly name = 'MigrationInvariantError';
}

function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new MigrationInvariantError(message);
}

export interface MigrationReport {
  /** Ids applied by this call, in order. */
  readonly applied: readonly string[];
  /** Ids that were recorded before this call. */
  readonly alreadyApplied: readonly string[];
}

/**
 * Brings the graph behind `driver` up to `migrations`. Requires ids strictly ascending (checked) and a
 * graph whose recorded migrations are a prefix of the list (a graph migrated by a newer release throws
 * MigrationInvariantError rather than being half-understood). Safe to call concurrently and repeatedly.
 */
export async function applyMigrations(driver: Driver, migrations: readonly Migration[] = migrationsDefault): Promise<MigrationReport> {
  for (let index = 1; index < migrations.length; index++) {
    const previous = migrations[index - 1];
    const current = migrations[index];
    invariant(previous !== undefined && current !== undefined && previous.id < current.id, `migration ids must ascend: ${previous?.id} before ${current?.id}`);
  }
  const recorded = await recordedMigrationIds(driver);
  const known = new Set(migrations.map((migration) => migration.id));
  const unknown = recorded.filter((id) => !known.has(id));
  invariant(unknown.length === 0, `the graph has migrations this release does not know: ${unknown.join(', ')}`);
  const recordedSet = new Set(recorded);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (recordedSet.has(migration.id)) continue;
    for (const statement of migration.statements) await driver.executeQuery(statement, {}, { routing: 'WRITE' });
    await driver.executeQuery(
      'MERGE (m:Migration {id: $id}) ON CREATE SET m.statementCount = $statementCount',
      { id: migration.id, statementCount: migration.statements.length },
      { routing: 'WRITE' },
    );
    applied.push(migration.id);
  }
  return { applied, alreadyApplied: recorded };
}

/** Ids of the migrations recorded in the graph, sorted. */
export async function recordedMigrationIds(driver: Driver): Promise<string[]> {
  const result = await driver.executeQuery('MATCH (m:Migration) RETURN m.id AS id ORDER BY id', {}, { routing: 'READ' });
  return result.records.map((record) => stringFromNeo4j(record.get('id'), 'Migration.id'));
}
