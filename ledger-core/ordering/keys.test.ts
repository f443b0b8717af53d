/**
 * The etcd key layout. Proves: keys are the layout of docs/ledger.md with 12-digit heights; byte order
 * of cut keys is height order (so "every cut at or above h" is one key range); every key written reads
 * back as what was written; and keys of another origin, foreign keys and malformed segments read back
 * as nothing.
 */
import fc from 'fast-check';
import { OrderingError } from './errors.js';
import { appliedKey, cutKey, heightMax, logKey, orderingKeys, orderingPrefix, parseOrderingKey, prefixRangeEnd, sigKey } from './keys.js';

const keys = orderingKeys(orderingPrefix('twinledger.example/consortium-1'));

describe('ordering keys', () => {
  it('lays keys out under /twinledger/<origin>/ with the origin as one segment', () => {
    expect(keys.prefix).toBe('/twinledger/twinledger.example%2Fconsortium-1/');
    expect(logKey(keys, 'node-a', 'b00t', 7)).toBe(`${keys.prefix}log/node-a/b00t/000000000007`);
    expect(cutKey(keys, 42)).toBe(`${keys.prefix}cut/000000000042`);
    expect(sigKey(keys, 42, 'node-b')).toBe(`${keys.prefix}sig/000000000042/node-b`);
    expect(appliedKey(keys, 'node-c')).toBe(`${keys.prefix}applied/node-c`);
    expect(prefixRangeEnd(keys.cutPrefix)).toBe(`${keys.prefix}cut0`);
  });

  it('refuses names that are not one segment and heights out of range', () => {
    expect(() => logKey(keys, 'a/b', 'boot', 0)).toThrow(OrderingError);
    expect(() => logKey(keys, 'a', '', 0)).toThrow(OrderingError);
    expect(() => cutKey(keys, 0)).toThrow(OrderingError);
    expect(() => cutKey(keys, heightMax + 1)).toThrow(OrderingError);
    expect(() => cutKey(keys, 1.5)).toThrow(OrderingError);
    expect(() => orderingPrefix('')).toThrow(OrderingError);
    expect(() => orderingKeys('/no-slash')).toThrow(OrderingError);
  });

  it('orders cut keys by height in byte order, inside the cut range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: heightMax }), fc.integer({ min: 1, max: heightMax }), (a, b) => {
        const [keyA, keyB] = [Buffer.from(cutKey(keys, a)), Buffer.from(cutKey(keys, b))];
        expect(Math.sign(Buffer.compare(keyA, keyB))).toBe(Math.sign(a - b));
        expect(Buffer.compare(keyA, Buffer.from(prefixRangeEnd(keys.cutPrefix)))).toBe(-1);
      }),
    );
  });

  it('reads back every key it writes', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    fc.assert(
      fc.property(segment, segment, fc.integer({ min: 0, max: heightMax }), (node, bootId, counter) => {
        expect(parseOrderingKey(keys, logKey(keys, node, bootId, counter))).toEqual({ section: 'log', node, bootId, counter });
        const height = Math.max(1, counter);
        expect(parseOrderingKey(keys, cutKey(keys, height))).toEqual({ section: 'cut', height });
        expect(parseOrderingKey(keys, sigKey(keys, height, node))).toEqual({ section: 'sig', height, node });
        expect(parseOrderingKey(keys, appliedKey(keys, node))).toEqual({ section: 'applied', node });
      }),
    );
  });

  it.each([
    ['another origin', '/twinledger/other/cut/000000000001'],
    ['a nested origin', `${keys.prefix}x/cut/000000000001`],
    ['a short height', `${keys.prefix}cut/1`],
    ['height zero', `${keys.prefix}cut/000000000000`],
    ['an extra segment', `${keys.prefix}cut/000000000001/x`],
    ['a log key without counter', `${keys.prefix}log/a/boot`],
    ['a bad node segment', `${keys.prefix}applied/a.b`],
    ['an unknown section', `${keys.prefix}lease/a`],
  ])('reads %s as no key of the layout', (_name, key) => {
    expect(parseOrderingKey(keys, key)).toBeUndefined();
  });
});
