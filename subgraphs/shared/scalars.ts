/**
 * The shared scalars (graph-schema/sdl/scalars.graphql) and JSON, each refusing values outside its
 * syntax with BAD_USER_INPUT when read from a query and with an error when a resolver returns one.
 */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badUserInput } from './errors.js';

/** A did:key as the ledger writes it: `did:key:z` and base58btc characters, bounded in length. */
const didPattern = /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,128}$/;
const hexPattern = /^(?:[0-9a-f]{2}){1,64}$/;
const bigIntPattern = /^(?:0|[1-9][0-9]{0,15})$/;

function stringScalar(name: string, description: string, pattern: RegExp): GraphQLScalarType<string, string> {
  const check = (value: unknown): string => {
    if (typeof value !== 'string' || !pattern.test(value)) throw badUserInput(`${name} expected, got ${JSON.stringify(value)?.slice(0, 80)}`);
    return value;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: check,
    parseValue: check,
    parseLiteral: (node: ValueNode) => check(node.kind === Kind.STRING ? node.value : undefined),
  });
}

export const didScalar = stringScalar('DID', 'A did:key identifier.', didPattern);
export const hexScalar = stringScalar('Hex', 'Lowercase hexadecimal.', hexPattern);

/** Whole numbers up to 2^53, sent as decimal strings: heights and tree sizes. */
export const bigIntScalar = new GraphQLScalarType<number, string>({
  name: 'BigInt',
  serialize: (value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`BigInt cannot represent ${String(value)}`);
    return String(value);
  },
  parseValue: (value: unknown) => parseBigInt(typeof value === 'number' ? String(value) : value),
  parseLiteral: (node: ValueNode) => parseBigInt(node.kind === Kind.STRING || node.kind === Kind.INT ? node.value : undefined),
});

function parseBigInt(value: unknown): number {
  if (typeof value !== 'string' || !bigIntPattern.test(value)) throw badUserInput('BigInt expected: a whole number of at least 0, as digits');
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw badUserInput('BigInt beyond 2^53 is not served');
  return parsed;
}

/** Instants: milliseconds since the Unix epoch inside, RFC 3339 outside. */
export const dateTimeScalar = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  serialize: (value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return new Date(value).toISOString();
  },
  parseValue: (value: unknown) => parseDateTime(value),
  parseLiteral: (node: ValueNode) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

function parseDateTime(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/.test(value)) throw badUserInput('DateTime expected in RFC 3339 UTC');
  return Date.parse(value);
}

/** Any JSON value, for payloads and proof bundles; output only in practice. */
export const jsonScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value: unknown) => value,
  parseValue: (value: unknown) => value,
  parseLiteral: () => {
    throw badUserInput('JSON literals are not accepted as arguments');
  },
});
