/**
 * What a mutation resolver calls: enqueue the signed transaction (job id = transaction id) and wait
 * for the job to finish, answering the receipt, accepted or rejected. A timeout or an abort leaves the
 * outcome unknown, not failed: the job goes on, and calling again with the same signed transaction
 * joins it (or reads its outcome, while the finished job is kept).
 */
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt } from '@twinledger/ledger-core/client';
import type { QueueEvents } from 'bullmq';
import { reasonFromText } from './classify.js';
import { CommandError, CommandErrorCode } from './errors.js';
import { enqueueTransaction, receiptFromJobResult, type CommandsQueue, type EnqueueOptions } from './queue.js';

/** Longest wait a resolver may ask for, in milliseconds. */
export const submitAndAwaitTimeoutMsMax = 600_000;
/** QueueEvents' own wait outlives ours by this much, so ours decides a timeout and theirs only cleans up. */
const queueEventsGraceMs = 1_000;

export interface SubmitAndAwaitOptions {
  /** How long to wait for the job to finish; 1 to `submitAndAwaitTimeoutMsMax`. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Attempts and backoff for the job, if this call adds it. */
  readonly enqueue?: EnqueueOptions;
}

/**
 * Enqueues `signed` and resolves to its receipt once a worker finished the job. Requires a
 * well-formed signed transaction (TransactionShapeError otherwise), a running QueueEvents on the same
 * queue and prefix as `queue`, and a timeout in range (RangeError otherwise). Throws CommandError:
 * COMMAND_FAILED (dead-lettered; `reasonCode` says why), COMMAND_TIMEOUT, COMMAND_ABORTED, or
 * COMMAND_RESULT_MALFORMED.
 */
export async function submitAndAwait(queue: CommandsQueue, queueEvents: QueueEvents, signed: SignedTransaction, options: SubmitAndAwaitOptions): Promise<Receipt> {
  const { timeoutMs, signal } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > submitAndAwaitTimeoutMsMax) throw new RangeError(`timeoutMs must be an integer from 1 to ${submitAndAwaitTimeoutMsMax}`);
  if (signal?.aborted === true) throw new CommandError(CommandErrorCode.aborted, 'unknown', 'aborted before the transaction was enqueued');
  const { txId, job } = await enqueueTransaction(queue, signed, options.enqueue);

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const finished = job.waitUntilFinished(queueEvents, timeoutMs + queueEventsGraceMs);
  // Settled after the race is decided when we time out or abort first; its rejection is expected then.
  finished.catch(() => undefined);
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandError(CommandErrorCode.timeout, txId, `no outcome for transaction ${txId} within ${timeoutMs} ms; it may still land`)), timeoutMs);
    onAbort = () => reject(new CommandError(CommandErrorCode.aborted, txId, `aborted while waiting for transaction ${txId}; it may still land`));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  let value: unknown;
  try {
    value = await Promise.race([finished, stopped]);
  } catch (error: unknown) {
    if (error instanceof CommandError) throw error;
    const reason = reasonFromText(error instanceof Error ? error.message : String(error));
    throw new CommandError(CommandErrorCode.failed, txId, `transaction ${txId} failed: ${reason.code}: ${reason.message}`, reason.code);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
  try {
    return receiptFromJobResult(value, txId);
  } catch (error: unknown) {
    throw new CommandError(CommandErrorCode.resultMalformed, txId, `job ${txId} finished with something other than its receipt: ${error instanceof Error ? error.message : String(error)}`);
  }
}
