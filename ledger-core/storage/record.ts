/**
 * The block store's record: a fixed 24-byte header, then the payload. All integers big-endian.
 *
 *   offset  size  field
 *        0     4  magic "TLBK"
 *        4     2  format version (1)
 *        6     2  reserved, zero
 *        8     4  payload length in bytes
 *       12     8  height
 *       20     4  CRC-32 (ISO-HDLC, zlib's) of bytes 0..19 and the payload
 *
 * The checksum covers the header as well as the payload, so a flipped bit in a length or height is
 * caught like one in the block. The magic lets a scan tell a record start from zeros or garbage.
 */
import * as zlib from 'node:zlib';

export const recordMagic = 0x544c424b;
export const recordFormatVersion = 1;
export const recordHeaderBytes = 24;
/** Largest payload the u32 length field can describe. */
export const recordPayloadBytesLimit = 0xffff_ffff;
/** Largest height: segment file names carry the first height in 12 digits. */
export const heightMax = 999_999_999_999;

const checksumOffset = 20;
const twoTo32 = 2 ** 32;

export interface RecordHeader {
  payloadBytes: number;
  height: number;
  checksum: number;
}

/** The record for `payload` at `height`; requires 1 ≤ height ≤ heightMax and a payload within the limit. */
export function encodeRecord(height: number, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(recordHeaderBytes + payload.length);
  record.writeUInt32BE(recordMagic, 0);
  record.writeUInt16BE(recordFormatVersion, 4);
  record.writeUInt16BE(0, 6);
  record.writeUInt32BE(payload.length, 8);
  record.writeUInt32BE(Math.floor(height / twoTo32), 12);
  record.writeUInt32BE(height % twoTo32, 16);
  record.set(payload, recordHeaderBytes);
  record.writeUInt32BE(recordChecksum(record.subarray(0, recordHeaderBytes), payload), checksumOffset);
  return record;
}

/** CRC-32 over the header's first 20 bytes and the payload; requires a header of at least 20 bytes. */
export function recordChecksum(header: Uint8Array, payload: Uint8Array): number {
  return zlib.crc32(payload, zlib.crc32(header.subarray(0, checksumOffset)));
}

/**
 * Parses the 24 header bytes at `bytes[start..]`, or says why they are not a header this format wrote.
 * Requires `bytes.length ≥ start + recordHeaderBytes`. Does not check the checksum (that needs the payload).
 */
export function decodeHeader(bytes: Buffer, start: number, blockBytesMax: number): RecordHeader | string {
  const magic = bytes.readUInt32BE(start);
  if (magic !== recordMagic) return `bad magic 0x${magic.toString(16).padStart(8, '0')}`;
  const version = bytes.readUInt16BE(start + 4);
  if (version !== recordFormatVersion) return `unknown format version ${version}`;
  const reserved = bytes.readUInt16BE(start + 6);
  if (reserved !== 0) return `reserved field ${reserved} is not zero`;
  const payloadBytes = bytes.readUInt32BE(start + 8);
  if (payloadBytes > blockBytesMax) return `payload length ${payloadBytes} over blockBytesMax ${blockBytesMax}`;
  const height = bytes.readUInt32BE(start + 12) * twoTo32 + bytes.readUInt32BE(start + 16);
  if (height < 1 || height > heightMax) return `height ${height} out of range`;
  return { payloadBytes, height, checksum: bytes.readUInt32BE(start + checksumOffset) };
}
