/**
 * The block store: every block the node has built, in append-only segment files, one record per
 * block (see `record.ts`). Blocks are the node's truth (world state and indexes are rebuilt from them),
 * so an append returns only once the record is on disk, and opening the store checks every record.
 *
 * Crash model: only the record being appended can be torn, and it is the last thing in the last
 * segment. `open` cuts such a tail away and reports it, so the node fetches that block again from a
 * peer; damage anywhere else throws `StorageCorruptionError`. A store whose append or repair failed
 * part way (an I/O error, a fault point that threw) refuses further writes: the process is expected to
 * reopen it, which is exactly what it would do after a real crash.
 *
 * One process owns a folder at a time; the store does not lock it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageCorruptionError, StorageErrorCode, StorageRequestError } from './errors.js';
import { invariant } from './invariant.js';
import {
  decodeHeader,
  encodeRecord,
  heightMax,
  recordChecksum,
  recordHeaderBytes,
  recordPayloadBytesLimit,
} from './record.js';
import { listSegmentFiles, readFully, segmentFileName, syncDirectory, writeFully } from './segment-files.js';
import { scanSegment, type TornTailReason } from './segment-scan.js';

/** Where a fault point fires: the record being appended and where it goes. */
export interface BlockStoreFaultPoint {
  height: number;
  segmentFile: string;
  offsetBytes: number;
}

/**
 * Named fault points for fault tests; all inert unless set. A hook that throws acts as a crash at that
 * point: the store stops accepting writes and the test reopens the folder.
 */
export interface BlockStoreFaults {
  /** The record is written but not yet fdatasynced: it may or may not survive a power loss. */
  beforeFsync?(point: BlockStoreFaultPoint): void;
  /** The record is durable but the caller has not been told. */
  afterFsync?(point: BlockStoreFaultPoint): void;
  /** A new, empty segment exists and its name is durable; its first record is not written yet. */
  segmentRoll?(point: BlockStoreFaultPoint): void;
}

export interface BlockStoreOptions {
  /**
   * Largest segment file in bytes: an append that would pass it starts a new segment. Default 64 MiB.
   * Requires segmentBytesMax ≥ blockBytesMax + 24 (the record header), so every block fits a segment.
   */
  segmentBytesMax?: number;
  /** Largest block payload in bytes; larger appends are refused. Default 16 MiB; at most 2^32 - 1. */
  blockBytesMax?: number;
  faults?: BlockStoreFaults;
}

export const blockStoreDefaults = {
  segmentBytesMax: 64 * 1024 * 1024,
  blockBytesMax: 16 * 1024 * 1024,
} as const;

/** What `open` did to the tail of the last segment. */
export type BlockStoreRecovery =
  | { status: 'clean' }
  | {
      status: 'truncated';
      reason: TornTailReason;
      detail: string;
      segmentFile: string;
      /** Where the cut record started; the segment now ends here. */
      offsetBytes: number;
      truncatedBytes: number;
      /** The height the torn record would have had: the next one to append. */
      heightDropped: number;
    };

export interface OpenedBlockStore {
  store: BlockStore;
  recovery: BlockStoreRecovery;
}

interface Segment {
  heightFirst: number;
  path: string;
  bytes: number;
}

/** Sealed segments kept open for reads; more are reopened on demand. */
const readFdCountMax = 8;

export class BlockStore {
  /** Offset of record h within its segment, at index h - 1. */
  private readonly offsets: number[] = [];
  /** Payload length of record h, at index h - 1. */
  private readonly payloadLengths: number[] = [];
  private readonly readFds = new Map<string, number>();
  private writeFd: number | undefined;
  private failure: string | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segments: Segment[],
    private readonly segmentBytesMax: number,
    readonly blockBytesMax: number,
    private readonly faults: BlockStoreFaults,
  ) {}

  /**
   * Opens (creating if needed) the store in `dir`: scans every segment, checks every record, builds the
   * height index, and cuts a torn tail off the last segment (reported in `recovery`). Throws
   * `StorageCorruptionError` for damage a crash cannot explain, and `StorageRequestError` for bad options.
   */
  static open(dir: string, options: BlockStoreOptions = {}): OpenedBlockStore {
    const blockBytesMax = options.blockBytesMax ?? blockStoreDefaults.blockBytesMax;
    const segmentBytesMax = options.segmentBytesMax ?? blockStoreDefaults.segmentBytesMax;
    if (!Number.isSafeInteger(blockBytesMax) || blockBytesMax < 1 || blockBytesMax > recordPayloadBytesLimit) {
      throw new StorageRequestError(
        StorageErrorCode.badOptions,
        `blockBytesMax ${blockBytesMax} is not in [1, ${recordPayloadBytesLimit}]`,
      );
    }
    if (!Number.isSafeInteger(segmentBytesMax) || segmentBytesMax < blockBytesMax + recordHeaderBytes) {
      throw new StorageRequestError(
        StorageErrorCode.badOptions,
        `segmentBytesMax ${segmentBytesMax} cannot hold one block of blockBytesMax ${blockBytesMax} ` +
          `plus its ${recordHeaderBytes}-byte header`,
      );
    }
    fs.mkdirSync(dir, { recursive: true });
    const store = new BlockStore(dir, [], segmentBytesMax, blockBytesMax, options.faults ?? {});
    try {
      const recovery = store.load();
      return { store, recovery };
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /** The height of the last stored block; 0 when the store is empty. Heights run 1..heightLast. */
  get heightLast(): number {
    return this.offsets.length;
  }

  /**
   * Appends block `height` and returns once it is fdatasynced. Requires height = heightLast + 1 (an
   * invariant: the node never skips or repeats a height) and a Uint8Array payload of at most
   * `blockBytesMax` bytes (refused with a `StorageRequestError` otherwise, before anything is written).
   */
  append(height: number, payload: Uint8Array): void {
    this.requireWritable();
    if (!(payload instanceof Uint8Array)) {
      throw new StorageRequestError(StorageErrorCode.payloadNotBytes, 'a block payload is a Uint8Array');
    }
    if (payload.length > this.blockBytesMax) {
      throw new StorageRequestError(
        StorageErrorCode.blockTooLarge,
        `block ${height} has ${payload.length} bytes, over blockBytesMax ${this.blockBytesMax}`,
      );
    }
    invariant(
      Number.isSafeInteger(height) && height === this.heightLast + 1,
      `append of height ${height} after ${this.heightLast}`,
    );
    if (height > heightMax) {
      throw new StorageRequestError(StorageErrorCode.heightOutOfRange, `height ${height} is past ${heightMax}`);
    }
    const record = encodeRecord(height, payload);
    try {
      let segment = this.segments.at(-1);
      if (segment === undefined || segment.bytes + record.length > this.segmentBytesMax) segment = this.roll(height);
      const fd = this.openForWriting(segment);
      const point: BlockStoreFaultPoint = { height, segmentFile: segment.path, offsetBytes: segment.bytes };
      writeFully(fd, record, segment.bytes);
      this.faults.beforeFsync?.(point);
      fs.fdatasyncSync(fd);
      this.faults.afterFsync?.(point);
      this.offsets.push(segment.bytes);
      this.payloadLengths.push(payload.length);
      segment.bytes += record.length;
    } catch (error) {
      this.failure = `append of height ${height} failed: ${error instanceof Error ? error.message : String(error)}`;
      throw error;
    }
  }

  /**
   * The payload of block `height`, or undefined when 1 ≤ height ≤ heightLast does not hold. The record
   * is checked again as it is read back (header, height, checksum); a mismatch throws
   * `StorageCorruptionError`. Requires a safe integer height and an open store.
   */
  read(height: number): Uint8Array | undefined {
    invariant(!this.closed, 'block store is closed');
    if (!Number.isSafeInteger(height)) {
      throw new StorageRequestError(StorageErrorCode.heightOutOfRange, `height ${height} is not a safe integer`);
    }
    if (height < 1 || height > this.heightLast) return undefined;
    const segment = this.segmentOf(height);
    const offsetBytes = this.offsets[height - 1];
    const payloadBytes = this.payloadLengths[height - 1];
    invariant(offsetBytes !== undefined && payloadBytes !== undefined, `index entry missing for height ${height}`);
    const recordBytes = recordHeaderBytes + payloadBytes;
    const record = Buffer.allocUnsafeSlow(recordBytes);
    const readBytes = readFully(this.fdFor(segment), record, recordBytes, offsetBytes);
    const fail = (detail: string): never => {
      throw new StorageCorruptionError(segment.path, offsetBytes, height, `on read: ${detail}`);
    };
    if (readBytes !== recordBytes) fail(`file ends ${recordBytes - readBytes} bytes short of the record`);
    const header = decodeHeader(record, 0, this.blockBytesMax);
    if (typeof header === 'string') return fail(header);
    if (header.height !== height) fail(`record says height ${header.height}`);
    if (header.payloadBytes !== payloadBytes) {
      fail(`record says ${header.payloadBytes} bytes, index says ${payloadBytes}`);
    }
    const payload = record.subarray(recordHeaderBytes);
    if (recordChecksum(record, payload) !== header.checksum) fail('CRC-32 of header and payload does not match');
    return new Uint8Array(record.buffer, record.byteOffset + recordHeaderBytes, payloadBytes);
  }

  /**
   * Repair: drops every block above `height`, deleting whole later segments (last first, so a crash
   * part way leaves a shorter but contiguous chain) and cutting the segment that holds height + 1.
   * Requires 0 ≤ height ≤ heightLast.
   */
  truncateAfter(height: number): void {
    this.requireWritable();
    invariant(
      Number.isSafeInteger(height) && height >= 0 && height <= this.heightLast,
      `truncate after ${height} of ${this.heightLast}`,
    );
    if (height === this.heightLast) return;
    try {
      let lastSegmentHeightLast = this.heightLast;
      for (let segment = this.segments.at(-1); segment !== undefined; segment = this.segments.at(-1)) {
        if (segment.heightFirst <= height) break;
        this.closeFdsOf(segment);
        fs.unlinkSync(segment.path);
        this.segments.pop();
        lastSegmentHeightLast = segment.heightFirst - 1;
      }
      const last = this.segments.at(-1);
      if (last !== undefined) {
        // The new last segment takes appends from here on, whether or not it needs cutting.
        const fd = this.openForWriting(last);
        if (lastSegmentHeightLast > height) {
          const cutBytes = this.offsets[height];
          invariant(cutBytes !== undefined, `index entry missing for height ${height + 1}`);
          fs.ftruncateSync(fd, cutBytes);
          fs.fdatasyncSync(fd);
          last.bytes = cutBytes;
        }
      }
      syncDirectory(this.dir);
      this.offsets.length = height;
      this.payloadLengths.length = height;
    } catch (error) {
      this.failure = `truncate after ${height} failed: ${error instanceof Error ? error.message : String(error)}`;
      throw error;
    }
  }

  /** Closes every file; the store cannot be used afterwards. Safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.writeFd !== undefined) fs.closeSync(this.writeFd);
    this.writeFd = undefined;
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
  }

  /** Scans every segment in order; see `open`. */
  private load(): BlockStoreRecovery {
    let recovery: BlockStoreRecovery = { status: 'clean' };
    const files = listSegmentFiles(this.dir);
    for (const [position, file] of files.entries()) {
      const heightExpected = this.heightLast + 1;
      if (file.heightFirst !== heightExpected) {
        throw new StorageCorruptionError(file.path, 0, heightExpected, `segment starts at height ${file.heightFirst}`);
      }
      const isLast = position === files.length - 1;
      const fd = fs.openSync(file.path, isLast ? 'r+' : 'r');
      let keepOpen = false;
      try {
        const fileBytes = fs.fstatSync(fd).size;
        const scan = scanSegment(fd, fileBytes, file.heightFirst, this.blockBytesMax);
        if (scan.damage !== undefined) {
          const { damage } = scan;
          if (!isLast || !damage.isTornTail || damage.reason === 'heightMismatch') {
            const detail = `${damage.reason}: ${damage.detail}`;
            throw new StorageCorruptionError(file.path, damage.offsetBytes, damage.height, detail);
          }
          fs.ftruncateSync(fd, scan.validBytes);
          fs.fdatasyncSync(fd);
          recovery = {
            status: 'truncated',
            reason: damage.reason,
            detail: damage.detail,
            segmentFile: file.path,
            offsetBytes: damage.offsetBytes,
            truncatedBytes: fileBytes - scan.validBytes,
            heightDropped: damage.height,
          };
        }
        if (!isLast && scan.records.length === 0) {
          throw new StorageCorruptionError(file.path, 0, heightExpected, 'sealed segment holds no records');
        }
        for (const record of scan.records) {
          this.offsets.push(record.offsetBytes);
          this.payloadLengths.push(record.payloadBytes);
        }
        this.segments.push({ heightFirst: file.heightFirst, path: file.path, bytes: scan.validBytes });
        if (isLast) {
          this.writeFd = fd;
          keepOpen = true;
        }
      } finally {
        if (!keepOpen) fs.closeSync(fd);
      }
    }
    return recovery;
  }

  /** Starts segment `segment-<height>.log` and makes its name durable; returns it. */
  private roll(height: number): Segment {
    const segment: Segment = { heightFirst: height, path: path.join(this.dir, segmentFileName(height)), bytes: 0 };
    // 'wx+': read-write, and fail rather than reuse a file this store did not list when it opened.
    const fd = fs.openSync(segment.path, 'wx+');
    if (this.writeFd !== undefined) fs.closeSync(this.writeFd);
    this.writeFd = fd;
    this.segments.push(segment);
    syncDirectory(this.dir);
    this.faults.segmentRoll?.({ height, segmentFile: segment.path, offsetBytes: 0 });
    return segment;
  }

  /**
   * The write fd of `segment`, which must be the last one, reopening it read-write if needed. The
   * write fd, when set, always belongs to the last segment.
   */
  private openForWriting(segment: Segment): number {
    invariant(segment === this.segments.at(-1), `${segment.path} is not the last segment`);
    if (this.writeFd !== undefined) return this.writeFd;
    const readFd = this.readFds.get(segment.path);
    if (readFd !== undefined) {
      fs.closeSync(readFd);
      this.readFds.delete(segment.path);
    }
    this.writeFd = fs.openSync(segment.path, 'r+');
    return this.writeFd;
  }

  private closeFdsOf(segment: Segment): void {
    if (segment === this.segments.at(-1) && this.writeFd !== undefined) {
      fs.closeSync(this.writeFd);
      this.writeFd = undefined;
    }
    const readFd = this.readFds.get(segment.path);
    if (readFd !== undefined) {
      fs.closeSync(readFd);
      this.readFds.delete(segment.path);
    }
  }

  /** An fd to read `segment`: the write fd for the last segment, else a bounded set of read-only fds. */
  private fdFor(segment: Segment): number {
    if (segment === this.segments.at(-1)) {
      return this.openForWriting(segment);
    }
    const held = this.readFds.get(segment.path);
    if (held !== undefined) {
      // Re-insert so the Map's first entry stays the least recently used.
      this.readFds.delete(segment.path);
      this.readFds.set(segment.path, held);
      return held;
    }
    if (this.readFds.size >= readFdCountMax) {
      const oldest = this.readFds.entries().next();
      if (oldest.done !== true) {
        const [oldestPath, oldestFd] = oldest.value;
        fs.closeSync(oldestFd);
        this.readFds.delete(oldestPath);
      }
    }
    const fd = fs.openSync(segment.path, 'r');
    this.readFds.set(segment.path, fd);
    return fd;
  }

  /** The segment holding `height`; requires 1 ≤ height ≤ heightLast. */
  private segmentOf(height: number): Segment {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const segment = this.segments[middle];
      invariant(segment !== undefined, `segment ${middle} missing`);
      if (segment.heightFirst <= height) low = middle;
      else high = middle - 1;
    }
    const segment = this.segments[low];
    invariant(segment !== undefined && segment.heightFirst <= height, `no segment holds height ${height}`);
    return segment;
  }

  private requireWritable(): void {
    invariant(!this.closed, 'block store is closed');
    invariant(this.failure === undefined, `block store failed earlier (${this.failure ?? ''}); reopen it to recover`);
  }
}
