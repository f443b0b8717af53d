/**
 * What `submitAndAwait` and the command worker report, as one error class with stable codes. A ledger
 * rejection is not among them: it is a receipt with status `rejected`, the job's ordinary result.
 */

export const CommandErrorCode = {
  /** The job failed for good and was moved to the dead-letter queue; `reason` says why. */
  failed: 'COMMAND_FAILED',
  /**
   * No outcome within the caller's time limit. Unknown, not failed: the job may still complete, and
   * asking again with the same signed transaction joins the same job.
   */
  timeout: 'COMMAND_TIMEOUT',
  /** The caller's AbortSignal fired first; as with a timeout, the job itself goes on. */
  aborted: 'COMMAND_ABORTED',
  /** The job finished with a value that is not a receipt of this transaction (a bug or a foreign writer). */
  resultMalformed: 'COMMAND_RESULT_MALFORMED',
} as const;

export type CommandErrorCode = (typeof CommandErrorCode)[keyof typeof CommandErrorCode];

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: CommandErrorCode,
    /** The transaction id, which is also the job id. */
    readonly txId: string,
    message: string,
    /** For COMMAND_FAILED: the failure's own code (`LEDGER_UNAVAILABLE`, a node's 4xx code, ...). */
    readonly reasonCode?: string,
  ) {
    super(message);
  }
}

/**
 * A failed attempt, classified: `transient` failures are retried with backoff until the attempts run
 * out; the rest go to the dead-letter queue at once.
 */
export interface AttemptFailure {
  readonly transient: boolean;
  /** Stable code of the failure: the ledger client's, a node's 4xx code, or one of the worker's own. */
  readonly code: string;
  readonly message: string;
  /** HTTP status when a node answered with one. */
  readonly status?: number;
}
