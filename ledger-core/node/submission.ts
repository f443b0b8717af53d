/**
 * What the submit API checks before anything reaches the ordering log: JSON, the transaction's shape
 * and limits, its signer and signature, a type some contract handles, and a time within the ledger's
 * window around this node's clock. Pure: the caller passes the clock reading. Execution checks all of
 * it again against the ledger time; these checks only keep what would be skipped or rejected out of
 * the log.
 */
import type { Ed25519Verifier } from '../chain/ed25519.js';
import { verifyTransaction, type SignedTransaction } from '../chain/transaction.js';
import type { LedgerParameters } from '../contracts/genesis.js';
import type { ContractRegistry } from '../contracts/registry.js';
import { ApiError, ApiErrorCode } from './errors.js';

export interface SubmissionCheckContext {
  readonly verifier: Ed25519Verifier;
  readonly registry: ContractRegistry;
  readonly parameters: LedgerParameters;
  /** This node's clock, in milliseconds since the Unix epoch. */
  readonly nowMs: number;
}

export interface CheckedSubmission {
  readonly signed: SignedTransaction;
  readonly txId: string;
  /** UTF-8 bytes of `JSON.stringify(signed)`: what the batcher counts. */
  readonly sizeBytes: number;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The submission in `body`, checked. Requires nothing; throws ApiError (status 400) with the code
 * docs/ledger.md names for each kind of bad input.
 */
export function checkSubmission(body: Uint8Array, context: SubmissionCheckContext): CheckedSubmission {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decoder.decode(body));
  } catch {
    throw new ApiError(400, ApiErrorCode.malformedJson, 'the body is not UTF-8 JSON');
  }
  const verification = verifyTransaction(value, context.verifier);
  if (!verification.ok) {
    const code = verification.code === 'TX_NOT_JSON' ? ApiErrorCode.txBadField : verification.code;
    throw new ApiError(400, code, verification.reason);
  }
  const signed = value as SignedTransaction;
  const { tx } = signed;
  if (context.registry.contractFor(tx.type) === undefined) {
    throw new ApiError(400, ApiErrorCode.unknownType, `no contract handles ${tx.type}`);
  }
  const { txTimePastMs, txTimeFutureMs } = context.parameters;
  if (tx.time < context.nowMs - txTimePastMs) {
    throw new ApiError(400, ApiErrorCode.staleTime, `time ${tx.time} is more than ${txTimePastMs} ms before this node's clock`);
  }
  if (tx.time > context.nowMs + txTimeFutureMs) {
    throw new ApiError(400, ApiErrorCode.futureTime, `time ${tx.time} is more than ${txTimeFutureMs} ms after this node's clock`);
  }
  return { signed, txId: verification.id, sizeBytes: Buffer.byteLength(JSON.stringify(signed), 'utf8') };
}
