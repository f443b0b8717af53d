/**
 * Writes cut `h` with one etcd transaction, so exactly one of any number of concurrent proposers wins:
 *
 *   if   no key in [P/cut/<h>, end of P/cut/) exists       (no cut at or above h: createRevision 0)
 *   and  P/cut/<h-1> exists                                  (only for h > 1: heights stay contiguous)
 *   then put P/cut/<h>
 *   else get P/cut/<h>                                       (the winner, when there is one)
 *
 * Comparing the whole range at and above `h`, not just `P/cut/<h>`, keeps a late proposal from writing
 * `P/cut/<h>` again after compaction has deleted it: compaction always keeps the newest cut, so once h
 * is decided some cut at or above h exists forever. A losing proposer learns the winner from the answer
 * here and, like everyone, from the watch.
 */
import type { Etcd3, ICompare } from 'etcd3';
import { invariant } from './invariant.js';
import { checkSegment, cutKey, heightMax, prefixRangeEnd, type OrderingKeys } from './keys.js';
import { decodeCutRecord, encodeCutRecord } from './log-entries.js';
import type { CutRecord } from './types.js';

export interface CutProposalResult {
  /** Whether this proposal's record is the cut for its height. */
  readonly won: boolean;
  /** The record that holds the height (this proposal's when won); undefined if a later cut already exists and this one was compacted away. */
  readonly winner: CutRecord | undefined;
  /** The revision the winning record was written at, when known. */
  readonly cutRevision: number | undefined;
}

export interface ProposeCutOptions {
  /** Deadline of the transaction, in milliseconds, retries included. Default 10,000. */
  readonly timeoutMs?: number;
}

const timeoutMsDefault = 10_000;

/**
 * Proposes `cut` for its height. Requires 1 ≤ cut.height ≤ heightMax, revisionLast ≥ 0,
 * proposalTimeMs ≥ 0 and a proposer that is one key segment. A rejection (etcd unreachable, deadline)
 * leaves the outcome unknown; proposing the same record again is safe and reports `won` if the first
 * attempt had won, because the winner's bytes equal this record's.
 */
export async function proposeCut(client: Etcd3, keys: OrderingKeys, cut: CutRecord, options: ProposeCutOptions = {}): Promise<CutProposalResult> {
  invariant(Number.isSafeInteger(cut.height) && cut.height >= 1 && cut.height <= heightMax, `cut height ${cut.height}`);
  invariant(Number.isSafeInteger(cut.revisionLast) && cut.revisionLast >= 0, `cut revisionLast ${cut.revisionLast}`);
  invariant(Number.isSafeInteger(cut.proposalTimeMs) && cut.proposalTimeMs >= 0, `cut proposalTimeMs ${cut.proposalTimeMs}`);
  checkSegment('proposer', cut.proposer);
  const key = Buffer.from(cutKey(keys, cut.height));
  const value = Buffer.from(encodeCutRecord(cut));
  const compare: ICompare[] = [
    { key, range_end: Buffer.from(prefixRangeEnd(keys.cutPrefix)), target: 'Create', result: 'Equal', create_revision: 0 },
  ];
  if (cut.height > 1) {
    compare.push({ key: Buffer.from(cutKey(keys, cut.height - 1)), target: 'Create', result: 'Greater', create_revision: 0 });
  }
  const response = await client.kv.txn(
    { compare, success: [{ request_put: { key, value } }], failure: [{ request_range: { key } }] },
    { deadline: Date.now() + (options.timeoutMs ?? timeoutMsDefault) },
  );
  if (response.succeeded) return { won: true, winner: cut, cutRevision: Number(response.header.revision) };
  const existing = response.responses[0]?.response_range.kvs[0];
  if (existing === undefined) return { won: false, winner: undefined, cutRevision: undefined };
  const winner = decodeCutRecord(Buffer.from(existing.value).toString('utf8'));
  invariant(winner !== undefined && winner.height === cut.height, `cut ${cut.height} in etcd does not decode`);
  return { won: Buffer.from(existing.value).equals(value), winner, cutRevision: Number(existing.create_revision) };
}
