/**
 * EPCIS 2.0 capture (GS1): `epcis.capture` records one EPCIS event on the ledger, signed by the
 * capturing organisation (an active organisation, or a delegate acting for one with `onBehalfOf`),
 * and keys it by its CBV 2.0 event hash ID, so the same event captured twice, in any serialisation,
 * is one event. The payload is `{ event }`, the event as `prepareEvent` (ledger-core/epcis) made it:
 * self-contained, with its prefixes expanded. The contract recomputes the hash ID itself and never
 * trusts one it is given: an `eventID` in the event is part of the event, not its key.
 *
 * State (keys under `epcis/`):
 *   epcis/event/<itemKeySegment(hashId)>  → EpcisEventRecord: who captured the event, in which transaction
 *
 * The event itself is not state: it is in the transaction (provable by inclusion) and in the
 * `EpcisEventCaptured` event the projector writes to the graph, so the world state grows by one small
 * record per event.
 */
import { canonicalize } from '../chain/canonical.js';
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { capturedEventFacts, EpcisEventError, eventHashId, prepareEvent, type CapturedEventFacts } from '../epcis/index.js';
import { rejectionReasonLengthMax, type Contract, type ContractCall, type ContractEffects, type ContractRejection, type StateView } from './contract.js';
import { effectiveActor, type EffectiveActor } from './delegation.js';
import { isItemId, itemKeySegment } from './identifiers.js';
import { invariant } from './invariant.js';
import { accepted, delegablePayloadFields, ok, refused, rejectionOf, type Checked } from './payload-checks.js';

export const epcisContractName = 'epcis';

export const EpcisTransactionType = {
  capture: 'epcis.capture',
} as const;

export type EpcisTransactionType = (typeof EpcisTransactionType)[keyof typeof EpcisTransactionType];

export const EpcisRejectionCode = {
  /** The payload is not exactly `{event}` (and optionally onBehalfOf), or the event is not a prepared EPCIS 2.0 event. */
  badPayload: 'BAD_PAYLOAD',
  /** An event with the same hash ID is on the ledger already: the same event, captured before. */
  eventExists: 'EVENT_EXISTS',
} as const;

export type EpcisRejectionCode = (typeof EpcisRejectionCode)[keyof typeof EpcisRejectionCode];

/**
 * Most output-input pairs one TransformationEvent may link: the projection writes one MADE_FROM per
 * pair, all in the block's one graph transaction, so the product of the two lists is bounded even
 * though each list fits a transaction.
 */
export const transformationLinksMax = 10_000;

export type EpcisEventRecord = {
  readonly hashId: string;
  /** Id of the organisation that captured it. */
  readonly capturedBy: string;
  /** The transaction that captured it. */
  readonly txId: string;
};

/** World-state key of the event with `hashId`. */
export function epcisEventKey(hashId: string): string {
  return `${epcisContractName}/event/${itemKeySegment(hashId)}`;
}

/** The captured event with `hashId`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findEpcisEvent(state: StateView, hashId: string): EpcisEventRecord | undefined {
  const where = epcisEventKey(hashId);
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  const { capturedBy, txId } = stored as { readonly [key: string]: JsonValue };
  invariant((stored as { readonly [key: string]: JsonValue })['hashId'] === hashId, `${where} holds another hash ID`);
  invariant(typeof capturedBy === 'string' && typeof txId === 'string', `${where} lacks a field`);
  return { hashId, capturedBy, txId };
}

type CaptureChecked = { readonly event: JsonObject; readonly hashId: string; readonly facts: CapturedEventFacts; readonly actor: EffectiveActor };

export const epcisContract: Contract = {
  name: epcisContractName,
  types: [EpcisTransactionType.capture],
  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    return rejectionOf(checkCapture(call, state));
  },
  apply(call: ContractCall, state: StateView): ContractEffects {
    return applyCapture(call, accepted(checkCapture(call, state)));
  },
};

function refuse<T>(code: keyof typeof EpcisRejectionCode, reason: string): Checked<T> {
  return refused({ code: EpcisRejectionCode[code], reason: bounded(reason) });
}

/**
 * `reason` cut to the ledger's limit: EPCIS reasons quote field paths and keys from the event, which
 * may be long, and execution stops the node on an over-long reason rather than record it. Never cuts
 * a surrogate pair in two.
 */
function bounded(reason: string): string {
  if (reason.length <= rejectionReasonLengthMax) return reason;
  let end = rejectionReasonLengthMax - 1;
  const last = reason.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${reason.slice(0, end)}…`;
}

/** The event as the ledger keeps it, with its hash ID and facts, or why it is not a prepared EPCIS event. */
function checkEvent(value: JsonValue | undefined): Checked<{ event: JsonObject; hashId: string; facts: CapturedEventFacts }> {
  try {
    if (value === undefined) return refuse('badPayload', 'epcis.capture takes an event');
    const prepared = prepareEvent(value, {});
    // Preparing a prepared event changes nothing; anything else still carries a document's prefixes
    // or context, and would hash differently once they were resolved.
    if (canonicalize(prepared) !== canonicalize(value)) return refuse('badPayload', 'event is not prepared: it carries an @context or compact IRIs that need its document');
    const facts = capturedEventFacts(prepared);
    // Every item becomes a graph node keyed by its id, so each must be one (docs/traceability.md).
    for (const id of [...facts.epcs, ...facts.epcClasses]) {
      // (widened: isItemId guards `unknown`, and on a string its negation would narrow to never)
      if (!isItemId(id as unknown)) return refuse('badPayload', `${JSON.stringify(id.slice(0, 300))} is not an item id (1 to 256 printable ASCII characters without spaces)`);
    }
    const links = (facts.inputEpcs.length + facts.inputClasses.length) * (facts.outputEpcs.length + facts.outputClasses.length);
    if (links > transformationLinksMax) return refuse('badPayload', `the transformation links ${links} output-input pairs, more than ${transformationLinksMax}`);
    return ok({ event: prepared, hashId: eventHashId(prepared), facts });
  } catch (error: unknown) {
    if (error instanceof EpcisEventError) return refuse('badPayload', `event: ${error.message}`);
    throw error;
  }
}

function checkCapture(call: ContractCall, state: StateView): Checked<CaptureChecked> {
  const fields = delegablePayloadFields(call.payload, ['event']);
  if (fields === undefined) return refuse('badPayload', 'epcis.capture takes exactly {event} and optionally onBehalfOf');
  const checked = checkEvent(fields['event']);
  if (!checked.ok) return refused(checked.rejection);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const { hashId } = checked.value;
  const existing = findEpcisEvent(state, hashId);
  if (existing !== undefined) return refuse('eventExists', `${hashId} was captured by ${existing.capturedBy} in ${existing.txId}`);
  return ok({ ...checked.value, actor });
}

function applyCapture(call: ContractCall, { event, hashId, facts, actor }: CaptureChecked): ContractEffects {
  const capturedBy = actor.organization.id;
  const record: EpcisEventRecord = { hashId, capturedBy, txId: call.context.txId };
  return {
    writes: [[epcisEventKey(hashId), record]],
    events: [{ type: 'EpcisEventCaptured', hashId, capturedBy, delegationId: actor.delegationId, event, ...facts }],
  };
}
