/**
 * Receipt waiters: duplicates in flight share one entry; an entry settles only when its block has a QC;
 * a full registry refuses new entries; entries that never get a receipt expire; an abandoned
 * submission frees its entry.
 */
import { ReceiptWaiters } from './receipt-waiters.js';
import type { Receipt } from './receipts.js';

const receipt = (txId: string, height: number): Receipt => ({ txId, status: 'accepted', height, position: 0, leafIndex: height - 1, blockHash: 'ab'.repeat(32) });

describe('ReceiptWaiters', () => {
  it('shares one entry between duplicates and settles it at the QC', async () => {
    const waiters = new ReceiptWaiters({ waitersMax: 4, pendingMsMax: 1_000 });
    const first = waiters.join('t1', 0)!;
    const second = waiters.join('t1', 1)!;
    expect([first.created, second.created]).toEqual([true, false]);
    waiters.learn('t1', receipt('t1', 3), false, 2);
    let settled = false;
    void first.settled.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    waiters.certified(3);
    await expect(second.settled).resolves.toEqual(receipt('t1', 3));
    expect(waiters.size).toBe(0);
  });

  it('settles at once when the QC is already there, marking duplicates', async () => {
    const waiters = new ReceiptWaiters({ waitersMax: 4, pendingMsMax: 1_000 });
    const joined = waiters.join('t2', 0)!;
    waiters.learn('t2', receipt('t2', 1), true, 5);
    await expect(joined.settled).resolves.toEqual({ ...receipt('t2', 1), duplicate: true });
  });

  it('refuses beyond waitersMax, expires entries without receipts, and frees abandoned ones', () => {
    const waiters = new ReceiptWaiters({ waitersMax: 2, pendingMsMax: 100 });
    waiters.join('a', 0);
    waiters.join('b', 50);
    expect(waiters.join('c', 60)).toBeUndefined();
    expect(waiters.expire(120)).toBe(1);
    expect(waiters.has('a')).toBe(false);
    waiters.abandon('b');
    expect(waiters.size).toBe(0);
  });
});
