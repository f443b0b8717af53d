/**
 * `POST /epcis/capture`: an EPCISDocument in, one ledger transaction per event out, each signed with
 * the caller organisation's custodial key, and `{ eventIds }` back once the projection has reached
 * every one of them, so a query right after the answer sees the events.
 *
 * Validation is all or nothing and happens before anything is signed (prepare.ts): a document with one
 * bad event stores nothing. The events are then submitted concurrently (at most
 * `captureSubmitConcurrencyMax` at once) and answered in document order. An event is keyed on the
 * ledger by its CBV 2.0 hash ID, so capturing it again is refused by the contract with EVENT_EXISTS,
 * which is answered as captured: the same ID, nothing new stored. That also makes a failed capture
 * safe to repeat: if the ledger stops answering half way, sending the same document again stores the
 * rest and answers the same IDs.
 *
 * The capture-lenient vectors (an AggregationEvent with `persistentDisposition`, sensor report `type`
 * values that are neither GS1 measurement types nor URIs) are refused, not accepted leniently:
 * - what the ledger keeps it keeps for good, and every partner reads it; the only shared definition of
 *   an EPCIS 2.0 event is GS1's schema, and accepting more makes this registry the one place such
 *   events exist, which a consumer validating with the same schema then refuses;
 * - a bare sensor type such as "Molar_concentration" is not a term of any vocabulary, so it cannot be
 *   expanded to an IRI; its meaning, and the event hash ID built from it, would depend on which
 *   implementation read it;
 * - the sender can fix the document (use a `gs1:` measurement type, a URI of its own, or drop the
 *   field the event type does not have) and the refusal says exactly where.
 */
import type { Identity } from '@twinledger/gateway';
import { buildTransaction, type Receipt, type TransactionSigner } from '@twinledger/ledger-core/client';
import { awaitProjection, ProjectionWaitError } from '@twinledger/workers';
import { GraphQLError } from 'graphql';
import type { Driver } from 'neo4j-driver';
import { custodialSigner, projectionWaitOptions, submit, type WritePath } from '../shared/commit.js';
import { SubgraphErrorCode } from '../shared/errors.js';
import { captureTransactionType, planCapture, type PlannedEvent } from './prepare.js';
import { EpcisProblem, EpcisProblemType, problem } from './problem.js';
import type { SchemaCheck } from './validate.js';

/** How many events of one capture are in flight at once. */
export const captureSubmitConcurrencyMax = 32;
/** The ledger code the `epcis` contract refuses an event already on the ledger with. */
export const eventExistsCode = 'EVENT_EXISTS';
/** Seconds a client is told to wait before sending a capture again after the ledger did not answer. */
export const retryAfterSeconds = 2;

const captureRoles: ReadonlySet<string> = new Set(['partner', 'admin']);

export interface CaptureContext {
  readonly identity: Identity;
  readonly driver: Driver;
  readonly write: WritePath | undefined;
  readonly check: (document: unknown) => SchemaCheck;
}

export interface CaptureAnswer {
  readonly eventIds: readonly string[];
}

/** Runs `work` over `items` with at most `limit` in flight; settles every item. */
async function settleAll<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R>>> {
  const results: Array<PromiseSettledResult<R>> = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index] as T) };
      } catch (reason: unknown) {
        results[index] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

function extension(error: GraphQLError, name: string): unknown {
  return error.extensions[name];
}

/** The refusal a failed submission is answered with; `stored` says how much of the document is in. */
function submissionProblem(error: unknown, stored: number, total: number): EpcisProblem {
  const progress = `${stored} of ${total} distinct events are stored; sending the same document again stores the rest and answers the same IDs`;
  if (error instanceof EpcisProblem) return error;
  if (!(error instanceof GraphQLError)) throw error;
  const code = extension(error, 'code');
  const ledgerCode = extension(error, 'ledgerCode');
  const txId = extension(error, 'txId');
  const ledgerFacts = { ...(typeof ledgerCode === 'string' ? { ledgerCode } : {}), ...(typeof txId === 'string' ? { txId } : {}) };
  switch (code) {
    case SubgraphErrorCode.forbidden:
      return problem(EpcisProblemType.security, 403, 'Capture is not allowed', error.message);
    case SubgraphErrorCode.ledgerRejected:
    case SubgraphErrorCode.badUserInput:
      return problem(EpcisProblemType.validation, ledgerCode === 'BAD_PAYLOAD' || code === SubgraphErrorCode.badUserInput ? 400 : 409, 'The ledger refused an event', `${error.message}; ${progress}`, ledgerFacts);
    case SubgraphErrorCode.ledgerUnavailable:
    case SubgraphErrorCode.projectionBehind:
      return problem(EpcisProblemType.serviceUnavailable, 503, 'The ledger did not answer in time', `${error.message}; ${progress}`, ledgerFacts);
    default:
      throw error;
  }
}

/** Captures `document` for the caller's organisation. Throws EpcisProblem for every refusal. */
export async function captureDocument(context: CaptureContext, document: unknown): Promise<CaptureAnswer> {
  if (!captureRoles.has(context.identity.role)) {
    throw problem(EpcisProblemType.security, 403, 'Capture is not allowed', `the ${context.identity.role} role reads only; partners and admins capture for their own organisation`);
  }
  const plan = planCapture(document, context.check);
  const write = context.write;
  if (write === undefined) {
    throw problem(EpcisProblemType.serviceUnavailable, 503, 'Capture is unavailable', 'this EPCIS service runs without a commands queue, so it answers queries only');
  }
  if (plan.events.length === 0) return { eventIds: [] };
  let signer: TransactionSigner;
  try {
    signer = await custodialSigner(write, context.identity.organizationId);
  } catch (error: unknown) {
    throw submissionProblem(error, 0, plan.events.length);
  }
  const commit = { identity: context.identity, driver: context.driver, write };
  const submitOne = async (event: PlannedEvent): Promise<Receipt | 'exists'> => {
    const { signed } = buildTransaction({ type: captureTransactionType, payload: event.payload }, signer);
    try {
      return await submit(commit, write, signed);
    } catch (error: unknown) {
      if (!(error instanceof GraphQLError) || extension(error, 'ledgerCode') !== eventExistsCode) throw error;
      // The first capture is ordered before this refusal, so once the graph reaches the refusal's
      // height it holds the event, and a query after this answer finds it.
      const height = extension(error, 'height');
      if (typeof height === 'number' && height >= 1) await waitForProjection(context.driver, height, write, error.message);
      return 'exists';
    }
  };
  const outcomes = await settleAll(plan.events, captureSubmitConcurrencyMax, submitOne);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) {
    const stored = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    throw submissionProblem(failure.reason, stored, plan.events.length);
  }
  return { eventIds: plan.eventIds };
}

async function waitForProjection(driver: Driver, height: number, write: WritePath, about: string): Promise<void> {
  try {
    await awaitProjection(driver, height, projectionWaitOptions(write));
  } catch (error: unknown) {
    if (!(error instanceof ProjectionWaitError)) throw error;
    throw problem(EpcisProblemType.serviceUnavailable, 503, 'The graph is behind the ledger', `${about}, but ${error.message}`);
  }
}
