/**
 * A ledger leaf: one signed transaction together with what the ledger decided about it. The leaf data
 * hashed into the Merkle tree is the canonical JSON of both, so a single inclusion proof shows what was
 * asked and what was decided; a rejected transaction is on the ledger too, with its reason.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { canonicalBytes } from './canonical.js';
import type { JsonValue } from './json-value.js';
import type { SignedTransaction } from './transaction.js';

export type TransactionOutcome =
  /** `eventsHash`: hex SHA-256 of the canonical JSON array of the events the contract produced. */
  | { readonly status: 'accepted'; readonly eventsHash: string }
  /** `code`: a stable identifier (`STALE_TIME`, `UNKNOWN_TYPE`, a contract's own); `reason`: for people. */
  | { readonly status: 'rejected'; readonly code: string; readonly reason: string };

export interface LedgerLeaf {
  readonly tx: SignedTransaction;
  readonly outcome: TransactionOutcome;
}

/** The bytes hashed as the RFC 9162 leaf: canonical JSON of `{tx, outcome}`. */
export function leafData(leaf: LedgerLeaf): Uint8Array {
  return canonicalBytes({ tx: leaf.tx, outcome: leaf.outcome });
}

/** Hex SHA-256 of the canonical JSON array of `events`; what an accepted outcome commits to. */
export function eventsHash(events: readonly JsonValue[]): string {
  return bytesToHex(sha256(canonicalBytes(events)));
}
