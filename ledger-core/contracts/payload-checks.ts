/**
 * What the contracts check in the same way: the shape of a payload, a transaction id, an expiry, and
 * the result of a check that `validate` and `apply` share. One definition each, so two contracts can
 * never disagree on what, say, a transaction id or a bounded expiry is.
 */
import type { JsonValue } from '../chain/json-value.js';
import type { ContractRejection } from './contract.js';
import { invariant } from './invariant.js';

/**
 * The payload's fields when it is an object with exactly `fields` and optionally `onBehalfOf`, or
 * undefined. For contracts whose calls may be delegated: the field is theirs to ignore after
 * `effectiveActor` has read it.
 */
export function delegablePayloadFields(payload: JsonValue, fields: readonly string[]): { readonly [key: string]: JsonValue } | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const object = payload as { readonly [key: string]: JsonValue };
  const keys = Object.keys(object);
  const extra = Object.prototype.hasOwnProperty.call(object, 'onBehalfOf') ? 1 : 0;
  if (keys.length !== fields.length + extra) return undefined;
  return fields.every((field) => Object.prototype.hasOwnProperty.call(object, field)) ? object : undefined;
}

/** The payload's fields when it is an object with exactly `fields` and no `onBehalfOf`: for calls nobody may make for someone else. */
export function exactPayloadFields(payload: JsonValue, fields: readonly string[]): { readonly [key: string]: JsonValue } | undefined {
  const object = delegablePayloadFields(payload, fields);
  return object === undefined || Object.prototype.hasOwnProperty.call(object, 'onBehalfOf') ? undefined : object;
}

const txIdPattern = /^[0-9a-f]{64}$/;

/** True when `value` is a transaction id: 64 lowercase hex digits. */
export function isTransactionId(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && txIdPattern.test(value);
}

/**
 * `expiresAtMs` when it is a whole number of milliseconds after `ledgerTimeMs` and at most
 * `lifetimeMsMax` after it; otherwise the reason it is not, for a BAD_PAYLOAD rejection.
 */
export function payloadExpiry(expiresAtMs: JsonValue | undefined, ledgerTimeMs: number, lifetimeMsMax: number): number | { readonly reason: string } {
  if (typeof expiresAtMs !== 'number' || !Number.isSafeInteger(expiresAtMs)) return { reason: 'expiresAtMs must be a whole number of milliseconds' };
  if (expiresAtMs <= ledgerTimeMs || expiresAtMs > ledgerTimeMs + lifetimeMsMax) {
    return { reason: `expiresAtMs must be after the ledger time and at most ${lifetimeMsMax} ms after it` };
  }
  return expiresAtMs;
}

// One check per operation that validate and apply share, so apply acts on exactly what validate
// accepted: a check returns either a rejection or everything apply needs.
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: ContractRejection };

/** What `validate` answers for a check: its rejection, or undefined when it passed. */
export function rejectionOf<T>(checked: Checked<T>): ContractRejection | undefined {
  return checked.ok ? undefined : checked.rejection;
}

/** What `apply` acts on: the value of a check that passed. A refused one is a broken invariant and throws. */
export function accepted<T>(checked: Checked<T>): T {
  invariant(checked.ok, `apply on a call validate refused: ${checked.ok ? '' : checked.rejection.code}`);
  return checked.value;
}

export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

export function refused<T>(rejection: ContractRejection): Checked<T> {
  return { ok: false, rejection };
}
