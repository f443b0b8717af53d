/**
 * The projector: tails QC'd blocks in height order and writes each batch of blocks to Neo4j in one
 * write transaction that also moves the `:ProjectionCheckpoint`. The checkpoint and the events commit
 * together or not at all, so a crash anywhere leaves the graph exactly at some block boundary, and a
 * restart continues from the checkpoint's height + 1: every event is applied exactly once. Caught up,
 * it long-polls a node's status, which answers as soon as that node certifies a new block, so a block
 * is projected without waiting out a polling interval.
 *
 * Failures: an unreachable node or Neo4j is retried with bounded exponential backoff; a block no node
 * serves with a valid QC is waited for the same way; an event the projection cannot apply
 * (ProjectionError), a block that does not chain (WorkerInvariantError) or a checkpoint moved by someone
 * else (CheckpointConflictError) stops the projector, since continuing would make the graph wrong.
 */
import { transactionId, type Consortium } from '@twinledger/ledger-core/chain';
import { LedgerClient, statusWaitMsMax, type BlockAnswer } from '@twinledger/ledger-core/client';
import type { Genesis } from '@twinledger/ledger-core/contracts';
import type { BlockRecord } from '@twinledger/ledger-core/execution';
import { batchStatements, projectEvent, projectionCheckpointId, toNeo4jParameters, type CypherStatement } from '@twinledger/graph-schema';
import neo4j, { type Driver } from 'neo4j-driver';
import { invariant } from '../invariant.js';
import { pause } from '../pause.js';
import { noFaults, type FaultInjector } from './fault-points.js';
import { lockHeadCypher, readHead, writeHeadStatement, type ProjectedHead } from './head.js';
import { verifyBlock } from './verify-block.js';

export interface ProjectorOptions {
  readonly driver: Driver;
  /** Base URLs of the ledger nodes; each block is taken from the first that serves it with a valid QC. */
  readonly ledgerUrls: readonly string[];
  readonly consortium: Consortium;
  readonly genesis: Genesis;
  /** Stops the projector between batches (a batch in flight finishes or rolls back). */
  readonly signal?: AbortSignal;
  /** Returns once the checkpoint reaches this height; runs until aborted when absent. */
  readonly heightStop?: number;
  /** Most blocks in one Neo4j transaction. Default 64. */
  readonly batchBlocksMax?: number;
  /** A batch closes once it holds this many ledger entries; one larger block is still one batch. Default 2,000. */
  readonly batchEntriesMax?: number;
  /**
   * How long a caught-up node holds the projector's status long poll: the projector asks every node
   * again at least this often. 1 to the client's `statusWaitMsMax`; default 1,000 ms.
   */
  readonly qcWaitMs?: number;
  /** Fallback wait when caught up and the long poll failed or came back early without a new block. Default 200 ms. */
  readonly pollIntervalMs?: number;
  /** First and largest retry delay after a failure. Defaults 100 ms and 5,000 ms. */
  readonly backoffMsFirst?: number;
  readonly backoffMsMax?: number;
  /** Per-request timeout to a ledger node. Default 10,000 ms. */
  readonly requestTimeoutMs?: number;
  readonly faults?: FaultInjector;
  /** Called after each committed batch. */
  readonly onBatch?: (batch: BatchReport) => void;
  /** Called for every retried failure, for logs. */
  readonly onRetry?: (reason: string, delayMs: number) => void;
}

export interface BatchReport {
  readonly heightFirst: number;
  readonly heightLast: number;
  readonly blockHash: string;
  readonly entryCount: number;
  readonly eventCount: number;
  readonly durationMs: number;
}

/** A checkpoint moved by another writer between this projector's read and its write. */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
}

/** No node served the block with a valid QC this round; retried after backoff. */
export class BlockUnavailableError extends Error {
  override readonly name = 'BlockUnavailableError';
}

interface VerifiedBlock {
  readonly record: BlockRecord;
  readonly head: ProjectedHead;
}

const batchBlocksMaxDefault = 64;
const batchEntriesMaxDefault = 2_000;

export class Projector {
  private readonly clients: LedgerClient[];
  private readonly faults: FaultInjector;
  private readonly batchBlocksMax: number;
  private readonly batchEntriesMax: number;
  private readonly qcWaitMs: number;
  private readonly pollIntervalMs: number;
  private readonly backoffMsFirst: number;
  private readonly backoffMsMax: number;
  /** The node that served the last block: asked first next time. */
  private preferredIndex = 0;
  private head: ProjectedHead | undefined;

  /** Requires at least one ledger URL and positive limits. Call `close()` when done. */
  constructor(private readonly options: ProjectorOptions) {
    invariant(options.ledgerUrls.length > 0, 'the projector needs at least one ledger node');
    this.batchBlocksMax = options.batchBlocksMax ?? batchBlocksMaxDefault;
    this.batchEntriesMax = options.batchEntriesMax ?? batchEntriesMaxDefault;
    this.qcWaitMs = options.qcWaitMs ?? 1_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.backoffMsFirst = options.backoffMsFirst ?? 100;
    this.backoffMsMax = options.backoffMsMax ?? 5_000;
    invariant(this.batchBlocksMax >= 1 && this.batchEntriesMax >= 1 && this.backoffMsFirst >= 1 && this.backoffMsMax >= this.backoffMsFirst, 'projector limits must be positive');
    invariant(Number.isSafeInteger(this.qcWaitMs) && this.qcWaitMs >= 1 && this.qcWaitMs <= statusWaitMsMax, `qcWaitMs must be an integer from 1 to ${statusWaitMsMax}`);
    // One client per node: a block that fails verification from one node is asked of the next.
    this.clients = options.ledgerUrls.map((url) => new LedgerClient({ nodes: [url], timeoutMs: options.requestTimeoutMs ?? 10_000 }));
    this.faults = options.faults ?? noFaults;
  }

  /** The last committed head this projector knows; undefined before `run` read the checkpoint. */
  get projectedHeight(): number | undefined {
    return this.head?.height;
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  /**
   * Projects until aborted or until the checkpoint reaches `heightStop`. Requires the migrations to
   * have been applied (CheckpointMissingError otherwise). Resolves with the projected height.
   */
  async run(): Promise<number> {
    const { signal, heightStop } = this.options;
    let failures = 0;
    for (;;) {
      if (signal?.aborted === true) break;
      try {
        // Re-read after every failure: a failed commit may or may not have landed, and only the graph knows.
        if (this.head === undefined) this.head = await this.readCheckpoint();
        if (heightStop !== undefined && this.head.height >= heightStop) break;
        const qcHeight = await this.qcHeightMax();
        const heightLast = Math.min(qcHeight, this.head.height + this.batchBlocksMax, heightStop ?? Number.MAX_SAFE_INTEGER);
        if (heightLast <= this.head.height) {
          await this.awaitQcAbove(this.head.height);
          continue;
        }
        const blocks = await this.fetchBatch(this.head, heightLast);
        this.head = await this.writeBatch(this.head, blocks);
        failures = 0;
      } catch (error: unknown) {
        if (isAborted(signal)) break;
        if (!isRetryable(error)) throw error;
        this.head = undefined;
        const delayMs = Math.min(this.backoffMsMax, this.backoffMsFirst * 2 ** Math.min(failures, 20));
        failures++;
        this.options.onRetry?.(error instanceof Error ? error.message : String(error), delayMs);
        await pause(delayMs, signal);
      }
    }
    return this.head?.height ?? (await this.readCheckpoint()).height;
  }

  private async readCheckpoint(): Promise<ProjectedHead> {
    const session = this.options.driver.session({ defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead((tx) => readHead(tx));
    } finally {
      await session.close();
    }
  }

  /** The highest QC height any node reports; throws BlockUnavailableError when none answers. */
  private async qcHeightMax(): Promise<number> {
    const statuses = await Promise.all(this.clients.map((client) => client.status({ ...(this.options.signal ? { signal: this.options.signal } : {}) })));
    const heights = statuses.flat().flatMap((result) => (result.ok ? [result.status.qcHeight] : []));
    if (heights.length === 0) throw new BlockUnavailableError('no ledger node answered its status');
    return Math.max(...heights);
  }

  /**
   * Returns once the preferred node certifies a block above `height`, or after `qcWaitMs`, by a status
   * long poll; the caller then asks every node as usual. Any failure, and an answer that came back well
   * before the wait without a higher QC height (a node shutting down, or one that does not hold the
   * request and answers at once), is followed by the `pollIntervalMs` sleep, so the loop never spins.
   */
  private async awaitQcAbove(height: number): Promise<void> {
    const { signal } = this.options;
    const client = this.clients[this.preferredIndex];
    invariant(client !== undefined, 'client index out of range');
    const startedMs = performance.now();
    try {
      const [result] = await client.status({ qcHeightAbove: height, waitMs: this.qcWaitMs, ...(signal ? { signal } : {}) });
      // Half the wait tells a node that held the request to its end from one that answered at once.
      if (result?.ok === true && (result.status.qcHeight > height || performance.now() - startedMs >= this.qcWaitMs / 2)) return;
    } catch {
      // status() reports a node's failure in its result; what it throws (an abort) ends in the pause
      // below too, which returns at once when aborted.
    }
    await pause(this.pollIntervalMs, signal);
  }

  /** Blocks head.height + 1 .. heightLast, verified, stopping early at `batchEntriesMax` entries. */
  private async fetchBatch(head: ProjectedHead, heightLast: number): Promise<VerifiedBlock[]> {
    const blocks: VerifiedBlock[] = [];
    let previous = head;
    let entryCount = 0;
    while (previous.height < heightLast && entryCount < this.batchEntriesMax) {
      const block = await this.fetchVerified(previous);
      blocks.push(block);
      entryCount += block.record.entries.length;
      previous = block.head;
    }
    return blocks;
  }

  private async fetchVerified(previous: ProjectedHead): Promise<VerifiedBlock> {
    const height = previous.height + 1;
    const reasons: string[] = [];
    for (let offset = 0; offset < this.clients.length; offset++) {
      const index = (this.preferredIndex + offset) % this.clients.length;
      const client = this.clients[index];
      invariant(client !== undefined, 'client index out of range');
      let answer: BlockAnswer;
      try {
        answer = await client.block(height, this.options.signal ? { signal: this.options.signal } : {});
      } catch (error: unknown) {
        reasons.push(`${client.nodes[0]}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const verification = verifyBlock({ answer, previous, consortium: this.options.consortium, genesis: this.options.genesis });
      if (verification.ok) {
        this.preferredIndex = index;
        return verification;
      }
      reasons.push(`${client.nodes[0]}: ${verification.code} ${verification.reason}`);
    }
    throw new BlockUnavailableError(`no node served block ${height} with a valid QC: ${reasons.join('; ')}`);
  }

  /** One write transaction: lock and check the checkpoint, apply every event, move the checkpoint, commit. */
  private async writeBatch(head: ProjectedHead, blocks: readonly VerifiedBlock[]): Promise<ProjectedHead> {
    const last = blocks[blocks.length - 1];
    invariant(last !== undefined, 'an empty batch');
    const startedMs = performance.now();
    const session = this.options.driver.session({ defaultAccessMode: neo4j.session.WRITE });
    let entryCount = 0;
    let eventCount = 0;
    try {
      const tx = await session.beginTransaction();
      try {
        await tx.run(lockHeadCypher, { id: projectionCheckpointId });
        const stored = await readHead(tx);
        if (stored.height !== head.height || stored.blockHash !== head.blockHash) {
          throw new CheckpointConflictError(`the checkpoint is at ${stored.height} ${stored.blockHash}, this projector expected ${head.height} ${head.blockHash}: another projector is running`);
        }
        this.faults.hit('projector.after-checkpoint-lock');
        for (const block of blocks) {
          const { header, entries } = block.record;
          // Consecutive statements of one text go as one over their rows (batchStatements), and the
          // block's statements are sent without waiting for each answer, so a block costs one round
          // trip rather than one per event: Neo4j runs a transaction's statements in the order sent.
          const statements: CypherStatement[] = [];
          for (let position = 0; position < entries.length; position++) {
            const entry = entries[position];
            invariant(entry !== undefined, `entry ${position} missing`);
            entryCount++;
            // A rejected transaction has no events and is never projected.
            if (entry.outcome.status !== 'accepted') continue;
            const txId = transactionId(entry.tx.tx);
            for (let eventIndex = 0; eventIndex < entry.events.length; eventIndex++) {
              const event = entry.events[eventIndex];
              invariant(event !== undefined, `event ${eventIndex} missing`);
              const context = { txId, height: header.height, position, eventIndex, ledgerTimeMs: header.timeMs, blockHash: block.head.blockHash };
              statements.push(...projectEvent(event, context));
              eventCount++;
            }
          }
          await Promise.all(batchStatements(statements).map((statement) => tx.run(statement.text, toNeo4jParameters(statement.parameters)).summary()));
          this.faults.hit('projector.after-block-events');
        }
        const checkpoint = writeHeadStatement(last.head);
        await tx.run(checkpoint.text, toNeo4jParameters(checkpoint.parameters));
        this.faults.hit('projector.before-commit');
        await tx.commit();
      } catch (error: unknown) {
        if (tx.isOpen()) await tx.rollback().catch(() => undefined);
        throw error;
      }
      this.faults.hit('projector.after-commit');
    } finally {
      await session.close();
    }
    const first = blocks[0];
    invariant(first !== undefined, 'an empty batch');
    this.options.onBatch?.({
      heightFirst: first.head.height,
      heightLast: last.head.height,
      blockHash: last.head.blockHash,
      entryCount,
      eventCount,
      durationMs: performance.now() - startedMs,
    });
    return last.head;
  }
}

/** Ledger and Neo4j outages are retried; everything else (projection, invariants, conflicts) stops the projector. */
function isRetryable(error: unknown): boolean {
  if (error instanceof BlockUnavailableError) return true;
  if (error instanceof neo4j.Neo4jError) return neo4j.isRetriableError(error);
  return false;
}

// A function, not an inline test: the compiler narrows `signal.aborted` after the loop's first check.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
