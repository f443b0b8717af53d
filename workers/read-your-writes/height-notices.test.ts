/**
 * Height notices wake exactly the waits they satisfy, at once when already satisfied, and never hold a
 * wait past its own limit or its abort; a wait for the projection ends on a notice instead of its
 * poll, and a notice that claims a height the graph has not reached cannot make it poll in a loop.
 */
import { awaitProjectedHeight, heightOfNotice, noticeText, ProjectedHeightNotices, projectionPollDelayMsMax } from './index.js';

describe('ProjectedHeightNotices', () => {
  it('wakes the waits at or below a notice and leaves the others parked', async () => {
    const notices = new ProjectedHeightNotices();
    const woken: number[] = [];
    const waits = [3, 5, 8].map((height) => notices.wait(height, 10_000).then(() => woken.push(height)));
    notices.notice(5);
    await Promise.all(waits.slice(0, 2));
    expect(woken.sort()).toEqual([3, 5]);
    expect(notices.waiting).toBe(1);
    notices.notice(8);
    await Promise.all(waits);
    expect(notices.waiting).toBe(0);
  });

  it('answers at once a wait the notices already satisfy, and keeps the highest height', async () => {
    const notices = new ProjectedHeightNotices();
    notices.notice(7);
    notices.notice(4);
    notices.notice(Number.NaN);
    expect(notices.height).toBe(7);
    await notices.wait(7, 10_000);
    expect(notices.waiting).toBe(0);
  });

  it('ends a wait at its limit and on abort, parking nothing afterwards', async () => {
    const notices = new ProjectedHeightNotices();
    const startedMs = performance.now();
    await notices.wait(2, 30);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(25);
    const abort = new AbortController();
    const aborted = notices.wait(2, 10_000, abort.signal);
    abort.abort();
    await aborted;
    expect(notices.waiting).toBe(0);
  });
});

describe('notice text', () => {
  it('round-trips heights and refuses anything else', () => {
    expect(heightOfNotice(noticeText(1))).toBe(1);
    expect(heightOfNotice(noticeText(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const text of ['', '0', '-1', '01', '1.5', ' 2', '2 ', 'abc', '99999999999999999']) expect(heightOfNotice(text)).toBeUndefined();
    expect(() => noticeText(0)).toThrow(RangeError);
  });
});

describe('awaitProjectedHeight with notices', () => {
  it('reads again as soon as the notice comes, not at the next poll', async () => {
    const notices = new ProjectedHeightNotices();
    let projected = 4;
    let reads = 0;
    const read = async (): Promise<number> => {
      reads++;
      return projected;
    };
    const startedMs = performance.now();
    const waiting = awaitProjectedHeight(read, 5, { timeoutMs: 10_000, notices });
    setTimeout(() => {
      projected = 5;
      notices.notice(5);
    }, 20);
    expect(await waiting).toBe(5);
    expect(performance.now() - startedMs).toBeLessThan(projectionPollDelayMsMax);
    expect(reads).toBe(2);
  });

  it('polls at the fallback pace, not in a loop, when a notice claims a height the graph lacks', async () => {
    const notices = new ProjectedHeightNotices();
    notices.notice(100);
    let reads = 0;
    const read = async (): Promise<number> => {
      reads++;
      return 4;
    };
    await expect(awaitProjectedHeight(read, 5, { timeoutMs: 600, notices })).rejects.toMatchObject({ heightSeen: 4 });
    // Reads at 0, 250, 500 ms, then one at the deadline and perhaps one more for its last few milliseconds.
    expect(reads).toBeLessThanOrEqual(Math.ceil(600 / projectionPollDelayMsMax) + 2);
  });
});
