/**
 * Ordering against a real three-member etcd (ETCD_ENDPOINTS). Proves, each test under its own prefix:
 * concurrent cut proposals from separate clients leave exactly one winner per height, a retried winner
 * still reports its win, and no proposal can skip a height or re-create a cut compaction deleted; batch
 * puts are idempotent under retry; the watcher delivers in revision order, resumes a dropped stream
 * without losing or repeating an event, and reports a compacted start as LogCompactedError with etcd's
 * compact revision; three sequencers (one client and one node name each) fed by 32 concurrent
 * submitters cut identical block sequences that hold every submission exactly once within the block
 * limits; and after every node publishes its applied revision, compaction deletes the applied tail but
 * the newest cut, and a node restarted from its last block carries on with the same chain.
 */
import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { compactOrderingLog } from './compaction.js';
import { LogCompactedError, OrderingError, OrderingErrorCode } from './errors.js';
import { cutKey, logKey, orderingKeys, orderingPrefix, type OrderingKeys } from './keys.js';
import { etcdLogAppender } from './log-appender.js';
import { encodeCutRecord } from './log-entries.js';
import { LogWatcher } from './log-watcher.js';
import type { OrderingLimits } from './limits.js';
import { proposeCut } from './proposer.js';
import { Sequencer } from './sequencer.js';
import type { CutRecord, OrderedBlock, OrderingEvent } from './types.js';

const endpoints = (process.env.ETCD_ENDPOINTS ?? '').split(',').filter((endpoint) => endpoint.length > 0);
const clients: Etcd3[] = [];

function client(): Etcd3 {
  const created = new Etcd3({ hosts: endpoints });
  clients.push(created);
  return created;
}

function freshKeys(): OrderingKeys {
  return orderingKeys(orderingPrefix(`test-${randomUUID()}`));
}

async function currentRevision(etcd: Etcd3): Promise<number> {
  const response = await etcd.kv.range({ key: Buffer.from('/twinledger/'), limit: 1 });
  return Number(response.header.revision);
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(() => {
  if (endpoints.length === 0) throw new Error('ETCD_ENDPOINTS is not set: run in the integration project');
});

afterAll(() => {
  for (const created of clients) created.close();
});

const cut = (height: number, revisionLast: number, proposer: string, proposalTimeMs = 1_000): CutRecord => ({
  height,
  revisionLast,
  proposalTimeMs,
  proposer,
});

describe('proposer', () => {
  it('leaves exactly one winner per height among concurrent proposers', async () => {
    const keys = freshKeys();
    const proposers = [client(), client(), client()];
    for (let height = 1; height <= 5; height++) {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) => proposeCut(proposers[index % 3]!, keys, cut(height, height * 10 + index, `node-${index}`))),
      );
      const winners = results.filter((result) => result.won);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.winner;
      for (const result of results) {
        expect(result.winner).toEqual(winner);
        expect(result.cutRevision).toBe(winners[0]!.cutRevision);
      }
    }
  });

  it('reports a retried winning proposal as won, and refuses a skipped height', async () => {
    const keys = freshKeys();
    const etcd = client();
    const record = cut(1, 5, 'node-a');
    const first = await proposeCut(etcd, keys, record);
    expect(first.won).toBe(true);
    expect(await proposeCut(etcd, keys, record)).toEqual(first);
    expect(await proposeCut(etcd, keys, cut(1, 6, 'node-b'))).toMatchObject({ won: false, winner: record });
    expect(await proposeCut(etcd, keys, cut(3, 9, 'node-a'))).toEqual({ won: false, winner: undefined, cutRevision: undefined });
  });

  it('cannot re-create a cut deleted by compaction once a later cut exists', async () => {
    const keys = freshKeys();
    const etcd = client();
    expect((await proposeCut(etcd, keys, cut(1, 1, 'node-a'))).won).toBe(true);
    expect((await proposeCut(etcd, keys, cut(2, 2, 'node-a'))).won).toBe(true);
    await etcd.delete().key(cutKey(keys, 1));
    expect((await proposeCut(etcd, keys, cut(1, 1, 'node-late'))).won).toBe(false);
    expect(await etcd.get(cutKey(keys, 1)).string()).toBeNull();
  });
});

describe('log appender', () => {
  it('answers a repeated put with the first revision and refuses another value under the same key', async () => {
    const keys = freshKeys();
    const appender = etcdLogAppender(client());
    const key = logKey(keys, 'node-a', 'boot', 0);
    const revision = await appender.append(key, '["a"]');
    expect(await appender.append(key, '["a"]')).toBe(revision);
    await expect(appender.append(key, '["b"]')).rejects.toMatchObject({ code: OrderingErrorCode.batchKeyConflict });
  });
});

describe('log watcher', () => {
  async function writeLog(etcd: Etcd3, keys: OrderingKeys, count: number): Promise<number[]> {
    const revisions: number[] = [];
    const appender = etcdLogAppender(etcd);
    for (let counter = 0; counter < count; counter++) {
      revisions.push(await appender.append(logKey(keys, 'node-a', 'boot', counter), JSON.stringify([counter])));
    }
    return revisions;
  }

  async function take(watcher: LogWatcher<number>, count: number): Promise<OrderingEvent<number>[]> {
    const events: OrderingEvent<number>[] = [];
    for await (const event of watcher) {
      events.push(event);
      if (events.length === count) break;
    }
    return events;
  }

  it('delivers batches, cuts and signatures from the start revision, in order, skipping malformed batches', async () => {
    const keys = freshKeys();
    const etcd = client();
    const [first, second] = await writeLog(etcd, keys, 2);
    await etcd.put(logKey(keys, 'node-b', 'boot', 0)).value('not json');
    await etcd.put(`${keys.prefix}sig/000000000001/node-a`).value('— node-a AAAA');
    await etcd.put(cutKey(keys, 1)).value(encodeCutRecord(cut(1, second!, 'node-a')));
    await etcd.put(`${keys.prefix}applied/node-a`).value('1');
    const skipped: string[] = [];
    const watcher = new LogWatcher<number>({ client: etcd, keys, startRevision: first!, onSkipped: (_revision, key) => skipped.push(key) });
    const events = await take(watcher, 4);
    expect(events.map((event) => event.kind)).toEqual(['batch', 'batch', 'signature', 'cut']);
    expect(events.map((event) => event.revision)).toEqual([...events.map((event) => event.revision)].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ kind: 'batch', revision: first, items: [0], node: 'node-a', bytes: 3 });
    expect(skipped).toEqual([logKey(keys, 'node-b', 'boot', 0)]);
  });

  it('resumes a dropped stream from the last queued revision: nothing lost, nothing twice', async () => {
    const keys = freshKeys();
    const etcd = client();
    const appender = etcdLogAppender(etcd);
    const first = await appender.append(logKey(keys, 'node-a', 'boot', 0), '[0]');
    // A consumer that lags behind a buffer of 4 while batches keep coming makes the watcher drop and
    // reopen its stream again and again, each time from the last revision it queued.
    const watcher = new LogWatcher<number>({ client: etcd, keys, startRevision: first, bufferedEventsMax: 4 });
    const writing = (async () => {
      const revisions = [first];
      for (let counter = 1; counter < 80; counter++) {
        revisions.push(await appender.append(logKey(keys, 'node-a', 'boot', counter), JSON.stringify([counter])));
        if (counter % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return revisions;
    })();
    const events: OrderingEvent<number>[] = [];
    for await (const event of watcher) {
      events.push(event);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (events.length === 80) break;
    }
    expect(events.map((event) => event.revision)).toEqual(await writing);
    expect(watcher.streamsOpened).toBeGreaterThan(1);
  });

  it('gives up at once with ORDERING_WATCH_UNAVAILABLE on a closed client instead of retrying', async () => {
    const keys = freshKeys();
    const etcd = new Etcd3({ hosts: endpoints });
    const startRevision = await currentRevision(etcd);
    etcd.close();
    const watcher = new LogWatcher<number>({ client: etcd, keys, startRevision });
    await expect(watcher.next()).rejects.toMatchObject({ code: OrderingErrorCode.watchUnavailable });
  });

  it('reports a start below the compaction point as LogCompactedError with the compact revision', async () => {
    const keys = freshKeys();
    const etcd = client();
    const revisions = await writeLog(etcd, keys, 3);
    const compactRevision = revisions[2]!;
    await etcd.kv.compact({ revision: compactRevision });
    const watcher = new LogWatcher<number>({ client: etcd, keys, startRevision: revisions[0]! });
    const error: unknown = await watcher.next().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(LogCompactedError);
    expect(error).toMatchObject({ code: OrderingErrorCode.logCompacted, requestedRevision: revisions[0] });
    expect((error as LogCompactedError).compactRevision).toBeGreaterThanOrEqual(compactRevision);
    await watcher.close();
  });
});

describe('three sequencers', () => {
  const limits: OrderingLimits = {
    batchTxCountMax: 8,
    batchBytesMax: 2_048,
    batchWaitMs: 2,
    inFlightBatchesMax: 4,
    queueItemsMax: 4_096,
    blockTxCountMax: 40,
    blockBytesMax: 8_192,
    blockWaitMs: 15,
  };
  const nodes = ['node-a', 'node-b', 'node-c'];
  interface Item {
    submitter: number;
    index: number;
    pad: string;
  }

  it('keep cutting when one node is down: its heights fall to the others after the backup delay', async () => {
    const keys = freshKeys();
    const running = ['node-a', 'node-b'];
    const chains = new Map<string, OrderedBlock<Item>[]>(running.map((node) => [node, []]));
    const sequencers = running.map((node) => {
      const sequencer = new Sequencer<Item>({ client: client(), keys, node, nodes, limits, start: { heightLast: 0, revisionLast: 0 } });
      sequencer.onBlock((block) => {
        chains.get(node)!.push(block);
      });
      sequencer.start();
      return sequencer;
    });
    // Nine rounds of one submission each, one block each: node-c is the preferred proposer of three of them.
    for (let index = 0; index < 9; index++) {
      const item: Item = { submitter: 0, index, pad: '' };
      const receipt = await sequencers[index % 2]!.submit(item, Buffer.byteLength(JSON.stringify(item)));
      await until(
        () => running.every((node) => chains.get(node)!.some((block) => block.batches.some((batch) => batch.revision === receipt.revision))),
        `block holding submission ${index}`,
      );
    }
    expect(chains.get('node-a')).toEqual(chains.get('node-b'));
    const blocks = chains.get('node-a')!;
    expect(blocks).toHaveLength(9);
    expect(new Set(blocks.map((block) => block.proposer))).toEqual(new Set(running));
    await Promise.all(sequencers.map((sequencer) => sequencer.stop()));
  });

  it('cut identical blocks from 32 concurrent submitters, each submission once, within the limits; then compact and restart', async () => {
    const keys = freshKeys();
    const chains = new Map<string, OrderedBlock<Item>[]>(nodes.map((node) => [node, []]));
    const sequencers = nodes.map((node) => {
      const sequencer = new Sequencer<Item>({ client: client(), keys, node, nodes, limits, start: { heightLast: 0, revisionLast: 0 } });
      sequencer.onBlock((block) => {
        chains.get(node)!.push(block);
      });
      sequencer.start();
      return sequencer;
    });

    const submitterCount = 32;
    const itemsPerSubmitter = 25;
    const receipts = new Map<string, number>();
    await Promise.all(
      Array.from({ length: submitterCount }, async (_, submitter) => {
        const sequencer = sequencers[submitter % sequencers.length]!;
        for (let index = 0; index < itemsPerSubmitter; index++) {
          const item: Item = { submitter, index, pad: 'x'.repeat((submitter * 7 + index * 13) % 120) };
          const receipt = await sequencer.submit(item, Buffer.byteLength(JSON.stringify(item)));
          receipts.set(`${submitter}/${index}`, receipt.revision);
        }
      }),
    );
    const total = submitterCount * itemsPerSubmitter;
    const itemCount = (chain: OrderedBlock<Item>[]): number =>
      chain.reduce((sum, block) => sum + block.batches.reduce((inner, batch) => inner + batch.items.length, 0), 0);
    await until(() => nodes.every((node) => itemCount(chains.get(node)!) === total), 'every node to hold every submission in a block');

    const [reference, ...others] = nodes.map((node) => chains.get(node)!);
    for (const chain of others) expect(chain).toEqual(reference);
    const blocks = reference!;
    expect(blocks.length).toBeGreaterThan(total / limits.blockTxCountMax - 1);
    expect(blocks.map((block) => block.height)).toEqual(blocks.map((_, index) => index + 1));
    const seen = new Set<string>();
    let revisionLast = 0;
    for (const block of blocks) {
      expect(block.revisionFirst).toBe(revisionLast + 1);
      revisionLast = block.revisionLast;
      expect(block.batches.reduce((sum, batch) => sum + batch.items.length, 0)).toBeLessThanOrEqual(limits.blockTxCountMax);
      expect(block.batches.reduce((sum, batch) => sum + Buffer.byteLength(JSON.stringify(batch.items)), 0)).toBeLessThanOrEqual(limits.blockBytesMax);
      for (const batch of block.batches) {
        expect(batch.items.length).toBeLessThanOrEqual(limits.batchTxCountMax);
        for (const item of batch.items) {
          const id = `${item.submitter}/${item.index}`;
          expect(seen.has(id)).toBe(false);
          seen.add(id);
          expect(receipts.get(id)).toBe(batch.revision);
        }
      }
    }
    expect(seen.size).toBe(total);
    const won = sequencers.reduce((sum, sequencer) => sum + sequencer.stats.proposalsWon, 0);
    expect(won).toBe(blocks.length);

    // Compaction waits for every node, then deletes the applied tail and keeps the newest cut.
    const etcd = client();
    expect(await compactOrderingLog(etcd, keys, nodes)).toEqual({ kind: 'waiting', nodesMissing: nodes });
    const lastBlock = blocks[blocks.length - 1]!;
    const middleBlock = blocks[Math.floor(blocks.length / 2)]!;
    await sequencers[0]!.publishApplied(lastBlock.revisionLast);
    await sequencers[1]!.publishApplied(lastBlock.revisionLast);
    await sequencers[2]!.publishApplied(middleBlock.revisionLast);
    await expect(sequencers[2]!.publishApplied(middleBlock.revisionLast - 1)).rejects.toBeInstanceOf(OrderingError);
    await Promise.all(sequencers.map((sequencer) => sequencer.stop()));

    const result = await compactOrderingLog(etcd, keys, nodes, { deleteKeysMax: 100_000 });
    expect(result).toMatchObject({ kind: 'compacted', revision: middleBlock.revisionLast, more: false });
    const remainingBatches = await etcd.getAll().prefix(keys.logPrefix).keys();
    const expectedRemaining = blocks.flatMap((block) => block.batches).filter((batch) => batch.revision > middleBlock.revisionLast);
    expect(remainingBatches.sort()).toEqual(expectedRemaining.map((batch) => batch.key).sort());
    expect(await etcd.get(cutKey(keys, lastBlock.height)).string()).not.toBeNull();
    expect(await etcd.get(cutKey(keys, middleBlock.height)).string()).not.toBeNull();

    // A watcher from below the compaction point is told to catch up from a peer.
    const stale = new LogWatcher<Item>({ client: etcd, keys, startRevision: 1 });
    await expect(stale.next()).rejects.toBeInstanceOf(LogCompactedError);
    await stale.close();

    // The slowest node restarts from its last applied block and carries on with the same chain.
    const restartedChain: OrderedBlock<Item>[] = [];
    const restarted = new Sequencer<Item>({
      client: client(),
      keys,
      node: 'node-c',
      nodes,
      limits,
      start: { heightLast: middleBlock.height, revisionLast: middleBlock.revisionLast },
    });
    restarted.onBlock((block) => {
      restartedChain.push(block);
    });
    restarted.start();
    const extra: Item = { submitter: 99, index: 0, pad: '' };
    const receipt = await restarted.submit(extra, Buffer.byteLength(JSON.stringify(extra)));
    await until(() => restartedChain.some((block) => block.batches.some((batch) => batch.revision === receipt.revision)), 'the restarted node to cut');
    expect(restartedChain.slice(0, blocks.length - middleBlock.height)).toEqual(blocks.slice(middleBlock.height));
    expect(restartedChain[restartedChain.length - 1]!.height).toBe(lastBlock.height + 1);
    await restarted.stop();
    await expect(restarted.done).resolves.toBeUndefined();
  });
});
