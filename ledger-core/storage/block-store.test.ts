/**
 * Scenario: a node appends blocks through several segment rolls, reads them back, closes and reopens
 * the folder, repairs it with truncateAfter, and crashes at each named fault point.
 *
 * Proves: every block reads back byte for byte from the segment its height belongs to; no segment
 * passes segmentBytesMax and each is named for its first height; reopening rebuilds the same index;
 * an append out of height order is an invariant failure and an oversized payload a typed refusal, both
 * writing nothing; truncateAfter keeps a contiguous prefix and appends continue after it; a read
 * re-checks the record and reports a record damaged after open; a crash before fsync, after fsync or
 * at a segment roll leaves the store unwritable and a reopen finds a consistent chain.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockStore, type BlockStoreOptions } from './block-store.js';
import { StorageCorruptionError, StorageErrorCode, StorageRequestError } from './errors.js';
import { StorageInvariantError } from './invariant.js';
import { recordHeaderBytes } from './record.js';
import { fileSizes, payloadFor, removeDirectory, temporaryDirectory, thrownBy } from './testing.js';

const options: BlockStoreOptions = { blockBytesMax: 1_000, segmentBytesMax: 4_096 };

function fill(store: BlockStore, heightLast: number): void {
  for (let height = store.heightLast + 1; height <= heightLast; height++) store.append(height, payloadFor(height));
}

function expectChain(store: BlockStore, heightLast: number): void {
  expect(store.heightLast).toBe(heightLast);
  for (let height = 1; height <= heightLast; height++) expect(store.read(height)).toEqual(payloadFor(height));
  expect(store.read(0)).toBeUndefined();
  expect(store.read(heightLast + 1)).toBeUndefined();
}

function segmentNames(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('segment-')).sort();
}

describe('BlockStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = temporaryDirectory('block-store');
  });
  afterEach(() => removeDirectory(dir));

  it('appends and reads back across several segment rolls, each segment within segmentBytesMax', () => {
    const { store, recovery } = BlockStore.open(dir, options);
    expect(recovery).toEqual({ status: 'clean' });
    expect(store.heightLast).toBe(0);
    fill(store, 120);
    expectChain(store, 120);
    const names = segmentNames(dir);
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(names[0]).toBe('segment-000000000001.log');
    for (const name of names) expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(4_096);
    // Each later segment is named for the height after the last one of the segment before it.
    const firstHeights = names.map((name) => Number(name.slice(8, 20)));
    expect(firstHeights).toEqual([...firstHeights].sort((a, b) => a - b));
    store.close();
  });

  it('reopens to the same index and keeps appending', () => {
    const first = BlockStore.open(dir, options);
    fill(first.store, 80);
    first.store.close();
    const again = BlockStore.open(dir, options);
    expect(again.recovery).toEqual({ status: 'clean' });
    expectChain(again.store, 80);
    fill(again.store, 100);
    again.store.close();
    const third = BlockStore.open(dir, options);
    expectChain(third.store, 100);
    third.store.close();
  });

  it('treats an append out of height order as a broken invariant and writes nothing', () => {
    const { store } = BlockStore.open(dir, options);
    fill(store, 10);
    const before = fileSizes(dir);
    for (const height of [12, 10, 1, 0, -1, 11.5]) {
      expect(thrownBy(() => store.append(height, payloadFor(height)))).toBeInstanceOf(StorageInvariantError);
    }
    expect(fileSizes(dir)).toEqual(before);
    store.close();
  });

  it('refuses an oversized or non-byte payload with a typed error and writes nothing', () => {
    const { store } = BlockStore.open(dir, options);
    fill(store, 3);
    const before = fileSizes(dir);
    const tooLarge = thrownBy(() => store.append(4, new Uint8Array(1_001)));
    expect(tooLarge).toBeInstanceOf(StorageRequestError);
    expect((tooLarge as StorageRequestError).code).toBe(StorageErrorCode.blockTooLarge);
    const notBytes = thrownBy(() => store.append(4, 'block' as unknown as Uint8Array));
    expect((notBytes as StorageRequestError).code).toBe(StorageErrorCode.payloadNotBytes);
    expect(fileSizes(dir)).toEqual(before);
    // A refusal is not a failure of the store: the next append goes through.
    store.append(4, new Uint8Array(1_000));
    expect(store.read(4)).toEqual(new Uint8Array(1_000));
    store.close();
  });

  it('refuses options under which a block could not fit a segment', () => {
    const error = thrownBy(() => BlockStore.open(dir, { blockBytesMax: 1_000, segmentBytesMax: 1_000 + recordHeaderBytes - 1 }));
    expect((error as StorageRequestError).code).toBe(StorageErrorCode.badOptions);
    expect((thrownBy(() => BlockStore.open(dir, { blockBytesMax: 0 })) as StorageRequestError).code).toBe(
      StorageErrorCode.badOptions,
    );
  });

  it('truncateAfter keeps a contiguous prefix, deletes whole later segments, and appends continue', () => {
    const { store } = BlockStore.open(dir, options);
    fill(store, 100);
    const segmentsBefore = segmentNames(dir).length;
    store.truncateAfter(57);
    expectChain(store, 57);
    expect(segmentNames(dir).length).toBeLessThan(segmentsBefore);
    fill(store, 70);
    expectChain(store, 70);
    store.close();

    const reopened = BlockStore.open(dir, options);
    expect(reopened.recovery).toEqual({ status: 'clean' });
    expectChain(reopened.store, 70);
    // Cut exactly at a segment boundary: the segment starting at the next height goes entirely.
    const boundary = Number(segmentNames(dir).at(-1)?.slice(8, 20)) - 1;
    reopened.store.truncateAfter(boundary);
    expect(segmentNames(dir).at(-1)).not.toBe(`segment-${String(boundary + 1).padStart(12, '0')}.log`);
    expectChain(reopened.store, boundary);
    // The segment left last, sealed until now, takes the next appends.
    fill(reopened.store, boundary + 30);
    expectChain(reopened.store, boundary + 30);
    reopened.store.truncateAfter(0);
    expect(segmentNames(dir)).toEqual([]);
    fill(reopened.store, 5);
    expectChain(reopened.store, 5);
    expect(thrownBy(() => reopened.store.truncateAfter(6))).toBeInstanceOf(StorageInvariantError);
    reopened.store.close();
  });

  it('re-checks a record on read and reports damage that appeared after open', () => {
    const { store } = BlockStore.open(dir, options);
    fill(store, 40);
    const firstSegment = path.join(dir, 'segment-000000000001.log');
    const bytes = fs.readFileSync(firstSegment);
    bytes[recordHeaderBytes + 3] = (bytes[recordHeaderBytes + 3] ?? 0) ^ 0x10;
    fs.writeFileSync(firstSegment, bytes);
    const error = thrownBy(() => store.read(1));
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error).toMatchObject({ file: firstSegment, offsetBytes: 0, height: 1 });
    expect(store.read(2)).toEqual(payloadFor(2));
    store.close();
  });

  describe('fault points', () => {
    function crashAt(point: 'beforeFsync' | 'afterFsync' | 'segmentRoll', height: number): void {
      const { store } = BlockStore.open(dir, {
        ...options,
        faults: {
          [point]: (at: { height: number }) => {
            if (at.height === height) throw new Error(`crash at ${point}`);
          },
        },
      });
      fill(store, height - 1);
      expect(() => store.append(height, payloadFor(height))).toThrow(`crash at ${point}`);
      // The handle is spent, as a crashed process would be.
      expect(thrownBy(() => store.append(height, payloadFor(height)))).toBeInstanceOf(StorageInvariantError);
      store.close();
    }

    it('a crash between write and fsync: the store stops, a reopen finds a whole chain', () => {
      crashAt('beforeFsync', 30);
      const { store, recovery } = BlockStore.open(dir, options);
      // Without a power loss the written record survives in the page cache; either way the chain is whole.
      expect(recovery).toEqual({ status: 'clean' });
      expect([29, 30]).toContain(store.heightLast);
      expectChain(store, store.heightLast);
      fill(store, 35);
      expectChain(store, 35);
      store.close();
    });

    it('a crash after fsync: the block is on disk though the caller never heard', () => {
      crashAt('afterFsync', 30);
      const { store } = BlockStore.open(dir, options);
      expectChain(store, 30);
      store.close();
    });

    it('a crash at a segment roll leaves an empty last segment that the next append fills', () => {
      // Find the height whose append rolls, then crash there.
      const probe = BlockStore.open(dir, options).store;
      fill(probe, 60);
      probe.close();
      const rollHeight = Number(segmentNames(dir)[1]?.slice(8, 20));
      removeDirectory(dir);
      fs.mkdirSync(dir);
      crashAt('segmentRoll', rollHeight);
      expect(fs.statSync(path.join(dir, segmentNames(dir)[1] ?? '')).size).toBe(0);
      const { store, recovery } = BlockStore.open(dir, options);
      expect(recovery).toEqual({ status: 'clean' });
      expectChain(store, rollHeight - 1);
      fill(store, rollHeight + 5);
      expectChain(store, rollHeight + 5);
      expect(segmentNames(dir)[1]).toBe(`segment-${String(rollHeight).padStart(12, '0')}.log`);
      store.close();
    });
  });
});
