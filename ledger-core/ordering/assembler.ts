/**
 * Turns the ordered stream of log events into blocks (docs/ledger.md: block `h` is every batch whose
 * revision lies in (cut[h-1].revisionLast, cut[h].revisionLast], in revision order). Pure and
 * deterministic: the same events in give the same blocks out, on every node, whatever the timing.
 *
 * Because etcd delivers events in revision order and a cut always names a revision below its own, every
 * batch of block `h` has been pushed before cut `h` arrives; the assembler checks that order rather than
 * trusting it.
 *
 * Restart: a node that has applied blocks through height H (closed at revisionLast L) starts the
 * assembler at {heightLast: H, revisionLast: L} and feeds it events from revision L + 1. The cut records
 * for H (always, since a cut is written after the revision it names) and possibly a few heights below
 * are replayed in that window; they are checked against the start and skipped.
 */
import type { BlockLimits } from './limits.js';
import { invariant } from './invariant.js';
import { unreachable, type BatchEvent, type CutEvent, type OrderedBatch, type OrderedBlock, type OrderingEvent } from './types.js';
import { heightMax } from './keys.js';

/** Where the assembler resumes: the newest block already applied. Genesis is {0, 0}. */
export interface AssemblerStart {
  readonly heightLast: number;
  readonly revisionLast: number;
}

export interface AssemblerOptions {
  /**
   * When given, every block of more than one batch must be within these limits: the check after the
   * read that pairs with the cut rule's check before the write. A node configured with other limits
   * than the proposer stops here instead of executing blocks its peers would not have cut.
   */
  readonly limits?: Pick<BlockLimits, 'blockTxCountMax' | 'blockBytesMax'>;
  /** Batches held while no cut arrives. Default 1,000,000; reaching it means cuts have stopped. */
  readonly pendingBatchesMax?: number;
}

/** What the cut rule needs to know of a batch waiting for its cut. */
export interface PendingBatch {
  readonly revision: number;
  readonly txCount: number;
  readonly bytes: number;
}

interface HeldBatch<T> {
  readonly batch: OrderedBatch<T>;
  readonly bytes: number;
}

const pendingBatchesMaxDefault = 1_000_000;

export class BlockAssembler<T> {
  private heightLastValue: number;
  private revisionLastValue: number;
  /** Highest event revision pushed so far; events must not go below it. */
  private revisionSeenValue: number;
  /** Heights at or below the start whose cut records the watch window still replays. */
  private replayingThroughHeight: number;
  private readonly pending: HeldBatch<T>[] = [];
  private readonly limits: AssemblerOptions['limits'];
  private readonly pendingBatchesMax: number;

  /** Requires 0 ≤ heightLast ≤ heightMax and 0 ≤ revisionLast, both whole (and revisionLast 0 at genesis). */
  constructor(start: AssemblerStart, options: AssemblerOptions = {}) {
    invariant(Number.isSafeInteger(start.heightLast) && start.heightLast >= 0 && start.heightLast <= heightMax, `start height ${start.heightLast}`);
    invariant(Number.isSafeInteger(start.revisionLast) && start.revisionLast >= 0, `start revision ${start.revisionLast}`);
    invariant(start.heightLast > 0 || start.revisionLast === 0, `genesis start with revisionLast ${start.revisionLast}`);
    this.heightLastValue = start.heightLast;
    this.revisionLastValue = start.revisionLast;
    this.revisionSeenValue = start.revisionLast;
    this.replayingThroughHeight = start.heightLast;
    this.limits = options.limits;
    this.pendingBatchesMax = options.pendingBatchesMax ?? pendingBatchesMaxDefault;
  }

  /** Height of the newest block handed out (or of the start). */
  get heightLast(): number {
    return this.heightLastValue;
  }

  /** revisionLast of the newest block handed out (or of the start): the node's applied revision once it applies that block. */
  get revisionLast(): number {
    return this.revisionLastValue;
  }

  /** Highest event revision pushed so far. */
  get revisionSeen(): number {
    return this.revisionSeenValue;
  }

  /**
   * Batches after the last cut, in revision order: the open range, or its first `countMax` batches.
   * A prefix is all the cut rule needs once it is longer than a block can be.
   */
  pendingBatches(countMax = Number.MAX_SAFE_INTEGER): PendingBatch[] {
    return this.pending.slice(0, countMax).map(({ batch, bytes }) => ({ revision: batch.revision, txCount: batch.items.length, bytes }));
  }

  /**
   * Consumes the next event of the log and returns the block a cut closes, if any.
   * Requires events in non-decreasing revision order, starting after the start's revisionLast.
   * A cut whose height is not the next, whose revisionLast is below the previous cut's or not below its
   * own revision, is a broken invariant (`OrderingInvariantError`); so is an event going backwards.
   */
  push(event: OrderingEvent<T>): OrderedBlock<T> | undefined {
    invariant(Number.isSafeInteger(event.revision) && event.revision > 0, `event revision ${event.revision}`);
    invariant(
      event.revision >= this.revisionSeenValue && event.revision > this.revisionLastValue,
      `event at revision ${event.revision} after revision ${this.revisionSeenValue} (applied through ${this.revisionLastValue})`,
    );
    this.revisionSeenValue = event.revision;
    switch (event.kind) {
      case 'batch':
        this.pushBatch(event);
        return undefined;
      case 'cut':
        return this.pushCut(event);
      case 'signature':
        return undefined;
      default:
        return unreachable(event);
    }
  }

  private pushBatch(event: BatchEvent<T>): void {
    invariant(this.pending.length < this.pendingBatchesMax, `${this.pendingBatchesMax} batches wait for a cut`);
    this.pending.push({ batch: { revision: event.revision, key: event.key, items: event.items }, bytes: event.bytes });
  }

  private pushCut(event: CutEvent): OrderedBlock<T> | undefined {
    const { cut } = event;
    if (this.replayingThroughHeight > 0) {
      // Inside the replay window: only cuts already applied may appear, ending with the start's own.
      invariant(
        cut.height <= this.replayingThroughHeight,
        `cut ${cut.height} at revision ${event.revision} before the replay of cut ${this.replayingThroughHeight} (watch started too late?)`,
      );
      if (cut.height === this.replayingThroughHeight) {
        invariant(
          cut.revisionLast === this.revisionLastValue,
          `replayed cut ${cut.height} closes at ${cut.revisionLast}, but this node applied it through ${this.revisionLastValue}`,
        );
        this.replayingThroughHeight = 0;
      } else {
        invariant(cut.revisionLast <= this.revisionLastValue, `replayed cut ${cut.height} closes at ${cut.revisionLast}`);
      }
      return undefined;
    }
    invariant(cut.height === this.heightLastValue + 1, `cut for height ${cut.height} after height ${this.heightLastValue}`);
    invariant(
      cut.revisionLast >= this.revisionLastValue,
      `cut ${cut.height} closes at ${cut.revisionLast}, below the previous cut's ${this.revisionLastValue}`,
    );
    invariant(cut.revisionLast < event.revision, `cut ${cut.height} at revision ${event.revision} names revision ${cut.revisionLast}`);

    let taken = 0;
    while (taken < this.pending.length && this.pending[taken]!.batch.revision <= cut.revisionLast) taken++;
    const held = this.pending.splice(0, taken);
    if (this.limits !== undefined && held.length > 1) {
      const txCount = held.reduce((sum, { batch }) => sum + batch.items.length, 0);
      const bytes = held.reduce((sum, entry) => sum + entry.bytes, 0);
      invariant(
        txCount <= this.limits.blockTxCountMax && bytes <= this.limits.blockBytesMax,
        `block ${cut.height} holds ${txCount} transactions in ${bytes} bytes, over the limits ${this.limits.blockTxCountMax} / ${this.limits.blockBytesMax}`,
      );
    }
    const block: OrderedBlock<T> = {
      height: cut.height,
      revisionFirst: this.revisionLastValue + 1,
      revisionLast: cut.revisionLast,
      cutRevision: event.revision,
      proposalTimeMs: cut.proposalTimeMs,
      proposer: cut.proposer,
      batches: held.map(({ batch }) => batch),
    };
    this.heightLastValue = cut.height;
    this.revisionLastValue = cut.revisionLast;
    return block;
  }
}
