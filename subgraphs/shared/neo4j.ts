/** Reads from the projected graph: one auto-commit read per call, parameters converted at the Bolt boundary. */
import { fromNeo4j, toNeo4jParameters, type Parameters } from '@twinledger/graph-schema';
import type { JsonValue } from '@twinledger/ledger-core/chain';
import { readAutoCommit } from '@twinledger/tools';
import type { Driver } from 'neo4j-driver';

export type Row = { readonly [column: string]: JsonValue };

/** Runs `cypher` as a read and returns its records as JSON rows. Requires a read-only statement. */
export async function readRows(driver: Driver, cypher: string, parameters: Parameters): Promise<Row[]> {
  const result = await readAutoCommit(driver, cypher, toNeo4jParameters(parameters));
  return result.records.map((record) => {
    const row: { [column: string]: JsonValue } = {};
    for (const key of record.keys) row[String(key)] = fromNeo4j(record.get(key));
    return row;
  });
}

/** `value` as a property map; the projection writes nothing else into these columns. */
export function asMap(value: JsonValue | undefined): { readonly [name: string]: JsonValue } | undefined {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as { readonly [name: string]: JsonValue };
}

export function stringOf(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

export function numberOf(value: JsonValue | undefined): number | null {
  return typeof value === 'number' ? value : null;
}
