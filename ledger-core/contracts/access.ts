/**
 * Device access control (white paper §3.2): a device's owner grants an organisation or a did:key
 * (a person, a service, the device itself) named actions on the device until an expiry
 * (`access.grant`), and may revoke a grant (`access.revoke`); a grant is identified by the id of the
 * transaction that made it. A registered device records what it let happen or refused
 * (`access.event`, signed by the device's own key). `canAccess` answers whether an actor may perform
 * an action on a device, naming the grant or revocation its answer rests on; the identity subgraph
 * calls it over the same state the contracts use.
 *
 * Grants belong to the owner that made them: after a transfer, the previous owner's grants no longer
 * allow anything (their records stay for provenance), and the new owner grants afresh.
 *
 * State (keys under `access/`):
 *   access/grant/<grant tx id>         → AccessGrantRecord (kept after revocation)
 *   access/index/<device did>/<grantee> → grant tx ids for that device and grantee, oldest first, at most
 *                                         `grantsPerGranteeMax`: what makes `canAccess` one key read and a
 *                                         bounded loop instead of a scan of all grants
 */
import type { JsonValue } from '../chain/json-value.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, StateView } from './contract.js';
import { effectiveActor, isEd25519DidKey, type EffectiveActor } from './delegation.js';
import { findDevice, type DeviceRecord } from './device.js';
import { isOrganizationId } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { findOrganization } from './organization.js';
import { accepted, delegablePayloadFields, exactPayloadFields, isTransactionId, ok, payloadExpiry, refused, rejectionOf, type Checked } from './payload-checks.js';

export const accessContractName = 'access';

export const AccessTransactionType = {
  grant: 'access.grant',
  revoke: 'access.revoke',
  event: 'access.event',
} as const;

export type AccessTransactionType = (typeof AccessTransactionType)[keyof typeof AccessTransactionType];

/** The actions a grant may name: the fixed vocabulary every node and the subgraph share. */
export const accessActions = ['read', 'operate', 'maintain', 'report', 'configure'] as const;

export type AccessAction = (typeof accessActions)[number];

export const AccessRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** An action outside `accessActions`. */
  badAction: 'BAD_ACTION',
  /** No device has this did. */
  deviceUnknown: 'DEVICE_UNKNOWN',
  /** The acting organisation does not own the device. */
  notOwner: 'NOT_OWNER',
  /** The grantee is an organisation id that no organisation has. */
  granteeUnknown: 'GRANTEE_UNKNOWN',
  /** The device already has `grantsPerGranteeMax` grants in force for this grantee. */
  tooManyGrants: 'TOO_MANY_GRANTS',
  /** No grant has this id. */
  grantUnknown: 'GRANT_UNKNOWN',
  /** The grant was revoked already. */
  grantRevoked: 'GRANT_REVOKED',
  /** The signer is not a registered device's did. */
  notDevice: 'NOT_DEVICE',
} as const;

export type AccessRejectionCode = (typeof AccessRejectionCode)[keyof typeof AccessRejectionCode];

/** Most grants one device keeps indexed for one grantee; in-force grants beyond it are refused. */
export const grantsPerGranteeMax = 16;
/** Longest a grant may last from the ledger time it was made at: 366 days, in milliseconds. */
export const grantLifetimeMsMax = 366 * 24 * 60 * 60 * 1000;

export type AccessGrantRecord = {
  readonly grantTxId: string;
  readonly device: string;
  /** Id of the organisation that owned the device and made the grant. */
  readonly owner: string;
  /** An organisation id or a did:key. */
  readonly grantee: string;
  /** Sorted, no repeats, from `accessActions`. */
  readonly actions: readonly AccessAction[];
  /** The grant allows while the time asked about is before this, in milliseconds since the Unix epoch. */
  readonly expiresAtMs: number;
  /** The transaction that revoked it, or null. */
  readonly revokeTxId: string | null;
};

/** Why `canAccess` answered as it did; stable, for clients to branch on. */
export type AccessReason =
  /** The actor is the device's owner, who may do everything. */
  | 'OWNER'
  /** A grant in force covers the action; `grantTxId` names it. */
  | 'GRANTED'
  | 'DEVICE_UNKNOWN'
  | 'BAD_ACTION'
  /** A grant covered the action but was revoked; `grantTxId` and `revokeTxId` name them. */
  | 'REVOKED'
  /** A grant covered the action but expired before the time asked about; `grantTxId` names it. */
  | 'EXPIRED'
  /** A grant covered the action but was made by a previous owner; `grantTxId` names it. */
  | 'PREVIOUS_OWNER'
  /** No grant to this actor on this device covers the action. */
  | 'NO_GRANT';

export type AccessDecision = {
  readonly allowed: boolean;
  readonly reason: AccessReason;
  readonly grantTxId?: string;
  readonly revokeTxId?: string;
};

/** World-state key of the grant made by transaction `grantTxId`. */
export function accessGrantKey(grantTxId: string): string {
  return `${accessContractName}/grant/${grantTxId}`;
}

/** World-state key of the list of grant ids for `deviceDid` and `grantee`. */
export function accessIndexKey(deviceDid: string, grantee: string): string {
  return `${accessContractName}/index/${deviceDid}/${grantee}`;
}

/** True when `value` is one of `accessActions`. */
export function isAccessAction(value: unknown): value is AccessAction {
  return typeof value === 'string' && (accessActions as readonly string[]).includes(value);
}

/** The grant made by `grantTxId`, or undefined. A record of another shape is a broken invariant and throws. */
export function findAccessGrant(state: StateView, grantTxId: string): AccessGrantRecord | undefined {
  const stored = state.get(accessGrantKey(grantTxId));
  if (stored === undefined) return undefined;
  const where = accessGrantKey(grantTxId);
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  const record = stored as { readonly [key: string]: JsonValue };
  const { device, owner, grantee, actions, expiresAtMs, revokeTxId } = record;
  invariant(record['grantTxId'] === grantTxId, `${where} holds another id`);
  invariant(typeof device === 'string' && typeof owner === 'string' && typeof grantee === 'string', `${where} lacks a field`);
  invariant(Array.isArray(actions) && actions.every(isAccessAction), `${where} actions are not from the vocabulary`);
  invariant(typeof expiresAtMs === 'number', `${where} has no expiry`);
  invariant(revokeTxId === null || typeof revokeTxId === 'string', `${where} revokeTxId is not an id`);
  return { grantTxId, device, owner, grantee, actions: actions as readonly AccessAction[], expiresAtMs, revokeTxId };
}

/** The grant ids indexed for `deviceDid` and `grantee`, oldest first (at most `grantsPerGranteeMax`). */
export function indexedGrantIds(state: StateView, deviceDid: string, grantee: string): readonly string[] {
  const stored = state.get(accessIndexKey(deviceDid, grantee));
  if (stored === undefined) return [];
  invariant(
    Array.isArray(stored) && stored.length <= grantsPerGranteeMax && stored.every((id) => typeof id === 'string'),
    `${accessIndexKey(deviceDid, grantee)} is not a bounded list of grant ids`,
  );
  return stored as readonly string[];
}

/**
 * May `actor` (an organisation id or a did:key, compared literally) perform `action` on the device
 * `deviceDid` at `atTimeMs`, by the state `state`? The owner may do everything; anyone else needs a
 * grant from the current owner that covers the action, is not revoked in `state`, and expires after
 * `atTimeMs`. Requires `atTimeMs` in milliseconds since the Unix epoch. Reads one device record, one
 * index entry and at most `grantsPerGranteeMax` grants. A denial names the most telling grant it
 * found (revoked, then expired, then a previous owner's), newest first, so the answer can be proved.
 */
export function canAccess(state: StateView, deviceDid: string, actor: string, action: string, atTimeMs: number): AccessDecision {
  invariant(Number.isSafeInteger(atTimeMs), `canAccess asked about ${atTimeMs}, not a time in milliseconds`);
  if (!isAccessAction(action)) return { allowed: false, reason: 'BAD_ACTION' };
  const device = findDevice(state, deviceDid);
  if (device === undefined) return { allowed: false, reason: 'DEVICE_UNKNOWN' };
  if (actor === device.owner) return { allowed: true, reason: 'OWNER' };
  const ids = indexedGrantIds(state, deviceDid, actor);
  let revoked: AccessGrantRecord | undefined;
  let expired: AccessGrantRecord | undefined;
  let previousOwner: AccessGrantRecord | undefined;
  for (let index = ids.length - 1; index >= 0; index--) {
    const grant = findAccessGrant(state, ids[index] ?? '');
    invariant(grant !== undefined && grant.device === deviceDid && grant.grantee === actor, `${accessIndexKey(deviceDid, actor)} names a grant that is not its own`);
    if (!grant.actions.includes(action)) continue;
    if (grant.owner !== device.owner) previousOwner ??= grant;
    else if (grant.revokeTxId !== null) revoked ??= grant;
    else if (atTimeMs >= grant.expiresAtMs) expired ??= grant;
    else return { allowed: true, reason: 'GRANTED', grantTxId: grant.grantTxId };
  }
  if (revoked !== undefined && revoked.revokeTxId !== null) {
    return { allowed: false, reason: 'REVOKED', grantTxId: revoked.grantTxId, revokeTxId: revoked.revokeTxId };
  }
  if (expired !== undefined) return { allowed: false, reason: 'EXPIRED', grantTxId: expired.grantTxId };
  if (previousOwner !== undefined) return { allowed: false, reason: 'PREVIOUS_OWNER', grantTxId: previousOwner.grantTxId };
  return { allowed: false, reason: 'NO_GRANT' };
}

type GrantPayload = { readonly device: string; readonly grantee: string; readonly actions: readonly AccessAction[]; readonly expiresAtMs: number };
type EventPayload = { readonly actor: string; readonly action: AccessAction; readonly result: 'granted' | 'denied'; readonly atMs: number };

export const accessContract: Contract = {
  name: accessContractName,
  types: [AccessTransactionType.grant, AccessTransactionType.revoke, AccessTransactionType.event],

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case AccessTransactionType.grant:
        return rejectionOf(checkGrant(call, state));
      case AccessTransactionType.revoke:
        return rejectionOf(checkRevoke(call, state));
      case AccessTransactionType.event:
        return rejectionOf(checkEvent(call, state));
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case AccessTransactionType.grant:
        return applyGrant(call, accepted(checkGrant(call, state)));
      case AccessTransactionType.revoke:
        return applyRevoke(call, accepted(checkRevoke(call, state)));
      case AccessTransactionType.event:
        return applyEvent(call, state, accepted(checkEvent(call, state)));
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): AccessTransactionType {
  invariant(
    type === AccessTransactionType.grant || type === AccessTransactionType.revoke || type === AccessTransactionType.event,
    `access contract called for ${type}`,
  );
  return type;
}

function refuse<T>(code: keyof typeof AccessRejectionCode, reason: string): Checked<T> {
  return refused({ code: AccessRejectionCode[code], reason });
}

type GrantChecked = { payload: GrantPayload; device: DeviceRecord; actor: EffectiveActor; index: readonly string[] };

function checkGrant(call: ContractCall, state: StateView): Checked<GrantChecked> {
  const fields = delegablePayloadFields(call.payload, ['device', 'grantee', 'actions', 'expiresAtMs']);
  if (fields === undefined) return refuse('badPayload', 'access.grant takes exactly {device, grantee, actions, expiresAtMs} and optionally onBehalfOf');
  const { device: deviceDid, grantee, actions, expiresAtMs } = fields;
  const { ledgerTimeMs, genesis } = call.context;
  if (!isEd25519DidKey(deviceDid)) return refuse('badPayload', 'device must be an Ed25519 did:key');
  const granteeIsOrganization = isOrganizationId(grantee);
  if (!granteeIsOrganization && !isEd25519DidKey(grantee)) return refuse('badPayload', 'grantee must be an organisation id or an Ed25519 did:key');
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > accessActions.length) {
    return refuse('badPayload', `actions must list 1 to ${accessActions.length} actions`);
  }
  const sorted: AccessAction[] = [];
  for (const action of actions as readonly JsonValue[]) {
    if (!isAccessAction(action)) return refuse('badAction', `${JSON.stringify(action)} is not one of ${accessActions.join(', ')}`);
    if (sorted.includes(action)) return refuse('badPayload', `actions list ${action} twice`);
    sorted.push(action);
  }
  const expiry = payloadExpiry(expiresAtMs, ledgerTimeMs, grantLifetimeMsMax);
  if (typeof expiry !== 'number') return refuse('badPayload', expiry.reason);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const device = findDevice(state, deviceDid);
  if (device === undefined) return refuse('deviceUnknown', `no device has did ${deviceDid}`);
  if (device.owner !== actor.organization.id) return refuse('notOwner', `${actor.organization.id} does not own ${deviceDid}`);
  if (granteeIsOrganization && findOrganization(state, genesis, grantee) === undefined) return refuse('granteeUnknown', `no organisation has id ${grantee}`);
  // Make room by dropping grants that allow nothing any more (revoked, expired, a previous owner's),
  // oldest first; grants in force are never dropped, so a full list of them refuses the new one.
  const index = [...indexedGrantIds(state, deviceDid, grantee)];
  for (let position = 0; position < index.length && index.length >= grantsPerGranteeMax; ) {
    const grant = findAccessGrant(state, index[position] ?? '');
    invariant(grant !== undefined, `${accessIndexKey(deviceDid, grantee)} names a missing grant`);
    const inForce = grant.owner === device.owner && grant.revokeTxId === null && ledgerTimeMs < grant.expiresAtMs;
    if (inForce) position++;
    else index.splice(position, 1);
  }
  if (index.length >= grantsPerGranteeMax) {
    return refuse('tooManyGrants', `${deviceDid} has ${grantsPerGranteeMax} grants in force for ${grantee}; revoke one first`);
  }
  return ok({ payload: { device: deviceDid, grantee, actions: sorted.sort(), expiresAtMs: expiry }, device, actor, index });
}

function applyGrant(call: ContractCall, { payload, device, actor, index }: GrantChecked): ContractEffects {
  const grantTxId = call.context.txId;
  const record: AccessGrantRecord = { grantTxId, ...payload, owner: device.owner, revokeTxId: null };
  return {
    writes: [
      [accessGrantKey(grantTxId), record],
      [accessIndexKey(payload.device, payload.grantee), [...index, grantTxId]],
    ],
    events: [
      {
        type: 'AccessGranted',
        grantTxId,
        device: payload.device,
        owner: device.owner,
        grantee: payload.grantee,
        granteeKind: isOrganizationId(payload.grantee) ? 'organization' : 'did',
        actions: payload.actions,
        expiresAtMs: payload.expiresAtMs,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkRevoke(call: ContractCall, state: StateView): Checked<{ grant: AccessGrantRecord; actor: EffectiveActor }> {
  const fields = delegablePayloadFields(call.payload, ['grantId']);
  if (fields === undefined) return refuse('badPayload', 'access.revoke takes exactly {grantId} and optionally onBehalfOf');
  const { grantId } = fields;
  if (!isTransactionId(grantId)) return refuse('badPayload', 'grantId must be a transaction id (64 lowercase hex)');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const grant = findAccessGrant(state, grantId);
  if (grant === undefined) return refuse('grantUnknown', `no grant has id ${grantId}`);
  // The device's current owner revokes; so does the organisation that made a grant, even after a
  // transfer, so it can withdraw what it said without asking the new owner.
  const device = findDevice(state, grant.device);
  invariant(device !== undefined, `grant ${grantId} names an unregistered device`);
  const organizationId = actor.organization.id;
  if (organizationId !== device.owner && organizationId !== grant.owner) return refuse('notOwner', `${organizationId} does not own ${grant.device}`);
  if (grant.revokeTxId !== null) return refuse('grantRevoked', `grant ${grantId} was revoked by ${grant.revokeTxId}`);
  return ok({ grant, actor });
}

function applyRevoke(call: ContractCall, { grant, actor }: { grant: AccessGrantRecord; actor: EffectiveActor }): ContractEffects {
  const revokeTxId = call.context.txId;
  return {
    writes: [[accessGrantKey(grant.grantTxId), { ...grant, revokeTxId }]],
    events: [
      {
        type: 'AccessRevoked',
        grantTxId: grant.grantTxId,
        revokeTxId,
        device: grant.device,
        owner: grant.owner,
        grantee: grant.grantee,
        revokedBy: actor.organization.id,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function checkEvent(call: ContractCall, state: StateView): Checked<{ payload: EventPayload; device: DeviceRecord }> {
  const fields = exactPayloadFields(call.payload, ['actor', 'action', 'result', 'atMs']);
  if (fields === undefined) return refuse('badPayload', 'access.event takes exactly {actor, action, result, atMs}');
  const { actor, action, result, atMs } = fields;
  const { signer, ledgerTimeMs, genesis } = call.context;
  if (!isOrganizationId(actor) && !isEd25519DidKey(actor)) return refuse('badPayload', 'actor must be an organisation id or an Ed25519 did:key');
  if (!isAccessAction(action)) return refuse('badAction', `${JSON.stringify(action)} is not one of ${accessActions.join(', ')}`);
  if (result !== 'granted' && result !== 'denied') return refuse('badPayload', 'result must be "granted" or "denied"');
  // A device reports what happened, so not later than the signer's clock may run ahead of the ledger's.
  if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs) || atMs < 0 || atMs > ledgerTimeMs + genesis.parameters.txTimeFutureMs) {
    return refuse('badPayload', 'atMs must be a time in milliseconds, not after the ledger time');
  }
  const device = findDevice(state, signer);
  if (device === undefined) return refuse('notDevice', `${signer} is not a registered device`);
  return ok({ payload: { actor, action, result, atMs }, device });
}

function applyEvent(call: ContractCall, state: StateView, { payload, device }: { payload: EventPayload; device: DeviceRecord }): ContractEffects {
  // What the ledger would have answered at that time rides along, so an auditor sees at once where a
  // device's own decision and the ledger's grants disagree. Events only: nothing to store.
  const ledger = canAccess(state, device.did, payload.actor, payload.action, payload.atMs);
  return {
    writes: [],
    events: [
      {
        type: 'DeviceAccessRecorded',
        device: device.did,
        owner: device.owner,
        ...payload,
        ledgerAllowed: ledger.allowed,
        ledgerReason: ledger.reason,
        grantTxId: ledger.grantTxId ?? null,
        revokeTxId: ledger.revokeTxId ?? null,
      },
    ],
  };
}
