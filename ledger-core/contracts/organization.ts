/**
 * Organisation registration, approved by the consortium. An organisation asks to join by signing
 * `organization.register` with its own did:key, which creates it as pending; each consortium member
 * approves with `organization.approve`, signed by the member's organisation DID; when a strict majority
 * of the members has approved, it is active and `OrganizationRegistered` is emitted. The members' own
 * organisations are active from genesis: they are derived from the genesis, not stored, so no block
 * is needed to bootstrap them and no transaction can change them.
 *
 * State (keys under `organization/`):
 *   organization/id/<id>    → OrganizationRecord
 *   organization/did/<did>  → the organisation id that signs with <did> (one DID, one organisation)
 */
import type { JsonValue } from '../chain/json-value.js';
import { quorumSize } from '../chain/quorum.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, LedgerEvent, StateView } from './contract.js';
import { memberByOrganizationDid, type Genesis, type GenesisMember } from './genesis.js';
import { isOrganizationId, isOrganizationName } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';

export const organizationContractName = 'organization';

export const OrganizationTransactionType = {
  register: 'organization.register',
  approve: 'organization.approve',
} as const;

export type OrganizationTransactionType = (typeof OrganizationTransactionType)[keyof typeof OrganizationTransactionType];

export const OrganizationRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax. */
  badPayload: 'BAD_PAYLOAD',
  /** An organisation (pending or active, or a member's from genesis) already has this id. */
  orgExists: 'ORG_EXISTS',
  /** The signer's DID already signs for an organisation. */
  didTaken: 'ORG_DID_TAKEN',
  /** No organisation has this id. */
  orgUnknown: 'ORG_UNKNOWN',
  /** The organisation is active already; approvals are for pending ones. */
  orgActive: 'ORG_ACTIVE',
  /** The signer is not the organisation DID of a consortium member. */
  notConsortiumMember: 'NOT_CONSORTIUM_MEMBER',
  /** This member has approved this organisation already. */
  alreadyApproved: 'ALREADY_APPROVED',
} as const;

export type OrganizationRejectionCode = (typeof OrganizationRejectionCode)[keyof typeof OrganizationRejectionCode];

export type OrganizationStatus = 'pending' | 'active';

export type OrganizationRecord = {
  readonly id: string;
  readonly name: string;
  /** The did:key the organisation signs with. */
  readonly did: string;
  readonly status: OrganizationStatus;
  /** Organisation ids of the consortium members that approved, in approval order; empty for members. */
  readonly approvals: readonly string[];
  /** Height of the block that asked for it; 0 for a member's organisation (genesis). */
  readonly heightRequested: number;
  /** Height of the block that made it active; 0 for a member's organisation; null while pending. */
  readonly heightActivated: number | null;
};

/** World-state key of the organisation with `id`. */
export function organizationKey(id: string): string {
  return `${organizationContractName}/id/${id}`;
}

/** World-state key of the index from a DID to the organisation that signs with it. */
export function organizationDidKey(did: string): string {
  return `${organizationContractName}/did/${did}`;
}

/** The consortium members' organisations, active from genesis, in member order. Requires a parsed genesis. */
export function genesisOrganizations(genesis: Genesis): OrganizationRecord[] {
  return genesis.members.map(memberOrganization);
}

function memberOrganization(member: GenesisMember): OrganizationRecord {
  return {
    id: member.organizationId,
    name: member.organizationName,
    did: member.organizationDid,
    status: 'active',
    approvals: [],
    heightRequested: 0,
    heightActivated: 0,
  };
}

/**
 * The organisation with `id`, from genesis or from the state; undefined if none. Requires a parsed
 * genesis; a stored record of the wrong shape is a broken invariant and throws.
 */
export function findOrganization(state: StateView, genesis: Genesis, id: string): OrganizationRecord | undefined {
  const member = genesis.members.find((candidate) => candidate.organizationId === id);
  if (member !== undefined) return memberOrganization(member);
  const stored = state.get(organizationKey(id));
  return stored === undefined ? undefined : organizationRecordFrom(stored, id);
}

/** The organisation (pending or active) that signs with `did`, from genesis or the state; undefined if none. */
export function findOrganizationByDid(state: StateView, genesis: Genesis, did: string): OrganizationRecord | undefined {
  const member = memberByOrganizationDid(genesis, did);
  if (member !== undefined) return findOrganization(state, genesis, member.organizationId);
  const id = state.get(organizationDidKey(did));
  if (id === undefined) return undefined;
  invariant(typeof id === 'string', `${organizationDidKey(did)} holds a ${typeof id}, not an organisation id`);
  const organization = findOrganization(state, genesis, id);
  invariant(organization !== undefined && organization.did === did, `${organizationDidKey(did)} names ${id}, which does not sign with it`);
  return organization;
}

/** The active organisation that signs with `did`, or undefined: who may act for an organisation. */
export function findActiveOrganizationByDid(state: StateView, genesis: Genesis, did: string): OrganizationRecord | undefined {
  const organization = findOrganizationByDid(state, genesis, did);
  return organization?.status === 'active' ? organization : undefined;
}

type RegisterPayload = { readonly id: string; readonly name: string };
type ApprovePayload = { readonly id: string };

export const organizationContract: Contract = {
  name: organizationContractName,
  types: [OrganizationTransactionType.register, OrganizationTransactionType.approve],

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case OrganizationTransactionType.register:
        return validateRegister(call, state);
      case OrganizationTransactionType.approve:
        return validateApprove(call, state);
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case OrganizationTransactionType.register:
        return applyRegister(call);
      case OrganizationTransactionType.approve:
        return applyApprove(call, state);
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): OrganizationTransactionType {
  invariant(
    type === OrganizationTransactionType.register || type === OrganizationTransactionType.approve,
    `organization contract called for ${type}`,
  );
  return type;
}

function validateRegister(call: ContractCall, state: StateView): ContractRejection | undefined {
  const payload = registerPayload(call.payload);
  if ('code' in payload) return payload;
  const { genesis, signer } = call.context;
  if (findOrganization(state, genesis, payload.id) !== undefined) {
    return reject('orgExists', `organisation ${payload.id} exists already`);
  }
  const holder = findOrganizationByDid(state, genesis, signer);
  if (holder !== undefined) return reject('didTaken', `${signer} already signs for organisation ${holder.id}`);
  return undefined;
}

function applyRegister(call: ContractCall): ContractEffects {
  const payload = registerPayload(call.payload);
  invariant(!('code' in payload), 'apply on a register payload validate refused');
  const { signer, height } = call.context;
  const record: OrganizationRecord = {
    id: payload.id,
    name: payload.name,
    did: signer,
    status: 'pending',
    approvals: [],
    heightRequested: height,
    heightActivated: null,
  };
  const requested: LedgerEvent = { type: 'OrganizationRegistrationRequested', id: payload.id, name: payload.name, did: signer };
  return {
    writes: [
      [organizationKey(payload.id), record],
      [organizationDidKey(signer), payload.id],
    ],
    events: [requested],
  };
}

function validateApprove(call: ContractCall, state: StateView): ContractRejection | undefined {
  const payload = approvePayload(call.payload);
  if ('code' in payload) return payload;
  const { genesis, signer } = call.context;
  const member = memberByOrganizationDid(genesis, signer);
  if (member === undefined) return reject('notConsortiumMember', `${signer} is not the organisation DID of a consortium member`);
  const organization = findOrganization(state, genesis, payload.id);
  if (organization === undefined) return reject('orgUnknown', `no organisation has id ${payload.id}`);
  if (organization.status === 'active') return reject('orgActive', `organisation ${payload.id} is active already`);
  if (organization.approvals.includes(member.organizationId)) {
    return reject('alreadyApproved', `${member.organizationId} has approved ${payload.id} already`);
  }
  return undefined;
}

function applyApprove(call: ContractCall, state: StateView): ContractEffects {
  const payload = approvePayload(call.payload);
  invariant(!('code' in payload), 'apply on an approve payload validate refused');
  const { genesis, signer, height } = call.context;
  const member = memberByOrganizationDid(genesis, signer);
  const organization = findOrganization(state, genesis, payload.id);
  invariant(member !== undefined && organization !== undefined && organization.status === 'pending', 'apply on an approval validate refused');
  const approvals = [...organization.approvals, member.organizationId];
  const quorum = quorumSize(genesis.members.length);
  const isActive = approvals.length >= quorum;
  const record: OrganizationRecord = {
    ...organization,
    approvals,
    status: isActive ? 'active' : 'pending',
    heightActivated: isActive ? height : null,
  };
  const events: LedgerEvent[] = [
    { type: 'OrganizationApproved', id: organization.id, approver: member.organizationId, approvalCount: approvals.length, quorum },
  ];
  if (isActive) {
    events.push({ type: 'OrganizationRegistered', id: organization.id, name: organization.name, did: organization.did, approvals });
  }
  return { writes: [[organizationKey(organization.id), record]], events };
}

function registerPayload(payload: JsonValue): RegisterPayload | ContractRejection {
  if (!hasExactly(payload, ['id', 'name'])) return reject('badPayload', 'organization.register takes exactly {id, name}');
  const { id, name } = payload;
  if (!isOrganizationId(id)) return reject('badPayload', 'id must be 2 to 64 lowercase letters, digits and inner hyphens, starting with a letter');
  if (!isOrganizationName(name)) return reject('badPayload', 'name must be 1 to 128 characters, trimmed, without control characters');
  return { id, name };
}

function approvePayload(payload: JsonValue): ApprovePayload | ContractRejection {
  if (!hasExactly(payload, ['id'])) return reject('badPayload', 'organization.approve takes exactly {id}');
  const { id } = payload;
  if (!isOrganizationId(id)) return reject('badPayload', 'id must be an organisation id');
  return { id };
}

/** True when `value` is a JSON object with exactly the keys `fields`. */
function hasExactly(value: JsonValue, fields: readonly string[]): value is { readonly [key: string]: JsonValue } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === fields.length && fields.every((field) => Object.prototype.hasOwnProperty.call(value, field));
}

function reject(code: keyof typeof OrganizationRejectionCode, reason: string): ContractRejection {
  return { code: OrganizationRejectionCode[code], reason };
}

/** A stored organisation record, checked: it was written by `apply`, so any other shape is a broken invariant. */
function organizationRecordFrom(value: JsonValue, id: string): OrganizationRecord {
  const where = organizationKey(id);
  invariant(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} is not an object`);
  const record = value as { readonly [key: string]: JsonValue };
  const { name, did, status, approvals, heightRequested, heightActivated } = record;
  invariant(record['id'] === id, `${where} holds another id`);
  invariant(typeof name === 'string' && typeof did === 'string', `${where} has no name or DID`);
  invariant(status === 'pending' || status === 'active', `${where} has status ${String(status)}`);
  invariant(Array.isArray(approvals) && approvals.every((approver) => typeof approver === 'string'), `${where} approvals are not ids`);
  invariant(typeof heightRequested === 'number', `${where} heightRequested is not a number`);
  invariant(heightActivated === null || typeof heightActivated === 'number', `${where} heightActivated is not a number`);
  invariant((status === 'active') === (heightActivated !== null), `${where} status and heightActivated disagree`);
  return { id, name, did, status, approvals: approvals as readonly string[], heightRequested, heightActivated };
}
