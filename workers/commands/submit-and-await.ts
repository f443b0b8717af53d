/**
 * What a mutation resolver calls: enqueue the signed transaction (job id = transaction id) and wait
 * for the job to finish, answering the receipt, accepted or rejected. A timeout or an abort leaves the
 * outcome unknown, not failed: the job goes on, and calling again with the same signed transaction
 * joins it (or reads its outcome, while the finished job is kept).
 */
import { transactionId, type SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt } from '@twinledger/ledger-core/client';
import { reasonFromText } from './classify.js';
import { CommandError, CommandErrorCode } from './errors.js';
import { finishedOutcome, type CommandOutcome, type CommandOutcomeListener } from './outcome-notices.js';
import { enqueueTransaction, receiptFromJobResult, type CommandsQueue, type EnqueueOptions } from './queue.js';

/** Longest wait a resolver may ask for, in milliseconds. */
export const submitAndAwaitTimeoutMsMax = 600_000;
/**
 * How often a wait reads the job's state when no notice came. A notice is lost only when the
 * subscriber's connection drops or a worker dies between finishing a job and announcing it, so this
 * bounds the cost of those rare cases, not of the common one.
 */
export const outcomeReadIntervalMsDefault = 1_000;

export interface SubmitAndAwaitOptions {
  /** How long to wait for the job to finish; 1 to `submitAndAwaitTimeoutMsMax`. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Attempts and backoff for the job, if this call adds it. */
  readonly enqueue?: EnqueueOptions;
  /** Pause between reads of the job's state while no notice comes. Default `outcomeReadIntervalMsDefault`. */
  readonly outcomeReadIntervalMs?: number;
}

/**
 * Enqueues `signed` and resolves to its receipt once a worker finished the job. Requires a
 * well-formed signed transaction (TransactionShapeError otherwise), an outcome listener for the same
 * queue prefix as `queue`, and a timeout in range (RangeError otherwise). Throws CommandError:
 * COMMAND_FAILED (dead-lettered; `reasonCode` says why), COMMAND_TIMEOUT, COMMAND_ABORTED, or
 * COMMAND_RESULT_MALFORMED.
 */
export async function submitAndAwait(queue: CommandsQueue, outcomes: CommandOutcomeListener, signed: SignedTransaction, options: SubmitAndAwaitOptions): Promise<Receipt> {
  const { timeoutMs, signal } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > submitAndAwaitTimeoutMsMax) throw new RangeError(`timeoutMs must be an integer from 1 to ${submitAndAwaitTimeoutMsMax}`);
  if (signal?.aborted === true) throw new CommandError(CommandErrorCode.aborted, 'unknown', 'aborted before the transaction was enqueued');
  const txId = transactionId(signed.tx);
  // Subscribed before the job exists, so its notice cannot come before anyone listens.
  const watch = await outcomes.watch(txId);
  let outcome: CommandOutcome;
  try {
    await enqueueTransaction(queue, signed, options.enqueue);
    outcome = await awaitOutcome(queue, txId, watch.outcome, { timeoutMs, signal, readIntervalMs: options.outcomeReadIntervalMs ?? outcomeReadIntervalMsDefault });
  } finally {
    watch.cancel();
  }
  if (outcome.kind === 'failed') {
    const reason = reasonFromText(outcome.reason);
    throw new CommandError(CommandErrorCode.failed, txId, `transaction ${txId} failed: ${reason.code}: ${reason.message}`, reason.code);
  }
  try {
    return receiptFromJobResult(outcome.value, txId);
  } catch (error: unknown) {
    throw new CommandError(CommandErrorCode.resultMalformed, txId, `job ${txId} finished with something other than its receipt: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The first of: the notice, the job's state read now and at every interval, the timeout, the abort.
 * A failed read (Redis away) is retried at the next interval: the notice may still come.
 */
async function awaitOutcome(
  queue: CommandsQueue,
  txId: string,
  notice: Promise<CommandOutcome>,
  options: { timeoutMs: number; signal: AbortSignal | undefined; readIntervalMs: number },
): Promise<CommandOutcome> {
  let finished = false;
  let wakeReader: (() => void) | undefined;
  let readTimer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandError(CommandErrorCode.timeout, txId, `no outcome for transaction ${txId} within ${options.timeoutMs} ms; it may still land`)), options.timeoutMs);
    onAbort = () => reject(new CommandError(CommandErrorCode.aborted, txId, `aborted while waiting for transaction ${txId}; it may still land`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  // Once another arm wins, the reader is woken and stops. It is not aborted: an abort error per
  // mutation, stack and all, was 2 % of a subgraph's CPU under load.
  const read = (async (): Promise<CommandOutcome | undefined> => {
    while (!finished) {
      const outcome = await finishedOutcome(queue, txId).catch(() => undefined);
      if (outcome !== undefined) return outcome;
      if (finished) break;
      await new Promise<void>((resolve) => {
        wakeReader = resolve;
        // The wait's own timeout keeps the process up while it matters; a read pause need not.
        readTimer = setTimeout(resolve, options.readIntervalMs).unref();
      });
    }
    return undefined;
  })();
  const readOutcome = read.then((outcome) => outcome ?? new Promise<never>(() => undefined));
  try {
    return await Promise.race([notice, readOutcome, stopped]);
  } finally {
    finished = true;
    clearTimeout(readTimer);
    wakeReader?.();
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);
  }
}
