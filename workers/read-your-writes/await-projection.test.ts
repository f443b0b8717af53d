/**
 * The wait behind read-your-writes, over a scripted checkpoint: it resolves at the first read at or
 * past the height and not before, treats a missing checkpoint or a failed read as "not yet", polls
 * with growing pauses (few reads for a long wait), and ends a wait that cannot succeed in time with
 * PROJECTION_BEHIND (naming the height seen) or, when aborted, with ABORTED.
 */
import { awaitProjectedHeight, ProjectionWaitError, ProjectionWaitErrorCode } from './index.js';

function scripted(heights: ReadonlyArray<number | undefined | Error>): { read: () => Promise<number | undefined>; reads: () => number } {
  let index = 0;
  return {
    read: async () => {
      const value = heights[Math.min(index, heights.length - 1)];
      index++;
      if (value instanceof Error) throw value;
      return value;
    },
    reads: () => index,
  };
}

describe('awaitProjectedHeight', () => {
  it('resolves at the first read at or past the height, after missing checkpoints and failed reads', async () => {
    const checkpoint = scripted([undefined, new Error('connection refused'), 3, 4, 5, 9]);
    expect(await awaitProjectedHeight(checkpoint.read, 5, { timeoutMs: 5_000 })).toBe(5);
    expect(checkpoint.reads()).toBe(5);
  });

  it('answers at once when the projection is already past the height', async () => {
    const checkpoint = scripted([12]);
    expect(await awaitProjectedHeight(checkpoint.read, 5, { timeoutMs: 0 })).toBe(12);
    expect(checkpoint.reads()).toBe(1);
  });

  it('gives up with PROJECTION_BEHIND and the height seen, with backoff keeping the reads few', async () => {
    const checkpoint = scripted([4]);
    const error = await awaitProjectedHeight(checkpoint.read, 5, { timeoutMs: 600 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProjectionWaitError);
    expect(error).toMatchObject({ code: ProjectionWaitErrorCode.behind, height: 5, heightSeen: 4 });
    // 10, 20, 40, 80, 160, 250, ... ms: about eight reads in 600 ms, not sixty.
    expect(checkpoint.reads()).toBeLessThanOrEqual(10);
  });

  it('stops with ABORTED when the signal fires', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    await expect(awaitProjectedHeight(scripted([1]).read, 5, { timeoutMs: 10_000, signal: abort.signal })).rejects.toMatchObject({ code: ProjectionWaitErrorCode.aborted, heightSeen: 1 });
  });

  it('refuses a height below 1 and a timeout out of range', async () => {
    await expect(awaitProjectedHeight(scripted([1]).read, 0, { timeoutMs: 10 })).rejects.toBeInstanceOf(RangeError);
    await expect(awaitProjectedHeight(scripted([1]).read, 1, { timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  });
});
