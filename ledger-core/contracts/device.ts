/**
 * Device identity (white paper §3.1): an organisation binds a device's own did:key to itself as owner
 * with `device.register`; ownership moves only with both parties' signatures, an offer from the
 * current owner (`device.transferOffer`) and an acceptance by the receiving organisation
 * (`device.transferAccept`) before the offer expires; and a device signs its own data envelopes
 * (`device.report`), accepted only when its owner granted the device itself the `report` action.
 * Organisation-signed calls may be made by a delegate (see delegation.ts) with `onBehalfOf`.
 *
 * State (keys under `device/`):
 *   device/did/<did>                 → DeviceRecord
 *   device/serial/<model>/<serial>   → the did of the device with that model and serial (owner-independent)
 *   device/offer/<did>               → TransferOfferRecord, the one open offer for the device
 *   device/history/<did>/<n>         → OwnershipRecord, the device's n-th owner (0 is the registrant);
 *                                      one key per entry, so a long history never grows one value
 *
 * This module and access.ts call each other's functions (a device report needs an access decision,
 * an access grant needs the device's owner); neither uses the other at load time.
 */
import { canonicalBytes } from '../chain/canonical.js';
import type { JsonValue } from '../chain/json-value.js';
import { canAccess } from './access.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, LedgerEvent, StateView } from './contract.js';
import { effectiveActor, isEd25519DidKey, type EffectiveActor } from './delegation.js';
import { isOrganizationId } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { findOrganization, findOrganizationByDid } from './organization.js';
import { accepted, delegablePayloadFields, exactPayloadFields, isTransactionId, ok, payloadExpiry, refused, rejectionOf, type Checked } from './payload-checks.js';

export const deviceContractName = 'device';

export const DeviceTransactionType = {
  register: 'device.register',
  transferOffer: 'device.transferOffer',
  transferAccept: 'device.transferAccept',
  report: 'device.report',
} as const;

export type DeviceTransactionType = (typeof DeviceTransactionType)[keyof typeof DeviceTransactionType];

export const DeviceRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** A device with this did, or with this model and serial, is registered already. */
  deviceExists: 'DEVICE_EXISTS',
  /** The did signs for an organisation; a device has a key of its own. */
  didTaken: 'DEVICE_DID_TAKEN',
  /** No device has this did. */
  deviceUnknown: 'DEVICE_UNKNOWN',
  /** The acting organisation does not own the device. */
  notOwner: 'NOT_OWNER',
  /** The organisation named to receive the device is not an active organisation. */
  orgUnknown: 'ORG_UNKNOWN',
  /** The open offer for the device is not the one named (none, replaced, or taken). */
  offerUnknown: 'OFFER_UNKNOWN',
  /** The offer's expiry is at or before the ledger time. */
  offerExpired: 'OFFER_EXPIRED',
  /** The signer is not a registered device's did. */
  notDevice: 'NOT_DEVICE',
  /** The acting party is not allowed this operation (not the offer's recipient, or no `report` grant). */
  notPermitted: 'NOT_PERMITTED',
} as const;

export type DeviceRejectionCode = (typeof DeviceRejectionCode)[keyof typeof DeviceRejectionCode];

/** Longest model and serial, in characters (ASCII only). */
export const deviceModelLengthMax = 64;
export const deviceSerialLengthMax = 64;
/** Longest category, in characters. */
export const deviceCategoryLengthMax = 32;
/** Longest a transfer offer may stay open from the ledger time it was made at: 30 days, in milliseconds. */
export const transferOfferLifetimeMsMax = 30 * 24 * 60 * 60 * 1000;
/** Longest report kind, in characters. */
export const reportKindLengthMax = 64;
/** Largest report data: UTF-8 bytes of its canonical JSON. */
export const reportDataBytesMax = 16_384;

export type DeviceRecord = {
  readonly did: string;
  /** Id of the organisation that owns it now. */
  readonly owner: string;
  readonly model: string;
  readonly serial: string;
  readonly category: string;
  /** How many owners it has had, the registrant included: the next history index. */
  readonly ownerCount: number;
  /** The transaction that registered it. */
  readonly registeredTxId: string;
};

export type TransferOfferRecord = {
  readonly offerTxId: string;
  readonly from: string;
  readonly to: string;
  readonly expiresAtMs: number;
};

export type OwnershipRecord = {
  readonly owner: string;
  /** The register or transferAccept transaction that made `owner` the owner. */
  readonly txId: string;
  readonly height: number;
  readonly sinceMs: number;
};

// Letters, digits and `._:-`, starting with a letter or digit: one world-state key segment (no "/").
const modelPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${deviceModelLengthMax - 1}}$`);
const serialPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${deviceSerialLengthMax - 1}}$`);
const categoryPattern = new RegExp(`^[a-z][a-z0-9-]{0,${deviceCategoryLengthMax - 1}}$`);
const reportKindPattern = new RegExp(`^[a-z][A-Za-z0-9.-]{0,${reportKindLengthMax - 1}}$`);

/** World-state key of the device with `did`. */
export function deviceKey(did: string): string {
  return `${deviceContractName}/did/${did}`;
}

/** World-state key of the index from a model and serial to the device's did. */
export function deviceSerialKey(model: string, serial: string): string {
  return `${deviceContractName}/serial/${model}/${serial}`;
}

/** World-state key of the open transfer offer for the device with `did`. */
export function transferOfferKey(did: string): string {
  return `${deviceContractName}/offer/${did}`;
}

/** World-state key of the device's `index`-th owner. Requires 0 ≤ index < the device's ownerCount to find one. */
export function ownershipKey(did: string, index: number): string {
  return `${deviceContractName}/history/${did}/${index}`;
}

/** The device with `did`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findDevice(state: StateView, did: string): DeviceRecord | undefined {
  const stored = state.get(deviceKey(did));
  if (stored === undefined) return undefined;
  const where = deviceKey(did);
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  const record = stored as { readonly [key: string]: JsonValue };
  const { owner, model, serial, category, ownerCount, registeredTxId } = record;
  invariant(record['did'] === did, `${where} holds another did`);
  invariant(typeof owner === 'string' && typeof model === 'string' && typeof serial === 'string' && typeof category === 'string', `${where} lacks a field`);
  invariant(typeof ownerCount === 'number' && Number.isSafeInteger(ownerCount) && ownerCount >= 1, `${where} ownerCount is not a count`);
  invariant(typeof registeredTxId === 'string', `${where} has no registering transaction`);
  return { did, owner, model, serial, category, ownerCount, registeredTxId };
}

/** The open transfer offer for the device with `did`, or undefined. */
export function findTransferOffer(state: StateView, did: string): TransferOfferRecord | undefined {
  const stored = state.get(transferOfferKey(did));
  if (stored === undefined) return undefined;
  const where = transferOfferKey(did);
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  const { offerTxId, from, to, expiresAtMs } = stored as { readonly [key: string]: JsonValue };
  invariant(typeof offerTxId === 'string' && typeof from === 'string' && typeof to === 'string', `${where} lacks a field`);
  invariant(typeof expiresAtMs === 'number', `${where} has no expiry`);
  return { offerTxId, from, to, expiresAtMs };
}

/** The device's `index`-th owner, or undefined past the end. Requires 0 ≤ index. */
export function findOwnership(state: StateView, did: string, index: number): OwnershipRecord | undefined {
  const stored = state.get(ownershipKey(did, index));
  if (stored === undefined) return undefined;
  const where = ownershipKey(did, index);
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  const { owner, txId, height, sinceMs } = stored as { readonly [key: string]: JsonValue };
  invariant(typeof owner === 'string' && typeof txId === 'string', `${where} lacks a field`);
  invariant(typeof height === 'number' && typeof sinceMs === 'number', `${where} lacks a height or time`);
  return { owner, txId, height, sinceMs };
}

type RegisterPayload = { readonly did: string; readonly model: string; readonly serial: string; readonly category: string };
type OfferPayload = { readonly did: string; readonly to: string; readonly expiresAtMs: number };
type AcceptPayload = { readonly did: string; readonly offerTxId: string };
type ReportPayload = { readonly kind: string; readonly data: JsonValue };

export const deviceContract: Contract = {
  name: deviceContractName,
  types: [DeviceTransactionType.register, DeviceTransactionType.transferOffer, DeviceTransactionType.transferAccept, DeviceTransactionType.report],

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case DeviceTransactionType.register:
        return rejectionOf(checkRegister(call, state));
      case DeviceTransactionType.transferOffer:
        return rejectionOf(checkOffer(call, state));
      case DeviceTransactionType.transferAccept:
        return rejectionOf(checkAccept(call, state));
      case DeviceTransactionType.report:
        return rejectionOf(checkReport(call, state));
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case DeviceTransactionType.register:
        return applyRegister(call, accepted(checkRegister(call, state)));
      case DeviceTransactionType.transferOffer:
        return applyOffer(call, state, accepted(checkOffer(call, state)));
      case DeviceTransactionType.transferAccept:
        return applyAccept(call, accepted(checkAccept(call, state)));
      case DeviceTransactionType.report:
        return applyReport(accepted(checkReport(call, state)));
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): DeviceTransactionType {
  invariant(
    type === DeviceTransactionType.register ||
      type === DeviceTransactionType.transferOffer ||
      type === DeviceTransactionType.transferAccept ||
      type === DeviceTransactionType.report,
    `device contract called for ${type}`,
  );
  return type;
}

function refuse<T>(code: keyof typeof DeviceRejectionCode, reason: string): Checked<T> {
  return refused({ code: DeviceRejectionCode[code], reason });
}

function checkRegister(call: ContractCall, state: StateView): Checked<{ payload: RegisterPayload; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['did', 'model', 'serial', 'category']);
  if (fields === undefined) return refuse('badPayload', 'device.register takes exactly {did, model, serial, category} and optionally onBehalfOf');
  const { did, model, serial, category } = fields;
  if (!isEd25519DidKey(did)) return refuse('badPayload', 'did must be an Ed25519 did:key');
  if (typeof model !== 'string' || !modelPattern.test(model)) return refuse('badPayload', `model must be 1 to ${deviceModelLengthMax} letters, digits or "._:-"`);
  if (typeof serial !== 'string' || !serialPattern.test(serial)) return refuse('badPayload', `serial must be 1 to ${deviceSerialLengthMax} letters, digits or "._:-"`);
  if (typeof category !== 'string' || !categoryPattern.test(category)) {
    return refuse('badPayload', `category must be 1 to ${deviceCategoryLengthMax} lowercase letters, digits and hyphens, starting with a letter`);
  }
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (findDevice(state, did) !== undefined) return refuse('deviceExists', `device ${did} is registered already`);
  const holder = state.get(deviceSerialKey(model, serial));
  if (holder !== undefined) return refuse('deviceExists', `model ${model} serial ${serial} is registered already`);
  const organization = findOrganizationByDid(state, call.context.genesis, did);
  if (organization !== undefined) return refuse('didTaken', `${did} signs for organisation ${organization.id}`);
  return ok({ payload: { did, model, serial, category }, actor });
}

function applyRegister(call: ContractCall, { payload, actor }: { payload: RegisterPayload; actor: EffectiveActor }): ContractEffects {
  const { txId, height, ledgerTimeMs } = call.context;
  const owner = actor.organization.id;
  const record: DeviceRecord = { ...payload, owner, ownerCount: 1, registeredTxId: txId };
  const ownership: OwnershipRecord = { owner, txId, height, sinceMs: ledgerTimeMs };
  return {
    writes: [
      [deviceKey(payload.did), record],
      [deviceSerialKey(payload.model, payload.serial), payload.did],
      [ownershipKey(payload.did, 0), ownership],
    ],
    events: [{ type: 'DeviceRegistered', ...payload, owner, delegationId: actor.delegationId }],
  };
}

function checkOffer(call: ContractCall, state: StateView): Checked<{ payload: OfferPayload; device: DeviceRecord; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['did', 'to', 'expiresAtMs']);
  if (fields === undefined) return refuse('badPayload', 'device.transferOffer takes exactly {did, to, expiresAtMs} and optionally onBehalfOf');
  const { did, to, expiresAtMs } = fields;
  const { ledgerTimeMs, genesis } = call.context;
  if (!isEd25519DidKey(did)) return refuse('badPayload', 'did must be an Ed25519 did:key');
  if (!isOrganizationId(to)) return refuse('badPayload', 'to must be an organisation id');
  const expiry = payloadExpiry(expiresAtMs, ledgerTimeMs, transferOfferLifetimeMsMax);
  if (typeof expiry !== 'number') return refuse('badPayload', expiry.reason);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const device = findDevice(state, did);
  if (device === undefined) return refuse('deviceUnknown', `no device has did ${did}`);
  if (device.owner !== actor.organization.id) return refuse('notOwner', `${actor.organization.id} does not own ${did}`);
  if (to === device.owner) return refuse('badPayload', `${to} owns ${did} already`);
  if (findOrganization(state, genesis, to)?.status !== 'active') return refuse('orgUnknown', `${to} is not an active organisation`);
  return ok({ payload: { did, to, expiresAtMs: expiry }, device, actor });
}

function applyOffer(
  call: ContractCall,
  state: StateView,
  { payload, device, actor }: { payload: OfferPayload; device: DeviceRecord; actor: EffectiveActor },
): ContractEffects {
  const offer: TransferOfferRecord = { offerTxId: call.context.txId, from: device.owner, to: payload.to, expiresAtMs: payload.expiresAtMs };
  // One open offer per device: a new one replaces the previous, whose acceptance then fails OFFER_UNKNOWN.
  const replaced = findTransferOffer(state, payload.did);
  return {
    writes: [[transferOfferKey(payload.did), offer]],
    events: [
      {
        type: 'DeviceTransferOffered',
        did: payload.did,
        from: device.owner,
        to: payload.to,
        offerTxId: offer.offerTxId,
        expiresAtMs: payload.expiresAtMs,
        replacesOfferTxId: replaced?.offerTxId ?? null,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkAccept(call: ContractCall, state: StateView): Checked<{ device: DeviceRecord; offer: TransferOfferRecord; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['did', 'offerTxId']);
  if (fields === undefined) return refuse('badPayload', 'device.transferAccept takes exactly {did, offerTxId} and optionally onBehalfOf');
  const { did, offerTxId } = fields;
  if (!isEd25519DidKey(did)) return refuse('badPayload', 'did must be an Ed25519 did:key');
  if (!isTransactionId(offerTxId)) return refuse('badPayload', 'offerTxId must be a transaction id (64 lowercase hex)');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const device = findDevice(state, did);
  if (device === undefined) return refuse('deviceUnknown', `no device has did ${did}`);
  const offer = findTransferOffer(state, did);
  if (offer === undefined || offer.offerTxId !== offerTxId) return refuse('offerUnknown', `${offerTxId} is not the open offer for ${did}`);
  invariant(offer.from === device.owner, `${transferOfferKey(did)} is from ${offer.from}, not the owner ${device.owner}`);
  if (offer.to !== actor.organization.id) return refuse('notPermitted', `offer ${offerTxId} is to ${offer.to}, not ${actor.organization.id}`);
  if (call.context.ledgerTimeMs >= offer.expiresAtMs) return refuse('offerExpired', `offer ${offerTxId} expired at ${offer.expiresAtMs}`);
  return ok({ device, offer, actor });
}

function applyAccept(call: ContractCall, { device, offer, actor }: { device: DeviceRecord; offer: TransferOfferRecord; actor: EffectiveActor }): ContractEffects {
  const { txId, height, ledgerTimeMs } = call.context;
  const record: DeviceRecord = { ...device, owner: offer.to, ownerCount: device.ownerCount + 1 };
  const ownership: OwnershipRecord = { owner: offer.to, txId, height, sinceMs: ledgerTimeMs };
  return {
    writes: [
      [deviceKey(device.did), record],
      [ownershipKey(device.did, device.ownerCount), ownership],
      [transferOfferKey(device.did), null],
    ],
    events: [
      {
        type: 'DeviceTransferred',
        did: device.did,
        from: offer.from,
        to: offer.to,
        offerTxId: offer.offerTxId,
        ownerIndex: device.ownerCount,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkReport(call: ContractCall, state: StateView): Checked<{ payload: ReportPayload; device: DeviceRecord; grantTxId: string }> {
  const fields = exactPayloadFields(call.payload, ['kind', 'data']);
  if (fields === undefined) return refuse('badPayload', 'device.report takes exactly {kind, data}');
  const { kind, data } = fields;
  if (typeof kind !== 'string' || !reportKindPattern.test(kind)) {
    return refuse('badPayload', `kind must be 1 to ${reportKindLengthMax} letters, digits, "." or "-", starting with a lowercase letter`);
  }
  invariant(data !== undefined, 'a present field has a value');
  // The payload passed the transaction limits, so it is JSON and canonicalizes without throwing.
  const dataBytes = canonicalBytes(data).length;
  if (dataBytes > reportDataBytesMax) return refuse('badPayload', `data is ${dataBytes} bytes of JSON, more than ${reportDataBytesMax}`);
  const { signer, ledgerTimeMs } = call.context;
  const device = findDevice(state, signer);
  if (device === undefined) return refuse('notDevice', `${signer} is not a registered device`);
  const decision = canAccess(state, signer, signer, 'report', ledgerTimeMs);
  if (!decision.allowed || decision.grantTxId === undefined) {
    return refuse('notPermitted', `${device.owner} has not granted ${signer} the report action (${decision.reason})`);
  }
  return ok({ payload: { kind, data }, device, grantTxId: decision.grantTxId });
}

function applyReport({ payload, device, grantTxId }: { payload: ReportPayload; device: DeviceRecord; grantTxId: string }): ContractEffects {
  // Reports are facts for the projector, not state: the world state stays the size of the device registry.
  const event: LedgerEvent = { type: 'DeviceReported', did: device.did, owner: device.owner, kind: payload.kind, data: payload.data, grantTxId };
  return { writes: [], events: [event] };
}
