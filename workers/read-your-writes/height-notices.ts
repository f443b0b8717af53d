/**
 * Notices of the projected height, as the projector announces them after each committed batch. A
 * notice is a hint that wakes waiters early: the checkpoint in the graph stays the only proof that a
 * height is projected, so a lost, late or foreign notice costs at most a poll, never a wrong answer.
 * Pure: no I/O and no clock besides the timers a wait sets.
 */

/** What a wait for the projection needs from the notices. */
export interface HeightNoticeSource {
  /** The highest height noticed so far; 0 before the first notice. */
  readonly height: number;
  /**
   * Resolves once a notice at or above `height` has arrived (at once if one already has), after
   * `waitMs`, or when `signal` fires, whichever is first. Never rejects.
   */
  wait(height: number, waitMs: number, signal?: AbortSignal): Promise<void>;
}

interface Waiter {
  readonly height: number;
  readonly wake: () => void;
}

export class ProjectedHeightNotices implements HeightNoticeSource {
  private heightNoticed = 0;
  private readonly waiters = new Set<Waiter>();

  get height(): number {
    return this.heightNoticed;
  }

  /** How many waits are parked; for tests and metrics. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Records a notice and wakes every waiter at or below it. A height that is not a positive integer, or not above the last one, changes nothing. */
  notice(height: number): void {
    if (!Number.isSafeInteger(height) || height <= this.heightNoticed) return;
    this.heightNoticed = height;
    for (const waiter of [...this.waiters]) if (waiter.height <= height) waiter.wake();
  }

  wait(height: number, waitMs: number, signal?: AbortSignal): Promise<void> {
    if (height <= this.heightNoticed || signal?.aborted === true || waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        height,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, waitMs);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.waiters.add(waiter);
    });
  }
}

/** The text of a notice on the wire: the height in decimal. */
export function noticeText(height: number): string {
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError('a projected height to announce is an integer of at least 1');
  return String(height);
}

/** The height in a notice's text, or undefined when the text is not one. */
export function heightOfNotice(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const height = Number(text);
  return Number.isSafeInteger(height) ? height : undefined;
}
