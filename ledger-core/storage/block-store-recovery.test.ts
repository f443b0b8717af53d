/**
 * Scenario: the folder a node finds after a crash or a disk fault. A pristine store is copied and
 * damaged in one way per case: its last record cut at every byte offset, each header bit and a sample
 * of payload bits of the last record flipped, zeros after or over the last record, and damage to a
 * record that was sealed (followed by another record, or in an earlier segment).
 *
 * Proves: every torn or corrupt last record of the last segment is found on open, cut away, and
 * reported with its reason, byte count and height, leaving the blocks before it intact; the store then
 * appends that height again. Damage a crash cannot explain (a sealed record, a missing or truncated
 * sealed segment, a height that does not follow) throws StorageCorruptionError naming file, offset and
 * height. Many-case loops collect every failure and report "N out of M failed".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FailureLog } from '../chain/merkle/testing.js';
import { BlockStore, type BlockStoreOptions, type BlockStoreRecovery } from './block-store.js';
import { StorageCorruptionError } from './errors.js';
import { recordHeaderBytes } from './record.js';
import { payloadFor, removeDirectory, temporaryDirectory, thrownBy } from './testing.js';

const options: BlockStoreOptions = { blockBytesMax: 1_000, segmentBytesMax: 4_096 };

interface Pristine {
  dir: string;
  heightLast: number;
  lastSegment: string;
  /** Offset of the last record in the last segment. */
  lastRecordOffset: number;
  lastRecordBytes: number;
  segments: string[];
}

/**
 * A store of blocks 1..heightCount; with `untilRoll`, appending goes on past heightCount until an
 * append starts a new segment, so the last record is alone in the last segment.
 */
function buildPristine(heightCount: number, untilRoll = false): Pristine {
  const dir = temporaryDirectory('block-recovery-pristine');
  const { store } = BlockStore.open(dir, options);
  for (let height = 1; height <= heightCount || untilRoll; height++) {
    const segmentCount = fs.readdirSync(dir).length;
    store.append(height, payloadFor(height));
    if (untilRoll && height > heightCount && fs.readdirSync(dir).length > segmentCount) break;
  }
  const heightLast = store.heightLast;
  store.close();
  const segments = fs.readdirSync(dir).sort();
  const lastSegment = segments.at(-1) ?? '';
  const lastRecordBytes = recordHeaderBytes + payloadFor(heightLast).length;
  const lastRecordOffset = fs.statSync(path.join(dir, lastSegment)).size - lastRecordBytes;
  return { dir, heightLast, lastSegment, lastRecordOffset, lastRecordBytes, segments };
}

/** Copies the pristine store, lets `damage` edit the copy, opens it; returns the copy's folder. */
function damagedCopy(pristine: Pristine, damage: (dir: string) => void): string {
  const dir = temporaryDirectory('block-recovery');
  fs.cpSync(pristine.dir, dir, { recursive: true });
  damage(dir);
  return dir;
}

function editFile(file: string, edit: (bytes: Buffer) => Buffer): void {
  fs.writeFileSync(file, edit(fs.readFileSync(file)));
}

/**
 * Opens a damaged copy and checks the torn-tail contract: recovery reports the cut, the chain below
 * is intact, and the dropped height appends again. Returns a description of what went wrong, if anything.
 */
function checkRecovered(
  dir: string,
  heightLast: number,
  expected: Partial<Extract<BlockStoreRecovery, { status: 'truncated' }>>): string | undefined {
  const { store, recovery } = BlockStore.open(dir, options);
  try {
    if (recovery.status !== 'truncated') return `recovery ${JSON.stringify(recovery)}`;
    for (const [field, value] of Object.entries(expected)) {
      if ((recovery as Record<string, unknown>)[field] !== value) return `recovery ${JSON.stringify(recovery)}`;
    }
    if (store.heightLast !== heightLast - 1) return `heightLast ${store.heightLast}`;
    for (let height = 1; height < heightLast; height++) {
      if (!Buffer.from(store.read(height) ?? []).equals(payloadFor(height))) return `block ${height} differs`;
    }
    store.append(heightLast, payloadFor(heightLast));
    if (!Buffer.from(store.read(heightLast) ?? []).equals(payloadFor(heightLast))) return 're-appended block differs';
  } finally {
    store.close();
  }
  const again = BlockStore.open(dir, options);
  again.store.close();
  return again.recovery.status === 'clean' && again.store.heightLast === heightLast ? undefined : 'second open not clean';
}

describe('BlockStore recovery on open', () => {
  let pristine: Pristine;
  /** A chain whose last segment holds only its last record: the torn record is a segment's first. */
  let pristineAlone: Pristine;
  beforeAll(() => {
    pristine = buildPristine(50);
    pristineAlone = buildPristine(30, true);
  });
  afterAll(() => {
    removeDirectory(pristine.dir);
    removeDirectory(pristineAlone.dir);
  });

  it('builds the two chains it damages: a record after others, and a record alone in its segment', () => {
    expect(pristine.lastRecordOffset).toBeGreaterThan(0);
    expect(pristine.segments.length).toBeGreaterThanOrEqual(3);
    expect(pristineAlone.lastRecordOffset).toBe(0);
  });

  it('cuts the last record torn at every byte offset, reports it, and appends that height again', () => {
    const failures = new FailureLog();
    for (const base of [pristine, pristineAlone]) {
      for (let kept = 1; kept < base.lastRecordBytes; kept++) {
        const dir = damagedCopy(base, (copy) => {
          fs.truncateSync(path.join(copy, base.lastSegment), base.lastRecordOffset + kept);
        });
        const problem = checkRecovered(dir, base.heightLast, {
          reason: kept < recordHeaderBytes ? 'partialHeader' : 'partialPayload',
          truncatedBytes: kept,
          offsetBytes: base.lastRecordOffset,
          heightDropped: base.heightLast,
          segmentFile: path.join(dir, base.lastSegment),
        });
        failures.check(problem === undefined, () => `kept ${kept} of ${base.lastRecordBytes} bytes: ${problem ?? ''}`);
        removeDirectory(dir);
      }
    }
    expect(failures.checkedCount).toBeGreaterThan(recordHeaderBytes);
    failures.report();
  });

  it('cuts the last record with any header bit or a sampled payload bit flipped', () => {
    const failures = new FailureLog();
    const bitCount = pristine.lastRecordBytes * 8;
    for (let bit = 0; bit < bitCount; bit += bit < recordHeaderBytes * 8 ? 1 : 13) {
      const dir = damagedCopy(pristine, (copy) => {
        editFile(path.join(copy, pristine.lastSegment), (bytes) => {
          const at = pristine.lastRecordOffset + Math.floor(bit / 8);
          bytes[at] = (bytes[at] ?? 0) ^ (0x80 >> bit % 8);
          return bytes;
        });
      });
      const problem = checkRecovered(dir, pristine.heightLast, {
        truncatedBytes: pristine.lastRecordBytes,
        heightDropped: pristine.heightLast,
      });
      failures.check(problem === undefined, () => `bit ${bit} flipped: ${problem ?? ''}`);
      removeDirectory(dir);
    }
    failures.report();
  });

  it('reports a flipped payload bit in the last record as a checksum mismatch', () => {
    const dir = damagedCopy(pristine, (copy) => {
      editFile(path.join(copy, pristine.lastSegment), (bytes) => {
        const at = pristine.lastRecordOffset + recordHeaderBytes + 5;
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        return bytes;
      });
    });
    expect(checkRecovered(dir, pristine.heightLast, { reason: 'checksumMismatch', truncatedBytes: pristine.lastRecordBytes })).toBeUndefined();
    removeDirectory(dir);
  });

  it('cuts a zero-filled tail, after the last record or over part of it', () => {
    // Zeros after a whole last record: nothing is lost, only the zeros go.
    const after = damagedCopy(pristine, (copy) => fs.appendFileSync(path.join(copy, pristine.lastSegment), Buffer.alloc(700)));
    const opened = BlockStore.open(after, options);
    expect(opened.recovery).toMatchObject({
      status: 'truncated',
      reason: 'zeroFilledTail',
      truncatedBytes: 700,
      heightDropped: pristine.heightLast + 1,
    });
    expect(opened.store.heightLast).toBe(pristine.heightLast);
    opened.store.append(pristine.heightLast + 1, payloadFor(pristine.heightLast + 1));
    opened.store.close();
    removeDirectory(after);

    // Zeros over the second half of the last record (the file was extended, the data never landed).
    const over = damagedCopy(pristine, (copy) => {
      editFile(path.join(copy, pristine.lastSegment), (bytes) => {
        bytes.fill(0, pristine.lastRecordOffset + Math.floor(pristine.lastRecordBytes / 2));
        return bytes;
      });
    });
    expect(checkRecovered(over, pristine.heightLast, { reason: 'checksumMismatch', truncatedBytes: pristine.lastRecordBytes })).toBeUndefined();
    removeDirectory(over);

    // The whole last record zeroed.
    const whole = damagedCopy(pristine, (copy) => {
      editFile(path.join(copy, pristine.lastSegment), (bytes) => bytes.fill(0, pristine.lastRecordOffset));
    });
    expect(checkRecovered(whole, pristine.heightLast, { reason: 'zeroFilledTail', truncatedBytes: pristine.lastRecordBytes })).toBeUndefined();
    removeDirectory(whole);
  });

  describe('damage a crash cannot explain throws StorageCorruptionError', () => {
    function expectCorruption(damage: (dir: string) => void, where: { file: string; offsetBytes: number; height: number }): void {
      const dir = damagedCopy(pristine, damage);
      const error = thrownBy(() => BlockStore.open(dir, options));
      expect(error).toBeInstanceOf(StorageCorruptionError);
      expect(error).toMatchObject({ ...where, file: path.join(dir, where.file) });
      removeDirectory(dir);
    }

    it('a flipped bit in a record of a sealed segment', () => {
      const sealed = pristine.segments[1] ?? '';
      const heightFirst = Number(sealed.slice(8, 20));
      expectCorruption(
        (dir) =>
          editFile(path.join(dir, sealed), (bytes) => {
            bytes[recordHeaderBytes + 1] = (bytes[recordHeaderBytes + 1] ?? 0) ^ 0x04;
            return bytes;
          }),
        { file: sealed, offsetBytes: 0, height: heightFirst },
      );
    });

    it('a flipped bit in the last segment, in a record that another record follows', () => {
      const heightFirst = Number(pristine.lastSegment.slice(8, 20));
      expect(heightFirst).toBeLessThan(pristine.heightLast);
      expectCorruption(
        (dir) =>
          editFile(path.join(dir, pristine.lastSegment), (bytes) => {
            bytes[recordHeaderBytes + 2] = (bytes[recordHeaderBytes + 2] ?? 0) ^ 0x20;
            return bytes;
          }),
        { file: pristine.lastSegment, offsetBytes: 0, height: heightFirst },
      );
    });

    it('a sealed segment cut short', () => {
      const sealed = pristine.segments[0] ?? '';
      const size = fs.statSync(path.join(pristine.dir, sealed)).size;
      const dir = damagedCopy(pristine, (copy) => fs.truncateSync(path.join(copy, sealed), size - 3));
      const error = thrownBy(() => BlockStore.open(dir, options));
      expect(error).toBeInstanceOf(StorageCorruptionError);
      expect(error).toMatchObject({ file: path.join(dir, sealed) });
      removeDirectory(dir);
    });

    it('a missing segment in the middle', () => {
      const missing = pristine.segments[1] ?? '';
      const next = pristine.segments[2] ?? '';
      expectCorruption((dir) => fs.rmSync(path.join(dir, missing)), {
        file: next,
        offsetBytes: 0,
        height: Number(missing.slice(8, 20)),
      });
    });

    it('zeros over a sealed record', () => {
      const sealed = pristine.segments[0] ?? '';
      expectCorruption(
        (dir) => editFile(path.join(dir, sealed), (bytes) => bytes.fill(0, 0, 40)),
        { file: sealed, offsetBytes: 0, height: 1 },
      );
    });

    it('a zero tail longer than one record can be', () => {
      expectCorruption(
        (dir) => fs.appendFileSync(path.join(dir, pristine.lastSegment), Buffer.alloc(recordHeaderBytes + 1_001)),
        {
          file: pristine.lastSegment,
          offsetBytes: fs.statSync(path.join(pristine.dir, pristine.lastSegment)).size,
          height: pristine.heightLast + 1,
        },
      );
    });
  });
});
