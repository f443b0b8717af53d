/**
 * The quorum certificates this node assembled or fetched, by height, in a small LMDB environment of
 * their own beside the block store. A QC is stored before the applied revision that covers its
 * signatures is published, since after a restart the node no longer sees those signatures in etcd.
 */
import * as fs from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { invariant } from './invariant.js';

export class QcStore {
  private closed = false;
  private heightContiguous: number;

  private constructor(private readonly env: RootDatabase<string, number>) {
    this.heightContiguous = 0;
    // The contiguous QC height: every height up to it has a QC. Bounded by the stored count.
    for (const key of env.getKeys({ start: 1 })) {
      if (typeof key !== 'number' || key !== this.heightContiguous + 1) break;
      this.heightContiguous = key;
    }
  }

  /** Opens (creating) the store in `dir`. */
  static open(dir: string): QcStore {
    fs.mkdirSync(dir, { recursive: true });
    return new QcStore(open<string, number>({ path: dir, encoding: 'string', keyEncoding: 'uint32' }));
  }

  /** Every height from 1 through this one has a QC here. */
  get contiguousHeight(): number {
    return this.heightContiguous;
  }

  get(height: number): string | undefined {
    invariant(!this.closed, 'QC store is closed');
    return this.env.get(height);
  }

  has(height: number): boolean {
    return this.get(height) !== undefined;
  }

  /** Stores the QC of `height` durably. Requires 1 ≤ height < 2^32. Storing a height again keeps the first. */
  put(height: number, note: string): void {
    invariant(!this.closed, 'QC store is closed');
    invariant(Number.isSafeInteger(height) && height >= 1 && height < 2 ** 32, `QC height ${height}`);
    if (this.env.get(height) !== undefined) return;
    this.env.putSync(height, note);
    // Bounded by the heights stored ahead of the contiguous one.
    while (this.env.get(this.heightContiguous + 1) !== undefined) this.heightContiguous++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }
}
