/**
 * Collects a node's submissions into batches, one etcd put each (`P/log/<node>/<bootId>/<counter>`), so
 * one Raft round orders many transactions.
 *
 * A batch is sealed when it holds `batchTxCountMax` items, when the next item would take its value past
 * `batchBytesMax`, or `batchWaitMs` after its first item. At most `inFlightBatchesMax` puts are
 * outstanding; sealed batches wait their turn, and `submit` refuses beyond `queueItemsMax` waiting
 * items, so memory is bounded by queueItemsMax + inFlightBatchesMax × batchTxCountMax items.
 *
 * Every item of a batch settles with the batch: all resolve with the put's revision, or all reject with
 * the same typed error. Nothing is partial.
 */
import { randomBytes } from 'node:crypto';
import { OrderingBackpressureError, OrderingError, OrderingErrorCode } from './errors.js';
import { invariant } from './invariant.js';
import { checkBatchLimits, type BatchLimits } from './limits.js';
import { checkSegment, heightMax, logKey, type OrderingKeys } from './keys.js';
import type { LogAppender } from './log-appender.js';

export interface SubmissionBatcherOptions extends BatchLimits {
  readonly keys: OrderingKeys;
  /** This node's name: the `<node>` key segment. */
  readonly node: string;
  /**
   * Distinguishes this process's batch keys from an earlier run's, whose counter also started at 0.
   * Default: 16 random hex digits. Must differ across runs of the same node.
   */
  readonly bootId?: string;
  readonly appender: LogAppender;
}

export interface SubmitReceipt {
  /** The etcd revision of the batch that carried the item: its place in the order. */
  readonly revision: number;
}

interface Waiting<T> {
  readonly item: T;
  readonly resolve: (receipt: SubmitReceipt) => void;
  readonly reject: (error: OrderingError) => void;
}

interface Batch<T> {
  readonly entries: Waiting<T>[];
  /** Predicted bytes of the JSON array: 2 + Σ item bytes + one comma between items. */
  bytes: number;
}

export class SubmissionBatcher<T> {
  readonly bootId: string;
  private readonly options: SubmissionBatcherOptions;
  private open: Batch<T> | undefined;
  private openTimer: NodeJS.Timeout | undefined;
  private readonly sealed: Batch<T>[] = [];
  private queuedItems = 0;
  private inFlight = 0;
  private counter = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  /** Requires limits that pass `checkBatchLimits` and a node name that is one key segment. */
  constructor(options: SubmissionBatcherOptions) {
    checkBatchLimits(options);
    checkSegment('node', options.node);
    this.bootId = options.bootId ?? randomBytes(8).toString('hex');
    checkSegment('boot id', this.bootId);
    this.options = options;
  }

  /** Items collected or sealed but not yet sent. */
  get queuedItemCount(): number {
    return this.queuedItems;
  }

  /** Puts outstanding. */
  get inFlightBatchCount(): number {
    return this.inFlight;
  }

  /**
   * Queues `item` for the next batch and resolves with that batch's revision once etcd has ordered it.
   * Requires `sizeBytes` = UTF-8 bytes of `JSON.stringify(item)`. Refuses (rejects, queueing nothing)
   * with `OrderingBackpressureError` when `queueItemsMax` items wait, `ORDERING_ITEM_TOO_LARGE` for an
   * item that cannot fit in a batch alone, `ORDERING_ITEM_SIZE_INVALID`, or `ORDERING_CLOSED`.
   */
  submit(item: T, sizeBytes: number): Promise<SubmitReceipt> {
    const { batchBytesMax, batchTxCountMax, queueItemsMax } = this.options;
    if (this.closed) return Promise.reject(new OrderingError(OrderingErrorCode.closed, 'the batcher is closed'));
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 1) {
      return Promise.reject(new OrderingError(OrderingErrorCode.itemSizeInvalid, `item size must be a whole number of bytes ≥ 1, got ${sizeBytes}`));
    }
    if (sizeBytes + 2 > batchBytesMax) {
      return Promise.reject(
        new OrderingError(OrderingErrorCode.itemTooLarge, `item of ${sizeBytes} bytes cannot fit in a batch of at most ${batchBytesMax} bytes`),
      );
    }
    if (this.queuedItems >= queueItemsMax) return Promise.reject(new OrderingBackpressureError(queueItemsMax));

    if (this.open !== undefined && this.open.bytes + 1 + sizeBytes > batchBytesMax) this.seal();
    return new Promise<SubmitReceipt>((resolve, reject) => {
      let batch = this.open;
      if (batch === undefined) {
        batch = { entries: [], bytes: 2 };
        this.open = batch;
        this.openTimer = setTimeout(() => {
          if (this.open === batch) this.seal();
        }, this.options.batchWaitMs);
      }
      batch.bytes += (batch.entries.length > 0 ? 1 : 0) + sizeBytes;
      batch.entries.push({ item, resolve, reject });
      this.queuedItems++;
      if (batch.entries.length >= batchTxCountMax || batch.bytes + 2 > batchBytesMax) this.seal();
    });
  }

  /**
   * Stops taking items, puts what is queued, and resolves once every put has settled. Each submitted
   * item's promise has settled by then.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.open !== undefined) this.seal();
    // Each round waits for one put to settle; at most queued + in-flight batches rounds.
    while (this.inFlight > 0 || this.sealed.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private seal(): void {
    const batch = this.open;
    invariant(batch !== undefined && batch.entries.length > 0, 'sealing an empty batch');
    clearTimeout(this.openTimer);
    this.open = undefined;
    this.openTimer = undefined;
    this.sealed.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.inFlightBatchesMax && this.sealed.length > 0) {
      const batch = this.sealed.shift()!;
      this.queuedItems -= batch.entries.length;
      invariant(this.queuedItems >= 0, `queued item count ${this.queuedItems}`);
      invariant(this.counter <= heightMax, 'batch counter exhausted for this boot id');
      const key = logKey(this.options.keys, this.options.node, this.bootId, this.counter++);
      this.inFlight++;
      void this.put(key, batch).finally(() => {
        this.inFlight--;
        this.pump();
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      });
    }
  }

  private async put(key: string, batch: Batch<T>): Promise<void> {
    const value = JSON.stringify(batch.entries.map((entry) => entry.item));
    const valueBytes = Buffer.byteLength(value, 'utf8');
    if (valueBytes > this.options.batchBytesMax) {
      const error = new OrderingError(
        OrderingErrorCode.batchSizeMismatch,
        `batch encodes to ${valueBytes} bytes, over batchBytesMax ${this.options.batchBytesMax}, though its items declared ${batch.bytes}: an item's sizeBytes is wrong`,
      );
      for (const entry of batch.entries) entry.reject(error);
      return;
    }
    let revision: number;
    try {
      revision = await this.options.appender.append(key, value);
    } catch (cause) {
      const error =
        cause instanceof OrderingError
          ? cause
          : new OrderingError(OrderingErrorCode.batchOutcomeUnknown, `put of batch ${key} failed; it may still be ordered`, { cause });
      for (const entry of batch.entries) entry.reject(error);
      return;
    }
    const receipt: SubmitReceipt = { revision };
    for (const entry of batch.entries) entry.resolve(receipt);
  }
}
