/**
 * A whole ledger in memory, driving `executeBlock` and `buildBlock` the way a node does: world state in
 * a Map, applied transaction ids in a Set, the tree in memory, one revision per transaction. Tests,
 * scenario scripts and benchmarks use it; it is also the shortest statement of what a node must
 * persist after each block (the writes, the ids, the leaves, the header).
 */
import type { BlockHeader } from '../../chain/block.js';
import type { Ed25519Verifier } from '../../chain/ed25519.js';
import type { JsonValue } from '../../chain/json-value.js';
import { AppendOnlyTree } from '../../chain/merkle/append-only-tree.js';
import type { StateView } from '../../contracts/contract.js';
import type { Genesis } from '../../contracts/genesis.js';
import type { ContractRegistry } from '../../contracts/registry.js';
import { buildBlock, type BuiltBlock } from '../build-block.js';
import { executeBlock, type BlockExecution } from '../execute-block.js';

export interface MemoryBlock {
  readonly execution: BlockExecution;
  readonly block: BuiltBlock;
}

export class MemoryLedger {
  readonly state = new Map<string, JsonValue>();
  readonly appliedIds = new Set<string>();
  readonly tree = new AppendOnlyTree();
  readonly blocks: BuiltBlock[] = [];
  private revisionLast = 0;

  constructor(
    readonly genesis: Genesis,
    readonly registry: ContractRegistry,
    readonly verifier: Ed25519Verifier,
  ) {}

  /** The last block's header, or null before block 1. */
  get head(): BlockHeader | null {
    return this.blocks[this.blocks.length - 1]?.header ?? null;
  }

  /** A read view of the committed state (what the next block starts from). */
  get view(): StateView {
    return { get: (key) => this.state.get(key) };
  }

  /**
   * Executes and commits the next block. Requires a proposal time in milliseconds; `revisions` (the
   * ordering log's, to rebuild a block exactly) default to one per transaction after the last block's.
   */
  runBlock(transactions: readonly unknown[], proposalTimeMs: number, revisions?: { readonly first: number; readonly last: number }): MemoryBlock {
    const previous = this.head;
    const execution = executeBlock({
      height: (previous?.height ?? 0) + 1,
      previous,
      proposalTimeMs,
      transactions,
      state: this.view,
      isApplied: (txId) => this.appliedIds.has(txId),
      registry: this.registry,
      genesis: this.genesis,
      verifier: this.verifier,
    });
    const revisionFirst = revisions?.first ?? this.revisionLast + 1;
    this.revisionLast = revisions?.last ?? this.revisionLast + Math.max(1, transactions.length);
    const block = buildBlock({ execution, revisionFirst, revisionLast: this.revisionLast, tree: this.tree });
    for (const [key, value] of execution.writes) {
      if (value === null) this.state.delete(key);
      else this.state.set(key, value);
    }
    for (const executed of execution.leaves) this.appliedIds.add(executed.txId);
    this.blocks.push(block);
    return { execution, block };
  }
}
