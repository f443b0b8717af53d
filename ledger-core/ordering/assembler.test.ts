/**
 * The block assembler. Proves: blocks hold exactly the batches in (previous revisionLast, revisionLast]
 * in revision order, including empty blocks; every cut that breaks the chain (height not next,
 * revisionLast below the previous or not below its own revision, events going backwards, a block over
 * the limits) stops it as a broken invariant; a restart from {height, revisionLast} skips the replayed
 * cuts and checks them. Then, on random logs written by several proposers with stale views racing
 * through a compare-and-swap, the blocks cover every batch exactly once, in revision order, within the
 * limits, and an assembler restarted at any block boundary produces the same later blocks.
 */
import fc from 'fast-check';
import { BlockAssembler, type AssemblerStart } from './assembler.js';
import { decideCut } from './cut-rule.js';
import { OrderingInvariantError } from './invariant.js';
import type { BlockLimits } from './limits.js';
import type { BatchEvent, CutEvent, OrderedBlock, OrderingEvent, SignatureEvent } from './types.js';

const batch = (revision: number, txCount = 1, bytes = 10): BatchEvent<string> => ({
  kind: 'batch',
  revision,
  key: `/twinledger/t/log/a/boot/${String(revision).padStart(12, '0')}`,
  node: 'a',
  items: Array.from({ length: txCount }, (_, index) => `tx-${revision}-${index}`),
  bytes,
});

const cut = (revision: number, height: number, revisionLast: number): CutEvent => ({
  kind: 'cut',
  revision,
  key: `/twinledger/t/cut/${String(height).padStart(12, '0')}`,
  cut: { height, revisionLast, proposalTimeMs: 1_000 + revision, proposer: 'b' },
});

const signature = (revision: number, height: number): SignatureEvent => ({
  kind: 'signature',
  revision,
  key: `/twinledger/t/sig/${String(height).padStart(12, '0')}/a`,
  height,
  node: 'a',
  line: '— a sig',
});

function assemble(events: readonly OrderingEvent<string>[], start: AssemblerStart = { heightLast: 0, revisionLast: 0 }): OrderedBlock<string>[] {
  const assembler = new BlockAssembler<string>(start);
  return events.flatMap((event) => {
    const block = assembler.push(event);
    return block === undefined ? [] : [block];
  });
}

describe('BlockAssembler cases', () => {
  it('closes a block with the batches at or below revisionLast and keeps later ones for the next', () => {
    const blocks = assemble([batch(2, 2), batch(3), batch(5), cut(6, 1, 3), batch(7), cut(8, 2, 7)]);
    expect(blocks.map((block) => block.batches.map((b) => b.revision))).toEqual([[2, 3], [5, 7]]);
    expect(blocks[0]).toMatchObject({ height: 1, revisionFirst: 1, revisionLast: 3, cutRevision: 6, proposalTimeMs: 1_006, proposer: 'b' });
    expect(blocks[1]).toMatchObject({ height: 2, revisionFirst: 4, revisionLast: 7, cutRevision: 8 });
    expect(blocks[0]!.batches[0]!.items).toEqual(['tx-2-0', 'tx-2-1']);
  });

  it('gives an empty block for a cut that repeats the previous revisionLast, and ignores signatures', () => {
    const blocks = assemble([batch(2), cut(3, 1, 2), signature(4, 1), cut(5, 2, 2), batch(6), cut(7, 3, 6)]);
    expect(blocks.map((block) => [block.height, block.revisionFirst, block.revisionLast, block.batches.length])).toEqual([
      [1, 1, 2, 1],
      [2, 3, 2, 0],
      [3, 3, 6, 1],
    ]);
  });

  it('exposes the open range for the cut rule', () => {
    const assembler = new BlockAssembler<string>({ heightLast: 0, revisionLast: 0 });
    for (const event of [batch(2, 3, 30), batch(3, 1, 5), cut(4, 1, 2), batch(5, 2, 7)]) assembler.push(event);
    expect(assembler.pendingBatches()).toEqual([
      { revision: 3, txCount: 1, bytes: 5 },
      { revision: 5, txCount: 2, bytes: 7 },
    ]);
    expect(assembler.pendingBatches(1)).toEqual([{ revision: 3, txCount: 1, bytes: 5 }]);
    expect([assembler.heightLast, assembler.revisionLast, assembler.revisionSeen]).toEqual([1, 2, 5]);
  });

  const refusals: Array<[string, OrderingEvent<string>[]]> = [
    ['a cut that skips a height', [batch(2), cut(3, 2, 2)]],
    ['a cut that repeats a height', [batch(2), cut(3, 1, 2), cut(4, 1, 3)]],
    ['a cut for height 0', [batch(2), cut(3, 0, 2)]],
    ['a cut whose revisionLast is below the previous', [batch(2), batch(3), cut(4, 1, 3), cut(5, 2, 2)]],
    ['a cut that names its own revision', [batch(2), cut(3, 1, 3)]],
    ['a cut that names a revision above its own', [batch(2), cut(3, 1, 9)]],
    ['an event going backwards', [batch(5), batch(4)]],
    ['a batch at or below the last revisionLast', [batch(2), cut(3, 1, 2), { ...batch(2) }]],
  ];
  it.each(refusals)('refuses %s as a broken invariant', (_name, events) => {
    expect(() => assemble(events)).toThrow(OrderingInvariantError);
  });

  it('refuses a block over the limits unless it is one batch', () => {
    const limits: Pick<BlockLimits, 'blockTxCountMax' | 'blockBytesMax'> = { blockTxCountMax: 3, blockBytesMax: 100 };
    const over = new BlockAssembler<string>({ heightLast: 0, revisionLast: 0 }, { limits });
    over.push(batch(2, 2));
    over.push(batch(3, 2));
    expect(() => over.push(cut(4, 1, 3))).toThrow(/over the limits/);
    const alone = new BlockAssembler<string>({ heightLast: 0, revisionLast: 0 }, { limits });
    alone.push(batch(2, 5, 500));
    expect(alone.push(cut(3, 1, 2))?.batches).toHaveLength(1);
  });

  it('refuses to hold more than pendingBatchesMax batches', () => {
    const assembler = new BlockAssembler<string>({ heightLast: 0, revisionLast: 0 }, { pendingBatchesMax: 2 });
    assembler.push(batch(2));
    assembler.push(batch(3));
    expect(() => assembler.push(batch(4))).toThrow(/wait for a cut/);
  });

  describe('restart', () => {
    // Log: batches 2, 3; cut 1 (rL 2) at 4; batch 5; cut 2 (rL 3) at 6; batch 7; cut 3 (rL 7) at 8.
    const log = [batch(2), batch(3), cut(4, 1, 2), batch(5), cut(6, 2, 3), batch(7), cut(8, 3, 7)];
    const after = (revision: number): OrderingEvent<string>[] => log.filter((event) => event.revision > revision);

    it('skips the replayed cuts and continues with the same blocks', () => {
      const full = assemble(log);
      expect(assemble(after(3), { heightLast: 2, revisionLast: 3 })).toEqual(full.slice(2));
      expect(assemble(after(2), { heightLast: 1, revisionLast: 2 })).toEqual(full.slice(1));
    });

    it('refuses a replayed cut that disagrees with the start', () => {
      expect(() => assemble(after(4), { heightLast: 2, revisionLast: 4 })).toThrow(/replayed cut 2 closes at 3/);
    });

    it('refuses a start the watch has already passed (the next cut before the replay)', () => {
      expect(() => assemble(after(6), { heightLast: 2, revisionLast: 3 })).toThrow(/before the replay/);
    });

    it('refuses a start that is not a block boundary', () => {
      expect(() => new BlockAssembler({ heightLast: 0, revisionLast: 5 })).toThrow(OrderingInvariantError);
      expect(() => new BlockAssembler({ heightLast: -1, revisionLast: 0 })).toThrow(OrderingInvariantError);
    });
  });
});

type Step = { kind: 'batch'; txCount: number; bytes: number } | { kind: 'propose'; lag: number; proposer: number; elapsedMs: number };

interface SimulatedLog {
  events: OrderingEvent<string>[];
  batches: BatchEvent<string>[];
}

/**
 * A log as etcd would hold it: batches put one revision each, and cuts proposed by nodes whose view
 * lags `lag` revisions behind, accepted only when the compare-and-swap would accept them (no cut at or
 * above the height, and the predecessor present).
 */
function simulate(steps: readonly Step[], limits: BlockLimits): SimulatedLog {
  const events: OrderingEvent<string>[] = [];
  const batches: BatchEvent<string>[] = [];
  let revision = 1;
  let heightDecided = 0;
  for (const step of steps) {
    if (step.kind === 'batch') {
      revision++;
      const event = batch(revision, step.txCount, step.bytes);
      events.push(event);
      batches.push(event);
      continue;
    }
    const view = events.filter((event) => event.revision <= revision - step.lag);
    const cuts = view.filter((event): event is CutEvent => event.kind === 'cut');
    const lastCut = cuts[cuts.length - 1]?.cut;
    const viewRevisionLast = lastCut?.revisionLast ?? 0;
    const open = view
      .filter((event): event is BatchEvent<string> => event.kind === 'batch' && event.revision > viewRevisionLast)
      .map((event) => ({ revision: event.revision, txCount: event.items.length, bytes: event.bytes, firstSeenMs: event.revision }));
    const decision = decideCut(open, limits, revision + step.elapsedMs);
    if (decision.kind !== 'cut') continue;
    const height = (lastCut?.height ?? 0) + 1;
    if (height !== heightDecided + 1) continue; // the compare-and-swap refuses a stale proposer
    revision++;
    heightDecided = height;
    events.push({ ...cut(revision, height, decision.revisionLast), cut: { height, revisionLast: decision.revisionLast, proposalTimeMs: revision, proposer: `n${step.proposer}` } });
  }
  return { events, batches };
}

const limitsArbitrary = fc.record({
  blockTxCountMax: fc.integer({ min: 1, max: 12 }),
  blockBytesMax: fc.integer({ min: 3, max: 200 }),
  blockWaitMs: fc.integer({ min: 0, max: 20 }),
});

const logArbitrary = limitsArbitrary.chain((limits) =>
  fc.tuple(
    fc.constant(limits),
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.record({ kind: fc.constant('batch' as const), txCount: fc.integer({ min: 1, max: limits.blockTxCountMax }), bytes: fc.integer({ min: 3, max: limits.blockBytesMax }) }) },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('propose' as const),
            lag: fc.integer({ min: 0, max: 6 }),
            proposer: fc.integer({ min: 0, max: 2 }),
            elapsedMs: fc.integer({ min: 0, max: 30 }),
          }),
        },
      ),
      { minLength: 10, maxLength: 150, size: 'max' },
    ),
  ),
);

describe('BlockAssembler properties', () => {
  it('covers every batch exactly once, in revision order, within the limits, on any racing log', () => {
    fc.assert(
      fc.property(logArbitrary, ([limits, steps]) => {
        const { events, batches } = simulate(steps, limits);
        const assembler = new BlockAssembler<string>({ heightLast: 0, revisionLast: 0 }, { limits });
        const blocks = events.flatMap((event) => assembler.push(event) ?? []);

        const covered = blocks.flatMap((block) => block.batches.map((b) => b.revision));
        const pending = assembler.pendingBatches().map((b) => b.revision);
        expect([...covered, ...pending]).toEqual(batches.map((b) => b.revision));
        let revisionLast = 0;
        blocks.forEach((block, index) => {
          expect(block.height).toBe(index + 1);
          expect(block.revisionFirst).toBe(revisionLast + 1);
          for (const b of block.batches) {
            expect(b.revision).toBeGreaterThanOrEqual(block.revisionFirst);
            expect(b.revision).toBeLessThanOrEqual(block.revisionLast);
          }
          expect(block.batches.reduce((sum, b) => sum + b.items.length, 0)).toBeLessThanOrEqual(limits.blockTxCountMax);
          revisionLast = block.revisionLast;
        });
        expect(pending.every((revision) => revision > revisionLast)).toBe(true);
      }),
    );
  });

  it('an assembler restarted at any block boundary produces the same later blocks', () => {
    fc.assert(
      fc.property(logArbitrary, fc.nat(), ([limits, steps], pick) => {
        const { events } = simulate(steps, limits);
        const blocks = assemble(events);
        const restartAfter = pick % (blocks.length + 1);
        const start: AssemblerStart =
          restartAfter === 0 ? { heightLast: 0, revisionLast: 0 } : { heightLast: restartAfter, revisionLast: blocks[restartAfter - 1]!.revisionLast };
        const resumed = assemble(
          events.filter((event) => event.revision > start.revisionLast),
          start,
        );
        expect(resumed).toEqual(blocks.slice(restartAfter));
      }),
    );
  });
});
