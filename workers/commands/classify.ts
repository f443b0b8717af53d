/**
 * Which failed attempts are worth another try. Pure, so it is unit tested.
 *
 * Transient (retried with backoff): no node answered (connection refused, timeout, 5xx such as 503),
 * a node answered malformed, a receipt still pending when the worker's wait ran out, and anything
 * unforeseen (bounded by the attempts). Final (dead-lettered at once): a 4xx, because every node
 * applies the same rules and would answer the same; a transaction the chain layer refuses as malformed;
 * a job whose data is not a signed transaction; a client misconfiguration.
 *
 * A ledger rejection never gets here: it is a receipt, the job's result.
 */
import { TransactionShapeError } from '@twinledger/ledger-core/chain';
import { LedgerAbortedError, LedgerClientConfigError, LedgerRequestError, LedgerUnavailableError, isNodeFailure } from '@twinledger/ledger-core/client';
import type { AttemptFailure } from './errors.js';

/** 4xx statuses that say "later", not "never". */
const retryableRequestStatuses: ReadonlySet<number> = new Set([408, 425, 429]);

/** The receipt was still pending when the worker's wait ran out; resubmitting is safe (same id). */
export class ReceiptPendingError extends Error {
  override readonly name = 'ReceiptPendingError';
  readonly code = 'RECEIPT_PENDING';
}

/** The job's data is not `{ signed: SignedTransaction }`: written by something other than `enqueueTransaction`. */
export class JobDataError extends Error {
  override readonly name = 'JobDataError';
  readonly code = 'JOB_DATA_MALFORMED';
}

/** Classifies what one attempt threw. Requires nothing. */
export function classifyAttemptFailure(error: unknown): AttemptFailure {
  if (error instanceof LedgerRequestError) {
    return { transient: retryableRequestStatuses.has(error.status), code: error.code, message: error.message, status: error.status };
  }
  if (error instanceof LedgerUnavailableError || error instanceof LedgerAbortedError || error instanceof ReceiptPendingError) {
    return { transient: true, code: error.code, message: error.message };
  }
  if (isNodeFailure(error)) return { transient: true, code: error.code, message: error.message };
  if (error instanceof TransactionShapeError || error instanceof JobDataError || error instanceof LedgerClientConfigError) {
    return { transient: false, code: error.code, message: error.message };
  }
  return { transient: true, code: 'WORKER_ERROR', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** A failure as one line, `CODE: message`, the form kept as a job's failed reason; `reasonFromText` reads it back. */
export function failureText(failure: Pick<AttemptFailure, 'code' | 'message'>): string {
  return `${failure.code}: ${failure.message.replace(/\s+/g, ' ')}`;
}

/** The code and message of a failed reason written by `failureText`; `JOB_FAILED` for any other text. */
export function reasonFromText(text: string): { code: string; message: string } {
  const match = /^([A-Z][A-Z0-9_]*): (.*)$/s.exec(text);
  return match === null ? { code: 'JOB_FAILED', message: text } : { code: match[1] as string, message: match[2] as string };
}
