/**
 * The command worker: takes jobs from the `commands` queue, submits each signed transaction through
 * the ledger client (which fails over across the nodes), waits for its receipt, and completes the job
 * with the receipt, accepted or rejected alike. Transient failures are thrown for BullMQ to retry with
 * exponential backoff; a final failure, or the last attempt's, copies the job to `commands-dead` with
 * its reason before the job fails, so the dead letter is written while this worker still holds the job.
 * Each job's outcome is announced on its transaction's notice channel (outcome-notices.ts).
 *
 * A worker that dies mid-job stops renewing the job's lock; another worker's stalled-job check moves
 * the job back to waiting, and its resubmission is safe because the ledger answers a transaction id it
 * already holds with the first receipt.
 */
import { transactionId } from '@twinledger/ledger-core/chain';
import { LedgerClient, type Receipt } from '@twinledger/ledger-core/client';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { classifyAttemptFailure, failureText, JobDataError, ReceiptPendingError } from './classify.js';
import type { AttemptFailure } from './errors.js';
import { announceCommandOutcome, type CommandOutcome } from './outcome-notices.js';
import {
  commandsQueueName,
  deadCommandsQueue,
  deadJobName,
  type CommandJob,
  type CommandJobData,
  type DeadCommandData,
  type DeadCommandsQueue,
  submitJobName,
} from './queue.js';

/**
 * Jobs one worker runs at once when not told. Each spends well under a millisecond of CPU and the rest
 * waiting for its block's receipt, so the concurrency divided by that wait caps the whole write path.
 */
export const commandConcurrencyDefault = 256;
export const commandConcurrencyMax = 1_024;
/** How long a node may hold a submission for its receipt, then how long the worker polls for it. */
export const submitWaitMsDefault = 30_000;
export const receiptWaitMsDefault = 30_000;

/** What the worker reports, for logs and tests. */
export type CommandWorkerEvent =
  | { readonly kind: 'attempt'; readonly txId: string; readonly attempt: number; readonly atMs: number }
  | { readonly kind: 'completed'; readonly txId: string; readonly receipt: Receipt }
  | { readonly kind: 'retry'; readonly txId: string; readonly attempt: number; readonly failure: AttemptFailure }
  | { readonly kind: 'dead'; readonly txId: string; readonly failure: AttemptFailure }
  | { readonly kind: 'error'; readonly message: string };

export interface CommandWorkerOptions {
  /** An ioredis client with `maxRetriesPerRequest: null` (`redisConnection(url, 'worker')`); the caller closes it after the worker. */
  readonly connection: Redis;
  /** Redis key prefix of the commands and dead-letter queues. Default BullMQ's `bull`. */
  readonly prefix?: string;
  /** Ledger node base URLs, tried in order with failover; 1 or more. */
  readonly ledgerUrls: readonly string[];
  /** Jobs run at once; 1 to `commandConcurrencyMax`. Default `commandConcurrencyDefault`. */
  readonly concurrency?: number;
  /** How long a node may hold a submission for its receipt; 0 to the client's `submitWaitMsMax`. Default `submitWaitMsDefault`. */
  readonly submitWaitMs?: number;
  /** How long to poll for a receipt the submission did not bring. Default `receiptWaitMsDefault`. */
  readonly receiptWaitMs?: number;
  /** Limit on one request to one node. Default the client's. */
  readonly requestTimeoutMs?: number;
  /** A job's lock lasts this long and is renewed at half of it; a dead worker's jobs are taken back after it. Default BullMQ's 30,000 ms. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs whose lock expired. Default BullMQ's 30,000 ms. */
  readonly stalledIntervalMs?: number;
  /** Stops the worker: no new jobs are taken, jobs in flight finish (each bounded by the waits above). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: CommandWorkerEvent) => void;
}

export interface CommandWorker {
  readonly worker: Worker<CommandJobData, Receipt, typeof submitJobName>;
  /** Stops taking jobs and waits for those in flight; idempotent. */
  close(): Promise<void>;
  /** Stops at once without finishing or failing the jobs in flight, as a crash would: their locks expire and another worker takes them. For fault tests. */
  closeAbruptly(): Promise<void>;
}

/**
 * Starts a worker on the `commands` queue and resolves once it is connected. Requires at least one
 * ledger URL and limits in range (RangeError or LedgerClientConfigError otherwise).
 */
export async function startCommandWorker(options: CommandWorkerOptions): Promise<CommandWorker> {
  const concurrency = options.concurrency ?? commandConcurrencyDefault;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > commandConcurrencyMax) throw new RangeError(`concurrency must be an integer from 1 to ${commandConcurrencyMax}`);
  const submitWaitMs = options.submitWaitMs ?? submitWaitMsDefault;
  const receiptWaitMs = options.receiptWaitMs ?? receiptWaitMsDefault;
  // Every job holds its submission open until the receipt, so each needs a socket of its own: with the
  // client's default of 8 per node the write path was capped at 8 receipts per block interval (≈ 113/s).
  const client = new LedgerClient({
    nodes: options.ledgerUrls,
    socketsPerNodeMax: concurrency,
    ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
  });
  const deadQueue = deadCommandsQueue({ connection: options.connection, ...prefixOption(options.prefix) });
  const report = options.onEvent ?? ((): void => undefined);

  const processor = async (job: CommandJob, _token?: string, jobSignal?: AbortSignal): Promise<Receipt> => {
    const attempt = job.attemptsMade + 1;
    let txId = job.id ?? 'unknown';
    report({ kind: 'attempt', txId, attempt, atMs: Date.now() });
    try {
      const signed = checkJobData(job.data);
      txId = transactionId(signed.tx);
      if (job.id !== txId) throw new JobDataError(`job ${String(job.id)} carries transaction ${txId}; a commands job's id is its transaction id`);
      const answer = await client.submit(signed, { waitMs: submitWaitMs, signal: jobSignal });
      const receipt = answer.status === 'pending' ? await client.awaitReceipt(txId, { timeoutMs: receiptWaitMs, signal: jobSignal }) : answer;
      if (receipt.status === 'pending') throw new ReceiptPendingError(`transaction ${txId} still pending after ${submitWaitMs + receiptWaitMs} ms`);
      report({ kind: 'completed', txId, receipt });
      return receipt;
    } catch (error: unknown) {
      const failure = classifyAttemptFailure(error);
      const attemptsMax = job.opts.attempts ?? 1;
      if (failure.transient && attempt < attemptsMax) {
        report({ kind: 'retry', txId, attempt, failure });
        throw new Error(failureText(failure));
      }
      await deadLetter(deadQueue, job, txId, failure, failure.transient);
      report({ kind: 'dead', txId, failure });
      // Unrecoverable: BullMQ fails the job now instead of spending the attempts left on a final failure.
      throw new UnrecoverableError(failureText(failure));
    }
  };

  const worker = new Worker<CommandJobData, Receipt, typeof submitJobName>(commandsQueueName, processor, {
    connection: options.connection,
    concurrency,
    autorun: true,
    ...prefixOption(options.prefix),
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (error: Error) => report({ kind: 'error', message: `${error.name}: ${error.message}` }));
  // Announced once BullMQ has recorded the outcome, so a waiter that reads the job instead finds the same.
  const announce = (txId: string, outcome: CommandOutcome): void => {
    announceCommandOutcome(options.connection, options.prefix, txId, outcome).catch((error: unknown) =>
      report({ kind: 'error', message: `outcome notice for ${txId}: ${String(error)}` }),
    );
  };
  worker.on('completed', (job: Job<CommandJobData, Receipt, typeof submitJobName>, receipt: Receipt) => {
    if (job.id !== undefined) announce(job.id, { kind: 'completed', value: receipt });
  });
  // A job can also fail outside the processor (stalled more often than allowed): it gets its dead
  // letter here. The dead letter's id is the transaction id, so one written by the processor stays.
  worker.on('failed', (job: Job<CommandJobData, Receipt, typeof submitJobName> | undefined, error: Error) => {
    if (job === undefined || job.id === undefined || !(job.finishedOn !== undefined && job.finishedOn > 0)) return;
    announce(job.id, { kind: 'failed', reason: error.message });
    const failure: AttemptFailure = { transient: false, code: 'JOB_FAILED', message: error.message };
    deadLetter(deadQueue, job, job.id, failure, false).catch((deadError: unknown) => report({ kind: 'error', message: `dead letter for ${String(job.id)}: ${String(deadError)}` }));
  });

  let closing: Promise<void> | undefined;
  const shutDown = (force: boolean): Promise<void> => {
    closing ??= (async () => {
      try {
        await worker.close(force);
      } finally {
        await deadQueue.close();
        client.close();
      }
    })();
    return closing;
  };
  const onAbort = (): void => void shutDown(false);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  await worker.waitUntilReady();
  return {
    worker,
    close: () => shutDown(false),
    closeAbruptly: () => shutDown(true),
  };
}

async function deadLetter(deadQueue: DeadCommandsQueue, job: CommandJob, txId: string, failure: AttemptFailure, attemptsExhausted: boolean): Promise<void> {
  const signed = job.data.signed;
  const data: DeadCommandData = {
    txId,
    signed,
    reasonCode: failure.code,
    reason: failure.message,
    attemptsExhausted,
    attemptsMade: job.attemptsMade + 1,
    queue: job.queueQualifiedName,
    failedAtMs: Date.now(),
  };
  await deadQueue.add(deadJobName, data, { jobId: txId });
}

/** The signed transaction in `data`, checked for shape only: the chain layer checks the rest when hashing. */
function checkJobData(data: unknown): CommandJobData['signed'] {
  const signed = (data as { signed?: unknown } | null | undefined)?.signed;
  if (signed === null || typeof signed !== 'object' || typeof (signed as { signature?: unknown }).signature !== 'string' || !('tx' in signed)) {
    throw new JobDataError('a commands job carries { signed: { tx, signature } }');
  }
  return signed as CommandJobData['signed'];
}

function prefixOption(prefix: string | undefined): { prefix?: string } {
  return prefix === undefined ? {} : { prefix };
}
