/**
 * Delegation: an active organisation signs `delegation.grant` to let another did:key (a person, a
 * service, an operator's key) sign named transaction types on its behalf until an expiry; it ends one
 * early with `delegation.revoke`. Execution knows nothing of delegation: it verifies the delegate's
 * signature like any other. A contract that accepts delegated calls reads an optional `onBehalfOf`
 * (the organisation id) in its payload and resolves who is acting with `effectiveActor`, which checks
 * the grant, its scope and its expiry against the ledger time. Delegation is one level deep: a
 * delegate cannot grant or revoke delegations, so a leaked delegate key never outlives its grant.
 *
 * One grant per (organisation, delegate) pair is in force at a time: a new grant to the same delegate
 * replaces the previous one, which keeps the lookup one key read and the state bounded.
 *
 * State (keys under `delegation/`):
 *   delegation/grant/<grant tx id>          → DelegationRecord (kept after revocation, for provenance)
 *   delegation/pair/<organisation id>/<did>  → the grant tx id in force for that pair
 */
import { publicKeyFromDidKey } from '../chain/did-key.js';
import type { JsonValue } from '../chain/json-value.js';
import type { Contract, ContractCall, ContractContext, ContractEffects, ContractRejection, StateView } from './contract.js';
import { isOrganizationId } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { findActiveOrganizationByDid, findOrganization, type OrganizationRecord } from './organization.js';
import { exactPayloadFields, isTransactionId, payloadExpiry } from './payload-checks.js';

// Contracts whose calls may be delegated read their payloads with this; it stays importable from here.
export { delegablePayloadFields } from './payload-checks.js';

export const delegationContractName = 'delegation';

export const DelegationTransactionType = {
  grant: 'delegation.grant',
  revoke: 'delegation.revoke',
} as const;

export type DelegationTransactionType = (typeof DelegationTransactionType)[keyof typeof DelegationTransactionType];

export const DelegationRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** The signer does not sign for an active organisation (and a delegate cannot act for delegations). */
  notOrganization: 'NOT_ORGANIZATION',
  /** No delegation grant has this id. */
  delegationUnknown: 'DELEGATION_UNKNOWN',
  /** The grant was made by another organisation than the signer's. */
  notGrantor: 'NOT_GRANTOR',
  /** The grant was revoked or replaced already. */
  delegationInactive: 'DELEGATION_INACTIVE',
  /** `onBehalfOf` names an organisation that has no grant in force for the signer. */
  notDelegate: 'NOT_DELEGATE',
  /** The signer's grant from `onBehalfOf` has expired at the ledger time. */
  delegationExpired: 'DELEGATION_EXPIRED',
  /** The signer's grant from `onBehalfOf` does not list this transaction type. */
  outOfScope: 'OUT_OF_SCOPE',
} as const;

export type DelegationRejectionCode = (typeof DelegationRejectionCode)[keyof typeof DelegationRejectionCode];

/** Most transaction types one grant may list. */
export const delegationScopeTypesMax = 16;
/** Longest a delegation may last from the ledger time it was granted at: 366 days, in milliseconds. */
export const delegationLifetimeMsMax = 366 * 24 * 60 * 60 * 1000;

export type DelegationRecord = {
  readonly delegationId: string;
  /** Id of the organisation that granted it. */
  readonly organization: string;
  /** The did:key that may sign for the organisation. */
  readonly delegate: string;
  /** The transaction types the delegate may sign, sorted. */
  readonly scope: readonly string[];
  /** The grant is in force while the ledger time is before this, in milliseconds since the Unix epoch. */
  readonly expiresAtMs: number;
  /** The transaction that revoked or replaced it, or null while in force. */
  readonly endedByTxId: string | null;
};

/** Who acts in a call that an organisation may delegate. */
export type EffectiveActor = {
  /** The active organisation the call acts for. */
  readonly organization: OrganizationRecord;
  /** The delegation grant the signer acted under, or null when the organisation signed itself. */
  readonly delegationId: string | null;
};

/** World-state key of the delegation granted by transaction `delegationId`. */
export function delegationKey(delegationId: string): string {
  return `${delegationContractName}/grant/${delegationId}`;
}

/** World-state key naming the grant in force from `organizationId` to `delegateDid`. */
export function delegationPairKey(organizationId: string, delegateDid: string): string {
  return `${delegationContractName}/pair/${organizationId}/${delegateDid}`;
}

/** True when `value` is an Ed25519 did:key in canonical form. */
export function isEd25519DidKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    publicKeyFromDidKey(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The organisation a call of `type` acts for. Without `onBehalfOf` in the payload, the signer must be
 * the DID of an active organisation. With it, `onBehalfOf` must be an active organisation's id that
 * has a grant in force for the signer, listing `type`, not expired at the ledger time. Requires a
 * payload that passed the contract's own shape check (an object); reads only, never throws for bad
 * input: anything that does not resolve is a rejection with a stable code.
 */
export function effectiveActor(state: StateView, context: ContractContext, payload: JsonValue, type: string): EffectiveActor | ContractRejection {
  const onBehalfOf = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as { readonly [key: string]: JsonValue })['onBehalfOf'] : undefined;
  const { genesis, signer, ledgerTimeMs } = context;
  if (onBehalfOf === undefined) {
    const organization = findActiveOrganizationByDid(state, genesis, signer);
    if (organization === undefined) return reject('notOrganization', `${signer} does not sign for an active organisation`);
    return { organization, delegationId: null };
  }
  if (!isOrganizationId(onBehalfOf)) return reject('badPayload', 'onBehalfOf must be an organisation id');
  const organization = findOrganization(state, genesis, onBehalfOf);
  if (organization === undefined || organization.status !== 'active') return reject('notDelegate', `${onBehalfOf} is not an active organisation`);
  const delegation = findDelegationInForce(state, onBehalfOf, signer);
  if (delegation === undefined) return reject('notDelegate', `${signer} holds no delegation from ${onBehalfOf}`);
  if (ledgerTimeMs >= delegation.expiresAtMs) {
    return reject('delegationExpired', `delegation ${delegation.delegationId} expired at ${delegation.expiresAtMs}`);
  }
  if (!delegation.scope.includes(type)) return reject('outOfScope', `delegation ${delegation.delegationId} does not cover ${type}`);
  return { organization, delegationId: delegation.delegationId };
}

/** The delegation granted by `delegationId`, or undefined. A record of another shape is a broken invariant. */
export function findDelegation(state: StateView, delegationId: string): DelegationRecord | undefined {
  const stored = state.get(delegationKey(delegationId));
  return stored === undefined ? undefined : delegationRecordFrom(stored, delegationId);
}

/** The grant in force (not revoked or replaced; possibly expired) from `organizationId` to `delegateDid`. */
export function findDelegationInForce(state: StateView, organizationId: string, delegateDid: string): DelegationRecord | undefined {
  const id = state.get(delegationPairKey(organizationId, delegateDid));
  if (id === undefined) return undefined;
  invariant(typeof id === 'string', `${delegationPairKey(organizationId, delegateDid)} is not a grant id`);
  const record = findDelegation(state, id);
  invariant(record !== undefined && record.endedByTxId === null, `${delegationPairKey(organizationId, delegateDid)} names ${id}, which is not in force`);
  return record;
}

type GrantPayload = { readonly delegate: string; readonly scope: readonly string[]; readonly expiresAtMs: number };
type RevokePayload = { readonly delegationId: string };

const transactionTypePattern = /^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/;

export const delegationContract: Contract = {
  name: delegationContractName,
  types: [DelegationTransactionType.grant, DelegationTransactionType.revoke],

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case DelegationTransactionType.grant: {
        const payload = grantPayload(call.payload, call.context.ledgerTimeMs);
        if ('code' in payload) return payload;
        return grantor(state, call.context) === undefined ? reject('notOrganization', `${call.context.signer} does not sign for an active organisation`) : undefined;
      }
      case DelegationTransactionType.revoke: {
        const payload = revokePayload(call.payload);
        if ('code' in payload) return payload;
        const organization = grantor(state, call.context);
        if (organization === undefined) return reject('notOrganization', `${call.context.signer} does not sign for an active organisation`);
        const delegation = findDelegation(state, payload.delegationId);
        if (delegation === undefined) return reject('delegationUnknown', `no delegation has id ${payload.delegationId}`);
        if (delegation.organization !== organization.id) return reject('notGrantor', `delegation ${payload.delegationId} was granted by ${delegation.organization}`);
        if (delegation.endedByTxId !== null) return reject('delegationInactive', `delegation ${payload.delegationId} ended with ${delegation.endedByTxId}`);
        return undefined;
      }
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    const organization = grantor(state, call.context);
    invariant(organization !== undefined, 'apply on a delegation call by a signer validate refused');
    const { txId } = call.context;
    switch (type) {
      case DelegationTransactionType.grant: {
        const payload = grantPayload(call.payload, call.context.ledgerTimeMs);
        invariant(!('code' in payload), 'apply on a delegation.grant payload validate refused');
        const replaced = findDelegationInForce(state, organization.id, payload.delegate);
        const record: DelegationRecord = { delegationId: txId, organization: organization.id, ...payload, endedByTxId: null };
        const writes: [string, JsonValue][] = [];
        if (replaced !== undefined) writes.push([delegationKey(replaced.delegationId), { ...replaced, endedByTxId: txId }]);
        writes.push([delegationKey(txId), record], [delegationPairKey(organization.id, payload.delegate), txId]);
        return {
          writes,
          events: [
            {
              type: 'DelegationGranted',
              delegationId: txId,
              organization: organization.id,
              delegate: payload.delegate,
              scope: payload.scope,
              expiresAtMs: payload.expiresAtMs,
              replacesDelegationId: replaced?.delegationId ?? null,
            },
          ],
        };
      }
      case DelegationTransactionType.revoke: {
        const payload = revokePayload(call.payload);
        invariant(!('code' in payload), 'apply on a delegation.revoke payload validate refused');
        const delegation = findDelegation(state, payload.delegationId);
        invariant(delegation !== undefined && delegation.endedByTxId === null, 'apply on a revocation validate refused');
        return {
          writes: [
            [delegationKey(delegation.delegationId), { ...delegation, endedByTxId: txId }],
            [delegationPairKey(delegation.organization, delegation.delegate), null],
          ],
          events: [
            { type: 'DelegationRevoked', delegationId: delegation.delegationId, revokeTxId: txId, organization: delegation.organization, delegate: delegation.delegate },
          ],
        };
      }
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): DelegationTransactionType {
  invariant(type === DelegationTransactionType.grant || type === DelegationTransactionType.revoke, `delegation contract called for ${type}`);
  return type;
}

/** Only an organisation's own key grants or revokes: delegation does not delegate itself. */
function grantor(state: StateView, context: ContractContext): OrganizationRecord | undefined {
  return findActiveOrganizationByDid(state, context.genesis, context.signer);
}

function grantPayload(payload: JsonValue, ledgerTimeMs: number): GrantPayload | ContractRejection {
  const fields = exactPayloadFields(payload, ['delegate', 'scope', 'expiresAtMs']);
  if (fields === undefined) return reject('badPayload', 'delegation.grant takes exactly {delegate, scope, expiresAtMs}');
  const { delegate, scope, expiresAtMs } = fields;
  if (!isEd25519DidKey(delegate)) return reject('badPayload', 'delegate must be an Ed25519 did:key');
  if (!Array.isArray(scope) || scope.length === 0 || scope.length > delegationScopeTypesMax) {
    return reject('badPayload', `scope must list 1 to ${delegationScopeTypesMax} transaction types`);
  }
  const types: string[] = [];
  for (const entry of scope as readonly JsonValue[]) {
    if (typeof entry !== 'string' || entry.length > 64 || !transactionTypePattern.test(entry)) return reject('badPayload', 'scope entries must be transaction types');
    if (entry.startsWith(`${delegationContractName}.`)) return reject('badPayload', 'a delegation cannot cover delegation transactions');
    if (types.includes(entry)) return reject('badPayload', `scope lists ${entry} twice`);
    types.push(entry);
  }
  const expiry = payloadExpiry(expiresAtMs, ledgerTimeMs, delegationLifetimeMsMax);
  if (typeof expiry !== 'number') return reject('badPayload', expiry.reason);
  return { delegate, scope: types.sort(), expiresAtMs: expiry };
}

function revokePayload(payload: JsonValue): RevokePayload | ContractRejection {
  const fields = exactPayloadFields(payload, ['delegationId']);
  if (fields === undefined) return reject('badPayload', 'delegation.revoke takes exactly {delegationId}');
  const { delegationId } = fields;
  if (!isTransactionId(delegationId)) return reject('badPayload', 'delegationId must be a transaction id (64 lowercase hex)');
  return { delegationId };
}

function reject(code: keyof typeof DelegationRejectionCode, reason: string): ContractRejection {
  return { code: DelegationRejectionCode[code], reason };
}

function delegationRecordFrom(value: JsonValue, delegationId: string): DelegationRecord {
  const where = delegationKey(delegationId);
  invariant(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} is not an object`);
  const record = value as { readonly [key: string]: JsonValue };
  const { organization, delegate, scope, expiresAtMs, endedByTxId } = record;
  invariant(record['delegationId'] === delegationId, `${where} holds another id`);
  invariant(typeof organization === 'string' && typeof delegate === 'string', `${where} has no organisation or delegate`);
  invariant(Array.isArray(scope) && scope.every((entry) => typeof entry === 'string'), `${where} scope is not types`);
  invariant(typeof expiresAtMs === 'number', `${where} has no expiry`);
  invariant(endedByTxId === null || typeof endedByTxId === 'string', `${where} endedByTxId is not an id`);
  return { delegationId, organization, delegate, scope: scope as readonly string[], expiresAtMs, endedByTxId };
}
