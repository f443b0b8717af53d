/**
 * File-level helpers for the block store: segment names, listing a folder, whole reads and writes, and
 * directory syncs. A segment's name carries the height of its first record, so the folder listing alone
 * orders the segments and tells which heights each one should hold.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { heightMax } from './record.js';

const segmentNamePattern = /^segment-(\d{12})\.log$/;

export interface SegmentFile {
  /** Height of the segment's first record (the one it was created for). */
  heightFirst: number;
  path: string;
}

/** `segment-<12-digit heightFirst>.log`; requires 1 ≤ heightFirst ≤ heightMax. */
export function segmentFileName(heightFirst: number): string {
  return `segment-${String(heightFirst).padStart(12, '0')}.log`;
}

/** Segment files in `dir`, by first height; other files are not the store's and are left alone. */
export function listSegmentFiles(dir: string): SegmentFile[] {
  const segments: SegmentFile[] = [];
  for (const name of fs.readdirSync(dir)) {
    const match = segmentNamePattern.exec(name);
    if (match === null || match[1] === undefined) continue;
    const heightFirst = Number(match[1]);
    if (heightFirst < 1 || heightFirst > heightMax) continue;
    segments.push({ heightFirst, path: path.join(dir, name) });
  }
  return segments.sort((left, right) => left.heightFirst - right.heightFirst);
}

/**
 * Makes creations, deletions and renames inside `dir` durable: fsync on a file covers its data, not
 * the directory entry that names it.
 */
export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads exactly `length` bytes at `position` into `buffer[0..]`; returns fewer only at end of file. */
export function readFully(fd: number, buffer: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** Writes all of `bytes` at `position`; a short write is continued, never left half done. */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
  }
}
