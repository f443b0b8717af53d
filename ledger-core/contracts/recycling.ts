/**
 * Recycling with revenue sharing (white paper: recycling): a collector records an item it recovered
 * (`recycling.recover`); the item passes from holder to holder, each handover signed by both sides, the
 * holder's offer (`recycling.offerHandover`, for reuse or recycling) and the receiver's acceptance
 * (`recycling.acceptHandover`); the holder finally records its sale (`recycling.recordSale`). The
 * proceeds are split by the item's revenue-sharing rule: one party proposes it with every party's share
 * in basis points (`recycling.proposeRule`), each other party accepts it (`recycling.acceptRule`), and
 * it is in force, agreed on the ledger, once all have. The split is `splitProceeds` (revenue-split.ts):
 * whole minor units that add up exactly to the amount. Amounts travel as decimal strings, since a JSON
 * number loses precision past 2^53. Organisation-signed calls may be delegated (`onBehalfOf`).
 *
 * An item whose id is the serial of a product registered by production names that product in its
 * recovery event, so the graph links the two. An item without a rule pays its whole sale to its holder. A sale ends the item's life on the ledger:
 * it changes hands no more, and an open offer for it is withdrawn.
 *
 * State (keys under `recycling/`; rule and item ids are item ids, each one key segment via `itemKeySegment`):
 *   recycling/rule/<rule id>                 → RevenueRuleRecord
 *   recycling/item/<item id>                 → RecoveredItemRecord
 *   recycling/offer/<item id>                → HandoverOfferRecord, the one open offer for the item
 *   recycling/holding/<item id>/<n>          → HoldingRecord, the item's n-th holder (0 is the collector);
 *                                              one key per holder, so a long history never grows one value
 */
import type { JsonValue } from '../chain/json-value.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, StateView } from './contract.js';
import { effectiveActor, type EffectiveActor } from './delegation.js';
import { isItemId, isOrganizationId, itemKeySegment } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { findOrganization } from './organization.js';
import { findProduct } from './production.js';
import { accepted, delegablePayloadFields, exactPayloadFields, isTransactionId, ok, refused, rejectionOf, type Checked } from './payload-checks.js';
import { shareBasisPointsTotal, splitProceeds } from './revenue-split.js';

export { shareBasisPointsTotal } from './revenue-split.js';

export const recyclingContractName = 'recycling';

export const RecyclingTransactionType = {
  proposeRule: 'recycling.proposeRule',
  acceptRule: 'recycling.acceptRule',
  recover: 'recycling.recover',
  offerHandover: 'recycling.offerHandover',
  acceptHandover: 'recycling.acceptHandover',
  recordSale: 'recycling.recordSale',
} as const;

export type RecyclingTransactionType = (typeof RecyclingTransactionType)[keyof typeof RecyclingTransactionType];

export const RecyclingRejectionCode = {
  /**
   * The payload is not exactly the fields the operation takes, a field is outside its syntax or bounds,
   * or a rule's parties are not distinct active organisations whose shares add up to 10,000.
   */
  badPayload: 'BAD_PAYLOAD',
  /** A rule with this id exists already. */
  ruleExists: 'RULE_EXISTS',
  /** No rule has this id. */
  ruleUnknown: 'RULE_UNKNOWN',
  /** The acting organisation is not a party of the rule. */
  notParty: 'NOT_PARTY',
  /** The acting organisation accepted the rule already. */
  alreadyAccepted: 'ALREADY_ACCEPTED',
  /** The item's rule is not yet accepted by every party, so no sale can be split by it. */
  ruleNotInForce: 'RULE_NOT_IN_FORCE',
  /** An item with this id was recovered already. */
  itemExists: 'ITEM_EXISTS',
  /** No recovered item has this id. */
  itemUnknown: 'ITEM_UNKNOWN',
  /** The acting organisation does not hold the item. */
  notHolder: 'NOT_HOLDER',
  /** The item is sold: it changes hands no more. */
  itemSold: 'ITEM_SOLD',
  /** The organisation named to receive the item is not an active organisation. */
  orgUnknown: 'ORG_UNKNOWN',
  /** The open offer for the item is not the one named (none, replaced, taken or withdrawn). */
  offerUnknown: 'OFFER_UNKNOWN',
  /** The acting organisation is not the offer's receiver. */
  notPermitted: 'NOT_PERMITTED',
} as const;

export type RecyclingRejectionCode = (typeof RecyclingRejectionCode)[keyof typeof RecyclingRejectionCode];

/** Most parties one rule may have. */
export const recyclingRulePartiesMax = 16;
/** Longest item description, in UTF-16 code units. */
export const recoveredItemDescriptionLengthMax = 256;
/** Most decimal digits of an amount in minor units: far beyond any sale, and bounded. */
export const minorUnitsDigitsMax = 30;

/** Why an item changes hands. */
export const recyclingPurposes = ['reuse', 'recycling'] as const;

export type RecyclingPurpose = (typeof recyclingPurposes)[number];

const minorUnitsPattern = new RegExp(`^(?:0|[1-9][0-9]{0,${minorUnitsDigitsMax - 1}})$`);
const currencyPattern = /^[A-Z]{3}$/;
// No control characters and no lone surrogates: descriptions are shown to people and hashed as JSON.
const controlOrLoneSurrogatePattern = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` is a whole number of minor units as decimal digits (at most 30, no leading zero). */
export function isMinorUnits(value: unknown): value is string {
  return typeof value === 'string' && minorUnitsPattern.test(value);
}

/** True when `value` has the shape of an ISO 4217 currency code: three capital letters. */
export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && currencyPattern.test(value);
}

/** True when `value` is 1 to 256 code units, not blank at either end, without control characters. */
export function isRecoveredItemDescription(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= recoveredItemDescriptionLengthMax &&
    value.trim() === value &&
    !controlOrLoneSurrogatePattern.test(value)
  );
}

export type RevenueRuleParty = {
  readonly organization: string;
  readonly shareBasisPoints: number;
  /** The transaction by which the party accepted (the proposal, for the proposer), or null. */
  readonly acceptedTxId: string | null;
};

export type RevenueRuleRecord = {
  readonly id: string;
  readonly proposer: string;
  /** In the proposal's order, which breaks ties in a split. */
  readonly parties: readonly RevenueRuleParty[];
  readonly acceptedCount: number;
  /** The acceptance that made every party's, or null while some party has not accepted. */
  readonly inForceTxId: string | null;
  readonly proposedTxId: string;
};

export type RecoveredItemRecord = {
  readonly item: string;
  readonly description: string;
  readonly weightGrams: number;
  readonly rule: string | null;
  readonly collector: string;
  /** The organisation that holds it now. */
  readonly holder: string;
  /** How many holders it has had, the collector included: the next history index. */
  readonly holderCount: number;
  readonly status: 'held' | 'sold';
  readonly recoveredTxId: string;
  readonly saleTxId: string | null;
};

export type HandoverOfferRecord = {
  readonly offerTxId: string;
  readonly from: string;
  readonly to: string;
  readonly purpose: RecyclingPurpose;
};

export type HoldingRecord = {
  readonly holder: string;
  /** Why it was handed to this holder; null for the collector. */
  readonly purpose: RecyclingPurpose | null;
  /** The recover or acceptHandover transaction that made `holder` the holder. */
  readonly txId: string;
  readonly height: number;
  readonly sinceMs: number;
};

/** One party's part of a sale, as the sale event lists it. */
export type SalePart = {
  readonly organization: string;
  readonly shareBasisPoints: number;
  /** Decimal digits. */
  readonly amountMinor: string;
};

/** World-state key of the rule `id`. */
export function revenueRuleKey(id: string): string {
  return `${recyclingContractName}/rule/${itemKeySegment(id)}`;
}

/** World-state key of the recovered item `item`. */
export function recoveredItemKey(item: string): string {
  return `${recyclingContractName}/item/${itemKeySegment(item)}`;
}

/** World-state key of the open handover offer for `item`. */
export function handoverOfferKey(item: string): string {
  return `${recyclingContractName}/offer/${itemKeySegment(item)}`;
}

/** World-state key of the item's `index`-th holder. */
export function holdingKey(item: string, index: number): string {
  return `${recyclingContractName}/holding/${itemKeySegment(item)}/${index}`;
}

type StoredObject = { readonly [key: string]: JsonValue };

function storedObject(stored: JsonValue, where: string): StoredObject {
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  return stored as StoredObject;
}

function nullableString(value: JsonValue | undefined): value is string | null {
  return value === null || typeof value === 'string';
}

function isPurpose(value: unknown): value is RecyclingPurpose {
  return typeof value === 'string' && (recyclingPurposes as readonly string[]).includes(value);
}

/** The rule `id`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findRevenueRule(state: StateView, id: string): RevenueRuleRecord | undefined {
  const where = revenueRuleKey(id);
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  const record = storedObject(stored, where);
  const { proposer, parties, acceptedCount, inForceTxId, proposedTxId } = record;
  invariant(record['id'] === id, `${where} holds another rule`);
  invariant(typeof proposer === 'string' && typeof proposedTxId === 'string' && nullableString(inForceTxId), `${where} lacks a field`);
  invariant(Array.isArray(parties) && parties.length >= 1, `${where} has no parties`);
  invariant(typeof acceptedCount === 'number' && Number.isSafeInteger(acceptedCount) && acceptedCount >= 1, `${where} acceptedCount is not a count`);
  const readParties = parties.map((party) => {
    const { organization, shareBasisPoints, acceptedTxId } = storedObject(party, `${where} party`);
    invariant(typeof organization === 'string' && typeof shareBasisPoints === 'number' && nullableString(acceptedTxId), `${where} has a malformed party`);
    return { organization, shareBasisPoints, acceptedTxId };
  });
  return { id, proposer, parties: readParties, acceptedCount, inForceTxId, proposedTxId };
}

/** The recovered item `item`, or undefined. */
export function findRecoveredItem(state: StateView, item: string): RecoveredItemRecord | undefined {
  const where = recoveredItemKey(item);
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  const record = storedObject(stored, where);
  const { description, weightGrams, rule, collector, holder, holderCount, status, recoveredTxId, saleTxId } = record;
  invariant(record['item'] === item, `${where} holds another item`);
  invariant(typeof description === 'string' && typeof collector === 'string' && typeof holder === 'string' && typeof recoveredTxId === 'string', `${where} lacks a field`);
  invariant(nullableString(rule) && nullableString(saleTxId), `${where} has a malformed rule or sale`);
  invariant(typeof weightGrams === 'number' && typeof holderCount === 'number' && Number.isSafeInteger(holderCount) && holderCount >= 1, `${where} has a malformed count`);
  invariant(status === 'held' || status === 'sold', `${where} has an unknown status`);
  return { item, description, weightGrams, rule, collector, holder, holderCount, status, recoveredTxId, saleTxId };
}

/** The open handover offer for `item`, or undefined. */
export function findHandoverOffer(state: StateView, item: string): HandoverOfferRecord | undefined {
  const where = handoverOfferKey(item);
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  const { offerTxId, from, to, purpose } = storedObject(stored, where);
  invariant(typeof offerTxId === 'string' && typeof from === 'string' && typeof to === 'string', `${where} lacks a field`);
  invariant(isPurpose(purpose), `${where} has an unknown purpose`);
  return { offerTxId, from, to, purpose };
}

/** The item's `index`-th holder, or undefined past the end. Requires 0 ≤ index. */
export function findHolding(state: StateView, item: string, index: number): HoldingRecord | undefined {
  const where = holdingKey(item, index);
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  const { holder, purpose, txId, height, sinceMs } = storedObject(stored, where);
  invariant(typeof holder === 'string' && typeof txId === 'string', `${where} lacks a field`);
  invariant(purpose === null || isPurpose(purpose), `${where} has an unknown purpose`);
  invariant(typeof height === 'number' && typeof sinceMs === 'number', `${where} lacks a height or time`);
  return { holder, purpose, txId, height, sinceMs };
}

type ProposePayload = { readonly id: string; readonly parties: readonly { readonly organization: string; readonly shareBasisPoints: number }[] };
type RecoverPayload = { readonly item: string; readonly description: string; readonly weightGrams: number; readonly rule: string | null };
/** The recovered item is the product with this serial, registered by production when it was recovered, or null. */
type RecoveredProduct = { readonly product: string | null };
type OfferPayload = { readonly item: string; readonly to: string; readonly purpose: RecyclingPurpose };
type SalePayload = { readonly item: string; readonly amountMinor: string; readonly currency: string };

export const recyclingContract: Contract = {
  name: recyclingContractName,
  types: Object.values(RecyclingTransactionType),

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case RecyclingTransactionType.proposeRule:
        return rejectionOf(checkPropose(call, state));
      case RecyclingTransactionType.acceptRule:
        return rejectionOf(checkAcceptRule(call, state));
      case RecyclingTransactionType.recover:
        return rejectionOf(checkRecover(call, state));
      case RecyclingTransactionType.offerHandover:
        return rejectionOf(checkOffer(call, state));
      case RecyclingTransactionType.acceptHandover:
        return rejectionOf(checkAcceptHandover(call, state));
      case RecyclingTransactionType.recordSale:
        return rejectionOf(checkSale(call, state));
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case RecyclingTransactionType.proposeRule:
        return applyPropose(call, accepted(checkPropose(call, state)));
      case RecyclingTransactionType.acceptRule:
        return applyAcceptRule(call, accepted(checkAcceptRule(call, state)));
      case RecyclingTransactionType.recover:
        return applyRecover(call, accepted(checkRecover(call, state)));
      case RecyclingTransactionType.offerHandover:
        return applyOffer(call, state, accepted(checkOffer(call, state)));
      case RecyclingTransactionType.acceptHandover:
        return applyAcceptHandover(call, accepted(checkAcceptHandover(call, state)));
      case RecyclingTransactionType.recordSale:
        return applySale(call, state, accepted(checkSale(call, state)));
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): RecyclingTransactionType {
  invariant((Object.values(RecyclingTransactionType) as string[]).includes(type), `recycling contract called for ${type}`);
  return type as RecyclingTransactionType;
}

function refuse<T>(code: keyof typeof RecyclingRejectionCode, reason: string): Checked<T> {
  return refused({ code: RecyclingRejectionCode[code], reason });
}

/** The rule's parties from the payload, or the reason they are not a valid list of parties. */
function payloadParties(value: JsonValue | undefined): ProposePayload['parties'] | { readonly reason: string } {
  if (!Array.isArray(value) || value.length < 1 || value.length > recyclingRulePartiesMax) return { reason: `parties must list 1 to ${recyclingRulePartiesMax} parties` };
  const parties: { organization: string; shareBasisPoints: number }[] = [];
  let total = 0;
  for (const party of value) {
    const fields = exactPayloadFields(party, ['organization', 'shareBasisPoints']);
    if (fields === undefined) return { reason: 'each party is exactly {organization, shareBasisPoints}' };
    const { organization, shareBasisPoints } = fields;
    if (!isOrganizationId(organization)) return { reason: 'a party organization must be an organisation id' };
    if (typeof shareBasisPoints !== 'number' || !Number.isSafeInteger(shareBasisPoints) || shareBasisPoints < 1 || shareBasisPoints > shareBasisPointsTotal) {
      return { reason: `shareBasisPoints must be a whole number from 1 to ${shareBasisPointsTotal}` };
    }
    if (parties.some((earlier) => earlier.organization === organization)) return { reason: `${organization} is listed twice among the parties` };
    parties.push({ organization, shareBasisPoints });
    total += shareBasisPoints;
  }
  if (total !== shareBasisPointsTotal) return { reason: `the shares add up to ${total} basis points, not ${shareBasisPointsTotal}` };
  return parties;
}

function checkPropose(call: ContractCall, state: StateView): Checked<{ payload: ProposePayload; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['id', 'parties']);
  if (fields === undefined) return refuse('badPayload', 'recycling.proposeRule takes exactly {id, parties} and optionally onBehalfOf');
  const { id } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be 1 to 256 printable ASCII characters without spaces');
  const parties = payloadParties(fields['parties']);
  if ('reason' in parties) return refuse('badPayload', parties.reason);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (!parties.some((party) => party.organization === actor.organization.id)) return refuse('notParty', `the proposer ${actor.organization.id} must be one of the parties`);
  const unknown = parties.find((party) => findOrganization(state, call.context.genesis, party.organization)?.status !== 'active');
  if (unknown !== undefined) return refuse('badPayload', `party ${unknown.organization} is not an active organisation`);
  if (findRevenueRule(state, id) !== undefined) return refuse('ruleExists', `rule ${id} exists already`);
  return ok({ payload: { id, parties }, actor });
}

function applyPropose(call: ContractCall, { payload, actor }: { payload: ProposePayload; actor: EffectiveActor }): ContractEffects {
  const { txId } = call.context;
  const proposer = actor.organization.id;
  // Proposing is the proposer's acceptance: a rule with the proposer as its only party is in force at once.
  const inForce = payload.parties.length === 1;
  const record: RevenueRuleRecord = {
    id: payload.id,
    proposer,
    parties: payload.parties.map((party) => ({ ...party, acceptedTxId: party.organization === proposer ? txId : null })),
    acceptedCount: 1,
    inForceTxId: inForce ? txId : null,
    proposedTxId: txId,
  };
  return {
    writes: [[revenueRuleKey(payload.id), record]],
    events: [
      {
        type: 'RecyclingRuleProposed',
        rule: payload.id,
        proposer,
        parties: payload.parties.map((party) => ({ organization: party.organization, shareBasisPoints: party.shareBasisPoints })),
        inForce,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkAcceptRule(call: ContractCall, state: StateView): Checked<{ rule: RevenueRuleRecord; partyIndex: number; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['id']);
  if (fields === undefined) return refuse('badPayload', 'recycling.acceptRule takes exactly {id} and optionally onBehalfOf');
  const { id } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be 1 to 256 printable ASCII characters without spaces');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const rule = findRevenueRule(state, id);
  if (rule === undefined) return refuse('ruleUnknown', `no rule has id ${id}`);
  const partyIndex = rule.parties.findIndex((party) => party.organization === actor.organization.id);
  if (partyIndex < 0) return refuse('notParty', `${actor.organization.id} is not a party of rule ${id}`);
  if (rule.parties[partyIndex]?.acceptedTxId !== null) return refuse('alreadyAccepted', `${actor.organization.id} accepted rule ${id} already`);
  return ok({ rule, partyIndex, actor });
}

function applyAcceptRule(call: ContractCall, { rule, partyIndex, actor }: { rule: RevenueRuleRecord; partyIndex: number; actor: EffectiveActor }): ContractEffects {
  const { txId } = call.context;
  const acceptedCount = rule.acceptedCount + 1;
  invariant(acceptedCount <= rule.parties.length, `${revenueRuleKey(rule.id)} counts more acceptances than parties`);
  const inForce = acceptedCount === rule.parties.length;
  const record: RevenueRuleRecord = {
    ...rule,
    parties: rule.parties.map((party, index) => (index === partyIndex ? { ...party, acceptedTxId: txId } : party)),
    acceptedCount,
    inForceTxId: inForce ? txId : null,
  };
  return {
    writes: [[revenueRuleKey(rule.id), record]],
    events: [
      {
        type: 'RecyclingRuleAccepted',
        rule: rule.id,
        organization: actor.organization.id,
        partyIndex,
        acceptedCount,
        partyCount: rule.parties.length,
        inForce,
        delegationId: actor.delegationId,
      },
    ],
  };
}

/** The recover payload's fields: item, description and weightGrams, optionally rule and onBehalfOf, nothing else. */
function recoverPayloadFields(payload: JsonValue): StoredObject | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const object = payload as StoredObject;
  const allowed = ['item', 'description', 'weightGrams', 'rule', 'onBehalfOf'];
  if (!Object.keys(object).every((key) => allowed.includes(key))) return undefined;
  return ['item', 'description', 'weightGrams'].every((key) => Object.prototype.hasOwnProperty.call(object, key)) ? object : undefined;
}

function checkRecover(call: ContractCall, state: StateView): Checked<{ payload: RecoverPayload; recovered: RecoveredProduct; actor: EffectiveActor }> {
  const fields = recoverPayloadFields(call.payload);
  if (fields === undefined) return refuse('badPayload', 'recycling.recover takes exactly {item, description, weightGrams}, optionally rule and onBehalfOf');
  const { item, description, weightGrams } = fields;
  // Absent means no rule; null is not a second spelling of it, so one item has one signed form.
  const rule = Object.prototype.hasOwnProperty.call(fields, 'rule') ? fields['rule'] : null;
  if (rule === null && Object.prototype.hasOwnProperty.call(fields, 'rule')) return refuse('badPayload', 'rule, when given, must be a rule id');
  if (!isItemId(item)) return refuse('badPayload', 'item must be 1 to 256 printable ASCII characters without spaces');
  if (!isRecoveredItemDescription(description)) {
    return refuse('badPayload', `description must be 1 to ${recoveredItemDescriptionLengthMax} characters, without control characters or blanks at either end`);
  }
  if (typeof weightGrams !== 'number' || !Number.isSafeInteger(weightGrams) || weightGrams < 1) return refuse('badPayload', 'weightGrams must be a whole number of at least 1');
  if (rule !== null && !isItemId(rule)) return refuse('badPayload', 'rule must be a rule id: 1 to 256 printable ASCII characters without spaces');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (rule !== null) {
    const record = findRevenueRule(state, rule);
    if (record === undefined) return refuse('ruleUnknown', `no rule has id ${rule}`);
    // Only a party may put an item under a rule: the rule binds its parties, not whoever names it.
    if (!record.parties.some((party) => party.organization === actor.organization.id)) return refuse('notParty', `${actor.organization.id} is not a party of rule ${rule}`);
  }
  if (findRecoveredItem(state, item) !== undefined) return refuse('itemExists', `item ${item} was recovered already`);
  // The ledger, not the graph, says whether the item is a registered product: the link is then a fact of the block.
  const recovered = { product: findProduct(state, item) === undefined ? null : item };
  return ok({ payload: { item, description, weightGrams, rule }, recovered, actor });
}

function applyRecover(call: ContractCall, { payload, recovered, actor }: { payload: RecoverPayload; recovered: RecoveredProduct; actor: EffectiveActor }): ContractEffects {
  const { txId, height, ledgerTimeMs } = call.context;
  const collector = actor.organization.id;
  const record: RecoveredItemRecord = { ...payload, collector, holder: collector, holderCount: 1, status: 'held', recoveredTxId: txId, saleTxId: null };
  const holding: HoldingRecord = { holder: collector, purpose: null, txId, height, sinceMs: ledgerTimeMs };
  return {
    writes: [
      [recoveredItemKey(payload.item), record],
      [holdingKey(payload.item, 0), holding],
    ],
    events: [{ type: 'RecyclingItemRecovered', ...payload, product: recovered.product, collector, delegationId: actor.delegationId }],
  };
}

/** The item `item` when it exists, is not sold and the actor holds it. */
function heldItem(state: StateView, item: string, actor: EffectiveActor): Checked<RecoveredItemRecord> {
  const record = findRecoveredItem(state, item);
  if (record === undefined) return refuse('itemUnknown', `no recovered item has id ${item}`);
  if (record.status === 'sold') return refuse('itemSold', `item ${item} is sold`);
  if (record.holder !== actor.organization.id) return refuse('notHolder', `${actor.organization.id} does not hold item ${item}`);
  return ok(record);
}

function checkOffer(call: ContractCall, state: StateView): Checked<{ payload: OfferPayload; record: RecoveredItemRecord; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['item', 'to', 'purpose']);
  if (fields === undefined) return refuse('badPayload', 'recycling.offerHandover takes exactly {item, to, purpose} and optionally onBehalfOf');
  const { item, to, purpose } = fields;
  if (!isItemId(item)) return refuse('badPayload', 'item must be 1 to 256 printable ASCII characters without spaces');
  if (!isOrganizationId(to)) return refuse('badPayload', 'to must be an organisation id');
  if (!isPurpose(purpose)) return refuse('badPayload', `purpose must be one of ${recyclingPurposes.join(', ')}`);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const held = heldItem(state, item, actor);
  if (!held.ok) return refused(held.rejection);
  if (to === held.value.holder) return refuse('badPayload', `${to} holds item ${item} already`);
  if (findOrganization(state, call.context.genesis, to)?.status !== 'active') return refuse('orgUnknown', `${to} is not an active organisation`);
  return ok({ payload: { item, to, purpose }, record: held.value, actor });
}

function applyOffer(
  call: ContractCall,
  state: StateView,
  { payload, record, actor }: { payload: OfferPayload; record: RecoveredItemRecord; actor: EffectiveActor },
): ContractEffects {
  const offer: HandoverOfferRecord = { offerTxId: call.context.txId, from: record.holder, to: payload.to, purpose: payload.purpose };
  // One open offer per item: a new one replaces the previous, whose acceptance then fails OFFER_UNKNOWN.
  const replaced = findHandoverOffer(state, payload.item);
  return {
    writes: [[handoverOfferKey(payload.item), offer]],
    events: [
      {
        type: 'RecyclingHandoverOffered',
        item: payload.item,
        from: record.holder,
        to: payload.to,
        purpose: payload.purpose,
        offerTxId: offer.offerTxId,
        replacesOfferTxId: replaced?.offerTxId ?? null,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkAcceptHandover(call: ContractCall, state: StateView): Checked<{ record: RecoveredItemRecord; offer: HandoverOfferRecord; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['item', 'offerTxId']);
  if (fields === undefined) return refuse('badPayload', 'recycling.acceptHandover takes exactly {item, offerTxId} and optionally onBehalfOf');
  const { item, offerTxId } = fields;
  if (!isItemId(item)) return refuse('badPayload', 'item must be 1 to 256 printable ASCII characters without spaces');
  if (!isTransactionId(offerTxId)) return refuse('badPayload', 'offerTxId must be a transaction id (64 lowercase hex)');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const record = findRecoveredItem(state, item);
  if (record === undefined) return refuse('itemUnknown', `no recovered item has id ${item}`);
  const offer = findHandoverOffer(state, item);
  if (offer === undefined || offer.offerTxId !== offerTxId) return refuse('offerUnknown', `${offerTxId} is not the open offer for item ${item}`);
  invariant(offer.from === record.holder && record.status === 'held', `${handoverOfferKey(item)} is from ${offer.from}, not the holder ${record.holder} of a held item`);
  if (offer.to !== actor.organization.id) return refuse('notPermitted', `offer ${offerTxId} is to ${offer.to}, not ${actor.organization.id}`);
  return ok({ record, offer, actor });
}

function applyAcceptHandover(call: ContractCall, { record, offer, actor }: { record: RecoveredItemRecord; offer: HandoverOfferRecord; actor: EffectiveActor }): ContractEffects {
  const { txId, height, ledgerTimeMs } = call.context;
  const next: RecoveredItemRecord = { ...record, holder: offer.to, holderCount: record.holderCount + 1 };
  const holding: HoldingRecord = { holder: offer.to, purpose: offer.purpose, txId, height, sinceMs: ledgerTimeMs };
  return {
    writes: [
      [recoveredItemKey(record.item), next],
      [holdingKey(record.item, record.holderCount), holding],
      [handoverOfferKey(record.item), null],
    ],
    events: [
      {
        type: 'RecyclingHandoverAccepted',
        item: record.item,
        from: offer.from,
        to: offer.to,
        purpose: offer.purpose,
        offerTxId: offer.offerTxId,
        holderIndex: record.holderCount,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkSale(call: ContractCall, state: StateView): Checked<{ payload: SalePayload; record: RecoveredItemRecord; parts: SalePart[]; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['item', 'amountMinor', 'currency']);
  if (fields === undefined) return refuse('badPayload', 'recycling.recordSale takes exactly {item, amountMinor, currency} and optionally onBehalfOf');
  const { item, amountMinor, currency } = fields;
  if (!isItemId(item)) return refuse('badPayload', 'item must be 1 to 256 printable ASCII characters without spaces');
  if (!isMinorUnits(amountMinor) || amountMinor === '0') {
    return refuse('badPayload', `amountMinor must be a whole number of minor units of at least 1, as at most ${minorUnitsDigitsMax} decimal digits in a string`);
  }
  if (!isCurrencyCode(currency)) return refuse('badPayload', 'currency must be an ISO 4217 code: three capital letters');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const held = heldItem(state, item, actor);
  if (!held.ok) return refused(held.rejection);
  const record = held.value;
  if (record.rule === null) {
    return ok({ payload: { item, amountMinor, currency }, record, parts: [{ organization: record.holder, shareBasisPoints: shareBasisPointsTotal, amountMinor }], actor });
  }
  const rule = findRevenueRule(state, record.rule);
  invariant(rule !== undefined, `${recoveredItemKey(item)} names rule ${record.rule}, which does not exist`);
  if (rule.inForceTxId === null) {
    return refuse('ruleNotInForce', `rule ${rule.id} is accepted by ${rule.acceptedCount} of its ${rule.parties.length} parties, not yet in force`);
  }
  const amounts = splitProceeds(BigInt(amountMinor), rule.parties.map((party) => party.shareBasisPoints));
  const parts = rule.parties.map((party, index) => ({ organization: party.organization, shareBasisPoints: party.shareBasisPoints, amountMinor: String(amounts[index] ?? 0n) }));
  return ok({ payload: { item, amountMinor, currency }, record, parts, actor });
}

function applySale(
  call: ContractCall,
  state: StateView,
  { payload, record, parts, actor }: { payload: SalePayload; record: RecoveredItemRecord; parts: SalePart[]; actor: EffectiveActor },
): ContractEffects {
  const { txId } = call.context;
  // A sold item changes hands no more, so an offer still open for it is withdrawn with the sale.
  const withdrawn = findHandoverOffer(state, payload.item);
  const next: RecoveredItemRecord = { ...record, status: 'sold', saleTxId: txId };
  return {
    writes: withdrawn === undefined ? [[recoveredItemKey(record.item), next]] : [[recoveredItemKey(record.item), next], [handoverOfferKey(record.item), null]],
    events: [
      {
        type: 'RecyclingSaleRecorded',
        item: record.item,
        seller: record.holder,
        amountMinor: payload.amountMinor,
        currency: payload.currency,
        rule: record.rule,
        parts,
        withdrawnOfferTxId: withdrawn?.offerTxId ?? null,
        delegationId: actor.delegationId,
      },
    ],
  };
}
