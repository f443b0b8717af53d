/**
 * How every subgraph's mutations reach the ledger: sign with the caller organisation's custodial key
 * (or take a transaction signed elsewhere), submit through the commands queue, wait for the receipt
 * and, when accepted, for the projection to reach its block (read-your-writes). A rejected receipt is
 * LEDGER_REJECTED with the contract's code; no outcome in time is LEDGER_UNAVAILABLE; an accepted
 * transaction the graph has not reached in time is PROJECTION_BEHIND.
 */
import type { Identity } from '@twinledger/gateway';
import { verifyTransaction, type JsonValue, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { buildTransaction, type Receipt, type TransactionSigner } from '@twinledger/ledger-core/client';
import type { GenesisMember } from '@twinledger/ledger-core/contracts';
import {
  awaitProjection,
  CommandError,
  CustodyError,
  CustodyErrorCode,
  ProjectionWaitError,
  ProjectionWaitErrorCode,
  type AwaitProjectionOptions,
  type CustodyKeyStore,
  type HeightNoticeSource,
} from '@twinledger/workers';
import type { Driver } from 'neo4j-driver';
import { badUserInput, forbidden, subgraphError, SubgraphErrorCode } from './errors.js';
import type { CommandSubmitter } from './write-path.js';

/** How long a mutation waits for its transaction's receipt, in milliseconds, by default. */
export const receiptWaitMsDefault = 30_000;
/** How long a mutation waits for the projection to reach its block, in milliseconds, by default. */
export const projectionWaitMsDefault = 30_000;

/** What the mutations write through. Absent when the subgraph runs without `--redis`: mutations are then unavailable. */
export interface WritePath {
  /** The custodial keys: the store's methods only, so a test can stand in for it. */
  readonly custody: Pick<CustodyKeyStore, 'has' | 'importKey' | 'signerFor'>;
  readonly commands: CommandSubmitter;
  /** The consortium members from the genesis: their organisations sign without a projected Organization row. */
  readonly members: readonly GenesisMember[];
  readonly receiptWaitMs: number;
  readonly projectionWaitMs: number;
  /** The projector's height notices, when listened to: waits for the projection end as soon as it lands. */
  readonly projectionNotices?: HeightNoticeSource;
}

/** What a mutation needs from its request context to commit. */
export interface CommitContext {
  readonly identity: Identity;
  readonly driver: Driver;
  /** Undefined when the subgraph runs without a commands queue. */
  readonly write: WritePath | undefined;
}

/** A signed transaction accepted as a mutation argument is bounded before it is parsed further. */
export const signedTransactionBytesMax = 65_536;

const writerRoles: ReadonlySet<string> = new Set(['partner', 'admin']);

/** The receipt as the SDL's CommandReceipt. */
export interface ReceiptAnswer {
  readonly txId: string;
  readonly height: number;
  readonly position: number;
  readonly status: 'ACCEPTED' | 'REJECTED';
  readonly code: string | null;
  readonly reason: string | null;
  readonly blockHash: string;
}

export function receiptAnswer(receipt: Receipt): ReceiptAnswer {
  return {
    txId: receipt.txId,
    height: receipt.height,
    position: receipt.position,
    status: receipt.status === 'accepted' ? 'ACCEPTED' : 'REJECTED',
    code: receipt.status === 'rejected' ? receipt.code : null,
    reason: receipt.status === 'rejected' ? receipt.reason : null,
    blockHash: receipt.blockHash,
  };
}

/** The context's write path; LEDGER_UNAVAILABLE when the subgraph serves reads only. */
export function writePathOf(context: CommitContext): WritePath {
  if (context.write === undefined) throw subgraphError(SubgraphErrorCode.ledgerUnavailable, 'this subgraph serves no mutations: it runs without a commands queue');
  return context.write;
}

/** Throws FORBIDDEN unless the caller's role may write. */
export function requireWriter(identity: Identity): void {
  if (!writerRoles.has(identity.role)) throw forbidden(`the ${identity.role} role reads only; mutations are for partners and admins`);
}

/** The caller organisation's custodial signer; FORBIDDEN when the platform holds no key for it. */
export async function custodialSigner(write: WritePath, organizationId: string): Promise<TransactionSigner> {
  try {
    return await write.custody.signerFor(organizationId);
  } catch (error: unknown) {
    if (error instanceof CustodyError && (error.code === CustodyErrorCode.keyMissing || error.code === CustodyErrorCode.organizationIdInvalid)) {
      throw forbidden(`the platform holds no key for organisation ${organizationId}: sign the transaction with your own key and send it with submitSignedTransaction`);
    }
    throw error;
  }
}

/**
 * Submits `signed`, waits for its receipt and, when accepted, for the projection to reach its block.
 * Throws LEDGER_REJECTED (with `ledgerCode`, `txId`, `height`), LEDGER_UNAVAILABLE (no outcome in
 * time; the same signed transaction may be sent again) or PROJECTION_BEHIND (accepted, graph behind).
 */
export async function submit(context: CommitContext, write: WritePath, signed: SignedTransaction): Promise<Receipt> {
  let receipt: Receipt;
  try {
    receipt = await write.commands.submit(signed, { timeoutMs: write.receiptWaitMs });
  } catch (error: unknown) {
    if (!(error instanceof CommandError)) throw error;
    if (error.code === 'COMMAND_FAILED' && error.reasonCode !== undefined && /^TX_/.test(error.reasonCode)) {
      throw subgraphError(SubgraphErrorCode.badUserInput, `the ledger refused the transaction as malformed: ${error.reasonCode}`, { txId: error.txId });
    }
    throw subgraphError(SubgraphErrorCode.ledgerUnavailable, `no outcome for transaction ${error.txId}: ${error.code}; sending the same signed transaction again joins it`, {
      txId: error.txId,
      commandCode: error.code,
    });
  }
  if (receipt.status === 'rejected') {
    // The code and transaction are in the message too: a gateway that passes on only `extensions.code` still tells the client.
    throw subgraphError(SubgraphErrorCode.ledgerRejected, `${receipt.reason} (${receipt.code}, transaction ${receipt.txId})`, {
      ledgerCode: receipt.code,
      txId: receipt.txId,
      height: receipt.height,
    });
  }
  try {
    await awaitProjection(context.driver, receipt.height, projectionWaitOptions(write));
  } catch (error: unknown) {
    if (!(error instanceof ProjectionWaitError) || error.code !== ProjectionWaitErrorCode.behind) throw error;
    throw subgraphError(SubgraphErrorCode.projectionBehind, `transaction ${receipt.txId} is accepted at height ${receipt.height}, but ${error.message}`, {
      txId: receipt.txId,
      height: receipt.height,
    });
  }
  return receipt;
}

/** How `write` waits for the projection: its time limit, woken by the projector's notices when it listens to them. */
export function projectionWaitOptions(write: WritePath): AwaitProjectionOptions {
  return { timeoutMs: write.projectionWaitMs, ...(write.projectionNotices === undefined ? {} : { notices: write.projectionNotices }) };
}

/**
 * Signs one `{type, payload}` per payload with the caller organisation's custodial key (looked up once),
 * in order, without submitting any: LEDGER_UNAVAILABLE without a write path, FORBIDDEN for a read-only
 * role or an organisation without a key held.
 */
export async function signAsCaller<Payload extends JsonValue>(
  context: CommitContext,
  type: string,
  payloads: readonly Payload[],
): Promise<{ write: WritePath; transactions: Array<{ payload: Payload; signed: SignedTransaction }> }> {
  const write = writePathOf(context);
  requireWriter(context.identity);
  const signer = await custodialSigner(write, context.identity.organizationId);
  return { write, transactions: payloads.map((payload) => ({ payload, signed: buildTransaction({ type, payload }, signer).signed })) };
}

/** Signs `{type, payload}` with the caller organisation's custodial key and submits it. */
export async function signAndSubmit(context: CommitContext, type: string, payload: JsonValue): Promise<Receipt> {
  const { write, transactions } = await signAsCaller(context, type, [payload]);
  return submit(context, write, (transactions[0] as { signed: SignedTransaction }).signed);
}

/** A signed transaction from outside, checked for shape and signature before it is queued. */
export function checkedSignedTransaction(value: unknown): SignedTransaction {
  const text = JSON.stringify(value ?? null);
  if (text.length > signedTransactionBytesMax) throw badUserInput(`signedTransaction is more than ${signedTransactionBytesMax} bytes of JSON`);
  const verification = verifyTransaction(value);
  if (!verification.ok) throw subgraphError(SubgraphErrorCode.badUserInput, `signedTransaction: ${verification.reason}`, { ledgerCode: verification.code });
  return value as SignedTransaction;
}
