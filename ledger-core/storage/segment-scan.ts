/**
 * Reads one segment record by record, checking every header and checksum, and stops at the first
 * record that fails. Whether that failure may be a torn append is decided here too, by the one rule
 * the append path allows: a crash can only damage the record being appended, which is the last thing
 * in the last segment. So a damaged record is a torn tail when (1) the bytes from it to the end of the
 * file fit in one record, and (2) no valid record starts anywhere after it. Anything else was sealed
 * (written and fsynced before a later record) and is corruption.
 */
import { readFully } from './segment-files.js';
import { decodeHeader, recordChecksum, recordHeaderBytes, recordMagic } from './record.js';

/** Why the tail of the last segment was cut. */
export type TornTailReason =
  /** Fewer bytes than a header after the last whole record. */
  | 'partialHeader'
  /** A header whose payload runs past the end of the file. */
  | 'partialPayload'
  /** A whole record whose CRC-32 does not match. */
  | 'checksumMismatch'
  /** Bytes that are not a header: garbage where the next record should start. */
  | 'badHeader'
  /** Nothing but zero bytes after the last whole record (file extended, data never written). */
  | 'zeroFilledTail';

export interface ScannedRecord {
  offsetBytes: number;
  payloadBytes: number;
}

export interface SegmentDamage {
  offsetBytes: number;
  /** The height that belongs at `offsetBytes`. */
  height: number;
  reason: TornTailReason | 'heightMismatch';
  detail: string;
  /** True when the rule above allows this to be a torn append (only acted on in the last segment). */
  isTornTail: boolean;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** Bytes up to the end of the last valid record. */
  validBytes: number;
  damage: SegmentDamage | undefined;
}

/**
 * Scans the segment open on `fd`, `fileBytes` long, whose first record must have `heightFirst`.
 * Requires 1 ≤ blockBytesMax ≤ 2^32 - 1. Reads one record at a time, so memory stays within one block.
 */
export function scanSegment(fd: number, fileBytes: number, heightFirst: number, blockBytesMax: number): SegmentScan {
  const records: ScannedRecord[] = [];
  const header = Buffer.allocUnsafe(recordHeaderBytes);
  let payload = Buffer.allocUnsafe(0);
  let offsetBytes = 0;
  const damageAt = (reason: TornTailReason, detail: string): SegmentScan => ({
    records,
    validBytes: offsetBytes,
    damage: classifyDamage(fd, fileBytes, offsetBytes, heightFirst + records.length, reason, detail, blockBytesMax),
  });
  while (offsetBytes < fileBytes) {
    const height = heightFirst + records.length;
    if (fileBytes - offsetBytes < recordHeaderBytes) {
      return damageAt('partialHeader', `${fileBytes - offsetBytes} bytes, less than a header`);
    }
    readFully(fd, header, recordHeaderBytes, offsetBytes);
    const decoded = decodeHeader(header, 0, blockBytesMax);
    if (typeof decoded === 'string') return damageAt('badHeader', decoded);
    const endBytes = offsetBytes + recordHeaderBytes + decoded.payloadBytes;
    if (endBytes > fileBytes) {
      const missingBytes = endBytes - fileBytes;
      return damageAt('partialPayload', `payload of ${decoded.payloadBytes} bytes runs ${missingBytes} bytes past the end`);
    }
    if (payload.length < decoded.payloadBytes) payload = Buffer.allocUnsafe(decoded.payloadBytes);
    const payloadView = payload.subarray(0, decoded.payloadBytes);
    readFully(fd, payloadView, decoded.payloadBytes, offsetBytes + recordHeaderBytes);
    if (recordChecksum(header, payloadView) !== decoded.checksum) {
      return damageAt('checksumMismatch', 'CRC-32 of header and payload does not match');
    }
    if (decoded.height !== height) {
      // A valid checksum over the wrong height: the store itself wrote it wrong, never a torn append.
      const detail = `record says height ${decoded.height}`;
      return {
        records,
        validBytes: offsetBytes,
        damage: { offsetBytes, height, reason: 'heightMismatch', detail, isTornTail: false },
      };
    }
    records.push({ offsetBytes, payloadBytes: decoded.payloadBytes });
    offsetBytes = endBytes;
  }
  return { records, validBytes: offsetBytes, damage: undefined };
}

function classifyDamage(
  fd: number,
  fileBytes: number,
  offsetBytes: number,
  height: number,
  reason: TornTailReason,
  detail: string,
  blockBytesMax: number,
): SegmentDamage {
  const tailBytes = fileBytes - offsetBytes;
  if (tailBytes > recordHeaderBytes + blockBytesMax) {
    const detailMore = `${detail}; ${tailBytes} bytes follow, more than one record`;
    return { offsetBytes, height, reason, detail: detailMore, isTornTail: false };
  }
  const tail = Buffer.allocUnsafe(tailBytes);
  readFully(fd, tail, tailBytes, offsetBytes);
  if (tail.every((byte) => byte === 0)) {
    return { offsetBytes, height, reason: 'zeroFilledTail', detail: `${tailBytes} zero bytes`, isTornTail: true };
  }
  const laterRecordOffset = findValidRecord(tail, 1, blockBytesMax);
  if (laterRecordOffset !== undefined) {
    return {
      offsetBytes,
      height,
      reason,
      detail: `${detail}; a valid record follows at offset ${offsetBytes + laterRecordOffset}`,
      isTornTail: false,
    };
  }
  return { offsetBytes, height, reason, detail, isTornTail: true };
}

/** Offset of the first whole record with a matching checksum in `bytes[from..]`, if any. */
function findValidRecord(bytes: Buffer, from: number, blockBytesMax: number): number | undefined {
  const magic = Buffer.allocUnsafe(4);
  magic.writeUInt32BE(recordMagic, 0);
  for (let start = bytes.indexOf(magic, from); start !== -1; start = bytes.indexOf(magic, start + 1)) {
    if (bytes.length - start < recordHeaderBytes) return undefined;
    const decoded = decodeHeader(bytes, start, blockBytesMax);
    if (typeof decoded === 'string') continue;
    const payloadStart = start + recordHeaderBytes;
    if (payloadStart + decoded.payloadBytes > bytes.length) continue;
    const payload = bytes.subarray(payloadStart, payloadStart + decoded.payloadBytes);
    if (recordChecksum(bytes.subarray(start, payloadStart), payload) === decoded.checksum) return start;
  }
  return undefined;
}
