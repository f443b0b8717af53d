/**
 * Receipts (docs/ledger.md): what a client is told about its transaction once the block holding its
 * leaf has a QC. Pure: made from the block header and the leaf.
 */
import type { BlockHeader } from '../chain/block.js';
import type { TransactionOutcome } from '../chain/leaf.js';
import { invariant } from './invariant.js';

export interface Receipt {
  readonly txId: string;
  readonly status: 'accepted' | 'rejected';
  readonly code?: string;
  readonly reason?: string;
  readonly height: number;
  /** Index of the leaf within its block, from 0. */
  readonly position: number;
  /** Index of the leaf in the ledger-wide tree: treeSize − txCount + position. */
  readonly leafIndex: number;
  readonly blockHash: string;
}

/** A receipt as answered to a submission of an id the ledger already holds. */
export type DuplicateReceipt = Receipt & { readonly duplicate: true };

/** The receipt of the leaf at `position` in the block `header`. Requires 0 ≤ position < txCount. */
export function receiptOf(header: BlockHeader, blockHash: string, txId: string, position: number, outcome: TransactionOutcome): Receipt {
  invariant(Number.isSafeInteger(position) && position >= 0 && position < header.txCount, `position ${position} outside block ${header.height}`);
  const base = { txId, height: header.height, position, leafIndex: header.treeSize - header.txCount + position, blockHash };
  return outcome.status === 'accepted'
    ? { txId, status: 'accepted', height: base.height, position, leafIndex: base.leafIndex, blockHash }
    : { txId, status: 'rejected', code: outcome.code, reason: outcome.reason, height: base.height, position, leafIndex: base.leafIndex, blockHash };
}

export function asDuplicate(receipt: Receipt): DuplicateReceipt {
  return { ...receipt, duplicate: true };
}
