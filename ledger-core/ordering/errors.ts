/**
 * What ordering refuses or reports as an expected condition, each with a stable code the caller can
 * branch on; the message is for people and may change. Broken invariants are not here: they go through
 * `invariant()` and stop the process.
 */
export const OrderingErrorCode = {
  /** Limits or names that cannot work together (batch limits above block limits, a bad node name, ...). */
  config: 'ORDERING_CONFIG',
  /** An item whose declared size is not a positive whole number of bytes. */
  itemSizeInvalid: 'ORDERING_ITEM_SIZE_INVALID',
  /** An item that cannot fit in a batch even alone. */
  itemTooLarge: 'ORDERING_ITEM_TOO_LARGE',
  /** The batcher holds `queueItemsMax` items already; the caller should shed load or retry later. */
  backpressure: 'ORDERING_BACKPRESSURE',
  /** The batcher is closed and takes no more items. */
  closed: 'ORDERING_CLOSED',
  /**
   * The put of a batch failed or timed out. The batch may still have been ordered: treat the outcome as
   * unknown, not as refused. Resubmitting is safe because execution skips a transaction id it has seen.
   */
  batchOutcomeUnknown: 'ORDERING_BATCH_OUTCOME_UNKNOWN',
  /** The batch encoded to more bytes than its items declared, beyond `batchBytesMax`; nothing was put. */
  batchSizeMismatch: 'ORDERING_BATCH_SIZE_MISMATCH',
  /** The batch's key already holds another value: two batchers share a node name and boot id. */
  batchKeyConflict: 'ORDERING_BATCH_KEY_CONFLICT',
  /** The watch start revision is below etcd's compaction: catch up blocks from a peer instead. */
  logCompacted: 'ORDERING_LOG_COMPACTED',
  /** The watch could not be (re)established within its attempts. */
  watchUnavailable: 'ORDERING_WATCH_UNAVAILABLE',
  /** A signature line or applied revision the node asked to publish is not well formed. */
  publishInvalid: 'ORDERING_PUBLISH_INVALID',
} as const;

export type OrderingErrorCode = (typeof OrderingErrorCode)[keyof typeof OrderingErrorCode];

/** An expected ordering condition or a refused request; `code` says which. */
export class OrderingError extends Error {
  override readonly name: string = 'OrderingError';

  constructor(
    readonly code: OrderingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `submit` refused an item because the batcher already queues `queueItemsMax` items. Nothing was queued;
 * the caller answers its client "busy" (or waits and resubmits).
 */
export class OrderingBackpressureError extends OrderingError {
  override readonly name = 'OrderingBackpressureError';

  constructor(readonly queueItemsMax: number) {
    super(OrderingErrorCode.backpressure, `submission queue is full (${queueItemsMax} items); retry later`);
  }
}

/**
 * A watch asked for history etcd has compacted away. The node cannot rebuild the blocks below
 * `compactRevision` from etcd: it fetches them from a peer (checking hashes and quorum certificates)
 * and watches again from a revision at or above `compactRevision`.
 */
export class LogCompactedError extends OrderingError {
  override readonly name = 'LogCompactedError';

  constructor(
    readonly compactRevision: number,
    readonly requestedRevision: number,
  ) {
    super(
      OrderingErrorCode.logCompacted,
      `ordering log compacted through revision ${compactRevision}; watch from ${requestedRevision} is no longer possible`,
    );
  }
}
