/**
 * One node's chain on disk: the block store, the state store, the ledger tree over the state's node
 * store, and the QC store, with the one way a block enters them: execute, build, append (fsync),
 * commit. Ordered blocks from the log, blocks re-executed from the store after a crash, and blocks
 * fetched from a peer all go through `applyBlock`, so they are checked the same way.
 */
import * as path from 'node:path';
import type { BlockHeader } from '../chain/block.js';
import { BoundedLruCache } from '../chain/bounded-lru.js';
import { formatCheckpoint } from '../chain/checkpoint.js';
import type { Ed25519Verifier } from '../chain/ed25519.js';
import { AppendOnlyTree } from '../chain/merkle/append-only-tree.js';
import { nodeTreeHasher } from '../chain/merkle/hash-node.js';
import { signNote, type NoteSignerKey } from '../chain/signed-note.js';
import type { Genesis } from '../contracts/genesis.js';
import type { ContractRegistry } from '../contracts/registry.js';
import { buildBlock, decodeBlockRecord, encodeBlockRecord, type BlockRecord, type BuiltBlock } from '../execution/build-block.js';
import { executeBlock, type BlockExecution } from '../execution/execute-block.js';
import { BlockStore, type BlockStoreRecovery } from '../storage/block-store.js';
import { StateStore } from '../storage/state-store.js';
import { hexToBytes } from '@noble/hashes/utils';
import { invariant } from './invariant.js';
import { QcStore } from './qc-store.js';

export interface BlockInput {
  readonly height: number;
  readonly revisionFirst: number;
  readonly revisionLast: number;
  readonly proposalTimeMs: number;
  readonly transactions: readonly unknown[];
}

export interface AppliedBlockResult {
  readonly built: BuiltBlock;
  readonly execution: BlockExecution;
  /** The checkpoint note text (no signatures) this node signs for the block. */
  readonly checkpointBody: string;
  /** This node's signature line over it, without newline. */
  readonly signatureLine: string;
  readonly executionMs: number;
  readonly commitMs: number;
}

export interface LocalChainOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  readonly registry: ContractRegistry;
  readonly verifier: Ed25519Verifier;
  readonly nodeKey: NoteSignerKey;
  /** Decoded block records kept for receipt and block reads. Default 16. */
  readonly recordCacheCountMax?: number;
}

export class LocalChain {
  readonly tree: AppendOnlyTree;
  private headHeader: BlockHeader | null;
  private readonly records: BoundedLruCache<number, BlockRecord>;

  private constructor(
    private readonly options: LocalChainOptions,
    readonly blocks: BlockStore,
    readonly state: StateStore,
    readonly qcs: QcStore,
    /** What opening the block store did to a torn tail. */
    readonly recovery: BlockStoreRecovery,
  ) {
    this.tree = new AppendOnlyTree(state.merkleNodeStore, nodeTreeHasher);
    this.records = new BoundedLruCache(options.recordCacheCountMax ?? 16);
    const top = Math.min(blocks.heightLast, state.appliedHeight);
    this.headHeader = top === 0 ? null : this.record(top)?.header ?? null;
    invariant(top === 0 || this.headHeader !== null, `block ${top} is missing from the block store`);
  }

  /** Opens the stores under `dataDir`: blocks/, state/, qc/. Throws what the stores throw on damage. */
  static open(options: LocalChainOptions): LocalChain {
    const opened = BlockStore.open(path.join(options.dataDir, 'blocks'));
    let state: StateStore | undefined;
    try {
      state = StateStore.open(path.join(options.dataDir, 'state'));
      const qcs = QcStore.open(path.join(options.dataDir, 'qc'));
      return new LocalChain(options, opened.store, state, qcs, opened.recovery);
    } catch (error) {
      opened.store.close();
      void state?.close();
      throw error;
    }
  }

  /** The newest block both stored and committed, or null before block 1. */
  get head(): BlockHeader | null {
    return this.headHeader;
  }

  get height(): number {
    return this.headHeader?.height ?? 0;
  }

  /** The decoded record of block `height` from the block store, or undefined if it does not hold it. */
  record(height: number): BlockRecord | undefined {
    const cached = this.records.get(height);
    if (cached !== undefined) return cached;
    const bytes = this.blocks.read(height);
    if (bytes === undefined) return undefined;
    const record = decodeBlockRecord(bytes);
    invariant(record.header.height === height, `block store holds block ${record.header.height} at ${height}`);
    this.records.set(height, record);
    return record;
  }

  /** The raw record bytes of block `height`, for peers. */
  recordBytes(height: number): Uint8Array | undefined {
    return this.blocks.read(height);
  }

  /**
   * Executes block `input.height` on top of the head, builds it, appends it (unless `alreadyStored`:
   * re-execution after a crash), commits the state, and signs its checkpoint. Requires the height
   * to be head + 1. Throws ExecutionInvariantError / StorageInvariantError on broken invariants.
   */
  applyBlock(input: BlockInput, alreadyStored = false): AppliedBlockResult {
    invariant(input.height === this.height + 1, `block ${input.height} applied on top of ${this.height}`);
    const startMs = performance.now();
    const execution = executeBlock({
      height: input.height,
      previous: this.headHeader,
      proposalTimeMs: input.proposalTimeMs,
      transactions: input.transactions,
      state: this.state,
      isApplied: (txId) => this.state.transactionLocation(txId) !== undefined,
      registry: this.options.registry,
      genesis: this.options.genesis,
      verifier: this.options.verifier,
    });
    const built = buildBlock({ execution, revisionFirst: input.revisionFirst, revisionLast: input.revisionLast, tree: this.tree });
    const builtMs = performance.now();
    if (!alreadyStored) this.blocks.append(input.height, encodeBlockRecord(built.record));
    this.state.commitBlock({
      height: built.header.height,
      blockHashHex: built.hash,
      revisionLast: built.header.revisionLast,
      treeSize: built.header.treeSize,
      writes: execution.writes,
      transactions: execution.leaves.map((leaf, position) => ({ id: leaf.txId, position })),
    });
    this.headHeader = built.header;
    this.records.set(built.header.height, built.record);
    const committedMs = performance.now();
    const { checkpointBody, signatureLine } = this.signCheckpoint(built.header, built.hash);
    return { built, execution, checkpointBody, signatureLine, executionMs: builtMs - startMs, commitMs: committedMs - builtMs };
  }

  /** The checkpoint text of a block and this node's signature line over it (deterministic: signing again gives the same line). */
  signCheckpoint(header: BlockHeader, hash: string): { checkpointBody: string; signatureLine: string } {
    const checkpointBody = formatCheckpoint({
      origin: this.options.genesis.origin,
      treeSize: header.treeSize,
      rootHash: hexToBytes(header.rootHash),
      blockHeight: header.height,
      blockHash: hexToBytes(hash),
    });
    // The signed note is `<body>\n<signature line>\n`: the line is what the other members need.
    const note = signNote(checkpointBody, [this.options.nodeKey]);
    const line = note.slice(checkpointBody.length + 1, -1);
    return { checkpointBody, signatureLine: line };
  }

  /** Appends a record the state already committed (a repaired torn tail). Requires height = stored + 1. */
  appendStoredOnly(record: BlockRecord): void {
    invariant(record.header.height === this.blocks.heightLast + 1, `append of block ${record.header.height} after ${this.blocks.heightLast}`);
    this.blocks.append(record.header.height, encodeBlockRecord(record));
    if (record.header.height === this.state.appliedHeight) this.headHeader = record.header;
  }

  async close(): Promise<void> {
    this.blocks.close();
    await this.state.close();
    await this.qcs.close();
  }
}
