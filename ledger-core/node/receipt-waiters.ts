/**
 * Clients waiting for receipts, one entry per transaction id however many requests wait on it (an
 * in-flight duplicate shares the first submission's entry). An entry learns its receipt when its block
 * is built and settles only when that block has its QC, so a client is never told of a block the
 * consortium has not certified. Pure apart from the promises: the node calls it and passes the time.
 *
 * Bounded: at most `waitersMax` entries (a full registry refuses new ones: the node answers
 * BACKPRESSURE); entries whose transaction never reaches a block (its put's outcome was unknown and it
 * was lost) are dropped after `pendingMsMax`.
 */
import { asDuplicate, type DuplicateReceipt, type Receipt } from './receipts.js';

export type SettledReceipt = Receipt | DuplicateReceipt;

interface Entry {
  readonly txId: string;
  readonly createdMs: number;
  readonly settled: Promise<SettledReceipt>;
  readonly resolve: (receipt: SettledReceipt) => void;
  /** Known once the leaf's block is built; then the entry waits for that height's QC. */
  receipt?: SettledReceipt;
}

export interface ReceiptWaitersOptions {
  readonly waitersMax: number;
  readonly pendingMsMax: number;
}

export class ReceiptWaiters {
  private readonly entries = new Map<string, Entry>();
  /** Entries with a receipt, by the height whose QC settles them. */
  private readonly byHeight = new Map<number, Entry[]>();

  constructor(private readonly options: ReceiptWaitersOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** True while `txId` has an entry (the node holds it in flight). */
  has(txId: string): boolean {
    return this.entries.has(txId);
  }

  /** The promise for `txId`'s receipt if an entry exists. */
  settled(txId: string): Promise<SettledReceipt> | undefined {
    return this.entries.get(txId)?.settled;
  }

  /**
   * The entry for `txId`, created if absent: `created` says whether this call made it. Undefined when
   * the registry is full and `txId` has no entry.
   */
  join(txId: string, nowMs: number): { readonly settled: Promise<SettledReceipt>; readonly created: boolean } | undefined {
    const existing = this.entries.get(txId);
    if (existing !== undefined) return { settled: existing.settled, created: false };
    if (this.entries.size >= this.options.waitersMax) return undefined;
    let resolve!: (receipt: SettledReceipt) => void;
    const settled = new Promise<SettledReceipt>((done) => {
      resolve = done;
    });
    this.entries.set(txId, { txId, createdMs: nowMs, settled, resolve });
    return { settled, created: true };
  }

  /** Drops `txId`'s entry if it has no receipt yet (its submission failed before reaching the log). */
  abandon(txId: string): void {
    const entry = this.entries.get(txId);
    if (entry !== undefined && entry.receipt === undefined) this.entries.delete(txId);
  }

  /**
   * Gives `txId`'s entry, if any, its receipt; it settles once `qcHeight` reaches the receipt's height
   * (immediately when it already has). `duplicate` marks an answer for an id that was already on the ledger.
   */
  learn(txId: string, receipt: Receipt, duplicate: boolean, qcHeight: number): void {
    const entry = this.entries.get(txId);
    if (entry === undefined || entry.receipt !== undefined) return;
    entry.receipt = duplicate ? asDuplicate(receipt) : receipt;
    if (receipt.height <= qcHeight) {
      this.settle(entry);
      return;
    }
    const list = this.byHeight.get(receipt.height);
    if (list === undefined) this.byHeight.set(receipt.height, [entry]);
    else list.push(entry);
  }

  /** Settles every entry waiting for the QC of `height`. */
  certified(height: number): void {
    const list = this.byHeight.get(height);
    if (list === undefined) return;
    this.byHeight.delete(height);
    for (const entry of list) this.settle(entry);
  }

  /** Drops entries still without a receipt after `pendingMsMax`; returns how many. */
  expire(nowMs: number): number {
    let dropped = 0;
    // Map order is creation order: the oldest come first, so the scan stops at the first young entry.
    for (const entry of this.entries.values()) {
      if (nowMs - entry.createdMs < this.options.pendingMsMax) break;
      if (entry.receipt === undefined) {
        this.entries.delete(entry.txId);
        dropped++;
      }
    }
    return dropped;
  }

  private settle(entry: Entry): void {
    if (this.entries.get(entry.txId) === entry) this.entries.delete(entry.txId);
    if (entry.receipt !== undefined) entry.resolve(entry.receipt);
  }
}
