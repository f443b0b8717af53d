/**
 * The cut rule. Proves: on every open range of up to four batches over small limits, `decideCut`
 * agrees with a declarative reference written straight from docs/ledger.md (smallest prefix that
 * reaches a limit, else longest prefix that fits, else the wait rule); on random ranges a cut covers a
 * prefix within the limits (or one oversized batch alone), a full cut is maximal, the decision never
 * moves backwards as time passes or as more batches arrive; and cutting a stream again and again
 * covers every batch exactly once, in order, with no block over its limits.
 */
import fc from 'fast-check';
import { decideCut, type CutDecision, type OpenBatch } from './cut-rule.js';
import type { BlockLimits } from './limits.js';
import { OrderingInvariantError } from './invariant.js';

function referenceDecision(range: readonly OpenBatch[], limits: BlockLimits, nowMs: number): CutDecision {
  const totals = (count: number): { txCount: number; bytes: number } => ({
    txCount: range.slice(0, count).reduce((sum, batch) => sum + batch.txCount, 0),
    bytes: range.slice(0, count).reduce((sum, batch) => sum + batch.bytes, 0),
  });
  const fits = (count: number): boolean => totals(count).txCount <= limits.blockTxCountMax && totals(count).bytes <= limits.blockBytesMax;
  const reaches = (count: number): boolean =>
    totals(count).txCount === limits.blockTxCountMax || totals(count).bytes === limits.blockBytesMax;
  const cutAt = (count: number, reason: 'full' | 'waited' | 'oversized-batch'): CutDecision => ({
    kind: 'cut',
    revisionLast: range[count - 1]!.revision,
    batchCount: count,
    ...totals(count),
    reason,
  });
  if (range.length === 0) return { kind: 'wait', wakeAtMs: undefined };
  if (!fits(1)) return cutAt(1, 'oversized-batch');
  for (let count = 1; count <= range.length; count++) {
    if (!fits(count)) return cutAt(count - 1, 'full');
    if (reaches(count)) return cutAt(count, 'full');
  }
  const firstWithTx = range.find((batch) => batch.txCount > 0);
  if (firstWithTx === undefined) return { kind: 'wait', wakeAtMs: undefined };
  const dueAtMs = firstWithTx.firstSeenMs + limits.blockWaitMs;
  return nowMs >= dueAtMs ? cutAt(range.length, 'waited') : { kind: 'wait', wakeAtMs: dueAtMs };
}

describe('decideCut on every small open range', () => {
  const shapes: Array<{ txCount: number; bytes: number }> = [];
  for (const txCount of [0, 1, 2]) for (const bytes of [3, 5]) shapes.push({ txCount, bytes });

  function* ranges(length: number): Generator<OpenBatch[]> {
    if (length === 0) {
      yield [];
      return;
    }
    for (const prefix of ranges(length - 1)) {
      for (const shape of shapes) {
        const index = prefix.length;
        yield [...prefix, { revision: 10 + 3 * index, firstSeenMs: 100 + 2 * index, ...shape }];
      }
    }
  }

  it('agrees with the reference on every range, limit and time', () => {
    const failures: string[] = [];
    let cases = 0;
    for (let length = 0; length <= 4; length++) {
      for (const range of ranges(length)) {
        for (const blockTxCountMax of [1, 2, 3, 4]) {
          for (const blockBytesMax of [5, 8, 12]) {
            for (const nowMs of [100, 103, 110, 200]) {
              const limits: BlockLimits = { blockTxCountMax, blockBytesMax, blockWaitMs: 10 };
              const actual = decideCut(range, limits, nowMs);
              const expected = referenceDecision(range, limits, nowMs);
              cases++;
              if (JSON.stringify(actual) !== JSON.stringify(expected) && failures.length < 20) {
                failures.push(`${JSON.stringify({ range, limits, nowMs })}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
              }
            }
          }
        }
      }
    }
    expect(cases).toBe(1555 * 4 * 3 * 4);
    expect(failures).toEqual([]);
  });
});

describe('decideCut cases', () => {
  const limits: BlockLimits = { blockTxCountMax: 10, blockBytesMax: 1_000, blockWaitMs: 50 };
  const batch = (revision: number, txCount: number, bytes: number, firstSeenMs = 0): OpenBatch => ({ revision, txCount, bytes, firstSeenMs });

  it('waits without a wake time on an empty range or one without transactions', () => {
    expect(decideCut([], limits, 0)).toEqual({ kind: 'wait', wakeAtMs: undefined });
    expect(decideCut([batch(5, 0, 2)], limits, 1_000)).toEqual({ kind: 'wait', wakeAtMs: undefined });
  });

  it('waits blockWaitMs from the first transaction, then cuts everything it has seen', () => {
    const range = [batch(5, 0, 2, 0), batch(7, 3, 100, 20), batch(9, 2, 100, 40)];
    expect(decideCut(range, limits, 69)).toEqual({ kind: 'wait', wakeAtMs: 70 });
    expect(decideCut(range, limits, 70)).toEqual({ kind: 'cut', revisionLast: 9, batchCount: 3, txCount: 5, bytes: 202, reason: 'waited' });
  });

  it('cuts at once, before the next batch, when that batch would not fit', () => {
    const range = [batch(5, 6, 100), batch(7, 3, 100), batch(9, 2, 100)];
    expect(decideCut(range, limits, 0)).toEqual({ kind: 'cut', revisionLast: 7, batchCount: 2, txCount: 9, bytes: 200, reason: 'full' });
  });

  it('cuts at once when the block reaches a limit exactly', () => {
    expect(decideCut([batch(5, 4, 500), batch(7, 6, 10)], limits, 0)).toMatchObject({ revisionLast: 7, reason: 'full' });
    expect(decideCut([batch(5, 1, 600), batch(7, 1, 400)], limits, 0)).toMatchObject({ revisionLast: 7, reason: 'full' });
  });

  it('cuts on bytes as well as on transactions', () => {
    expect(decideCut([batch(5, 1, 600), batch(7, 1, 401)], limits, 0)).toMatchObject({ revisionLast: 5, reason: 'full' });
  });

  it('isolates a first batch larger than the block limits rather than stall', () => {
    expect(decideCut([batch(5, 11, 10), batch(6, 1, 10)], limits, 0)).toEqual({
      kind: 'cut',
      revisionLast: 5,
      batchCount: 1,
      txCount: 11,
      bytes: 10,
      reason: 'oversized-batch',
    });
    expect(decideCut([batch(5, 1, 1_001)], limits, 0)).toMatchObject({ reason: 'oversized-batch' });
  });

  it('refuses a range out of revision order as a broken invariant', () => {
    expect(() => decideCut([batch(7, 1, 10), batch(5, 1, 10)], limits, 0)).toThrow(OrderingInvariantError);
    expect(() => decideCut([batch(5, 1, 10), batch(5, 1, 10)], limits, 0)).toThrow(OrderingInvariantError);
    expect(() => decideCut([batch(5, -1, 10)], limits, 0)).toThrow(OrderingInvariantError);
  });
});

const limitsArbitrary = fc.record({
  blockTxCountMax: fc.integer({ min: 1, max: 64 }),
  blockBytesMax: fc.integer({ min: 3, max: 4_096 }),
  blockWaitMs: fc.integer({ min: 0, max: 100 }),
});

/** Batches within the given block limits (as batch limits ≤ block limits guarantee). */
function rangeArbitrary(limits: BlockLimits, lengthMax = 40): fc.Arbitrary<OpenBatch[]> {
  return fc
    .array(
      fc.record({
        gap: fc.integer({ min: 1, max: 5 }),
        txCount: fc.integer({ min: 1, max: limits.blockTxCountMax }),
        bytes: fc.integer({ min: 3, max: limits.blockBytesMax }),
        seenGapMs: fc.integer({ min: 0, max: 30 }),
      }),
      { maxLength: lengthMax, size: 'max' },
    )
    .map((shapes) => {
      let revision = 0;
      let seenMs = 1_000;
      return shapes.map(({ gap, txCount, bytes, seenGapMs }) => {
        revision += gap;
        seenMs += seenGapMs;
        return { revision, txCount, bytes, firstSeenMs: seenMs };
      });
    });
}

const withRange = limitsArbitrary.chain((limits) => fc.tuple(fc.constant(limits), rangeArbitrary(limits), fc.integer({ min: 900, max: 2_500 })));

describe('decideCut properties', () => {
  it('a cut covers a prefix within the limits, and a full cut leaves no room for the next batch', () => {
    fc.assert(
      fc.property(withRange, ([limits, range, nowMs]) => {
        const decision = decideCut(range, limits, nowMs);
        if (decision.kind === 'wait') {
          const txCount = range.reduce((sum, batch) => sum + batch.txCount, 0);
          const bytes = range.reduce((sum, batch) => sum + batch.bytes, 0);
          expect(txCount).toBeLessThan(limits.blockTxCountMax);
          expect(bytes).toBeLessThan(limits.blockBytesMax);
          return;
        }
        const count = range.findIndex((batch) => batch.revision === decision.revisionLast) + 1;
        expect(count).toBe(decision.batchCount);
        const prefix = range.slice(0, count);
        expect(decision.txCount).toBe(prefix.reduce((sum, batch) => sum + batch.txCount, 0));
        expect(decision.bytes).toBe(prefix.reduce((sum, batch) => sum + batch.bytes, 0));
        expect(decision.reason).not.toBe('oversized-batch');
        expect(decision.txCount).toBeLessThanOrEqual(limits.blockTxCountMax);
        expect(decision.bytes).toBeLessThanOrEqual(limits.blockBytesMax);
        if (decision.reason === 'full') {
          const next = range[count];
          const reached = decision.txCount === limits.blockTxCountMax || decision.bytes === limits.blockBytesMax;
          const nextOverflows =
            next !== undefined &&
            (decision.txCount + next.txCount > limits.blockTxCountMax || decision.bytes + next.bytes > limits.blockBytesMax);
          expect(reached || nextOverflows).toBe(true);
        } else {
          expect(count).toBe(range.length);
          expect(nowMs).toBeGreaterThanOrEqual(range[0]!.firstSeenMs + limits.blockWaitMs);
        }
      }),
    );
  });

  it('a cut stays a cut, at the same revision or later, as time passes and batches arrive', () => {
    fc.assert(
      fc.property(withRange, fc.integer({ min: 0, max: 1_000 }), fc.nat(), ([limits, range, nowMs], laterMs, split) => {
        const seen = range.slice(0, split % (range.length + 1));
        const early = decideCut(seen, limits, nowMs);
        const late = decideCut(range, limits, nowMs + laterMs);
        if (early.kind === 'cut') {
          expect(late.kind).toBe('cut');
          if (late.kind !== 'cut') return;
          if (early.reason === 'full') expect(late.revisionLast).toBe(early.revisionLast);
          else expect(late.revisionLast).toBeGreaterThanOrEqual(early.revisionLast);
        }
      }),
    );
  });

  it('cutting a stream again and again covers every batch once, in order, within the limits', () => {
    fc.assert(
      fc.property(withRange, ([limits, range, nowMs]) => {
        let open = range;
        const blocks: OpenBatch[][] = [];
        // Each round removes at least one batch, so at most range.length rounds.
        for (let round = 0; round <= range.length && open.length > 0; round++) {
          const decision = decideCut(open, limits, nowMs + 10_000);
          expect(decision.kind).toBe('cut');
          if (decision.kind !== 'cut') return;
          blocks.push(open.slice(0, decision.batchCount));
          open = open.slice(decision.batchCount);
        }
        expect(open).toEqual([]);
        expect(blocks.flat()).toEqual(range);
        for (const block of blocks) {
          expect(block.reduce((sum, batch) => sum + batch.txCount, 0)).toBeLessThanOrEqual(limits.blockTxCountMax);
          expect(block.reduce((sum, batch) => sum + batch.bytes, 0)).toBeLessThanOrEqual(limits.blockBytesMax);
        }
      }),
    );
  });
});
