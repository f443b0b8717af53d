/**
 * What a capture will submit, decided before anything is signed: the document checked against GS1's
 * schema, then every event made self-contained (prefixes expanded with the document's and the event's
 * own `@context`), its facts read as the contract reads them, hashed to its CBV 2.0 event hash ID and
 * checked to fit one ledger transaction.
 * All or nothing: one bad event refuses the whole document, and the refusal lists every problem
 * found, each naming the event's JSON pointer. Pure: the same document always gives the same plan.
 *
 * The same event twice in one document (same hash ID) is planned once and answered at both places.
 */
import { canonicalize, checkPayloadLimits, transactionBytesMax, TransactionShapeError, type JsonValue } from '@twinledger/ledger-core/chain';
import { isItemId } from '@twinledger/ledger-core/contracts';
import { capturedEventFacts, EpcisEventError, eventHashId, namespacesOf, prepareEvent } from '@twinledger/ledger-core/epcis';
import { EpcisProblemType, problem, type EpcisProblem, type ProblemEntry } from './problem.js';
import type { SchemaCheck } from './validate.js';

/** Most events one capture may hold; the GS1 REST binding's `GS1-EPCIS-Capture-Limit`. */
export const captureEventCountMax = 1_000;
/** Room a transaction needs beside its payload (version, type, signer, nonce, time, signature), in bytes. */
export const transactionEnvelopeBytes = 1_024;
/** Largest canonical `{event}` payload, in bytes, so the signed transaction fits the ledger's limit. */
export const eventPayloadBytesMax = transactionBytesMax - transactionEnvelopeBytes;

/** The transaction type the `epcis` contract executes. */
export const captureTransactionType = 'epcis.capture';

export interface PlannedEvent {
  readonly hashId: string;
  /** The transaction payload: `{ event: <prepared event> }`. */
  readonly payload: JsonValue;
}

export interface CapturePlan {
  /** One hash ID per event of the document, in document order (repeats where the document repeats). */
  readonly eventIds: readonly string[];
  /** Each distinct event once, in order of first appearance. */
  readonly events: readonly PlannedEvent[];
}

function isObject(value: unknown): value is { readonly [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function validationProblem(detail: string, errors: readonly ProblemEntry[]): EpcisProblem {
  return problem(EpcisProblemType.validation, 400, 'The EPCIS document is not valid', detail, { errors });
}

/**
 * The plan for `document`, or the refusal to answer (never a partial plan). `check` is the compiled
 * schema. Throws only EpcisProblem.
 */
export function planCapture(document: unknown, check: (document: unknown) => SchemaCheck): CapturePlan {
  const schema = check(document);
  if (!schema.ok) {
    const count = schema.problems.length;
    throw validationProblem(`the document does not match the EPCIS 2.0 JSON schema: ${count === 1 ? '1 problem' : `${count} problems`}, first ${schema.problems[0]?.message ?? ''}`, schema.problems);
  }
  if (!isObject(document) || document['type'] !== 'EPCISDocument') {
    throw validationProblem('capture takes an EPCISDocument (type "EPCISDocument") whose epcisBody.eventList holds the events', [
      { pointer: '/type', message: `/type: ${JSON.stringify(isObject(document) ? (document['type'] ?? null) : null)} must be "EPCISDocument"` },
    ]);
  }
  const body = document['epcisBody'];
  const eventList = isObject(body) && Array.isArray(body['eventList']) ? (body['eventList'] as readonly JsonValue[]) : [];
  if (eventList.length > captureEventCountMax) {
    throw problem(EpcisProblemType.captureLimit, 413, 'Too many events', `one capture holds at most ${captureEventCountMax} events; this one holds ${eventList.length}: split the document`);
  }
  const documentNamespaces = namespacesOf(document['@context']);
  const errors: ProblemEntry[] = [];
  const eventIds: string[] = [];
  const events: PlannedEvent[] = [];
  const planned = new Set<string>();
  for (const [index, event] of eventList.entries()) {
    const pointer = `/epcisBody/eventList/${index}`;
    try {
      const namespaces = { ...documentNamespaces, ...(isObject(event) ? namespacesOf(event['@context']) : {}) };
      const prepared = prepareEvent(event, namespaces);
      // The contract reads the same facts; an event it would refuse as BAD_PAYLOAD is refused here, before anything is signed.
      const facts = capturedEventFacts(prepared);
      // Every identifier becomes a graph node keyed by it (docs/traceability.md), so each must be an item id.
      const badId = [...facts.epcs, ...facts.epcClasses].find((id) => !isItemId(id as unknown));
      if (badId !== undefined) {
        errors.push({ pointer, message: `${pointer}: ${JSON.stringify(badId.slice(0, 80))} is not an identifier this ledger keeps (1 to 256 printable ASCII characters without spaces)` });
        continue;
      }
      const hashId = eventHashId(prepared);
      const payload = { event: prepared };
      checkPayloadLimits(payload);
      const payloadBytes = Buffer.byteLength(canonicalize(payload));
      if (payloadBytes > eventPayloadBytesMax) {
        errors.push({ pointer, message: `${pointer}: the event is ${payloadBytes} bytes once prepared; one event is at most ${eventPayloadBytesMax} bytes` });
        continue;
      }
      eventIds.push(hashId);
      if (!planned.has(hashId)) {
        planned.add(hashId);
        events.push({ hashId, payload });
      }
    } catch (error: unknown) {
      if (error instanceof EpcisEventError) errors.push({ pointer, message: `${pointer}: ${error.message} (${error.code})` });
      else if (error instanceof TransactionShapeError) errors.push({ pointer, message: `${pointer}: the event does not fit one ledger transaction: ${error.message}` });
      else throw error;
    }
  }
  if (errors.length > 0) {
    throw validationProblem(`${errors.length === 1 ? '1 event' : `${errors.length} events`} cannot be captured, first ${errors[0]?.message ?? ''}; nothing was stored`, errors);
  }
  return { eventIds, events };
}
