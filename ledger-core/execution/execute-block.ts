/**
 * Block execution: the ordered transactions of one block, over the world state the previous blocks left,
 * to the block's leaves and writes (docs/ledger.md, "Execution"). Pure: the caller reads the log and the
 * state and persists the result; this module only decides. Every node runs it on the same input and must
 * get byte-identical leaves and writes, so everything it does is a function of its arguments, and
 * anything a node could disagree on silently (a contract that throws, or returns effects outside its
 * rules) stops the node instead.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { canonicalBytes } from '../chain/canonical.js';
import type { BlockHeader } from '../chain/block.js';
import { blockHash, genesisPrevHash } from '../chain/block.js';
import type { Ed25519Verifier } from '../chain/ed25519.js';
import type { JsonValue } from '../chain/json-value.js';
import type { LedgerLeaf, TransactionOutcome } from '../chain/leaf.js';
import { timeMsMax } from '../chain/limits.js';
import {
  transactionId,
  verifyTransaction,
  type SignedTransaction,
  type Transaction,
  type TransactionRejectionCode,
} from '../chain/transaction.js';
import {
  isRejectionCode,
  rejectionReasonLengthMax,
  stateKeyPrefix,
  type Contract,
  type ContractCall,
  type ContractContext,
  type ContractEffects,
  type ContractRejection,
  type LedgerEvent,
  type StateView,
  type TimerInstruction,
} from '../contracts/contract.js';
import type { Genesis } from '../contracts/genesis.js';
import type { ContractRegistry } from '../contracts/registry.js';
import { invariant, invariantFailed } from './invariant.js';

/** Most transactions in one block's input; ordering's block limits keep far below it. */
export const blockTransactionCountMax = 100_000;
/** Most world-state writes one transaction may make. */
export const writesPerTransactionMax = 1_024;
/** Most events one transaction may emit, timers' `TimerScheduled` events included. */
export const eventsPerTransactionMax = 256;
/** Most timers one transaction may schedule. */
export const timersPerTransactionMax = 16;
/** Longest world-state key, in UTF-8 bytes: the limit the node's state store holds keys to. */
export const stateWriteKeyBytesMax = 1_024;
/** Largest world-state value: UTF-8 bytes of its canonical JSON. */
export const stateValueBytesMax = 1_048_576;
/** Largest canonical JSON of one transaction's events, in bytes. */
export const eventsBytesPerTransactionMax = 1_048_576;
/** Longest timer id a contract may give, in characters. */
export const timerIdLengthMax = 64;

/** Rejections execution decides itself, before any contract runs. */
export const ExecutionRejectionCode = {
  /** `time` is more than `txTimePastMs` before the ledger time. */
  staleTime: 'STALE_TIME',
  /** `time` is more than `txTimeFutureMs` after the ledger time. */
  futureTime: 'FUTURE_TIME',
  /** No registered contract handles `type`. */
  unknownType: 'UNKNOWN_TYPE',
} as const;

export type ExecutionRejectionCode = (typeof ExecutionRejectionCode)[keyof typeof ExecutionRejectionCode];

/**
 * Why a transaction is skipped (no leaf): it cannot be attributed to a signer (a verification code), or
 * its id has a leaf already (`DUPLICATE`: the first leaf is its receipt).
 */
export type SkipCode = TransactionRejectionCode | 'DUPLICATE';

/** The event execution emits for each timer a contract schedules; contracts may not emit this type. */
export const timerScheduledEventType = 'TimerScheduled';

export interface ExecuteBlockInput {
  /** The block's height, 1 for the first. */
  readonly height: number;
  /** The header of block `height - 1`, or null for block 1 (its predecessor is the genesis). */
  readonly previous: BlockHeader | null;
  /** The proposal time from the block's cut record, in milliseconds since the Unix epoch. */
  readonly proposalTimeMs: number;
  /**
   * The block's signed transactions as decoded JSON from the ordering log, in log order. They are
   * frozen in place so that no contract can change what was signed; the caller must not modify them.
   */
  readonly transactions: readonly unknown[];
  /** The world state after block `height - 1`. It is only read. */
  readonly state: StateView;
  /** True when a leaf of an earlier block has this transaction id. */
  readonly isApplied: (txId: string) => boolean;
  readonly registry: ContractRegistry;
  readonly genesis: Genesis;
  /** The Ed25519 verifier; a node passes a native one. Every verifier applies the same pinned rule. */
  readonly verifier: Ed25519Verifier;
}

/** A transaction that became a leaf, with the events its contract emitted (empty if rejected). */
export interface ExecutedLeaf {
  readonly leaf: LedgerLeaf;
  readonly txId: string;
  readonly events: readonly LedgerEvent[];
}

/** A transaction that did not become a leaf. */
export interface SkippedTransaction {
  /** Its 0-based index in `transactions`. */
  readonly index: number;
  /** Its id, when it had a valid shape and so has one. */
  readonly txId?: string;
  readonly code: SkipCode;
  readonly reason: string;
}

export interface BlockExecution {
  readonly height: number;
  /** As given: `buildBlock` chains the header to it. */
  readonly previous: BlockHeader | null;
  /** max(proposalTimeMs, previous block's time): what every contract in the block saw. */
  readonly ledgerTimeMs: number;
  /** One per transaction that was applied or rejected, in log order. */
  readonly leaves: readonly ExecutedLeaf[];
  /** The block's world-state writes, last value per key (null deletes), keys in first-write order. */
  readonly writes: ReadonlyMap<string, JsonValue | null>;
  readonly skipped: readonly SkippedTransaction[];
}

/**
 * Executes one block. Requires `genesis` to have passed `parseGenesis`, `previous` to be the header of
 * block `height - 1` (null exactly when `height` is 1), and `state` / `isApplied` to describe the ledger
 * after that block. A transaction that is malformed or badly signed is skipped; one that breaks a ledger
 * or contract rule is a rejected leaf and changes nothing; the others are accepted leaves whose writes
 * the later transactions of the block see. Throws ExecutionInvariantError if a precondition is broken or
 * a contract throws or breaks its rules: the node must stop rather than build a block others do not.
 */
export function executeBlock(input: ExecuteBlockInput): BlockExecution {
  const { height, previous, genesis, registry, verifier } = input;
  invariant(Number.isSafeInteger(height) && height >= 1, `height ${height} is not a block height`);
  invariant(
    previous === null ? height === 1 : previous.height === height - 1,
    `block ${height} executed after ${previous === null ? 'the genesis' : `block ${previous.height}`}`,
  );
  invariant(
    Number.isSafeInteger(input.proposalTimeMs) && input.proposalTimeMs >= 0 && input.proposalTimeMs <= timeMsMax,
    `proposal time ${input.proposalTimeMs} is not a time in milliseconds`,
  );
  invariant(
    input.transactions.length <= blockTransactionCountMax,
    `block ${height} holds ${input.transactions.length} transactions, more than ${blockTransactionCountMax}`,
  );
  const previousTimeMs = previous === null ? genesis.timeMs : previous.timeMs;
  const ledgerTimeMs = Math.max(input.proposalTimeMs, previousTimeMs);
  const timeFirstMs = ledgerTimeMs - genesis.parameters.txTimePastMs;
  const timeLastMs = ledgerTimeMs + genesis.parameters.txTimeFutureMs;

  const overlay = new OverlayState(input.state);
  const view: StateView = { get: (key) => overlay.get(key) };
  const leaves: ExecutedLeaf[] = [];
  const skipped: SkippedTransaction[] = [];
  const idsInBlock = new Set<string>();

  for (let index = 0; index < input.transactions.length; index++) {
    const raw = input.transactions[index];
    // 1. Verify. A transaction that is malformed or whose signature does not verify cannot be
    // attributed to anyone, so it is not a leaf: recording it would put words in a signer's mouth. The
    // submit API refuses these before they reach the log, so only a misbehaving node can order one.
    const verification = verifyTransaction(raw, verifier);
    if (!verification.ok) {
      skipped.push({ index, ...idOfUnverified(raw, verification.code), code: verification.code, reason: verification.reason });
      continue;
    }
    const txId = verification.id;
    // 2. A transaction id already on the ledger is answered by its first leaf, not executed again.
    if (idsInBlock.has(txId) || input.isApplied(txId)) {
      skipped.push({ index, txId, code: 'DUPLICATE', reason: `transaction ${txId} has a leaf already` });
      continue;
    }
    idsInBlock.add(txId);
    const signed = freezeSignedTransaction(raw as SignedTransaction);
    const { tx } = signed;
    const record = (outcome: TransactionOutcome, events: readonly LedgerEvent[]): void => {
      leaves.push({ leaf: { tx: signed, outcome }, txId, events });
    };
    // 3. The signer's clock must be near the ledger's: it bounds how long a signed transaction can wait
    // to be ordered, and so how long a leaked one stays usable.
    if (tx.time < timeFirstMs) {
      record(rejected(ExecutionRejectionCode.staleTime, `time ${tx.time} is more than ${genesis.parameters.txTimePastMs} ms before the ledger time ${ledgerTimeMs}`), []);
      continue;
    }
    if (tx.time > timeLastMs) {
      record(rejected(ExecutionRejectionCode.futureTime, `time ${tx.time} is more than ${genesis.parameters.txTimeFutureMs} ms after the ledger time ${ledgerTimeMs}`), []);
      continue;
    }
    // 4. A type no contract handles.
    const contract = registry.contractFor(tx.type);
    if (contract === undefined) {
      record(rejected(ExecutionRejectionCode.unknownType, `no contract handles ${tx.type}`), []);
      continue;
    }
    // 5. The contract decides, over the state as the earlier transactions of the block left it.
    const context: ContractContext = { txId, signer: tx.signer, ledgerTimeMs, height, position: leaves.length, genesis };
    const call: ContractCall = { type: tx.type, payload: tx.payload, context };
    const refusal = runValidate(contract, call, view);
    if (refusal !== undefined) {
      record(rejected(refusal.code, refusal.reason), []);
      continue;
    }
    const effects = runApply(contract, call, view);
    const { events, eventsHash } = checkedEvents(contract, tx, txId, effects, ledgerTimeMs);
    for (const [key, value] of checkedWrites(contract, txId, effects)) overlay.set(key, value);
    record({ status: 'accepted', eventsHash }, events);
  }
  return { height, previous, ledgerTimeMs, leaves, writes: overlay.writes, skipped };
}

/** The hash `buildBlock` will chain block `height` to: the previous header's, or the genesis value. */
export function previousBlockHash(previous: BlockHeader | null): string {
  return previous === null ? genesisPrevHash : blockHash(previous);
}

/** The committed state with the block's writes laid over it; a null write hides the committed value. */
class OverlayState {
  readonly writes = new Map<string, JsonValue | null>();

  constructor(private readonly base: StateView) {}

  get(key: string): JsonValue | undefined {
    const written = this.writes.get(key);
    if (written === undefined) return this.base.get(key);
    return written === null ? undefined : written;
  }

  set(key: string, value: JsonValue | null): void {
    this.writes.set(key, value);
  }
}

function rejected(code: string, reason: string): TransactionOutcome {
  return { status: 'rejected', code, reason };
}

/**
 * The id of a transaction that failed verification, when its shape was valid (a bad signer or
 * signature): lets the node answer a client waiting on that id. Shape failures have no id.
 */
function idOfUnverified(raw: unknown, code: TransactionRejectionCode): { txId?: string } {
  if (code !== 'BAD_SIGNER' && code !== 'BAD_SIGNATURE') return {};
  return { txId: transactionId((raw as { tx: unknown }).tx) };
}

function runValidate(contract: Contract, call: ContractCall, view: StateView): ContractRejection | undefined {
  let refusal: ContractRejection | undefined;
  try {
    refusal = contract.validate(call, view);
  } catch (error: unknown) {
    invariantFailed(`contract ${contract.name} threw in validate for ${call.context.txId}: ${describe(error)}`, error);
  }
  if (refusal === undefined) return undefined;
  invariant(
    isRejectionCode(refusal.code) && typeof refusal.reason === 'string' && refusal.reason.length <= rejectionReasonLengthMax,
    `contract ${contract.name} returned a malformed rejection for ${call.context.txId}`,
  );
  return { code: refusal.code, reason: refusal.reason };
}

function runApply(contract: Contract, call: ContractCall, view: StateView): ContractEffects {
  try {
    return contract.apply(call, view);
  } catch (error: unknown) {
    return invariantFailed(`contract ${contract.name} threw in apply for ${call.context.txId}: ${describe(error)}`, error);
  }
}

/** The contract's writes, checked against its rules and frozen. */
function checkedWrites(contract: Contract, txId: string, effects: ContractEffects): ReadonlyArray<readonly [string, JsonValue | null]> {
  const where = `contract ${contract.name} for ${txId}`;
  invariant(Array.isArray(effects.writes) && effects.writes.length <= writesPerTransactionMax, `${where} returned more than ${writesPerTransactionMax} writes`);
  const prefix = stateKeyPrefix(contract.name);
  for (const write of effects.writes) {
    invariant(Array.isArray(write) && write.length === 2, `${where} returned a write that is not [key, value]`);
    const [key, value] = write;
    invariant(
      typeof key === 'string' && key.startsWith(prefix) && key.length > prefix.length && isStorableKey(key),
      `${where} wrote key ${JSON.stringify(String(key).slice(0, 80))} outside ${prefix}, or one the state store cannot hold`,
    );
    if (value !== null) {
      const valueBytes = jsonBytes(value, `${where} wrote a value at ${key} that is not JSON`);
      invariant(valueBytes <= stateValueBytesMax, `${where} wrote ${valueBytes} bytes at ${key}, more than ${stateValueBytesMax}`);
      deepFreeze(value);
    }
  }
  return effects.writes;
}

/**
 * The contract's events with one `TimerScheduled` event per timer after them, checked and frozen, and
 * their hash as `eventsHash` (in leaf.ts) defines it.
 */
function checkedEvents(
  contract: Contract,
  tx: Transaction,
  txId: string,
  effects: ContractEffects,
  ledgerTimeMs: number,
): { readonly events: readonly LedgerEvent[]; readonly eventsHash: string } {
  const where = `contract ${contract.name} for ${txId}`;
  invariant(Array.isArray(effects.events), `${where} returned events that are not an array`);
  const events: LedgerEvent[] = [];
  for (const event of effects.events) {
    invariant(
      event !== null && typeof event === 'object' && !Array.isArray(event) && typeof event.type === 'string' && eventTypePattern.test(event.type),
      `${where} returned an event without a PascalCase type`,
    );
    invariant(event.type !== timerScheduledEventType, `${where} emitted ${timerScheduledEventType}, which only execution emits`);
    events.push(event);
  }
  const timers: readonly TimerInstruction[] = effects.timers ?? [];
  invariant(Array.isArray(timers) && timers.length <= timersPerTransactionMax, `${where} scheduled more than ${timersPerTransactionMax} timers`);
  const timerIds = new Set<string>();
  for (const timer of timers) {
    invariant(typeof timer.timerId === 'string' && timerIdPattern.test(timer.timerId) && !timerIds.has(timer.timerId), `${where} scheduled a timer without a fresh timer id`);
    timerIds.add(timer.timerId);
    invariant(
      Number.isSafeInteger(timer.dueTimeMs) && timer.dueTimeMs >= ledgerTimeMs && timer.dueTimeMs <= timeMsMax,
      `${where} scheduled timer ${timer.timerId} at ${timer.dueTimeMs}, not a time at or after the ledger time ${ledgerTimeMs}`,
    );
    invariant(contract.types.includes(timer.type), `${where} scheduled timer ${timer.timerId} as ${timer.type}, not one of its own types`);
    events.push({
      type: timerScheduledEventType,
      timerId: `${txId}/${timer.timerId}`,
      dueTimeMs: timer.dueTimeMs,
      txType: timer.type,
      payload: timer.payload,
      scheduledBy: tx.signer,
    });
  }
  invariant(events.length <= eventsPerTransactionMax, `${where} emitted ${events.length} events, more than ${eventsPerTransactionMax}`);
  let eventsBytes: Uint8Array;
  try {
    eventsBytes = canonicalBytes(events);
  } catch (error: unknown) {
    return invariantFailed(`${where} emitted events that are not JSON: ${describe(error)}`, error);
  }
  invariant(eventsBytes.length <= eventsBytesPerTransactionMax, `${where} emitted ${eventsBytes.length} bytes of events, more than ${eventsBytesPerTransactionMax}`);
  for (const event of events) deepFreeze(event);
  // The same bytes `eventsHash` hashes, encoded once: the check above already needed them.
  return { events, eventsHash: bytesToHex(sha256(eventsBytes)) };
}

const utf8Encoder = new TextEncoder();
const nulOrLoneSurrogatePattern = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True for a key the state store can keep distinct: at most `stateWriteKeyBytesMax` UTF-8 bytes, no U+0000
 * (its separator in composite keys), no lone surrogate (UTF-8 would merge it with U+FFFD). Checked here
 * so that a contract's bad key stops execution before the block is signed, not at commit after it.
 */
function isStorableKey(key: string): boolean {
  return !nulOrLoneSurrogatePattern.test(key) && key.length <= stateWriteKeyBytesMax && utf8Encoder.encode(key).length <= stateWriteKeyBytesMax;
}

const eventTypePattern = /^[A-Z][A-Za-z0-9]{0,63}$/;
const timerIdPattern = new RegExp(`^[A-Za-z0-9._:-]{1,${timerIdLengthMax}}$`);

/** Canonical JSON length of `value`; a value that is not JSON is a contract bug. */
function jsonBytes(value: unknown, message: string): number {
  try {
    return canonicalBytes(value).length;
  } catch (error: unknown) {
    return invariantFailed(`${message}: ${describe(error)}`, error);
  }
}

/**
 * Freezes a verified signed transaction in place: its leaf is hashed after the contracts ran, so a
 * contract that changed its payload would make the leaf say something the signer never signed.
 */
function freezeSignedTransaction(signed: SignedTransaction): SignedTransaction {
  deepFreeze(signed);
  return signed;
}

/** Freezes a JSON value and everything in it. Requires a value `canonicalize` accepts (bounded depth, no cycles). */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
