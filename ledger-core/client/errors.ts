/**
 * What can go wrong when talking to ledger nodes, as typed errors with stable codes:
 *
 *  - `LedgerRequestError`: a node refused the request itself (4xx). Final: every node applies the same
 *    rules, so asking another one would get the same answer.
 *  - `LedgerNodeError`: one node could not answer (connection refused or reset, timeout, 5xx). The
 *    client tries the next node.
 *  - `LedgerResponseError`: a node answered something that is not what the API promises. Never trusted;
 *    the client tries the next node.
 *  - `LedgerProofError`: a node served a proof bundle that does not verify against the consortium.
 *  - `LedgerUnavailableError`: no node gave a usable answer; lists what each one said.
 *  - `LedgerAbortedError`: the caller's AbortSignal fired.
 */

/** Codes of the failures that belong to one node; the client moves on to the next node after each. */
export const NodeFailureCode = {
  /** The TCP connection could not be made or broke before a whole answer arrived. */
  connectionFailed: 'CONNECTION_FAILED',
  /** No whole answer within the request's time limit. */
  timeout: 'TIMEOUT',
  /** A 5xx answer whose body named no code of its own. */
  nodeError: 'NODE_ERROR',
  /** The answer was not what the API promises (status, JSON or shape). */
  responseMalformed: 'RESPONSE_MALFORMED',
  /** The answer was longer than the client's `responseBytesMax`. */
  responseTooLarge: 'RESPONSE_TOO_LARGE',
  /** The proof bundle names another transaction than the one asked for. */
  proofWrongTransaction: 'PROOF_WRONG_TX',
} as const;

/** A 4xx answer: the node refused the request. `code` is the node's own (`BAD_SIGNATURE`, `NOT_FOUND`, ...). */
export class LedgerRequestError extends Error {
  override readonly name = 'LedgerRequestError';
  constructor(
    /** The base URL of the node that answered. */
    readonly node: string,
    /** The HTTP status, 400 to 499. */
    readonly status: number,
    /** The node's error code, or `HTTP_<status>` when its body carried none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One node could not answer: connection, timeout or 5xx. `code` is the node's own for a 5xx that named one (`UNAVAILABLE`, `BACKPRESSURE`). */
export class LedgerNodeError extends Error {
  override readonly name = 'LedgerNodeError';
  constructor(
    readonly node: string,
    readonly code: string,
    message: string,
    /** The HTTP status for a 5xx answer; undefined when there was no answer. */
    readonly status?: number,
    /** The node's `Retry-After`, in milliseconds, when it gave one in seconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A node answered, but not as the API promises: the answer is refused, never used. */
export class LedgerResponseError extends Error {
  override readonly name = 'LedgerResponseError';
  constructor(
    readonly node: string,
    readonly code: typeof NodeFailureCode.responseMalformed | typeof NodeFailureCode.responseTooLarge,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A proof bundle from `node` that does not prove what was asked; `code` is the verifier's refusal code or `PROOF_WRONG_TX`. */
export class LedgerProofError extends Error {
  override readonly name = 'LedgerProofError';
  constructor(
    readonly node: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Why one node gave no usable answer. */
export type NodeFailure = LedgerNodeError | LedgerResponseError | LedgerProofError;

/** No node gave a usable answer. `failures` holds what each node said, in the order they were asked. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
  readonly code = 'LEDGER_UNAVAILABLE';
  constructor(readonly failures: readonly NodeFailure[]) {
    super(failures.length === 0 ? 'no ledger node was asked' : `no ledger node answered: ${failures.map(describeFailure).join('; ')}`);
  }
}

/** The caller's AbortSignal fired before an answer. */
export class LedgerAbortedError extends Error {
  override readonly name = 'LedgerAbortedError';
  readonly code = 'ABORTED';
}

/** Every error the client throws for a node's answer or its absence. */
export type LedgerClientError = LedgerRequestError | NodeFailure | LedgerUnavailableError | LedgerAbortedError;

/** `<node>: <code>: <message>`, for lists and logs. */
export function describeFailure(failure: NodeFailure | LedgerRequestError): string {
  return `${failure.node}: ${failure.code}: ${failure.message}`;
}
