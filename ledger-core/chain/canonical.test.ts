/**
 * RFC 8785 canonicalization. Proves: every cyberphone/json-canonicalization vector is reproduced
 * (input → output text and output bytes, and output → itself); ECMAScript number serialization matches the reference
 * generator's published SHA-256 over its first 100,000 lines; the fast encoder agrees with a naive
 * sort-then-stringify reference on random JSON; canonicalizing is idempotent across a parse; and every
 * value JCS cannot represent is refused with its stable code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { CanonicalizationError, canonicalBytes, canonicalize, type CanonicalizationErrorCode } from './canonical.js';
import { allPassed, runVectors } from './vector-report.js';

const jcsDir = path.resolve(__dirname, '../../../shared/vectors/jcs');

describe('JCS vectors', () => {
  const names = fs.readdirSync(path.join(jcsDir, 'input')).filter((name) => name.endsWith('.json')).sort();

  it('finds the vector files', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it('reproduces every output text and output byte string', () => {
    const report = runVectors(
      names,
      (name) => name,
      (name) => {
        const input: unknown = JSON.parse(fs.readFileSync(path.join(jcsDir, 'input', name), 'utf8'));
        const expectedText = fs.readFileSync(path.join(jcsDir, 'output', name), 'utf8');
        const hexName = name.replace(/\.json$/, '.txt');
        const expectedHex = fs.readFileSync(path.join(jcsDir, 'outhex', hexName), 'utf8').replace(/\s+/g, '');
        const text = canonicalize(input);
        if (text !== expectedText) return `text ${JSON.stringify(text)} != ${JSON.stringify(expectedText)}`;
        // The other direction: the expected output is already canonical, so it maps to itself.
        const again = canonicalize(JSON.parse(expectedText));
        if (again !== expectedText) return `output is not a fixed point: ${JSON.stringify(again)}`;
        const hex = Buffer.from(canonicalBytes(input)).toString('hex');
        if (hex !== expectedHex) return `bytes ${hex} != ${expectedHex}`;
        return undefined;
      },
    );
    expect(report.text).toBe(allPassed(names.length));
  });
});

describe('ECMAScript number serialization', () => {
  // The reference generator in the vectors' README: 168 fixed doubles, 2,000 consecutive subnormal
  // neighbours of 2^-1022, then doubles read from a SHA-256 chain. Its published checksum covers the
  // lines `hex-ieee,expected\n`, so matching it proves every one of those serializations.
  it('matches the published checksum of the first 100,000 lines', () => {
    const readme = fs.readFileSync(path.join(jcsDir, 'README.md'), 'utf8');
    const staticBlock = /staticU64s = new BigUint64Array\(\[([\s\S]*?)\]\)/.exec(readme)?.[1] ?? '';
    const staticBits = [...staticBlock.matchAll(/0x([0-9a-f]+)n/g)].map((match) => BigInt(`0x${match[1] ?? ''}`));
    expect(staticBits).toHaveLength(168);

    const lineCount = 100_000;
    const bits = new BigUint64Array(1);
    const double = new Float64Array(bits.buffer);
    const hash = createHash('sha256');
    let block: Buffer = Buffer.alloc(32);
    let pending: number[] = [];
    for (let index = 0; index < lineCount; index++) {
      if (index < staticBits.length) {
        bits[0] = staticBits[index] ?? 0n;
      } else if (index < staticBits.length + 2000) {
        bits[0] = 0x0010000000000000n + BigInt(index - staticBits.length);
      } else {
        let value = 0;
        while (value === 0 || !Number.isFinite(value)) {
          if (pending.length === 0) {
            block = createHash('sha256').update(block).digest();
            pending = Array.from(new Float64Array(block.buffer.slice(block.byteOffset, block.byteOffset + 32)));
          }
          value = pending.shift() ?? 0;
        }
        double[0] = value;
      }
      hash.update(`${(bits[0] ?? 0n).toString(16)},${canonicalize(double[0])}\n`);
    }
    expect(hash.digest('hex')).toBe('22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7');
  });

  it.each([
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [9007199254740994, '9007199254740994'],
    [5e-324, '5e-324'],
  ])('prints %p as %s', (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });
});

/** The slow, obvious canonical form: sort keys by an explicit code-unit comparison, then JSON.stringify. */
function naiveCanonical(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(naiveCanonical).join(',')}]`;
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node).sort(([left], [right]) => compareCodeUnits(left, right));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${naiveCanonical(child)}`).join(',')}}`;
  }
  return JSON.stringify(node);
}

function compareCodeUnits(left: string, right: string): number {
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const difference = left.charCodeAt(index) - right.charCodeAt(index);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

describe('properties', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  const unicodeJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });

  it('agrees with the naive reference', () => {
    fc.assert(
      fc.property(fc.oneof(json, unicodeJson), (value) => {
        expect(canonicalize(value)).toBe(naiveCanonical(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent across a parse and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.oneof(json, unicodeJson), (value) => {
        const text = canonicalize(value);
        const reparsed: unknown = JSON.parse(text);
        expect(canonicalize(reparsed)).toBe(text);
        expect(reparsed).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('produces the UTF-8 encoding of the canonical text', () => {
    fc.assert(
      fc.property(unicodeJson, (value) => {
        expect(Buffer.from(canonicalBytes(value)).toString('utf8')).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('refusals', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = { back: cyclic };
  class Point {
    x = 1;
  }
  let deep: unknown = 0;
  for (let level = 0; level < 300; level++) deep = [deep];

  const cases: Array<[string, unknown, CanonicalizationErrorCode, string]> = [
    ['NaN', { n: NaN }, 'JCS_NUMBER_NOT_FINITE', '/n'],
    ['Infinity', [Infinity], 'JCS_NUMBER_NOT_FINITE', '/0'],
    ['-Infinity', -Infinity, 'JCS_NUMBER_NOT_FINITE', ''],
    ['lone high surrogate in a string', { s: 'a\uD800b' }, 'JCS_STRING_NOT_WELL_FORMED', '/s'],
    ['lone low surrogate in a string', ['\uDC00'], 'JCS_STRING_NOT_WELL_FORMED', '/0'],
    ['reversed surrogate pair', '\uDE00\uD83D', 'JCS_STRING_NOT_WELL_FORMED', ''],
    ['lone surrogate in a key', { 'k\uD800': 1 }, 'JCS_STRING_NOT_WELL_FORMED', '/k\uD800'],
    ['undefined property', { u: undefined }, 'JCS_UNSUPPORTED_TYPE', '/u'],
    ['undefined at the root', undefined, 'JCS_UNSUPPORTED_TYPE', ''],
    ['function', { f: () => 1 }, 'JCS_UNSUPPORTED_TYPE', '/f'],
    ['symbol', [Symbol('s')], 'JCS_UNSUPPORTED_TYPE', '/0'],
    ['bigint', { b: 1n }, 'JCS_UNSUPPORTED_TYPE', '/b'],
    ['array hole', [1, , 3], 'JCS_UNSUPPORTED_TYPE', '/1'],
    ['symbol key', { [Symbol('k')]: 1 }, 'JCS_UNSUPPORTED_TYPE', ''],
    ['Date', { when: new Date(0) }, 'JCS_NOT_PLAIN_OBJECT', '/when'],
    ['Map', new Map(), 'JCS_NOT_PLAIN_OBJECT', ''],
    ['class instance', { p: new Point() }, 'JCS_NOT_PLAIN_OBJECT', '/p'],
    ['typed array', { bytes: new Uint8Array(2) }, 'JCS_NOT_PLAIN_OBJECT', '/bytes'],
    ['cycle', cyclic, 'JCS_CYCLE', '/self/back'],
    ['nesting past the bound', deep, 'JCS_TOO_DEEP', '/0'.repeat(256)],
    ['pointer escaping', { 'a/b': { '~': NaN } }, 'JCS_NUMBER_NOT_FINITE', '/a~1b/~0'],
  ];

  it('refuses every non-JSON value with its code and path', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, value, code, pointer]) => {
        try {
          canonicalize(value);
          return 'was accepted';
        } catch (error: unknown) {
          if (!(error instanceof CanonicalizationError)) return `threw ${String(error)}`;
          if (error.code !== code) return `code ${error.code}, expected ${code}`;
          if (error.path !== pointer) return `path ${error.path}, expected ${pointer}`;
          return undefined;
        }
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });

  it('accepts shared references that are not cycles, and null-prototype objects', () => {
    const shared = { z: 1 };
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 2;
    bare['a'] = shared;
    expect(canonicalize({ x: shared, y: shared, bare })).toBe('{"bare":{"a":{"z":1},"b":2},"x":{"z":1},"y":{"z":1}}');
  });
});
