/**
 * The `commands` queue: one BullMQ job per signed transaction, whose job id is the transaction id.
 * BullMQ adds no second job under an id it already holds, so a resolver that retries a request with
 * the same signed transaction joins the job of the first attempt instead of submitting twice; and the
 * ledger itself answers an id it already holds with the first receipt, so even a job added again after
 * the first was removed lands once.
 *
 * Jobs that fail for good are copied to `commands-dead`, keyed by the same id, with the reason.
 */
import { transactionId, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { checkReceipt, type Receipt } from '@twinledger/ledger-core/client';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export const commandsQueueName = 'commands';
export const commandsDeadQueueName = 'commands-dead';
/** The one job name in the commands queue. */
export const submitJobName = 'submit';
/** The one job name in the dead-letter queue. */
export const deadJobName = 'dead';

/** Attempts per job when the enqueuer does not say: the first and four retries. */
export const jobAttemptsMaxDefault = 5;
/** Upper bound on attempts: with exponential backoff the last waits would be hours. */
export const jobAttemptsMaxLimit = 20;
/** First retry delay when the enqueuer does not say; each later one doubles (BullMQ's exponential backoff). */
export const backoffMsDefault = 500;
export const backoffMsLimit = 60_000;
/**
 * How long a finished job stays, so that a retried request still finds it and gets its outcome
 * instead of adding a new job; the count bounds Redis memory whatever the rate.
 */
export const completedJobAgeSecondsMax = 24 * 3_600;
export const completedJobCountMax = 100_000;
/** Failed jobs stay longer: they are what an operator looks at. Their copy in the dead-letter queue is kept until removed. */
export const failedJobAgeSecondsMax = 7 * 24 * 3_600;
export const failedJobCountMax = 100_000;

/** What a commands job carries: the signed transaction, as submitted. */
export interface CommandJobData {
  readonly signed: SignedTransaction;
}

/** What a dead-letter job carries: the transaction, and why it could not be submitted. */
export interface DeadCommandData {
  readonly txId: string;
  readonly signed: SignedTransaction;
  /** Stable code of the last failure (`LEDGER_UNAVAILABLE`, a node's 4xx code, ...). */
  readonly reasonCode: string;
  readonly reason: string;
  /** Whether attempts ran out on a transient failure (true) or the failure was final at once (false). */
  readonly attemptsExhausted: boolean;
  readonly attemptsMade: number;
  /** The queue (with its prefix) the job failed in. */
  readonly queue: string;
  readonly failedAtMs: number;
}

export type CommandsQueue = Queue<CommandJobData, Receipt, typeof submitJobName>;
export type DeadCommandsQueue = Queue<DeadCommandData, void, typeof deadJobName>;
export type CommandJob = Job<CommandJobData, Receipt, typeof submitJobName>;

export interface EnqueueOptions {
  /** Attempts before the job goes to the dead-letter queue; 1 to `jobAttemptsMaxLimit`. Default `jobAttemptsMaxDefault`. */
  readonly jobAttemptsMax?: number;
  /** First retry delay, doubled after each failure; 1 to `backoffMsLimit`. Default `backoffMsDefault`. */
  readonly backoffMs?: number;
}

export interface QueueConnectionOptions {
  /** An ioredis client this queue uses (and does not close). */
  readonly connection: Redis;
  /** Redis key prefix; tests give each test its own so that no two share a queue. Default BullMQ's `bull`. */
  readonly prefix?: string;
}

/** The job options of a commands job: retries with exponential backoff, and bounded retention. Requires limits in range (RangeError otherwise). */
export function commandJobOptions(txId: string, options: EnqueueOptions = {}): JobsOptions {
  const attempts = options.jobAttemptsMax ?? jobAttemptsMaxDefault;
  const backoffMs = options.backoffMs ?? backoffMsDefault;
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > jobAttemptsMaxLimit) throw new RangeError(`jobAttemptsMax must be an integer from 1 to ${jobAttemptsMaxLimit}`);
  if (!Number.isSafeInteger(backoffMs) || backoffMs < 1 || backoffMs > backoffMsLimit) throw new RangeError(`backoffMs must be an integer from 1 to ${backoffMsLimit}`);
  return {
    jobId: txId,
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: completedJobAgeSecondsMax, count: completedJobCountMax },
    removeOnFail: { age: failedJobAgeSecondsMax, count: failedJobCountMax },
  };
}

/**
 * An ioredis client for BullMQ. Workers and subscribers block on Redis and must retry a command for
 * as long as the connection takes to come back (`maxRetriesPerRequest: null`, as BullMQ requires);
 * a producer (a resolver's Queue) fails fast instead, so a request does not hang on a Redis outage.
 * Requires a `redis://` or `rediss://` URL. The caller closes it with `quit()` after the BullMQ
 * objects that use it.
 */
export function redisConnection(url: string, role: 'worker' | 'producer'): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new RangeError('a Redis URL starts with redis:// or rediss://');
  return role === 'worker' ? new Redis(url, { maxRetriesPerRequest: null }) : new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}

/** The commands queue on `connection`. Close it (`close()`) before the connection. */
export function commandsQueue(options: QueueConnectionOptions): CommandsQueue {
  return new Queue<CommandJobData, Receipt, typeof submitJobName>(commandsQueueName, { connection: options.connection, ...prefixOption(options.prefix) });
}

/** The dead-letter queue on `connection`, beside the commands queue with the same prefix. */
export function deadCommandsQueue(options: QueueConnectionOptions): DeadCommandsQueue {
  return new Queue<DeadCommandData, void, typeof deadJobName>(commandsDeadQueueName, { connection: options.connection, ...prefixOption(options.prefix) });
}

export interface Enqueued {
  readonly txId: string;
  readonly job: CommandJob;
}

/**
 * Adds the job that submits `signed`, with the transaction id as its job id. Requires a well-formed
 * signed transaction (TransactionShapeError otherwise; its signature is the ledger's to check). If a
 * job with this id is still held (waiting, active, delayed, completed or failed), no job is added and
 * that job is returned: enqueueing the same transaction twice is one job.
 */
export async function enqueueTransaction(queue: CommandsQueue, signed: SignedTransaction, options: EnqueueOptions = {}): Promise<Enqueued> {
  const txId = transactionId(signed.tx);
  const job = await queue.add(submitJobName, { signed: { tx: signed.tx, signature: signed.signature } }, commandJobOptions(txId, options));
  return { txId, job };
}

/** The receipt a finished job returned, checked to be a receipt of `txId`; throws AnswerShapeError otherwise. */
export function receiptFromJobResult(value: unknown, txId: string): Receipt {
  // A return value arrives parsed from a notice or a job read, and as JSON text from some older paths.
  return checkReceipt(typeof value === 'string' ? JSON.parse(value) : value, txId);
}

function prefixOption(prefix: string | undefined): { prefix?: string } {
  return prefix === undefined ? {} : { prefix };
}
