/**
 * Height watch: a waiter is answered when the height passes it (at once when it already has), at its
 * deadline, when its caller leaves, or when the watch closes; a full watch refuses; a waiter that has
 * left frees its place and is not answered again.
 */
import { HeightWatch, type WatchOutcome } from './height-watch.js';

/**
 * The outcome if `promise` has settled by now, else 'waiting'. Of two settled promises race takes the
 * first listed, and the watch settles synchronously, so no timer is needed (fake timers stay usable).
 */
async function outcomeNow(promise: Promise<WatchOutcome> | undefined): Promise<WatchOutcome | 'waiting' | 'refused'> {
  if (promise === undefined) return 'refused';
  return Promise.race([promise, Promise.resolve('waiting' as const)]);
}

describe('HeightWatch', () => {
  afterEach(() => jest.useRealTimers());

  it('answers at once when the height is already above, and when asked to wait 0 ms', async () => {
    const watch = new HeightWatch(4);
    await expect(watch.wait(4, 5, 1_000)).resolves.toBe('above');
    await expect(watch.wait(5, 5, 0)).resolves.toBe('deadline');
    expect(watch.size).toBe(0);
  });

  it('wakes only the waiters below the new height, without waiting for their deadlines', async () => {
    const watch = new HeightWatch(4);
    const atFive = watch.wait(5, 5, 60_000);
    const alsoAtFive = watch.wait(5, 5, 60_000);
    const atSix = watch.wait(6, 5, 60_000);
    expect(watch.size).toBe(3);
    watch.advance(5);
    expect(await outcomeNow(atFive)).toBe('waiting');
    watch.advance(6);
    expect([await outcomeNow(atFive), await outcomeNow(alsoAtFive), await outcomeNow(atSix)]).toEqual(['above', 'above', 'waiting']);
    expect(watch.size).toBe(1);
    watch.advance(9);
    expect(await outcomeNow(atSix)).toBe('above');
    expect(watch.size).toBe(0);
  });

  it('answers deadline after waitMs when the height does not move', async () => {
    jest.useFakeTimers();
    const watch = new HeightWatch(4);
    const waiting = watch.wait(3, 3, 1_000);
    jest.advanceTimersByTime(999);
    expect(await outcomeNow(waiting)).toBe('waiting');
    jest.advanceTimersByTime(1);
    await expect(waiting).resolves.toBe('deadline');
    expect(watch.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refuses beyond waitersMax; a waiter whose caller left frees its place and clears its timer', async () => {
    jest.useFakeTimers();
    const watch = new HeightWatch(2);
    const left = new AbortController();
    const leaving = watch.wait(1, 1, 5_000, left.signal);
    const staying = watch.wait(1, 1, 5_000);
    expect(watch.wait(1, 1, 5_000)).toBeUndefined();
    left.abort();
    await expect(leaving).resolves.toBe('cancelled');
    expect(watch.size).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    const next = watch.wait(1, 1, 5_000);
    expect(next).toBeDefined();
    watch.advance(2);
    await expect(Promise.all([staying, next])).resolves.toEqual(['above', 'above']);
    await expect(watch.wait(1, 1, 5_000, left.signal)).resolves.toBe('cancelled');
  });

  it('answers every waiter closed at close, and later waits at once', async () => {
    jest.useFakeTimers();
    const watch = new HeightWatch(4);
    const parked = [watch.wait(1, 1, 5_000), watch.wait(7, 1, 5_000)];
    watch.close();
    await expect(Promise.all(parked)).resolves.toEqual(['closed', 'closed']);
    expect(jest.getTimerCount()).toBe(0);
    await expect(watch.wait(1, 1, 5_000)).resolves.toBe('closed');
    await expect(watch.wait(0, 1, 5_000)).resolves.toBe('above');
  });
});
