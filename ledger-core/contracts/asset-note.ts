/**
 * `asset.note`: a small key/value contract that exercises the whole pipeline (authorisation by another
 * contract's state, optimistic concurrency, events) without a domain's weight. Only an active
 * organisation may write (a consortium member's organisation is active from genesis). A write may name
 * the version it expects to replace; any other current version rejects it with `VERSION_MISMATCH`,
 * which is the rule tests use to see a contract refuse a transaction after it was ordered.
 *
 * State: asset/note/<key> → NoteRecord. Versions start at 1; expectedVersion 0 means "no note yet".
 */
import { canonicalBytes } from '../chain/canonical.js';
import type { JsonValue } from '../chain/json-value.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, StateView } from './contract.js';
import { invariant } from './invariant.js';
import { findActiveOrganizationByDid } from './organization.js';

export const assetContractName = 'asset';
export const assetNoteType = 'asset.note';

/** Longest note key, in characters (ASCII only). */
export const noteKeyLengthMax = 128;
/** Largest note value: UTF-8 bytes of its canonical JSON. */
export const noteValueBytesMax = 4_096;

export const AssetNoteRejectionCode = {
  /** The payload is not {key, value, expectedVersion?}, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** The signer is not the DID of an active organisation. */
  writerNotActive: 'WRITER_NOT_ACTIVE',
  /** `expectedVersion` is not the note's current version. */
  versionMismatch: 'VERSION_MISMATCH',
} as const;

export type AssetNoteRejectionCode = (typeof AssetNoteRejectionCode)[keyof typeof AssetNoteRejectionCode];

export type NoteRecord = {
  readonly value: JsonValue;
  /** 1 for the first write, one more for each write after it. */
  readonly version: number;
  /** Id of the organisation that wrote this version. */
  readonly writer: string;
};

// Letters, digits and `._:-`, starting with a letter or digit: one world-state key segment (no "/").
const noteKeyPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${noteKeyLengthMax - 1}}$`);

/** World-state key of the note `key`. */
export function noteStateKey(key: string): string {
  return `${assetContractName}/note/${key}`;
}

/** The note at `key`, or undefined. A stored value of another shape is a broken invariant and throws. */
export function findNote(state: StateView, key: string): NoteRecord | undefined {
  const stored = state.get(noteStateKey(key));
  if (stored === undefined) return undefined;
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${noteStateKey(key)} is not an object`);
  const { value, version, writer } = stored as { readonly [field: string]: JsonValue };
  invariant(value !== undefined, `${noteStateKey(key)} has no value`);
  invariant(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1, `${noteStateKey(key)} has no version`);
  invariant(typeof writer === 'string', `${noteStateKey(key)} has no writer`);
  return { value, version, writer };
}

type NotePayload = { readonly key: string; readonly value: JsonValue; readonly expectedVersion: number | undefined };

export const assetNoteContract: Contract = {
  name: assetContractName,
  types: [assetNoteType],

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    invariant(call.type === assetNoteType, `asset contract called for ${call.type}`);
    const payload = notePayload(call.payload);
    if ('code' in payload) return payload;
    // The payload passed the transaction limits, so it is JSON and canonicalizes without throwing.
    const valueBytes = canonicalBytes(payload.value).length;
    if (valueBytes > noteValueBytesMax) return reject('badPayload', `value is ${valueBytes} bytes of JSON, more than ${noteValueBytesMax}`);
    const { signer, genesis } = call.context;
    if (findActiveOrganizationByDid(state, genesis, signer) === undefined) {
      return reject('writerNotActive', `${signer} does not sign for an active organisation`);
    }
    const currentVersion = findNote(state, payload.key)?.version ?? 0;
    if (payload.expectedVersion !== undefined && payload.expectedVersion !== currentVersion) {
      return reject('versionMismatch', `note ${payload.key} is at version ${currentVersion}, not ${payload.expectedVersion}`);
    }
    return undefined;
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const payload = notePayload(call.payload);
    invariant(!('code' in payload), 'apply on a note payload validate refused');
    const writer = findActiveOrganizationByDid(state, call.context.genesis, call.context.signer);
    invariant(writer !== undefined, 'apply on a note by a writer validate refused');
    const version = (findNote(state, payload.key)?.version ?? 0) + 1;
    const record: NoteRecord = { value: payload.value, version, writer: writer.id };
    return {
      writes: [[noteStateKey(payload.key), record]],
      events: [{ type: 'NoteWritten', key: payload.key, value: payload.value, version, writer: writer.id }],
    };
  },
};

/** The payload's fields, or why they are not a note; the value's size is checked by `validate` alone. */
function notePayload(payload: JsonValue): NotePayload | ContractRejection {
  const shape = 'asset.note takes {key, value, expectedVersion?}';
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return reject('badPayload', shape);
  const fields = payload as { readonly [field: string]: JsonValue };
  for (const field of Object.keys(fields)) {
    if (field !== 'key' && field !== 'value' && field !== 'expectedVersion') return reject('badPayload', shape);
  }
  const { key, value, expectedVersion } = fields;
  if (typeof key !== 'string' || !noteKeyPattern.test(key)) {
    return reject('badPayload', `key must be 1 to ${noteKeyLengthMax} letters, digits or "._:-", starting with a letter or digit`);
  }
  if (value === undefined) return reject('badPayload', 'value is missing (use null for none)');
  if (expectedVersion !== undefined && (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
    return reject('badPayload', 'expectedVersion must be a whole number, 0 for a note that does not exist yet');
  }
  return { key, value, expectedVersion };
}

function reject(code: keyof typeof AssetNoteRejectionCode, reason: string): ContractRejection {
  return { code: AssetNoteRejectionCode[code], reason };
}
