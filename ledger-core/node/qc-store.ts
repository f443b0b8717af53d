/**
 * The quorum certificates this node assembled or fetched, by height, in a small LMDB environment of
 * their own beside the block store. A QC is stored before the applied revision that covers its
 * signatures is published, since after a restart the node no longer sees those signatures in etcd.
 *
 * Writes are not synced one by one on the main thread (that cost a few ms per block, in the middle of
 * the block pipeline): `put` makes the QC readable at once and LMDB commits and flushes it in the
 * background. Nothing needs a QC durable before `durableHeight` says so: the signatures stay in etcd
 * until the node publishes an applied revision, and the node publishes only up to `durableHeight`.
 * A crash before the flush loses QCs that the node re-collects from etcd on restart.
 */
import * as fs from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { invariant } from './invariant.js';

export class QcStore {
  private closed = false;
  private heightContiguous: number;
  private heightDurable: number;
  /** QCs written but not yet known to be flushed; bounded by the heights the node has in flight. */
  private readonly pending = new Map<number, string>();
  private readonly writes = new Set<Promise<void>>();
  private writeError: unknown;

  private constructor(private readonly env: RootDatabase<string, number>) {
    this.heightContiguous = 0;
    // The contiguous QC height: every height up to it has a QC. Bounded by the stored count.
    for (const key of env.getKeys({ start: 1 })) {
      if (typeof key !== 'number' || key !== this.heightContiguous + 1) break;
      this.heightContiguous = key;
    }
    this.heightDurable = this.heightContiguous;
  }

  /** Opens (creating) the store in `dir`. */
  static open(dir: string): QcStore {
    fs.mkdirSync(dir, { recursive: true });
    return new QcStore(open<string, number>({ path: dir, encoding: 'string', keyEncoding: 'uint32' }));
  }

  /** Every height from 1 through this one has a QC here (some perhaps not yet on disk). */
  get contiguousHeight(): number {
    return this.heightContiguous;
  }

  /** Every height from 1 through this one has a QC flushed to disk: it survives a crash. */
  get durableHeight(): number {
    return this.heightDurable;
  }

  get(height: number): string | undefined {
    this.checkUsable();
    return this.pending.get(height) ?? this.env.get(height);
  }

  has(height: number): boolean {
    return this.get(height) !== undefined;
  }

  /**
   * Stores the QC of `height`: readable at once, durable once `durableHeight` reaches it. Requires
   * 1 ≤ height < 2^32. Storing a height again keeps the first.
   */
  put(height: number, note: string): void {
    this.checkUsable();
    invariant(Number.isSafeInteger(height) && height >= 1 && height < 2 ** 32, `QC height ${height}`);
    if (this.get(height) !== undefined) return;
    this.pending.set(height, note);
    const write = this.env
      .put(height, note)
      .then(() => this.env.flushed)
      .then(
        () => {
          this.pending.delete(height);
          this.advanceDurable();
        },
        (error: unknown) => {
          this.writeError = error;
        },
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
    // Bounded by the heights stored ahead of the contiguous one.
    while (this.get(this.heightContiguous + 1) !== undefined) this.heightContiguous++;
  }

  /** Waits for every QC written so far to be flushed. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes]);
    this.checkUsable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.writes]);
    this.closed = true;
    await this.env.close();
  }

  private advanceDurable(): void {
    // Bounded by the heights stored ahead of the durable one.
    while (this.heightDurable < this.heightContiguous && !this.pending.has(this.heightDurable + 1) && this.env.get(this.heightDurable + 1) !== undefined) {
      this.heightDurable++;
    }
  }

  private checkUsable(): void {
    invariant(!this.closed, 'QC store is closed');
    // A QC that LMDB could not write is a broken store: stop rather than publish past it.
    invariant(this.writeError === undefined, `QC store write failed: ${String(this.writeError)}`);
  }
}
