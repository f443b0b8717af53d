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
 *  - a job for a transaction already on the ledger completes with the first receipt.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { buildTransaction, LedgerClient, startStandInNode, type Receipt, type TransactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys } from '@twinledger/ledger-core/node/bootstrap';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { transactionSigner } from '@twinledger/ledger-core/client';
import {
  CommandError,
  CommandErrorCode,
  commandsQueue,
  commandsQueueName,
  deadCommandsQueue,
  enqueueTransaction,
  redisConnection,
  startCommandWorker,
  submitAndAwait,
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
  readonly queueEvents: QueueEvents;
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
  const queueEvents = new QueueEvents(commandsQueueName, { connection: connect('worker'), prefix });
  await queueEvents.waitUntilReady();
  const workers: CommandWorker[] = [];
  const events: CommandWorkerEvent[] = [];
  return {
    prefix,
    queue,
    queueEvents,
    events,
    async startWorker(options = {}) {
      const worker = await startCommandWorker({ connection: connect('worker'), prefix, ledgerUrls, concurrency: 4, onEvent: (event) => events.push(event), ...options });
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers) await worker.close();
      await queueEvents.close();
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
    withFixture(async ({ queue, queueEvents, startWorker, events }) => {
      const { txId, signed } = note();
      const first = await enqueueTransaction(queue, signed);
      const second = await enqueueTransaction(queue, signed);
      expect(first.job.id).toBe(txId);
      expect(second.job.id).toBe(txId);
      expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized')).toBe(1);
      await startWorker();
      const receipt = await submitAndAwait(queue, queueEvents, signed, { timeoutMs: 60_000 });
      expect(receipt).toMatchObject({ txId, status: 'accepted' });
      expect(receipt.duplicate).toBeUndefined();
      // A third request after completion joins the finished job: same receipt, no new job, no new attempt.
      expect(await submitAndAwait(queue, queueEvents, signed, { timeoutMs: 10_000 })).toEqual(receipt);
      expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized')).toBe(1);
      expect(events.filter((event) => event.kind === 'attempt')).toHaveLength(1);
      // On the ledger once: asking again is answered as a duplicate with the same block.
      const again = await client.submit(signed, { waitMs: 30_000 });
      expect(again).toMatchObject({ txId, duplicate: true, height: receipt.height, blockHash: receipt.blockHash });
    }));

  it('answers a contract rejection with the rejected receipt as the job result', () =>
    withFixture(async ({ queue, queueEvents, startWorker }) => {
      await startWorker();
      const { txId, signed } = note(7);
      const receipt = await submitAndAwait(queue, queueEvents, signed, { timeoutMs: 60_000 });
      expect(receipt).toMatchObject({ txId, status: 'rejected' });
      expect(receipt.status === 'rejected' && receipt.code.length > 0).toBe(true);
      expect(await (await queue.getJob(txId))?.getState()).toBe('completed');
    }));

  it('retries an unreachable ledger with exponential backoff and dead-letters the job with its reason', () =>
    withFixture(async ({ queue, queueEvents, startWorker, events, prefix }) => {
      await startWorker({ ledgerUrls: [`http://127.0.0.1:${await closedPort()}`], requestTimeoutMs: 2_000 });
      const { txId, signed } = note();
      const backoffMs = 200;
      const failure = await submitAndAwait(queue, queueEvents, signed, { timeoutMs: 30_000, enqueue: { jobAttemptsMax: 3, backoffMs } }).then(
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
    withFixture(async ({ queue, queueEvents, startWorker, events }) => {
      const node = await startStandInNode(() => ({ status: 400, body: { error: { code: 'BAD_SIGNATURE', message: 'signature does not verify' } } }));
      try {
        await startWorker({ ledgerUrls: [node.url] });
        const { signed } = note();
        await expect(submitAndAwait(queue, queueEvents, signed, { timeoutMs: 30_000, enqueue: { jobAttemptsMax: 5, backoffMs: 50 } })).rejects.toMatchObject({
          code: CommandErrorCode.failed,
          reasonCode: 'BAD_SIGNATURE',
        });
        expect(events.filter((event) => event.kind === 'attempt')).toHaveLength(1);
      } finally {
        await node.close();
      }
    }));

  it('finishes the job of a worker that died mid-job on another worker once its lock expires', () =>
    withFixture(async ({ queue, queueEvents, startWorker, events }) => {
      const silentNode = await startStandInNode(() => 'hang');
      try {
        const lockDurationMs = 1_000;
        const dying = await startWorker({ ledgerUrls: [silentNode.url], lockDurationMs, stalledIntervalMs: 500, requestTimeoutMs: 60_000 });
        const { txId, signed } = note();
        const waiting = submitAndAwait(queue, queueEvents, signed, { timeoutMs: 60_000 });
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
    withFixture(async ({ queue, queueEvents, startWorker }) => {
      const { txId, signed } = note();
      const first = await client.submit(signed, { waitMs: 60_000 });
      if (first.status === 'pending') throw new Error('still pending');
      await startWorker();
      const receipt = await submitAndAwait(queue, queueEvents, signed, { timeoutMs: 60_000 });
      expect(receipt.duplicate).toBe(true);
      expect(withoutDuplicate(receipt)).toEqual(withoutDuplicate(first));
      expect(receipt.txId).toBe(txId);
    }));
});
