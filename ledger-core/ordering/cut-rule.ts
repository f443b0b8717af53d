/**
 * When to propose the next cut, and where (docs/ledger.md, "Cut proposal"). Pure: no I/O and no clock;
 * the caller passes the open range as it has seen it and its own `nowMs`.
 *
 * The rule takes the longest prefix of the open range that stays within the block limits. If a further
 * batch exists that would not fit, or the prefix has reached a limit exactly, the block is full and the
 * cut is due now. Otherwise the cut is due once `blockWaitMs` has passed since the first batch holding
 * transactions was seen. So a block never exceeds its limits however many batches arrive, and a
 * transaction waits at most about `blockWaitMs` plus one proposal round trip.
 *
 * Nodes may disagree on timing (each uses its own clock and sees batches at its own moment); they never
 * disagree on a block's content, which the winning cut's `revisionLast` alone fixes.
 */
import type { BlockLimits } from './limits.js';
import { invariant } from './invariant.js';

/** A batch after the last cut, as one node has seen it. */
export interface OpenBatch {
  readonly revision: number;
  readonly txCount: number;
  /** Bytes of the batch's etcd value. */
  readonly bytes: number;
  /** This node's clock when it first saw the batch, in milliseconds. */
  readonly firstSeenMs: number;
}

export type CutReason =
  /** The next batch would not fit, or the block reached a limit exactly. */
  | 'full'
  /** `blockWaitMs` passed since the first transaction of the open range was seen. */
  | 'waited'
  /**
   * The first open batch alone exceeds a block limit (its writer used batch limits above the block
   * limits). It becomes a block by itself: refusing it would stall every later block forever.
   */
  | 'oversized-batch';

export type CutDecision =
  | {
      readonly kind: 'wait';
      /** When to look again if nothing else arrives; `undefined` when the open range holds no transaction. */
      readonly wakeAtMs: number | undefined;
    }
  | {
      readonly kind: 'cut';
      readonly revisionLast: number;
      readonly batchCount: number;
      readonly txCount: number;
      readonly bytes: number;
      readonly reason: CutReason;
    };

/**
 * Decides whether to propose a cut now and its `revisionLast`.
 * Requires `openRange` in strictly increasing revision order, holding exactly the batches after the
 * last cut this node has seen, with whole non-negative counts; `limits` checked by `checkBlockLimits`.
 * Ensures: a `cut` covers a non-empty prefix of `openRange` whose totals are within the limits, unless
 * that prefix is one oversized batch.
 */
export function decideCut(openRange: readonly OpenBatch[], limits: BlockLimits, nowMs: number): CutDecision {
  let txCount = 0;
  let bytes = 0;
  let firstTxSeenMs: number | undefined;
  let previousRevision = 0;
  // Bounded by the open range, which the assembler bounds.
  for (let index = 0; index < openRange.length; index++) {
    const batch = openRange[index]!;
    invariant(batch.revision > previousRevision, `open range not in revision order at ${batch.revision}`);
    invariant(Number.isSafeInteger(batch.txCount) && batch.txCount >= 0, `batch ${batch.revision} txCount ${batch.txCount}`);
    invariant(Number.isSafeInteger(batch.bytes) && batch.bytes >= 0, `batch ${batch.revision} bytes ${batch.bytes}`);
    previousRevision = batch.revision;

    const fits = txCount + batch.txCount <= limits.blockTxCountMax && bytes + batch.bytes <= limits.blockBytesMax;
    if (!fits) {
      if (index === 0) {
        return { kind: 'cut', revisionLast: batch.revision, batchCount: 1, txCount: batch.txCount, bytes: batch.bytes, reason: 'oversized-batch' };
      }
      return { kind: 'cut', revisionLast: openRange[index - 1]!.revision, batchCount: index, txCount, bytes, reason: 'full' };
    }
    txCount += batch.txCount;
    bytes += batch.bytes;
    if (batch.txCount > 0 && firstTxSeenMs === undefined) firstTxSeenMs = batch.firstSeenMs;
    if (txCount === limits.blockTxCountMax || bytes === limits.blockBytesMax) {
      return { kind: 'cut', revisionLast: batch.revision, batchCount: index + 1, txCount, bytes, reason: 'full' };
    }
  }
  // Batches without transactions never start a block by themselves; they ride along with the next one.
  if (firstTxSeenMs === undefined) return { kind: 'wait', wakeAtMs: undefined };
  const dueAtMs = firstTxSeenMs + limits.blockWaitMs;
  if (nowMs >= dueAtMs) {
    const last = openRange[openRange.length - 1]!;
    return { kind: 'cut', revisionLast: last.revision, batchCount: openRange.length, txCount, bytes, reason: 'waited' };
  }
  return { kind: 'wait', wakeAtMs: dueAtMs };
}
