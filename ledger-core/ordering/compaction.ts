/**
 * Keeps etcd holding only the unapplied tail of the ordering log. Once every node of the consortium has
 * published its applied revision, the minimum of them, m, is a revision no node will ever watch from
 * again (each resumes at its own applied revision + 1 > m). Log, cut and signature keys last written at
 * or below m are deleted, and etcd's history is compacted at m.
 *
 * Which cut survives: a node's applied revision is the revisionLast of its newest block, and that
 * block's cut is written at a revision above its revisionLast, so every node's newest applied cut lies
 * above m and survives. On top of that the newest cut of all is never deleted, whatever the applied
 * revisions say: the proposer's compare-and-swap relies on some cut at or above every decided height
 * existing forever. The node itself stores {height, revisionLast} of its newest block (the assembler's
 * start), so it never needs an old cut key to resume.
 *
 * Safe to run from any node, repeatedly, concurrently: deletes compare each key's mod revision (a key
 * rewritten meanwhile survives) and a compaction already done is reported, not raised.
 */
import type { Etcd3 } from 'etcd3';
import { OrderingError, OrderingErrorCode } from './errors.js';
import { invariant } from './invariant.js';
import { appliedKey, checkSegment, prefixRangeEnd, type OrderingKeys } from './keys.js';

export interface CompactionOptions {
  /** Keys deleted per call at most; a call that leaves more reports `more: true`. Default 10,000. */
  readonly deleteKeysMax?: number;
  /** Deletes per etcd transaction; must not exceed etcd's --max-txn-ops (128 by default). Default 64. */
  readonly txnOpsMax?: number;
  /** Deadline of each etcd call, in milliseconds. Default 10,000. */
  readonly callTimeoutMs?: number;
}

export type CompactionResult =
  /** Some node has not published an applied revision (or published a malformed one): nothing was done. */
  | { readonly kind: 'waiting'; readonly nodesMissing: readonly string[] }
  | {
      readonly kind: 'compacted';
      /** The minimum applied revision: keys at or below it were deleted, history compacted at it. */
      readonly revision: number;
      readonly keysDeleted: number;
      /** Keys at or below `revision` remain (the per-call budget ran out, or a key changed meanwhile). */
      readonly more: boolean;
      /** False when etcd had already compacted at or above `revision` (another node did it first). */
      readonly historyCompacted: boolean;
    };

const deleteKeysMaxDefault = 10_000;
const txnOpsMaxDefault = 64;
const callTimeoutMsDefault = 10_000;

interface KeyAtRevision {
  readonly key: Buffer;
  readonly modRevision: string;
}

/**
 * Deletes what every node of `nodes` has applied and compacts etcd's history there.
 * Requires `nodes` to be the whole consortium (distinct node names): a node left out could be behind
 * the compaction and need a peer to catch up.
 */
export async function compactOrderingLog(
  client: Etcd3,
  keys: OrderingKeys,
  nodes: readonly string[],
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  invariant(nodes.length > 0 && new Set(nodes).size === nodes.length, 'compaction needs the distinct nodes of the consortium');
  for (const node of nodes) checkSegment('node', node);
  const deleteKeysMax = options.deleteKeysMax ?? deleteKeysMaxDefault;
  const txnOpsMax = options.txnOpsMax ?? txnOpsMaxDefault;
  if (!Number.isSafeInteger(deleteKeysMax) || deleteKeysMax < 1 || !Number.isSafeInteger(txnOpsMax) || txnOpsMax < 1) {
    throw new OrderingError(OrderingErrorCode.config, `deleteKeysMax and txnOpsMax must be whole numbers ≥ 1`);
  }
  const callOptions = (): { deadline: number } => ({ deadline: Date.now() + (options.callTimeoutMs ?? callTimeoutMsDefault) });

  const applied = await client.kv.range(
    { key: Buffer.from(keys.appliedPrefix), range_end: Buffer.from(prefixRangeEnd(keys.appliedPrefix)) },
    callOptions(),
  );
  const appliedByKey = new Map(applied.kvs.map((kv) => [Buffer.from(kv.key).toString('utf8'), Buffer.from(kv.value).toString('utf8')]));
  const nodesMissing: string[] = [];
  let revision = Number.MAX_SAFE_INTEGER;
  for (const node of nodes) {
    const text = appliedByKey.get(appliedKey(keys, node));
    const value = text !== undefined && /^[0-9]{1,16}$/.test(text) ? Number(text) : undefined;
    if (value === undefined || !Number.isSafeInteger(value)) nodesMissing.push(node);
    else revision = Math.min(revision, value);
  }
  if (nodesMissing.length > 0) return { kind: 'waiting', nodesMissing };
  if (revision < 1) return { kind: 'compacted', revision, keysDeleted: 0, more: false, historyCompacted: false };

  const newestCut = await client.kv.range(
    {
      key: Buffer.from(keys.cutPrefix),
      range_end: Buffer.from(prefixRangeEnd(keys.cutPrefix)),
      sort_order: 'Descend',
      sort_target: 'Key',
      limit: 1,
      keys_only: true,
    },
    callOptions(),
  );
  const newestCutKey = newestCut.kvs[0] === undefined ? undefined : Buffer.from(newestCut.kvs[0].key);

  const doomed: KeyAtRevision[] = [];
  let more = false;
  for (const prefix of [keys.logPrefix, keys.cutPrefix, keys.sigPrefix]) {
    const budget = deleteKeysMax - doomed.length;
    if (budget <= 0) {
      more = true;
      break;
    }
    const listed = await client.kv.range(
      {
        key: Buffer.from(prefix),
        range_end: Buffer.from(prefixRangeEnd(prefix)),
        max_mod_revision: revision,
        keys_only: true,
        limit: budget + 1,
      },
      callOptions(),
    );
    const candidates = listed.kvs.filter((kv) => newestCutKey === undefined || !Buffer.from(kv.key).equals(newestCutKey));
    if (candidates.length > budget || listed.more) more = true;
    for (const kv of candidates.slice(0, budget)) doomed.push({ key: Buffer.from(kv.key), modRevision: kv.mod_revision });
  }

  let keysDeleted = 0;
  // At most deleteKeysMax / txnOpsMax transactions.
  for (let offset = 0; offset < doomed.length; offset += txnOpsMax) {
    const chunk = doomed.slice(offset, offset + txnOpsMax);
    const response = await client.kv.txn(
      {
        compare: chunk.map(({ key, modRevision }) => ({ key, target: 'Mod' as const, result: 'Equal' as const, mod_revision: modRevision })),
        success: chunk.map(({ key }) => ({ request_delete_range: { key } })),
        failure: [],
      },
      callOptions(),
    );
    if (response.succeeded) keysDeleted += chunk.length;
    else more = true;
  }

  let historyCompacted = true;
  try {
    await client.kv.compact({ revision }, callOptions());
  } catch (error) {
    if (!(error instanceof Error) || !/compacted/.test(error.message)) throw error;
    historyCompacted = false;
  }
  return { kind: 'compacted', revision, keysDeleted, more, historyCompacted };
}
