/**
 * Values crossing the Bolt boundary. Cypher has no JSON type and the driver sends every JavaScript
 * number as a Float, so parameters are converted on the way in (safe integers become Neo4j Integers,
 * which is what ledger heights, versions and counts are) and results are narrowed on the way out
 * (Neo4j Integers become numbers, or throw when they do not fit one).
 */
import neo4j from 'neo4j-driver';
import type { JsonValue } from '@twinledger/ledger-core/chain';

/** A property value as the projection writes it: what Neo4j can store on a node or relationship. */
export type PropertyValue = string | number | boolean | null | readonly string[] | readonly number[];

/** Parameters of one Cypher statement: plain values, lists of them, or maps (for UNWIND and SET +=). */
export type ParameterValue = PropertyValue | readonly ParameterValue[] | { readonly [name: string]: ParameterValue };
export type Parameters = { readonly [name: string]: ParameterValue };

export class Neo4jValueError extends Error {
  override readonly name = 'Neo4jValueError';
}

/**
 * `value` with every safe integer turned into a Neo4j Integer, recursively. Requires finite numbers; a
 * non-integer number stays a Float. A ledger value never distinguishes 1 from 1.0 (canonical JSON), so
 * treating every whole number as an Integer loses nothing.
 */
export function toNeo4jParameters(value: Parameters): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) converted[name] = toNeo4jValue(item);
  return converted;
}

function toNeo4jValue(value: ParameterValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Neo4jValueError(`cannot store the number ${value}`);
    return Number.isSafeInteger(value) ? neo4j.int(value) : value;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item: ParameterValue) => toNeo4jValue(item));
  const map: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value as { readonly [name: string]: ParameterValue })) map[name] = toNeo4jValue(item);
  return map;
}

/**
 * A value read from Neo4j as JSON: Integers as numbers (throws Neo4jValueError beyond 2^53), lists and
 * maps recursively. Temporal, spatial and graph values are never written by the projection; meeting one
 * throws, since it means something else wrote to the graph.
 */
export function fromNeo4j(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (neo4j.isInt(value)) {
    if (!value.inSafeRange()) throw new Neo4jValueError(`integer ${value.toString()} does not fit a JavaScript number`);
    return value.toNumber();
  }
  if (Array.isArray(value)) return value.map((item: unknown) => fromNeo4j(item));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const map: { [name: string]: JsonValue } = {};
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) map[name] = fromNeo4j(item);
    return map;
  }
  throw new Neo4jValueError(`unexpected value from Neo4j: ${Object.prototype.toString.call(value)}`);
}

/** `value` as a number; throws Neo4jValueError naming `what` otherwise. */
export function numberFromNeo4j(value: unknown, what: string): number {
  const converted = fromNeo4j(value);
  if (typeof converted !== 'number') throw new Neo4jValueError(`${what} is not a number`);
  return converted;
}

/** `value` as a string; throws Neo4jValueError naming `what` otherwise. */
export function stringFromNeo4j(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Neo4jValueError(`${what} is not a string`);
  return value;
}

/** `value` as a list of strings; throws Neo4jValueError naming `what` otherwise. */
export function stringsFromNeo4j(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item: unknown) => typeof item === 'string')) throw new Neo4jValueError(`${what} is not a list of strings`);
  return value as string[];
}
