/**
 * Each query limit on its own, the way graphql-js tests its rules: valid → no errors; bad → the
 * exact message and the limit's code. Also proves that fragments count where they are spread, that
 * a fragment spread many times is folded once (no exponential walk), and that introspection is not
 * counted.
 */
import { buildSchema, parse, validate, type ValidationRule } from 'graphql';
import { queryAliasRule } from './aliases.js';
import { queryCostRule } from './cost.js';
import { queryDepthRule } from './depth.js';
import { countTokensUpTo, checkTokenLimit } from './tokens.js';
import { LimitRefusal } from './limit-refusal.js';

const schema = buildSchema(`
  type Query { device(did: ID!): Device devices(first: Int): [Device!]! }
  type Device { did: ID! name: String! parent: Device children(first: Int): [Device!]! }
  input DeviceInput { did: ID! }
  type Mutation { registerDevices(inputs: [DeviceInput!]!): [Device]! }
`);

function errorsOf(rule: ValidationRule, query: string): Array<{ message: string; code: unknown }> {
  return validate(schema, parse(query), [rule]).map((error) => ({
    message: error.message,
    code: error instanceof LimitRefusal ? error.limitCode : error.extensions['code'],
  }));
}

describe('depth', () => {
  const rule = queryDepthRule(3);
  test('at the limit → no errors', () => {
    expect(errorsOf(rule, '{ device(did: "a") { parent { did } } }')).toEqual([]);
  });
  test('past the limit, through a fragment → QUERY_TOO_DEEP', () => {
    expect(errorsOf(rule, '{ device(did: "a") { ...Up } } fragment Up on Device { parent { parent { did } } }')).toEqual([
      { message: 'Query depth 4 exceeds the limit of 3.', code: 'QUERY_TOO_DEEP' },
    ]);
  });
  test('introspection is not counted', () => {
    expect(errorsOf(rule, '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toEqual([]);
  });
});

describe('aliases', () => {
  const rule = queryAliasRule(2);
  test('at the limit → no errors', () => {
    expect(errorsOf(rule, '{ a: device(did: "a") { did } b: device(did: "b") { did } }')).toEqual([]);
  });
  test('a fragment with one alias spread three times counts three', () => {
    expect(errorsOf(rule, '{ device(did: "a") { ...F parent { ...F parent { ...F } } } } fragment F on Device { x: did }')).toEqual([
      { message: 'Query uses more than 2 aliases (limit 2).', code: 'QUERY_TOO_MANY_ALIASES' },
    ]);
  });
});

describe('cost', () => {
  const rule = queryCostRule(50);
  test('a small page → no errors', () => {
    expect(errorsOf(rule, '{ devices(first: 10) { did name } }')).toEqual([]);
  });
  test('nested pages multiply → QUERY_TOO_COSTLY', () => {
    expect(errorsOf(rule, '{ devices(first: 10) { children(first: 10) { did } } }')).toEqual([
      { message: 'Query cost exceeds the limit of 50.', code: 'QUERY_TOO_COSTLY' },
    ]);
  });
  test('a page size from a variable is taken at its worst case', () => {
    expect(errorsOf(rule, 'query ($n: Int) { devices(first: $n) { did } }')).toHaveLength(1);
  });
  test('a bulk mutation costs its selection once per input: 1 + 4 × 10 = 41 passes, 1 + 5 × 10 = 51 does not', () => {
    const selection = 'did name parent { did name parent { did name parent { did } } }';
    const inputs = (count: number): string => Array.from({ length: count }, (_unused, index) => `{ did: "d${index}" }`).join(' ');
    expect(errorsOf(rule, `mutation { registerDevices(inputs: [${inputs(4)}]) { ${selection} } }`)).toEqual([]);
    expect(errorsOf(rule, `mutation { registerDevices(inputs: [${inputs(5)}]) { ${selection} } }`)).toEqual([
      { message: 'Query cost exceeds the limit of 50.', code: 'QUERY_TOO_COSTLY' },
    ]);
  });
  test('bulk inputs from a variable are taken at their worst case', () => {
    expect(errorsOf(rule, 'mutation ($i: [DeviceInput!]!) { registerDevices(inputs: $i) { did } }')).toHaveLength(1);
  });
  test('a fragment fan-out is folded once, not walked exponentially', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_unused, level) =>
      `fragment F${level} on Device { ${level + 1 < levels ? `parent { ...F${level + 1} } children { ...F${level + 1} }` : 'did'} }`,
    ).join('\n');
    const startedMs = performance.now();
    const errors = errorsOf(rule, `{ device(did: "a") { ...F0 } } ${fragments}`);
    expect(errors.map((error) => error.code)).toEqual(['QUERY_TOO_COSTLY']);
    expect(performance.now() - startedMs).toBeLessThan(1_000);
  });
});

describe('tokens', () => {
  test('counting stops one past the limit', () => {
    expect(countTokensUpTo('{ a b c }', 100)).toBe(5);
    expect(countTokensUpTo('{ a b c }', 2)).toBe(3);
  });
  test('under the limit → null; over → QUERY_TOO_MANY_TOKENS', () => {
    expect(checkTokenLimit('{ a }', 3)).toBeNull();
    const refusal = checkTokenLimit('{ a b c }', 3);
    expect(refusal?.limitCode).toBe('QUERY_TOO_MANY_TOKENS');
    expect(refusal?.message).toBe('Query has more than 3 tokens (limit 3).');
  });
  test('a lexing error ends the count; the parser reports it', () => {
    expect(countTokensUpTo('{ a "unterminated', 100)).toBe(2);
  });
});
