/**
 * Deciding whether a block a node served may be projected, as a pure function: the projector trusts
 * the consortium's keys, not the node. The QC must verify and name exactly this block (height, hash,
 * tree size and root); the block must chain to the projected head; its entries must re-derive its
 * root from the head's frontier, so the events are the ones the QC covers.
 */
import { createNodeCryptoVerifier, verifyQuorumCertificate, type Consortium, type Ed25519Verifier } from '@twinledger/ledger-core/chain';
import { nodeTreeHasher } from '@twinledger/ledger-core/chain/merkle';
import type { BlockAnswer } from '@twinledger/ledger-core/client';
import type { Genesis } from '@twinledger/ledger-core/contracts';
import { checkBlockRecord, type BlockRecord } from '@twinledger/ledger-core/execution';
import { invariant } from '../invariant.js';
import type { ProjectedHead } from './head.js';

export type BlockRefusalCode =
  /** The node has the block but not yet its QC. */
  | 'QC_PENDING'
  /** The QC does not verify against the consortium. */
  | 'QC_INVALID'
  /** The QC verifies but is for another block, tree size or root. */
  | 'QC_MISMATCH'
  /** The entries do not give the QC'd root, or the record is otherwise not a valid successor. */
  | 'RECORD_INVALID';

export type BlockVerification =
  | { readonly ok: true; readonly record: BlockRecord; readonly head: ProjectedHead }
  | { readonly ok: false; readonly code: BlockRefusalCode; readonly reason: string };

export interface VerifyBlockInput {
  readonly answer: BlockAnswer;
  readonly previous: ProjectedHead;
  readonly consortium: Consortium;
  readonly genesis: Genesis;
  /** Default the process's native verifier: every block's QC is checked, and in JavaScript that was a sixth of the projector's CPU. */
  readonly verifier?: Ed25519Verifier;
}

const nativeVerifier = createNodeCryptoVerifier();

/**
 * Checks `answer` as block previous.height + 1. Refusals are the node's fault and another node may do
 * better. A QC'd block that does not chain to the projected head throws WorkerInvariantError: either the
 * consortium forked or the graph's checkpoint is not the ledger's, and neither is safe to project past.
 */
export function verifyBlock(input: VerifyBlockInput): BlockVerification {
  const { answer, previous } = input;
  const height = previous.height + 1;
  const header = answer.record.header;
  if (header.height !== height) return { ok: false, code: 'RECORD_INVALID', reason: `asked for block ${height}, got ${header.height}` };
  if (answer.qc === null) return { ok: false, code: 'QC_PENDING', reason: `block ${height} has no QC yet` };
  const qc = verifyQuorumCertificate(answer.qc, input.consortium, input.verifier ?? nativeVerifier);
  if (!qc.ok) return { ok: false, code: 'QC_INVALID', reason: `block ${height}: ${qc.code} ${qc.reason}` };
  const { checkpoint } = qc;
  const matches =
    checkpoint.blockHeight === height &&
    Buffer.from(checkpoint.blockHash).toString('hex') === answer.hash &&
    checkpoint.treeSize === header.treeSize &&
    Buffer.from(checkpoint.rootHash).toString('hex') === header.rootHash;
  if (!matches) return { ok: false, code: 'QC_MISMATCH', reason: `block ${height}'s QC signs another block or tree head` };
  invariant(
    header.prevHash === previous.blockHash,
    `QC'd block ${height} has prevHash ${header.prevHash}, but the projected block ${previous.height} is ${previous.blockHash}`,
  );
  const check = checkBlockRecord({ record: answer.record, previous: previous.header, genesis: input.genesis, frontier: previous.frontier, hasher: nodeTreeHasher });
  if (!check.ok) return { ok: false, code: 'RECORD_INVALID', reason: `block ${height}: ${check.code} ${check.reason}` };
  invariant(check.hash === answer.hash, `block ${height} checked to ${check.hash}, its QC says ${answer.hash}`);
  return { ok: true, record: answer.record, head: { height, blockHash: answer.hash, header, frontier: check.frontier } };
}
