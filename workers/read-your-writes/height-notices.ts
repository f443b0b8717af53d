/**
 * Notices of the projected height, as the projector announces them after each committed batch. A
 * notice is a hint that wakes waiters early: the checkpoint in the graph stays the only proof that a
 * height is projected, so a lost, late or foreign notice costs at most a poll, never a wrong answer.
 * Pure: no I/O and no clock besides the timers a wait sets.
 */
import { HeightWatch } from '@twinledger/ledger-core/node/height-watch';

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

export class ProjectedHeightNotices implements HeightNoticeSource {
  private heightNoticed = 0;
  /** The watch the ledger node parks status long polls on; unbounded here, as every wait is a request already admitted. */
  private readonly watch = new HeightWatch(Number.POSITIVE_INFINITY);

  get height(): number {
    return this.heightNoticed;
  }

  /** How many waits are parked; for tests and metrics. */
  get waiting(): number {
    return this.watch.size;
  }

  /** Records a notice and wakes every waiter at or below it. A height that is not a positive integer, or not above the last one, changes nothing. */
  notice(height: number): void {
    if (!Number.isSafeInteger(height) || height <= this.heightNoticed) return;
    this.heightNoticed = height;
    this.watch.advance(height);
  }

  async wait(height: number, waitMs: number, signal?: AbortSignal): Promise<void> {
    // The watch answers heights strictly above the one given; a notice at `height` itself is enough here.
    await this.watch.wait(height - 1, this.heightNoticed, waitMs, signal);
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
