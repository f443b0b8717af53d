/**
 * The submission batcher, driven through a fake log appender. Proves: a batch is put when it reaches
 * batchTxCountMax, when the next item would take it past batchBytesMax, or batchWaitMs after its first
 * item; every item of a batch resolves with that batch's revision; at most inFlightBatchesMax puts are
 * outstanding; beyond queueItemsMax waiting items `submit` refuses with OrderingBackpressureError and
 * queues nothing; a failed put rejects every item of its batch with one typed error and no other batch;
 * bad sizes are refused; and on random submissions the batches, read back in order, are exactly the
 * items submitted, each batch within its limits and its value exactly as many bytes as declared.
 */
import fc from 'fast-check';
import { SubmissionBatcher, type SubmitReceipt } from './batcher.js';
import { OrderingBackpressureError, OrderingError, OrderingErrorCode } from './errors.js';
import { orderingKeys, orderingPrefix, parseOrderingKey } from './keys.js';
import type { BatchLimits } from './limits.js';
import type { LogAppender } from './log-appender.js';

const keys = orderingKeys(orderingPrefix('test'));

interface Put {
  key: string;
  value: string;
  settle(outcome: number | Error): void;
}

/** Holds every put until the test settles it (or settles it at once with the next revision when `auto`). */
class FakeAppender implements LogAppender {
  readonly puts: Put[] = [];
  private revision = 100;
  constructor(private readonly auto: boolean) {}

  append(key: string, value: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const settle = (outcome: number | Error): void => (typeof outcome === 'number' ? resolve(outcome) : reject(outcome));
      this.puts.push({ key, value, settle });
      if (this.auto) settle(++this.revision);
    });
  }
}

const limits = (overrides: Partial<BatchLimits> = {}): BatchLimits => ({
  batchTxCountMax: 3,
  batchBytesMax: 1_000,
  batchWaitMs: 5,
  inFlightBatchesMax: 2,
  queueItemsMax: 10,
  ...overrides,
});

const sizeOf = (item: unknown): number => Buffer.byteLength(JSON.stringify(item), 'utf8');

function batcher(appender: LogAppender, overrides: Partial<BatchLimits> = {}): SubmissionBatcher<string> {
  return new SubmissionBatcher<string>({ ...limits(overrides), keys, node: 'node-a', bootId: 'boot1', appender });
}

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('SubmissionBatcher', () => {
  it('puts a batch as soon as it holds batchTxCountMax items, all resolving with its revision', async () => {
    const appender = new FakeAppender(true);
    const subject = batcher(appender);
    const receipts = await Promise.all(['a', 'b', 'c'].map((item) => subject.submit(item, sizeOf(item))));
    expect(appender.puts.map((put) => [put.key, put.value])).toEqual([[`${keys.prefix}log/node-a/boot1/000000000000`, '["a","b","c"]']]);
    expect(receipts).toEqual([{ revision: 101 }, { revision: 101 }, { revision: 101 }]);
  });

  it('puts a batch before an item that would take it past batchBytesMax', async () => {
    const appender = new FakeAppender(true);
    const subject = batcher(appender, { batchBytesMax: 20, batchTxCountMax: 10 });
    const items = ['123456', '234567', '345678']; // 8 bytes each: [x,y] is 19 bytes, [x,y,z] would be 28
    const receipts = settledAll(items.map((item) => subject.submit(item, sizeOf(item))));
    expect(appender.puts.map((put) => put.value)).toEqual(['["123456","234567"]']);
    await jest.advanceTimersByTimeAsync(5);
    expect(appender.puts.map((put) => put.value)).toEqual(['["123456","234567"]', '["345678"]']);
    expect((await receipts).map((r) => r.value?.revision)).toEqual([101, 101, 102]);
  });

  it('puts a partial batch batchWaitMs after its first item', async () => {
    const appender = new FakeAppender(true);
    const subject = batcher(appender);
    const receipt = subject.submit('a', 3);
    await jest.advanceTimersByTimeAsync(4);
    void subject.submit('b', 3);
    expect(appender.puts).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(appender.puts.map((put) => put.value)).toEqual(['["a","b"]']);
    await expect(receipt).resolves.toEqual({ revision: 101 });
  });

  it('keeps at most inFlightBatchesMax puts outstanding; the others wait their turn', async () => {
    const appender = new FakeAppender(false);
    const subject = batcher(appender, { batchTxCountMax: 1, inFlightBatchesMax: 2 });
    const receipts = ['a', 'b', 'c'].map((item) => subject.submit(item, 3));
    expect(appender.puts.map((put) => put.value)).toEqual(['["a"]', '["b"]']);
    expect([subject.inFlightBatchCount, subject.queuedItemCount]).toEqual([2, 1]);
    appender.puts[1]!.settle(7);
    await expect(receipts[1]).resolves.toEqual({ revision: 7 });
    expect(appender.puts.map((put) => put.value)).toEqual(['["a"]', '["b"]', '["c"]']);
    appender.puts[0]!.settle(6);
    appender.puts[2]!.settle(8);
    expect(await Promise.all(receipts)).toEqual([{ revision: 6 }, { revision: 7 }, { revision: 8 }]);
  });

  it('refuses beyond queueItemsMax waiting items with a typed error, queueing nothing', async () => {
    const appender = new FakeAppender(false);
    const subject = batcher(appender, { batchTxCountMax: 1, inFlightBatchesMax: 1, queueItemsMax: 2 });
    const accepted = ['a', 'b', 'c'].map((item) => subject.submit(item, 3)); // a in flight, b and c wait
    const refused = await settled(subject.submit('d', 3));
    expect(refused.error).toBeInstanceOf(OrderingBackpressureError);
    expect((refused.error as OrderingError).code).toBe(OrderingErrorCode.backpressure);
    expect(subject.queuedItemCount).toBe(2);
    appender.puts[0]!.settle(1);
    await accepted[0];
    await jest.advanceTimersByTimeAsync(0); // the freed slot takes b, so one item waits
    expect([subject.inFlightBatchCount, subject.queuedItemCount]).toEqual([1, 1]);
    void subject.submit('e', 3);
    expect(subject.queuedItemCount).toBe(2);
  });

  it('rejects every item of a failed put with one typed error, and only that batch', async () => {
    const appender = new FakeAppender(false);
    const subject = batcher(appender);
    const first = ['a', 'b', 'c'].map((item) => settled(subject.submit(item, 3)));
    const second = ['d', 'e', 'f'].map((item) => settled(subject.submit(item, 3)));
    const cause = new Error('deadline exceeded');
    appender.puts[0]!.settle(cause);
    appender.puts[1]!.settle(42);
    const failures = await Promise.all(first);
    const error = failures[0]!.error as OrderingError;
    expect(error.code).toBe(OrderingErrorCode.batchOutcomeUnknown);
    expect(error.cause).toBe(cause);
    expect(failures.every((failure) => failure.error === error)).toBe(true);
    expect((await Promise.all(second)).map((result) => result.value)).toEqual([{ revision: 42 }, { revision: 42 }, { revision: 42 }]);
  });

  it('passes a key conflict through as its own typed error', async () => {
    const appender = new FakeAppender(false);
    const subject = batcher(appender, { batchTxCountMax: 1 });
    const result = settled(subject.submit('a', 3));
    appender.puts[0]!.settle(new OrderingError(OrderingErrorCode.batchKeyConflict, 'shared boot id'));
    expect(((await result).error as OrderingError).code).toBe(OrderingErrorCode.batchKeyConflict);
  });

  it('refuses bad sizes, items that cannot fit alone, and submissions after close', async () => {
    const subject = batcher(new FakeAppender(true), { batchBytesMax: 10 });
    const code = async (promise: Promise<SubmitReceipt>): Promise<unknown> => ((await settled(promise)).error as OrderingError).code;
    expect(await code(subject.submit('a', 0))).toBe(OrderingErrorCode.itemSizeInvalid);
    expect(await code(subject.submit('a', Number.NaN))).toBe(OrderingErrorCode.itemSizeInvalid);
    expect(await code(subject.submit('a', 2.5))).toBe(OrderingErrorCode.itemSizeInvalid);
    expect(await code(subject.submit('123456', 9))).toBe(OrderingErrorCode.itemTooLarge);
    await subject.close();
    expect(await code(subject.submit('a', 3))).toBe(OrderingErrorCode.closed);
  });

  it('refuses a batch whose items understated their sizes past batchBytesMax, putting nothing', async () => {
    const appender = new FakeAppender(true);
    const subject = batcher(appender, { batchBytesMax: 10 });
    const result = settled(subject.submit('a long item', 1));
    await jest.advanceTimersByTimeAsync(5);
    expect(((await result).error as OrderingError).code).toBe(OrderingErrorCode.batchSizeMismatch);
    expect(appender.puts).toHaveLength(0);
  });

  it('puts what it holds on close and resolves once every put has settled', async () => {
    const appender = new FakeAppender(true);
    const subject = batcher(appender);
    const receipt = subject.submit('a', 3);
    await subject.close();
    await expect(receipt).resolves.toEqual({ revision: 101 });
  });

  it('refuses limits that are not positive whole numbers', () => {
    expect(() => batcher(new FakeAppender(true), { batchTxCountMax: 0 })).toThrow(OrderingError);
    expect(() => batcher(new FakeAppender(true), { queueItemsMax: 1.5 })).toThrow(OrderingError);
  });
});

function settledAll<T>(promises: Promise<T>[]): Promise<Array<{ value?: T; error?: unknown }>> {
  return Promise.all(promises.map(settled));
}

describe('SubmissionBatcher properties', () => {
  it('batches read back in order are exactly the items submitted, each within its limits', async () => {
    jest.useRealTimers();
    const itemArbitrary = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(itemArbitrary, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 80, max: 400 }),
        async (items, batchTxCountMax, batchBytesMax) => {
          const appender = new FakeAppender(true);
          const subject = new SubmissionBatcher<unknown>({
            ...limits({ batchTxCountMax, batchBytesMax, batchWaitMs: 0, queueItemsMax: 1_000, inFlightBatchesMax: 3 }),
            keys,
            node: 'node-a',
            appender,
          });
          const receipts = items.map((item) => subject.submit(item, sizeOf(item)));
          await subject.close();
          const results = await Promise.all(receipts);

          const batches = appender.puts.map((put) => JSON.parse(put.value) as unknown[]);
          expect(batches.flat()).toEqual(items.map((item) => JSON.parse(JSON.stringify(item)) as unknown));
          let index = 0;
          appender.puts.forEach((put, batchIndex) => {
            expect(Buffer.byteLength(put.value)).toBeLessThanOrEqual(batchBytesMax);
            expect(batches[batchIndex]!.length).toBeLessThanOrEqual(batchTxCountMax);
            expect(parseOrderingKey(keys, put.key)).toMatchObject({ section: 'log', node: 'node-a', counter: batchIndex });
            for (let k = 0; k < batches[batchIndex]!.length; k++) expect(results[index++]!.revision).toBe(101 + batchIndex);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
