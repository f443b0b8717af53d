/**
 * The wait behind read-your-writes, over a scripted checkpoint: it resolves at the first read at or
 * past the height and not before, treats a missing checkpoint or a failed read as "not yet", polls
 * with growing pauses (few reads for a long wait), and ends a wait that cannot succeed in time with
 * PROJECTION_BEHIND (naming the height seen) or, when aborted, with ABORTED.
 */
import { awaitProjectedHeight, coalescedHeightReader, ProjectionWaitError, ProjectionWaitErrorCode } from './index.js';

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

describe('coalescedHeightReader', () => {
  it('lets concurrent waiters share one read, and reads again once it is done', async () => {
    let reads = 0;
    let release: (height: number) => void = () => undefined;
    const read = coalescedHeightReader(
      () =>
        new Promise<number>((resolve) => {
          reads++;
          release = resolve;
        }),
    );
    const waiters = Promise.all(Array.from({ length: 64 }, () => read()));
    release(7);
    expect(await waiters).toEqual(Array.from({ length: 64 }, () => 7));
    expect(reads).toBe(1);
    const later = read();
    release(8);
    expect(await later).toBe(8);
    expect(reads).toBe(2);
  });

  it('passes a failed read to every caller sharing it, then reads afresh', async () => {
    let attempt = 0;
    const read = coalescedHeightReader(async () => {
      attempt++;
      if (attempt === 1) throw new Error('neo4j unreachable');
      return 3;
    });
    await expect(Promise.all([read(), read()])).rejects.toThrow('neo4j unreachable');
    expect(await read()).toBe(3);
    expect(attempt).toBe(2);
  });
});
