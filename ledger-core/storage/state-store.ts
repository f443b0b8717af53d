/**
 * One node's world state and indexes in one LMDB environment, with named sub-databases:
 *
 *   state     state key → canonical JSON of its value
 *   tx        transaction id (32 bytes) → height and position (12 bytes)
 *   versions  [entity key, height] → empty; one key per write, so a hot key never rewrites a list
 *   merkle    level and index (8 bytes) → node hash (32 bytes); see `LmdbMerkleNodeStore`
 *   meta      'format' and 'applied' (the last committed block: height, hash, revision, tree size)
 *
 * Everything here is derived from blocks: `commitBlock` applies a block that is already durable in the
 * block store, in one write transaction with the tree nodes buffered while it executed. A crash loses
 * at most whole blocks from the end, which the node replays from the block store.
 *
 * Values are stored as RFC 8785 canonical JSON rather than LMDB's default MessagePack: `canonicalize`
 * refuses anything JSON cannot carry (NaN, undefined, Date, Map) instead of storing it and returning
 * a different type later; every node stores the same bytes for the same state, so states can be
 * compared or digested byte for byte; and nothing depends on MessagePack's shared-structure record
 * kept inside the database.
 *
 * Commits use the synchronous write transaction with LMDB's default durable commit (flushed before
 * `commitBlock` returns); no `noSync`-style option is set. The asynchronous transaction, awaited per
 * block as the node must (the next block executes against this one's state), was measured no faster
 * for 1,000-transaction blocks (`npm run bench ledger storage`, "lmdb commit modes"): its callback runs
 * on this thread too and the commit then waits on a worker. The synchronous one also aborts in the
 * caller's stack when anything throws, and cannot be merged with other asynchronous writes queued in
 * the same event turn. Returning before the flush completes was within a few percent, too little to
 * trade durability for (the block store would make it safe: replay restores what a crash drops).
 *
 * One process opens a folder at a time: the in-memory applied block and Merkle counts assume they
 * are the only writer.
 */
import * as fs from 'node:fs';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { canonicalize } from '../chain/canonical.js';
import type { JsonValue } from '../chain/json-value.js';
import { StorageErrorCode, StorageRequestError } from './errors.js';
import { invariant } from './invariant.js';
import { LmdbMerkleNodeStore, merkleNodeCacheCountMaxDefault } from './merkle-node-store-lmdb.js';
import {
  checkStateKey,
  decodeTransactionLocation,
  encodeTransactionLocation,
  isSha256Hex,
  transactionIdKey,
  type TransactionLocation,
} from './state-keys.js';

/** What contract execution reads: the world state as committed. */
export interface StateView {
  /** The value at `key`, or undefined if none; requires a key `checkStateKey` accepts. */
  get(key: string): JsonValue | undefined;
}

/** The last block applied to the state. */
export interface AppliedBlock {
  height: number;
  blockHashHex: string;
  /** The last etcd revision the block covers. */
  revisionLast: number;
  /** Leaves in the ledger tree after the block. */
  treeSize: number;
}

export interface TransactionEntry {
  /** Transaction id: SHA-256 of its canonical form, 64 lowercase hex digits. */
  id: string;
  /** Index within the block, from 0. */
  position: number;
}

export interface BlockCommit {
  height: number;
  blockHashHex: string;
  revisionLast: number;
  treeSize: number;
  /** State writes of the block, last write per key; null deletes the key. */
  writes: ReadonlyMap<string, JsonValue | null>;
  /** Transactions of the block that are leaves, in block order. */
  transactions: readonly TransactionEntry[];
  /** Entity keys the block wrote, for provenance; defaults to the keys of `writes`. */
  entityWrites?: Iterable<string>;
}

/** Named fault points for fault tests; inert unless set. */
export interface StateStoreFaults {
  /** Inside the block's write transaction, after every write: throwing here must leave nothing behind. */
  beforeCommit?(height: number): void;
}

export interface StateStoreOptions {
  /** Merkle node hashes kept in memory; default 65,536. */
  merkleNodeCacheCountMax?: number;
  faults?: StateStoreFaults;
}

/** Most heights one `entityVersions` call returns. */
export const entityVersionsCountMax = 1_000;
/** Default page size of `entityVersions`. */
export const entityVersionsCountDefault = 100;

const stateFormat = 'twinledger-state/1';
const metaFormatKey = 'format';
const metaAppliedKey = 'applied';
const emptyValue = Buffer.alloc(0);
const twoTo32 = 2 ** 32;

export class StateStore implements StateView {
  private appliedBlock: AppliedBlock | undefined;
  private closed = false;

  private constructor(
    private readonly env: RootDatabase,
    private readonly state: Database<string, string>,
    private readonly transactionIndex: Database<Buffer, Buffer>,
    private readonly versions: Database<Buffer, Key>,
    private readonly meta: Database<string, string>,
    /** The ledger tree's node store; give it to `AppendOnlyTree`. Nodes it buffers commit with the next block. */
    readonly merkleNodeStore: LmdbMerkleNodeStore,
    private readonly faults: StateStoreFaults,
  ) {
    this.appliedBlock = this.readApplied();
  }

  /**
   * Opens (creating if needed) the state store in `dir`. Requires a folder this store created (or an
   * empty one); a different format, or a tree size that does not match the leaves stored, stops with
   * an invariant error: rebuild the state by replaying blocks.
   */
  static open(dir: string, options: StateStoreOptions = {}): StateStore {
    fs.mkdirSync(dir, { recursive: true });
    const env = open({ path: dir, maxDbs: 8 });
    try {
      const meta = env.openDB<string, string>({ name: 'meta', encoding: 'string' });
      const storedFormat = meta.get(metaFormatKey);
      if (storedFormat === undefined) {
        invariant(meta.get(metaAppliedKey) === undefined, 'state store has an applied block but no format');
        env.transactionSync(() => meta.putSync(metaFormatKey, stateFormat));
      } else {
        invariant(storedFormat === stateFormat, `state store format ${storedFormat}, expected ${stateFormat}`);
      }
      const merkle = env.openDB<Uint8Array, Buffer>({ name: 'merkle', keyEncoding: 'binary', encoding: 'binary' });
      const store = new StateStore(
        env,
        env.openDB<string, string>({ name: 'state', encoding: 'string' }),
        env.openDB<Buffer, Buffer>({ name: 'tx', keyEncoding: 'binary', encoding: 'binary' }),
        env.openDB<Buffer, Key>({ name: 'versions', encoding: 'binary' }),
        meta,
        new LmdbMerkleNodeStore(merkle, options.merkleNodeCacheCountMax ?? merkleNodeCacheCountMaxDefault),
        options.faults ?? {},
      );
      const treeSize = store.appliedBlock?.treeSize ?? 0;
      const leafCount = store.merkleNodeStore.nodeCount(0);
      invariant(treeSize === leafCount, `applied tree size ${treeSize} but ${leafCount} leaves stored`);
      return store;
    } catch (error) {
      void env.close();
      throw error;
    }
  }

  /** The last committed block; undefined before the first. */
  get applied(): AppliedBlock | undefined {
    return this.appliedBlock === undefined ? undefined : { ...this.appliedBlock };
  }

  /** Height of the last committed block; 0 before the first. */
  get appliedHeight(): number {
    return this.appliedBlock?.height ?? 0;
  }

  get(key: string): JsonValue | undefined {
    this.requireOpen();
    checkStateKey(key);
    const text = this.state.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  /** Where transaction `id` was committed, or undefined; requires 64 lowercase hex digits. */
  transactionLocation(id: string): TransactionLocation | undefined {
    this.requireOpen();
    if (!isSha256Hex(id)) {
      const message = 'a transaction id is 64 lowercase hex digits';
      throw new StorageRequestError(StorageErrorCode.transactionIdInvalid, message);
    }
    const stored = this.transactionIndex.getBinary(transactionIdKey(id));
    if (stored === undefined) return undefined;
    const location = decodeTransactionLocation(stored);
    invariant(location !== undefined, `transaction index entry of ${stored.length} bytes for ${id}`);
    return location;
  }

  /**
   * Heights at which entity `key` was written, ascending, after `heightAfter` (default 0), at most
   * `countMax` of them (default 100, at most `entityVersionsCountMax`): page by passing the last
   * height returned. Requires a key `checkStateKey` accepts.
   */
  entityVersions(key: string, page: { heightAfter?: number; countMax?: number } = {}): number[] {
    this.requireOpen();
    checkStateKey(key);
    const heightAfter = page.heightAfter ?? 0;
    const countMax = page.countMax ?? entityVersionsCountDefault;
    if (!Number.isSafeInteger(heightAfter) || heightAfter < 0) {
      throw new StorageRequestError(StorageErrorCode.heightOutOfRange, `heightAfter ${heightAfter} is not a height`);
    }
    if (!Number.isSafeInteger(countMax) || countMax < 1 || countMax > entityVersionsCountMax) {
      throw new StorageRequestError(
        StorageErrorCode.listingLimitInvalid,
        `countMax ${countMax} is not in [1, ${entityVersionsCountMax}]`,
      );
    }
    const heights: number[] = [];
    for (const versionKey of this.versions.getKeys({
      start: [key, heightAfter],
      exclusiveStart: true,
      end: [key, Number.MAX_SAFE_INTEGER],
      inclusiveEnd: true,
      limit: countMax,
    })) {
      const height = Array.isArray(versionKey) ? versionKey[1] : undefined;
      invariant(typeof height === 'number', `malformed entity version key under ${key}`);
      heights.push(height);
    }
    return heights;
  }

  /**
   * Applies block `commit.height` atomically: state writes, transaction index, entity versions, the
   * Merkle nodes buffered since the last commit, and the applied block, in one LMDB write transaction.
   * Nothing is written if anything throws, and the buffered nodes stay buffered.
   *
   * Requires (typed errors, checked before writing): valid state keys and JSON values, 64-hex ids unique
   * in the block with increasing u32 positions, a 64-hex block hash, non-negative safe counters.
   * Requires (invariants): height = appliedHeight + 1, revisionLast above the previous one, treeSize
   * equal to the leaves in the Merkle store and not below the previous one, no transaction id already
   * indexed; and the block already durable in the block store (the state must never run ahead of it).
   */
  commitBlock(commit: BlockCommit): void {
    this.requireOpen();
    const { height, blockHashHex, revisionLast, treeSize } = commit;
    if (!isSha256Hex(blockHashHex)) {
      throw new StorageRequestError(StorageErrorCode.blockHashInvalid, 'a block hash is 64 lowercase hex digits');
    }
    requireCounter(height, 'height');
    requireCounter(revisionLast, 'revisionLast');
    requireCounter(treeSize, 'treeSize');
    const stateWrites = encodeWrites(commit.writes);
    const entityKeys = new Set<string>();
    for (const key of commit.entityWrites ?? commit.writes.keys()) {
      checkStateKey(key);
      entityKeys.add(key);
    }
    const transactionRows = encodeTransactions(commit.transactions, height);
    const leafCount = this.merkleNodeStore.nodeCount(0);
    invariant(
      treeSize === leafCount,
      `block ${height} says tree size ${treeSize}, the Merkle store holds ${leafCount} leaves`,
    );
    const applied: AppliedBlock = { height, blockHashHex, revisionLast, treeSize };

    this.env.transactionSync(() => {
      // Read the applied block inside the transaction: the check and the writes see the same state.
      const previous = this.readApplied();
      invariant(height === (previous?.height ?? 0) + 1, `commit of height ${height} after ${previous?.height ?? 0}`);
      if (previous !== undefined) {
        invariant(revisionLast > previous.revisionLast, `revision ${revisionLast} after ${previous.revisionLast}`);
        invariant(treeSize >= previous.treeSize, `tree size ${treeSize} after ${previous.treeSize}`);
      }
      for (const [key, text] of stateWrites) {
        if (text === null) this.state.removeSync(key);
        else this.state.putSync(key, text);
      }
      for (const [idKey, location] of transactionRows) {
        invariant(!this.transactionIndex.doesExist(idKey), `transaction ${idKey.toString('hex')} is already indexed`);
        this.transactionIndex.putSync(idKey, location);
      }
      for (const key of entityKeys) this.versions.putSync([key, height], emptyValue);
      this.merkleNodeStore.writePending();
      this.meta.putSync(metaAppliedKey, canonicalize(applied));
      this.faults.beforeCommit?.(height);
    });
    this.merkleNodeStore.markCommitted();
    this.appliedBlock = applied;
  }

  /** Closes the environment; the store cannot be used afterwards. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }

  private readApplied(): AppliedBlock | undefined {
    const text = this.meta.get(metaAppliedKey);
    if (text === undefined) return undefined;
    const parsed = JSON.parse(text) as Partial<AppliedBlock>;
    invariant(
      Number.isSafeInteger(parsed.height) &&
        isSha256Hex(parsed.blockHashHex) &&
        Number.isSafeInteger(parsed.revisionLast) &&
        Number.isSafeInteger(parsed.treeSize),
      `malformed applied block ${text}`,
    );
    return parsed as AppliedBlock;
  }

  private requireOpen(): void {
    invariant(!this.closed, 'state store is closed');
  }
}

function requireCounter(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    const message = `${name} ${value} is not a non-negative safe integer`;
    throw new StorageRequestError(StorageErrorCode.counterInvalid, message);
  }
}

/** State writes as [key, canonical JSON or null]; refuses bad keys and non-JSON values. */
function encodeWrites(writes: ReadonlyMap<string, JsonValue | null>): Array<[string, string | null]> {
  const encoded: Array<[string, string | null]> = [];
  for (const [key, value] of writes) {
    checkStateKey(key);
    if (value === null) {
      encoded.push([key, null]);
      continue;
    }
    try {
      encoded.push([key, canonicalize(value)]);
    } catch (error) {
      const message = `state value at ${key} is not JSON`;
      throw new StorageRequestError(StorageErrorCode.stateValueNotJson, message, { cause: error });
    }
  }
  return encoded;
}

/** Transaction index rows as [id key, encoded location]; refuses bad or repeated ids and positions. */
function encodeTransactions(transactions: readonly TransactionEntry[], height: number): Array<[Buffer, Buffer]> {
  const rows: Array<[Buffer, Buffer]> = [];
  const ids = new Set<string>();
  let positionPrevious = -1;
  for (const { id, position } of transactions) {
    if (!isSha256Hex(id) || ids.has(id)) {
      throw new StorageRequestError(
        StorageErrorCode.transactionIdInvalid,
        `transaction id ${String(id)} is not 64 lowercase hex digits or repeats within block ${height}`,
      );
    }
    if (!Number.isSafeInteger(position) || position <= positionPrevious || position >= twoTo32) {
      throw new StorageRequestError(
        StorageErrorCode.transactionPositionInvalid,
        `position ${position} of ${id} does not follow ${positionPrevious} within [0, 2^32)`,
      );
    }
    ids.add(id);
    positionPrevious = position;
    rows.push([transactionIdKey(id), encodeTransactionLocation({ height, position })]);
  }
  return rows;
}
