/**
 * Requests parked until a height moves above the one their caller already knows: the node's QC height
 * for `GET /status?qcHeightAbove=&waitMs=`. The node calls `advance` where the height moves, so a
 * parked request costs nothing while nothing happens (no polling); each waiter has one timer, its
 * deadline. Pure apart from the promises and those timers, so it is unit tested on its own.
 *
 * Bounded: at most `waitersMax` waiters at once; a full watch refuses a new one (the API answers
 * BACKPRESSURE). A waiter whose caller gives up (its signal aborts) leaves at once and frees its place.
 */

/** Why a wait ended: the height passed it, its deadline came, its caller left, or the watch closed. */
export type WatchOutcome = 'above' | 'deadline' | 'cancelled' | 'closed';

interface Waiter {
  readonly heightAbove: number;
  settle(outcome: WatchOutcome): void;
}

export class HeightWatch {
  /** Waiters by the height they wait to be passed: waiters of one round share one key, so `advance` visits few keys. */
  private readonly byHeightAbove = new Map<number, Set<Waiter>>();
  private count = 0;
  private closed = false;

  /** Requires `waitersMax` ≥ 0. */
  constructor(private readonly waitersMax: number) {}

  /** Waiters parked now. */
  get size(): number {
    return this.count;
  }

  /**
   * Resolves with 'above' once `advance` reports a height above `heightAbove` (at once when `height`,
   * the current one, already is), 'deadline' after `waitMs`, 'cancelled' when `signal` aborts, 'closed'
   * when the watch closes (at once once it has). Undefined when `waitersMax` waiters are already parked.
   */
  wait(heightAbove: number, height: number, waitMs: number, signal?: AbortSignal): Promise<WatchOutcome> | undefined {
    if (height > heightAbove) return Promise.resolve('above');
    if (this.closed) return Promise.resolve('closed');
    if (signal?.aborted === true) return Promise.resolve('cancelled');
    if (waitMs <= 0) return Promise.resolve('deadline');
    if (this.count >= this.waitersMax) return undefined;
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      const waiter: Waiter = {
        heightAbove,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.remove(waiter);
          resolve(outcome);
        },
      };
      const onAbort = (): void => waiter.settle('cancelled');
      const timer = setTimeout(() => waiter.settle('deadline'), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiters = this.byHeightAbove.get(heightAbove);
      if (waiters === undefined) this.byHeightAbove.set(heightAbove, new Set([waiter]));
      else waiters.add(waiter);
      this.count++;
    });
  }

  /** The height is now `height`: every waiter for a height below it is answered 'above'. */
  advance(height: number): void {
    for (const [heightAbove, waiters] of this.byHeightAbove) {
      if (heightAbove >= height) continue;
      for (const waiter of [...waiters]) waiter.settle('above');
    }
  }

  /** Answers every waiter 'closed', and every later wait at once: a closing node must not hold requests. */
  close(): void {
    this.closed = true;
    for (const waiters of [...this.byHeightAbove.values()]) for (const waiter of [...waiters]) waiter.settle('closed');
  }

  private remove(waiter: Waiter): void {
    const waiters = this.byHeightAbove.get(waiter.heightAbove);
    if (waiters === undefined || !waiters.delete(waiter)) return;
    this.count--;
    if (waiters.size === 0) this.byHeightAbove.delete(waiter.heightAbove);
  }
}
