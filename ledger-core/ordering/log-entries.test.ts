/**
 * Decoding what the watch reads under `P/`. Proves: batches, cuts and signatures decode to their
 * events (a batch's bytes are its value's bytes); malformed batches and signatures, and a batch key put
 * twice, are skipped the same way on every node rather than stopping it; applied revisions carry no
 * event; a cut record that does not decode or names another height stops the node; and cut records
 * round-trip through their fixed encoding, refusing any extra or missing field.
 */
import fc from 'fast-check';
import { OrderingInvariantError } from './invariant.js';
import { appliedKey, cutKey, logKey, orderingKeys, orderingPrefix, sigKey } from './keys.js';
import { decodeCutRecord, decodeEntry, encodeCutRecord, jsonArrayItems, type RawEntry } from './log-entries.js';

const keys = orderingKeys(orderingPrefix('test'));
const entry = (key: string, value: string | Uint8Array, version = 1, modRevision = 9): RawEntry => ({
  key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  modRevision,
  version,
});
const decode = (raw: RawEntry) => decodeEntry(keys, raw, jsonArrayItems);

describe('decodeEntry', () => {
  it('decodes a batch with its items, node and value bytes', () => {
    const key = logKey(keys, 'node-a', 'boot', 3);
    expect(decode(entry(key, '[{"t":"é"},2]'))).toEqual({
      kind: 'event',
      event: { kind: 'batch', revision: 9, key, node: 'node-a', items: [{ t: 'é' }, 2], bytes: 14 },
    });
  });

  it.each([
    ['not JSON', '[1,'],
    ['not an array', '{"a":1}'],
    ['not UTF-8', new Uint8Array([0x5b, 0xff, 0x5d])],
  ])('skips a batch that is %s', (_name, value) => {
    expect(decode(entry(logKey(keys, 'a', 'boot', 1), value))).toMatchObject({ kind: 'skipped' });
  });

  it('skips a batch key put a second time: only the first put orders a batch', () => {
    expect(decode(entry(logKey(keys, 'a', 'boot', 1), '[1]', 2))).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/overwritten/) });
  });

  it('skips keys outside the layout and ignores applied revisions', () => {
    expect(decode(entry(`${keys.prefix}other/x`, '1'))).toMatchObject({ kind: 'skipped' });
    expect(decode(entry(appliedKey(keys, 'a'), '17'))).toEqual({ kind: 'ignored' });
  });

  it('decodes a cut and stops on one that does not decode or names another height', () => {
    const record = { height: 4, revisionLast: 8, proposalTimeMs: 1_700_000_000_000, proposer: 'node-b' };
    expect(decode(entry(cutKey(keys, 4), encodeCutRecord(record)))).toEqual({
      kind: 'event',
      event: { kind: 'cut', revision: 9, key: cutKey(keys, 4), cut: record },
    });
    expect(() => decode(entry(cutKey(keys, 5), encodeCutRecord(record)))).toThrow(OrderingInvariantError);
    expect(() => decode(entry(cutKey(keys, 4), 'garbage'))).toThrow(OrderingInvariantError);
    expect(() => decode(entry(cutKey(keys, 4), encodeCutRecord(record), 2))).toThrow(OrderingInvariantError);
  });

  it('decodes a signature line and skips one that is not one printable line', () => {
    const key = sigKey(keys, 3, 'node-c');
    expect(decode(entry(key, '— node-c AAAA'))).toEqual({
      kind: 'event',
      event: { kind: 'signature', revision: 9, key, height: 3, node: 'node-c', line: '— node-c AAAA' },
    });
    expect(decode(entry(key, '— node-c AAAA\n'))).toMatchObject({ kind: 'skipped' });
    expect(decode(entry(key, ''))).toMatchObject({ kind: 'skipped' });
    expect(decode(entry(key, 'x'.repeat(1_025)))).toMatchObject({ kind: 'skipped' });
  });
});

describe('cut records', () => {
  it('round-trip through their encoding', () => {
    fc.assert(
      fc.property(
        fc.record({
          height: fc.integer({ min: 1, max: 999_999_999_999 }),
          revisionLast: fc.nat(),
          proposalTimeMs: fc.nat(),
          proposer: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        }),
        (record) => {
          expect(decodeCutRecord(encodeCutRecord(record))).toEqual(record);
        },
      ),
    );
  });

  it.each([
    ['an extra field', '{"height":1,"revisionLast":2,"proposalTimeMs":3,"proposer":"a","x":1}'],
    ['a missing field', '{"height":1,"revisionLast":2,"proposalTimeMs":3}'],
    ['height 0', '{"height":0,"revisionLast":2,"proposalTimeMs":3,"proposer":"a"}'],
    ['a fractional revision', '{"height":1,"revisionLast":2.5,"proposalTimeMs":3,"proposer":"a"}'],
    ['a bad proposer', '{"height":1,"revisionLast":2,"proposalTimeMs":3,"proposer":"a/b"}'],
    ['an array', '[1,2,3,4]'],
  ])('refuses %s', (_name, text) => {
    expect(decodeCutRecord(text)).toBeUndefined();
  });
});
