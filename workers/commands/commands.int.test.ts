/**
 * The write path from a resolver's request to a receipt, against the run's real Redis and three ledger
 * nodes, each test on queues of its own (a unique Redis key prefix):
 *  - a signed asset.note enqueued twice is one job (the job id is the transaction id) and lands on the
 *    ledger once; `submitAndAwait` brings back its receipt;
 *  - a contract rejection (a wrong expectedVersion) comes back as a rejected receipt, not a failure;
 *  - with the ledger unreachable the job is retried with exponential backoff and then lands in the
 *    dead-letter queue with its reason and the transaction; the resolver gets COMMAND_FAILED;
 *  - a worker that dies mid-job (its node never answers, then it stops without a word) leaves the job
 *    to another worker, which finishes it once the lock expires (stalled-job recovery);
 *  - a job for a transaction already on the ledger completes with the first receipt;
 *  - outcomes come as notices on the transaction's own channel; a lost notice is covered by reading
 *    the job, a foreign one on the channel is ignored, and every watch is released.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { buildTransaction, LedgerClient, startStandInNode, type Receipt, type TransactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys } from '@twinledger/ledger-core/node/bootstrap';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { transactionSigner } from '@twinledger/ledger-core/client';
import {
  announceCommandOutcome,
  CommandError,
  CommandErrorCode,
  CommandOutcomeListener,
  commandsQueue,
  commandsQueueName,
  deadCommandsQueue,
  enqueueTransaction,
  redisConnection,
  startCommandWorker,
  submitAndAwait,
  type CommandJobData,
  type CommandsQueue,
  type CommandWorker,
  type CommandWorkerEvent,
  type CommandWorkerOptions,
} from './index.js';

jest.setTimeout(120_000);

const ledgerUrls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url.length > 0);
const redisUrl = process.env.REDIS_URL ?? '';
let signer: TransactionSigner;
let client: LedgerClient;

/** One test's queues, connections and workers; `close` releases them all. */
interface Fixture {
  readonly prefix: string;
  readonly queue: CommandsQueue;
  readonly outcomes: CommandOutcomeListener;
  readonly events: CommandWorkerEvent[];
  startWorker(options?: Partial<CommandWorkerOptions>): Promise<CommandWorker>;
  close(): Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const prefix = `twinledger-test-${crypto.randomBytes(6).toString('hex')}`;
  const connections: Redis[] = [];
  const connect = (role: 'worker' | 'producer'): Redis => {
    const connection = redisConnection(redisUrl, role);
    connections.push(connection);
    return connection;
  };
  const queue = commandsQueue({ connection: connect('producer'), prefix });
  const outcomes = await CommandOutcomeListener.connect(redisUrl, prefix);
  const workers: CommandWorker[] = [];
  const events: CommandWorkerEvent[] = [];
  return {
    prefix,
    queue,
    outcomes,
    events,
    async startWorker(options = {}) {
      const worker = await startCommandWorker({ connection: connect('worker'), prefix, ledgerUrls, concurrency: 4, onEvent: (event) => events.push(event), ...options });
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers) await worker.close();
      await outcomes.close();
      await queue.close();
      for (const connection of connections) connection.disconnect();
    },
  };
}

async function withFixture(test: (fixture: Fixture) => Promise<void>): Promise<void> {
  const current = await fixture();
  try {
    await test(current);
  } finally {
    await current.close();
  }
}

function note(expectedVersion?: number): ReturnType<typeof buildTransaction> {
  const key = `commands-${crypto.randomBytes(6).toString('hex')}`;
  return buildTransaction({ type: 'asset.note', payload: { key, value: { at: 'commands test' }, ...(expectedVersion === undefined ? {} : { expectedVersion }) } }, signer);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadlineMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForJob(queue: CommandsQueue, txId: string): Promise<void> {
  const deadlineMs = Date.now() + 10_000;
  while ((await queue.getJob(txId)) === undefined) {
    if (Date.now() > deadlineMs) throw new Error(`job ${txId} was not added within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Takes the next job with BullMQ's manual processing and completes it with `receipt`, announcing nothing. */
async function completeByHand(prefix: string, txId: string, receipt: Receipt): Promise<void> {
  const connection = redisConnection(redisUrl, 'worker');
  const manual = new Worker<CommandJobData, Receipt>(commandsQueueName, null, { connection, prefix, autorun: false });
  try {
    const token = crypto.randomUUID();
    const job = await manual.getNextJob(token);
    if (job === undefined || job.id !== txId) throw new Error(`expected job ${txId}, got ${String(job?.id)}`);
    await job.moveToCompleted(receipt, token, false);
  } finally {
    await manual.close();
    connection.disconnect();
  }
}

function withoutDuplicate(receipt: Receipt): Omit<Receipt, 'duplicate'> {
  const { duplicate: _duplicate, ...rest } = receipt;
  return rest;
}

beforeAll(() => {
  const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR;
  if (consortiumDir === undefined || ledgerUrls.length === 0 || redisUrl === '') throw new Error('the integration harness sets LEDGER_URLS, LEDGER_CONSORTIUM_DIR and REDIS_URL');
  const loaded = loadConsortium(consortiumDir);
  const member = loaded.genesis.members[0];
  if (member === undefined) throw new Error('the consortium has no member');
  signer = transactionSigner(loadMemberKeys(loaded, member.name).organizationKey);
  client = new LedgerClient({ nodes: ledgerUrls, timeoutMs: 30_000 });
});

afterAll(() => {
  client?.close();
});

describe('commands queue', () => {
  it('makes one job of a transaction enqueued twice, lands it once, and brings its receipt back through submitAndAwait', () =>
    withFixture(async ({ queue, outcomes, startWorker, events }) => {
      const { txId, signed } = note();
      const first = await enqueueTransaction(queue, signed);
      const second = await enqueueTransaction(queue, signed);
      expect(first.job.id).toBe(txId);
      expect(second.job.id).toBe(txId);
      expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized')).toBe(1);
      await startWorker();
      const receipt = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000 });
      expect(receipt).toMatchObject({ txId, status: 'accepted' });
      expect(receipt.duplicate).toBeUndefined();
      // A third request after completion joins the finished job: same receipt, no new job, no new attempt.
      expect(await submitAndAwait(queue, outcomes, signed, { timeoutMs: 10_000 })).toEqual(receipt);
      expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized')).toBe(1);
      expect(events.filter((event) => event.kind === 'attempt')).toHaveLength(1);
      // On the ledger once: asking again is answered as a duplicate with the same block.
      const again = await client.submit(signed, { waitMs: 30_000 });
      expect(again).toMatchObject({ txId, duplicate: true, height: receipt.height, blockHash: receipt.blockHash });
    }));

  it('answers a contract rejection with the rejected receipt as the job result', () =>
    withFixture(async ({ queue, outcomes, startWorker }) => {
      await startWorker();
      const { txId, signed } = note(7);
      const receipt = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000 });
      expect(receipt).toMatchObject({ txId, status: 'rejected' });
      expect(receipt.status === 'rejected' && receipt.code.length > 0).toBe(true);
      expect(await (await queue.getJob(txId))?.getState()).toBe('completed');
    }));

  it('retries an unreachable ledger with exponential backoff and dead-letters the job with its reason', () =>
    withFixture(async ({ queue, outcomes, startWorker, events, prefix }) => {
      await startWorker({ ledgerUrls: [`http://127.0.0.1:${await closedPort()}`], requestTimeoutMs: 2_000 });
      const { txId, signed } = note();
      const backoffMs = 200;
      const failure = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 30_000, enqueue: { jobAttemptsMax: 3, backoffMs } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(CommandError);
      expect(failure).toMatchObject({ code: CommandErrorCode.failed, reasonCode: 'LEDGER_UNAVAILABLE', txId });
      // Three attempts, the pauses doubling from backoffMs.
      const attemptsAtMs = events.flatMap((event) => (event.kind === 'attempt' ? [event.atMs] : []));
      expect(attemptsAtMs).toHaveLength(3);
      const [first = 0, second = 0, third = 0] = attemptsAtMs;
      expect(second - first).toBeGreaterThanOrEqual(backoffMs);
      expect(third - second).toBeGreaterThanOrEqual(2 * backoffMs);
      expect(events.filter((event) => event.kind === 'retry')).toHaveLength(2);
      const job = await queue.getJob(txId);
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(3);
      const deadConnection = redisConnection(redisUrl, 'producer');
      const dead = deadCommandsQueue({ connection: deadConnection, prefix });
      try {
        const letter = await dead.getJob(txId);
        expect(letter?.data).toMatchObject({ txId, signed, reasonCode: 'LEDGER_UNAVAILABLE', attemptsExhausted: true, attemptsMade: 3 });
        expect(letter?.data.reason).toContain('no ledger node answered');
      } finally {
        await dead.close();
        deadConnection.disconnect();
      }
    }));

  it('dead-letters a 4xx at once without retrying', () =>
    withFixture(async ({ queue, outcomes, startWorker, events }) => {
      const node = await startStandInNode(() => ({ status: 400, body: { error: { code: 'BAD_SIGNATURE', message: 'signature does not verify' } } }));
      try {
        await startWorker({ ledgerUrls: [node.url] });
        const { signed } = note();
        await expect(submitAndAwait(queue, outcomes, signed, { timeoutMs: 30_000, enqueue: { jobAttemptsMax: 5, backoffMs: 50 } })).rejects.toMatchObject({
          code: CommandErrorCode.failed,
          reasonCode: 'BAD_SIGNATURE',
        });
        expect(events.filter((event) => event.kind === 'attempt')).toHaveLength(1);
      } finally {
        await node.close();
      }
    }));

  it('finishes the job of a worker that died mid-job on another worker once its lock expires', () =>
    withFixture(async ({ queue, outcomes, startWorker, events }) => {
      const silentNode = await startStandInNode(() => 'hang');
      try {
        const lockDurationMs = 1_000;
        const dying = await startWorker({ ledgerUrls: [silentNode.url], lockDurationMs, stalledIntervalMs: 500, requestTimeoutMs: 60_000 });
        const { txId, signed } = note();
        const waiting = submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000 });
        waiting.catch(() => undefined);
        await waitFor(() => silentNode.requests.length > 0, 10_000);
        await dying.closeAbruptly();
        expect(await (await queue.getJob(txId))?.getState()).toBe('active');
        const startedMs = Date.now();
        await startWorker({ lockDurationMs, stalledIntervalMs: 500 });
        const receipt = await waiting;
        expect(receipt).toMatchObject({ txId, status: 'accepted' });
        expect(Date.now() - startedMs).toBeLessThan(30_000);
        expect(events.filter((event) => event.kind === 'attempt' && event.txId === txId).length).toBeGreaterThanOrEqual(2);
      } finally {
        await silentNode.close();
      }
    }));

  it('holds as many submissions open at once as it runs jobs, beyond the ledger client\'s default socket count', () =>
    withFixture(async ({ queue, startWorker }) => {
      // Each job's submission waits at the node for its receipt; a worker limited to fewer sockets than
      // jobs would queue the rest in the process and cap the write path at sockets per block interval.
      const heldNode = await startStandInNode(() => 'hang');
      const jobCount = 24;
      try {
        const worker = await startWorker({ ledgerUrls: [heldNode.url], concurrency: jobCount, requestTimeoutMs: 60_000 });
        for (let index = 0; index < jobCount; index++) await enqueueTransaction(queue, note().signed);
        await waitFor(() => heldNode.requests.filter((request) => request.method === 'POST').length === jobCount, 20_000);
        expect(heldNode.connectionCount).toBeGreaterThanOrEqual(jobCount);
        await worker.closeAbruptly();
      } finally {
        await heldNode.close();
      }
    }));

  it('completes a job for a transaction already on the ledger with the first receipt', () =>
    withFixture(async ({ queue, outcomes, startWorker }) => {
      const { txId, signed } = note();
      const first = await client.submit(signed, { waitMs: 60_000 });
      if (first.status === 'pending') throw new Error('still pending');
      await startWorker();
      const receipt = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000 });
      expect(receipt.duplicate).toBe(true);
      expect(withoutDuplicate(receipt)).toEqual(withoutDuplicate(first));
      expect(receipt.txId).toBe(txId);
    }));

  it('answers from the notice on the transaction\'s channel, which nobody else receives, and releases the watch', () =>
    withFixture(async ({ queue, outcomes, startWorker, prefix }) => {
      await startWorker();
      const bystander = await CommandOutcomeListener.connect(redisUrl, prefix);
      try {
        const unrelated = await bystander.watch(note().txId);
        const { txId, signed } = note();
        const receipt = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000, outcomeReadIntervalMs: 60_000 });
        expect(receipt).toMatchObject({ txId, status: 'accepted' });
        // With reads 60 s apart, only the notice can have answered within the test's time.
        expect(outcomes.watchedChannelCount).toBe(0);
        const heard = await Promise.race([unrelated.outcome.then(() => 'heard'), new Promise((resolve) => setTimeout(() => resolve('silent'), 300))]);
        expect(heard).toBe('silent');
        unrelated.cancel();
        expect(bystander.watchedChannelCount).toBe(0);
      } finally {
        await bystander.close();
      }
    }));

  it('reads the job when the notice is lost, and ignores a foreign message on the channel', () =>
    withFixture(async ({ queue, outcomes, prefix }) => {
      // No worker runs: the test finishes the job itself, as a worker that died before announcing would leave it.
      const { txId, signed } = note();
      const answer = await client.submit(signed, { waitMs: 60_000 });
      if (answer.status === 'pending') throw new Error('still pending');
      const finishedReceipt: Receipt = answer;
      const waiting = submitAndAwait(queue, outcomes, signed, { timeoutMs: 30_000, outcomeReadIntervalMs: 200 });
      waiting.catch(() => undefined);
      await waitForJob(queue, txId);
      const publisher = redisConnection(redisUrl, 'worker');
      try {
        await publisher.publish(`twinledger:command-outcome:${prefix}:${txId}`, '{"completed":{"txId":"forged"},"extra":1}');
        await publisher.publish(`twinledger:command-outcome:${prefix}:${txId}`, 'not json');
        await completeByHand(prefix, txId, finishedReceipt);
      } finally {
        publisher.disconnect();
      }
      const startedMs = Date.now();
      expect(await waiting).toEqual(finishedReceipt);
      expect(Date.now() - startedMs).toBeLessThan(5_000);
      expect(outcomes.watchedChannelCount).toBe(0);
    }));

  it('takes a failure notice as the final failure with its reason', () =>
    withFixture(async ({ queue, outcomes, prefix }) => {
      const { txId, signed } = note();
      const waiting = submitAndAwait(queue, outcomes, signed, { timeoutMs: 30_000, outcomeReadIntervalMs: 60_000 });
      await waitForJob(queue, txId);
      const publisher = redisConnection(redisUrl, 'worker');
      try {
        await announceCommandOutcome(publisher, prefix, txId, { kind: 'failed', reason: 'BAD_SIGNATURE: signature does not verify' });
      } finally {
        publisher.disconnect();
      }
      await expect(waiting).rejects.toMatchObject({ code: CommandErrorCode.failed, reasonCode: 'BAD_SIGNATURE', txId });
    }));
});

