/**
 * The contract interface: how a domain module turns an accepted, verified transaction into state writes
 * and events. Every node runs the same contracts over the same state in the same order and must reach
 * byte-identical results, so a contract is a pair of pure functions of their arguments: no clock (the
 * ledger time is in the context), no randomness, no I/O, no `await`. Anything that must happen later is
 * returned as an instruction (a timer), never waited for.
 */
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import type { Genesis } from './genesis.js';

/**
 * A read-only view of the world state: the committed state with the writes of the block's earlier
 * transactions laid over it. Keys are `<contract name>/...`; values are what contracts wrote. Values
 * returned are shared and frozen: a contract never modifies them, it writes new ones.
 */
export interface StateView {
  /** The value at `key`, or undefined when nothing (or a deletion) is there. */
  get(key: string): JsonValue | undefined;
}

/** What a contract may know about the transaction beyond its payload. */
export interface ContractContext {
  /** Lowercase hex transaction id. */
  readonly txId: string;
  /** The did:key whose signature over the transaction verified. */
  readonly signer: string;
  /** The block's ledger time in milliseconds since the Unix epoch: the only clock a contract reads. */
  readonly ledgerTimeMs: number;
  /** The block's height. */
  readonly height: number;
  /** 0-based index of this transaction's leaf among the block's leaves. */
  readonly position: number;
  readonly genesis: Genesis;
}

/** One call of a contract: the operation, its input and its context. */
export interface ContractCall {
  /** The transaction type, one of the contract's `types`. */
  readonly type: string;
  /** The payload as signed; within the transaction limits, otherwise unchecked. */
  readonly payload: JsonValue;
  readonly context: ContractContext;
}

/** Why a contract refuses a transaction. Recorded on the ledger in the leaf. */
export interface ContractRejection {
  /** Stable, SCREAMING_SNAKE_CASE, at most 64 characters: clients branch on it. */
  readonly code: string;
  /** For people, at most `rejectionReasonLengthMax` characters; may change between versions. */
  readonly reason: string;
}

/**
 * What the projector receives: one JSON object per fact, with its kind in `type` (PascalCase, past
 * tense: `OrganizationRegistered`) and the facts as the other fields. The projector adds the transaction
 * id and height from the block entry, so events need not repeat them.
 */
export interface LedgerEvent extends JsonObject {
  readonly type: string;
}

/** One world-state write: a value to store at `key`, or null to delete it. */
export type StateWrite = readonly [key: string, value: JsonValue | null];

/**
 * An instruction to submit a transaction later. Execution records it as a `TimerScheduled` event; the
 * timers queue submits the transaction when the ledger time passes `dueTimeMs`. A timer is a request,
 * not a promise: the transaction it becomes is validated like any other, so its contract must check the
 * ledger time and the state it finds then.
 */
export interface TimerInstruction {
  /** Names the timer within its transaction; the full timer id is `<txId>/<timerId>`. */
  readonly timerId: string;
  /** Earliest ledger time to submit at, in milliseconds since the Unix epoch. */
  readonly dueTimeMs: number;
  /** The transaction type to submit; one of the same contract's types. */
  readonly type: string;
  readonly payload: JsonValue;
}

/** The effects of an accepted transaction. */
export interface ContractEffects {
  /** Writes, applied in order; every key starts with `<contract name>/`. */
  readonly writes: readonly StateWrite[];
  readonly events: readonly LedgerEvent[];
  readonly timers?: readonly TimerInstruction[];
}

/**
 * A contract module: one domain's transaction types and their rules.
 *
 * Rules every implementation keeps (execution checks the ones it can and stops the node on the rest):
 * - `validate` and `apply` are deterministic functions of their arguments; they never throw for bad
 *   input (that is a rejection) and never modify the state values they read.
 * - `apply` is only called right after `validate` returned undefined for the same call and state, and
 *   must then succeed: a contract that throws is a bug, and the node stops rather than diverge.
 * - Writes go under `<name>/` only; reads may look at any key (another contract's state is public).
 */
export interface Contract {
  /** One lowerCamel segment; prefixes its types (`<name>.<operation>`) and its state keys (`<name>/`). */
  readonly name: string;
  /** The transaction types it handles, each `<name>.<lowerCamel>`. */
  readonly types: readonly string[];
  /** A rejection, or undefined when `apply` may run. */
  validate(call: ContractCall, state: StateView): ContractRejection | undefined;
  /** The writes and events of a call `validate` accepted over the same state. */
  apply(call: ContractCall, state: StateView): ContractEffects;
}

/** Longest rejection reason, in UTF-16 code units. */
export const rejectionReasonLengthMax = 1_024;

const rejectionCodePattern = /^[A-Z][A-Z0-9_]{0,63}$/;

/** True when `code` has the shape of a stable rejection code. */
export function isRejectionCode(code: unknown): code is string {
  return typeof code === 'string' && rejectionCodePattern.test(code);
}

/** The world-state key prefix a contract owns: its name and a slash. */
export function stateKeyPrefix(contractName: string): string {
  return `${contractName}/`;
}

