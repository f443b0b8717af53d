/**
 * The limits that shape batches and blocks. Every node of a consortium must use the same block limits
 * (the assembler checks each block against them); batch limits are per node but must fit in a block.
 */
import { OrderingError, OrderingErrorCode } from './errors.js';

export interface BatchLimits {
  /** Items per batch (one etcd put). Default 512. */
  readonly batchTxCountMax: number;
  /** Bytes of one batch's etcd value (the JSON array). Default 512 KiB, under etcd's 1.5 MiB request limit. */
  readonly batchBytesMax: number;
  /** How long the first item of a batch may wait for others before the batch is put. Default 2 ms. */
  readonly batchWaitMs: number;
  /** Puts outstanding at once; beyond that, sealed batches wait. Default 8. */
  readonly inFlightBatchesMax: number;
  /** Items waiting for a put (collected or sealed, not yet sent); beyond that `submit` refuses. Default 16,384. */
  readonly queueItemsMax: number;
}

export interface BlockLimits {
  /** Transactions per block. Default 4,096. */
  readonly blockTxCountMax: number;
  /** Bytes per block, summed over its batches' etcd values. Default 4 MiB. */
  readonly blockBytesMax: number;
  /** How long the first transaction after a cut may wait before a node proposes the next cut. Default 50 ms. */
  readonly blockWaitMs: number;
}

export type OrderingLimits = BatchLimits & BlockLimits;

export const orderingLimitsDefault: OrderingLimits = {
  batchTxCountMax: 512,
  batchBytesMax: 512 * 1024,
  batchWaitMs: 2,
  inFlightBatchesMax: 8,
  queueItemsMax: 16_384,
  blockTxCountMax: 4_096,
  blockBytesMax: 4 * 1024 * 1024,
  blockWaitMs: 50,
};

/** Smallest batch value: `[` + one item of at least one byte + `]`. */
export const batchBytesMin = 3;
/** Longest wait any limit may ask for, in milliseconds (one hour): beyond that a typo is likelier than intent. */
export const waitMsMax = 3_600_000;

function checkWhole(name: string, value: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new OrderingError(OrderingErrorCode.config, `${name} must be a whole number in ${minimum}..${maximum}, got ${value}`);
  }
}

/** Refuses block limits that could not bound a block. */
export function checkBlockLimits(limits: BlockLimits): void {
  checkWhole('blockTxCountMax', limits.blockTxCountMax, 1);
  checkWhole('blockBytesMax', limits.blockBytesMax, batchBytesMin);
  checkWhole('blockWaitMs', limits.blockWaitMs, 0, waitMsMax);
}

/** Refuses batch limits that are not positive and bounded. */
export function checkBatchLimits(limits: BatchLimits): void {
  checkWhole('batchTxCountMax', limits.batchTxCountMax, 1);
  checkWhole('batchBytesMax', limits.batchBytesMax, batchBytesMin);
  checkWhole('batchWaitMs', limits.batchWaitMs, 0, waitMsMax);
  checkWhole('inFlightBatchesMax', limits.inFlightBatchesMax, 1);
  checkWhole('queueItemsMax', limits.queueItemsMax, 1);
}

/**
 * Refuses a configuration in which one batch could exceed a block: with batch limits at or below block
 * limits every batch fits in a block alone, so the cut rule can always keep a block within its limits.
 */
export function checkOrderingLimits(limits: OrderingLimits): void {
  checkBatchLimits(limits);
  checkBlockLimits(limits);
  if (limits.batchTxCountMax > limits.blockTxCountMax) {
    throw new OrderingError(
      OrderingErrorCode.config,
      `batchTxCountMax (${limits.batchTxCountMax}) exceeds blockTxCountMax (${limits.blockTxCountMax}): a batch could not fit in a block`,
    );
  }
  if (limits.batchBytesMax > limits.blockBytesMax) {
    throw new OrderingError(
      OrderingErrorCode.config,
      `batchBytesMax (${limits.batchBytesMax}) exceeds blockBytesMax (${limits.blockBytesMax}): a batch could not fit in a block`,
    );
  }
}
