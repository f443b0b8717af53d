/**
 * Block headers. A block closes one cut of the ordering log: it names its predecessor, the ledger time
 * every contract in it saw, the etcd revisions it covers, and the size and root of the ledger-wide
 * Merkle tree after its leaves were appended. The block hash is the SHA-256 of the header's canonical
 * JSON, and it is what a checkpoint's extension line carries.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { canonicalBytes } from './canonical.js';

export interface BlockHeader {
  readonly v: 1;
  /** 1 for the first block. */
  readonly height: number;
  /** Hex block hash of height - 1; `genesisPrevHash` for height 1. */
  readonly prevHash: string;
  /** Ledger time in integer milliseconds since the Unix epoch; never below the previous block's. */
  readonly timeMs: number;
  /** First and last etcd revisions of the ordering log this block covers. */
  readonly revisionFirst: number;
  readonly revisionLast: number;
  /** Leaves in this block. */
  readonly txCount: number;
  /** Ledger-wide tree size and hex root after this block's leaves. */
  readonly treeSize: number;
  readonly rootHash: string;
}

/** The predecessor of block 1: 32 zero bytes, hex. */
export const genesisPrevHash = '0'.repeat(64);

const hexHashPattern = /^[0-9a-f]{64}$/;

export type BlockHeaderErrorCode = 'BLOCK_HEADER_FIELD';

export class BlockHeaderError extends Error {
  override readonly name = 'BlockHeaderError';
  constructor(
    readonly code: BlockHeaderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `value` as a BlockHeader, or BlockHeaderError naming the first field that is wrong. */
export function checkBlockHeader(value: unknown): BlockHeader {
  const fail = (field: string): never => {
    throw new BlockHeaderError('BLOCK_HEADER_FIELD', `block header field ${field} is missing or invalid`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('(header)');
  const header = value as Record<string, unknown>;
  const expected = ['v', 'height', 'prevHash', 'timeMs', 'revisionFirst', 'revisionLast', 'txCount', 'treeSize', 'rootHash'];
  for (const key of Object.keys(header)) if (!expected.includes(key)) fail(key);
  if (header.v !== 1) fail('v');
  const isCount = (x: unknown, min: number): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
  if (!isCount(header.height, 1)) fail('height');
  if (typeof header.prevHash !== 'string' || !hexHashPattern.test(header.prevHash)) fail('prevHash');
  if (!isCount(header.timeMs, 0)) fail('timeMs');
  if (!isCount(header.revisionFirst, 1)) fail('revisionFirst');
  if (!isCount(header.revisionLast, 1) || (header.revisionLast as number) < (header.revisionFirst as number)) fail('revisionLast');
  if (!isCount(header.txCount, 0)) fail('txCount');
  if (!isCount(header.treeSize, 0) || (header.treeSize as number) < (header.txCount as number)) fail('treeSize');
  if (typeof header.rootHash !== 'string' || !hexHashPattern.test(header.rootHash)) fail('rootHash');
  return header as unknown as BlockHeader;
}

/** Hex SHA-256 of the header's canonical JSON. Requires a header that passes `checkBlockHeader`. */
export function blockHash(header: BlockHeader): string {
  return bytesToHex(sha256(canonicalBytes(header)));
}
