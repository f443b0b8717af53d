/**
 * One node's ordering: its submissions go out through the batcher; the log comes back through the
 * watcher into the assembler, which hands blocks to `onBlock` handlers; and the cut rule runs on this
 * node's clock to propose cuts. Any node may propose any cut; the compare-and-swap decides. To spare
 * etcd three proposals per block, the height's preferred proposer (nodes[(height - 1) mod n]) proposes
 * as soon as the cut is due and the others only `proposerBackupDelayMs` later, so a stopped node costs
 * its heights that delay and nothing else.
 *
 * Handlers run one at a time, in log order, and the next event waits for them: a node that fsyncs in
 * `onBlock` is never handed block h+1 before block h is durable.
 */
import type { Etcd3 } from 'etcd3';
import { BlockAssembler, type AssemblerStart } from './assembler.js';
import { SubmissionBatcher, type SubmitReceipt } from './batcher.js';
import { decideCut, type OpenBatch } from './cut-rule.js';
import { OrderingError, OrderingErrorCode } from './errors.js';
import { invariant } from './invariant.js';
import { appliedKey, checkSegment, heightMax, sigKey, type OrderingKeys } from './keys.js';
import { etcdLogAppender, type LogAppender } from './log-appender.js';
import { isSignatureLine, type ItemsDecoder } from './log-entries.js';
import { genesisWatchRevision, LogWatcher } from './log-watcher.js';
import { checkOrderingLimits, type OrderingLimits } from './limits.js';
import { proposeCut, type CutProposalResult } from './proposer.js';
import { unreachable, type CutRecord, type OrderedBlock, type OrderingEvent, type SignatureEvent } from './types.js';

export interface SequencerOptions<T> {
  readonly client: Etcd3;
  readonly keys: OrderingKeys;
  /** This node's name. */
  readonly node: string;
  /** Every node of the consortium, in the same order on every node (it picks each height's preferred proposer). */
  readonly nodes: readonly string[];
  /** The consortium's limits; checked by `checkOrderingLimits`. */
  readonly limits: OrderingLimits;
  /** The newest block this node has applied; {heightLast: 0, revisionLast: 0} for a new log. */
  readonly start: AssemblerStart;
  /** This node's clock, in milliseconds since the Unix epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** See `SubmissionBatcherOptions.bootId`. */
  readonly bootId?: string;
  /** See `LogWatcherOptions.decodeItems`. */
  readonly decodeItems?: ItemsDecoder<T>;
  /** Where batches are put; default the etcd log itself. */
  readonly appender?: LogAppender;
  /** How long a node that is not a height's preferred proposer waits after the cut is due. Default 25 ms. */
  readonly proposerBackupDelayMs?: number;
  /** Wait before proposing again after a proposal whose outcome is unknown. Default 100 ms. */
  readonly proposeRetryDelayMs?: number;
  /** Deadline of one etcd call (put, proposal), in milliseconds. Default 10,000. */
  readonly callTimeoutMs?: number;
  /** See `LogWatcherOptions.bufferedEventsMax`. */
  readonly bufferedEventsMax?: number;
  /** Malformed log input skipped by every node alike. */
  readonly onSkipped?: (revision: number, key: string, reason: string) => void;
  /** A proposal whose outcome is unknown (it is retried). */
  readonly onProposalError?: (height: number, error: unknown) => void;
}

export type BlockHandler<T> = (block: OrderedBlock<T>) => void | Promise<void>;
export type SignatureHandler = (event: SignatureEvent) => void | Promise<void>;

/** Counters for metrics and tests. */
export interface SequencerStats {
  proposalsWon: number;
  proposalsLost: number;
  proposalErrors: number;
  blocksAssembled: number;
}

const proposerBackupDelayMsDefault = 25;
const proposeRetryDelayMsDefault = 100;
const callTimeoutMsDefault = 10_000;

export class Sequencer<T> {
  /** Settles when the sequencer stops: resolves after `stop()`, rejects with what stopped it otherwise
   * (`LogCompactedError`: catch up from a peer; `OrderingInvariantError`: stop the process; a handler's error). */
  readonly done: Promise<void>;
  readonly stats: SequencerStats = { proposalsWon: 0, proposalsLost: 0, proposalErrors: 0, blocksAssembled: 0 };

  private readonly options: SequencerOptions<T>;
  private readonly clock: () => number;
  private readonly batcher: SubmissionBatcher<T>;
  private readonly assembler: BlockAssembler<T>;
  private watcher: LogWatcher<T> | undefined;
  private readonly blockHandlers = new Set<BlockHandler<T>>();
  private readonly signatureHandlers = new Set<SignatureHandler>();
  /** This node's clock when it first saw each open batch; pruned as blocks close. */
  private readonly firstSeenMs = new Map<number, number>();
  private readonly callTimeoutMs: number;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private cutTimer: NodeJS.Timeout | undefined;
  private proposal: Promise<void> | undefined;
  /** Heights through this one have a cut in etcd (ours or another's); the watch will deliver it. */
  private decidedHeightThrough = 0;
  private dueHeight = 0;
  private dueSinceMs = 0;
  private proposeNotBeforeMs = 0;
  private appliedPublished = -1;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;

  /** Requires a node listed in `nodes`, distinct node names, and limits that pass `checkOrderingLimits`. */
  constructor(options: SequencerOptions<T>) {
    checkOrderingLimits(options.limits);
    checkSegment('node', options.node);
    for (const name of options.nodes) checkSegment('node', name);
    if (new Set(options.nodes).size !== options.nodes.length || !options.nodes.includes(options.node)) {
      throw new OrderingError(OrderingErrorCode.config, `nodes must be distinct and include ${options.node}: ${options.nodes.join(', ')}`);
    }
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.callTimeoutMs = options.callTimeoutMs ?? callTimeoutMsDefault;
    this.batcher = new SubmissionBatcher<T>({
      ...options.limits,
      keys: options.keys,
      node: options.node,
      ...(options.bootId === undefined ? {} : { bootId: options.bootId }),
      appender: options.appender ?? etcdLogAppender(options.client, { putTimeoutMs: this.callTimeoutMs }),
    });
    this.assembler = new BlockAssembler<T>(options.start, { limits: options.limits });
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A caller that only awaits `stop()` must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Height of the newest block handed to the block handlers (or of the start). */
  get heightLast(): number {
    return this.assembler.heightLast;
  }

  /** The batcher's boot id (the `<bootId>` of this node's batch keys). */
  get bootId(): string {
    return this.batcher.bootId;
  }

  /** Registers a handler for every block from the start on; register before `start()`. Returns its removal. */
  onBlock(handler: BlockHandler<T>): () => void {
    this.blockHandlers.add(handler);
    return () => this.blockHandlers.delete(handler);
  }

  /** Registers a handler for every signature published from the start revision on. Returns its removal. */
  onSignature(handler: SignatureHandler): () => void {
    this.signatureHandlers.add(handler);
    return () => this.signatureHandlers.delete(handler);
  }

  /** Starts watching and cutting. Requires a sequencer not yet started. */
  start(): void {
    invariant(this.state === 'new', `sequencer started while ${this.state}`);
    this.state = 'running';
    this.run().then(
      () => void this.finish(undefined),
      (error: unknown) => void this.finish(error),
    );
  }

  /** See `SubmissionBatcher.submit`. */
  submit(item: T, sizeBytes: number): Promise<SubmitReceipt> {
    return this.batcher.submit(item, sizeBytes);
  }

  /**
   * Publishes this node's signature line over block `height`'s checkpoint at `P/sig/<height>/<node>`.
   * Requires 1 ≤ height ≤ heightMax and one printable line (no newline); refuses otherwise with
   * `ORDERING_PUBLISH_INVALID`. Publishing again overwrites with the same line, harmlessly.
   */
  async publishSignature(height: number, line: string): Promise<{ revision: number }> {
    if (!Number.isSafeInteger(height) || height < 1 || height > heightMax || !isSignatureLine(line)) {
      throw new OrderingError(OrderingErrorCode.publishInvalid, `signature for height ${height} must be one printable line`);
    }
    const response = await this.options.client.kv.put(
      { key: Buffer.from(sigKey(this.options.keys, height, this.options.node)), value: Buffer.from(line) },
      { deadline: Date.now() + this.callTimeoutMs },
    );
    return { revision: Number(response.header.revision) };
  }

  /**
   * Publishes at `P/applied/<node>` that this node has applied every block through revision `revision`
   * (the revisionLast of its newest durable block), so compaction may delete what lies at or below it.
   * Requires every event at or below `revision` that the node still needs (signatures for quorum
   * certificates it has not assembled) to be durably recorded, since a restart watches from
   * revision + 1. Refuses a revision below one already published (`ORDERING_PUBLISH_INVALID`).
   */
  async publishApplied(revision: number): Promise<void> {
    if (!Number.isSafeInteger(revision) || revision < 0 || revision < this.appliedPublished) {
      throw new OrderingError(OrderingErrorCode.publishInvalid, `applied revision ${revision} below ${this.appliedPublished} or not whole`);
    }
    this.appliedPublished = revision;
    await this.options.client.kv.put(
      { key: Buffer.from(appliedKey(this.options.keys, this.options.node)), value: Buffer.from(String(revision)) },
      { deadline: Date.now() + this.callTimeoutMs },
    );
  }

  /** Stops watching and proposing, puts what the batcher holds, and resolves when all is settled. */
  async stop(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      await this.batcher.close();
      this.resolveDone();
      return;
    }
    if (this.state === 'running') {
      this.state = 'stopping';
      clearTimeout(this.cutTimer);
      await this.watcher?.close();
    }
    await this.done.catch(() => undefined);
  }

  private async finish(error: unknown): Promise<void> {
    this.state = 'stopping';
    clearTimeout(this.cutTimer);
    await this.watcher?.close();
    await this.proposal;
    await this.batcher.close();
    this.state = 'stopped';
    if (error === undefined) this.resolveDone();
    else this.rejectDone(error);
  }

  private async run(): Promise<void> {
    const { options } = this;
    // A node past genesis needs every event after its last block's revisionLast (see BlockAssembler).
    const startRevision =
      options.start.heightLast === 0 ? await genesisWatchRevision(options.client, options.keys, this.callTimeoutMs) : options.start.revisionLast + 1;
    if (this.state !== 'running') return;
    const watcher = new LogWatcher<T>({
      client: options.client,
      keys: options.keys,
      startRevision,
      ...(options.decodeItems === undefined ? {} : { decodeItems: options.decodeItems }),
      ...(options.bufferedEventsMax === undefined ? {} : { bufferedEventsMax: options.bufferedEventsMax }),
      ...(options.onSkipped === undefined ? {} : { onSkipped: options.onSkipped }),
    });
    this.watcher = watcher;
    watcher.start();
    this.evaluate();
    // One event per round; ends when the watcher closes or fails.
    for (;;) {
      const result = await watcher.next();
      if (result.done || this.state !== 'running') return;
      await this.handle(result.value);
      this.evaluate();
    }
  }

  private async handle(event: OrderingEvent<T>): Promise<void> {
    switch (event.kind) {
      case 'batch':
        this.assembler.push(event);
        this.firstSeenMs.set(event.revision, this.clock());
        return;
      case 'cut': {
        const block = this.assembler.push(event);
        if (block === undefined) return;
        this.decidedHeightThrough = Math.max(this.decidedHeightThrough, block.height);
        for (const batch of block.batches) this.firstSeenMs.delete(batch.revision);
        this.stats.blocksAssembled++;
        for (const handler of [...this.blockHandlers]) await handler(block);
        return;
      }
      case 'signature':
        this.assembler.push(event);
        for (const handler of [...this.signatureHandlers]) await handler(event);
        return;
      default:
        unreachable(event);
    }
  }

  /** Runs the cut rule now and either proposes or sets the timer for when to look again. */
  private evaluate(): void {
    if (this.state !== 'running' || this.proposal !== undefined) return;
    clearTimeout(this.cutTimer);
    this.cutTimer = undefined;
    const nowMs = this.clock();
    const height = this.assembler.heightLast + 1;
    if (height <= this.decidedHeightThrough) return; // the watch will deliver that cut, then we look again
    // A batcher never puts an empty batch, so a block spans at most blockTxCountMax batches and a longer
    // prefix cannot change the decision; the scan stays bounded however far cuts lag. (Empty batches
    // from elsewhere only shorten the view, which is as valid as the view of a node that lags.)
    const openRange: OpenBatch[] = this.assembler
      .pendingBatches(this.options.limits.blockTxCountMax + 1)
      .map((batch) => ({ ...batch, firstSeenMs: this.firstSeenMs.get(batch.revision) ?? nowMs }));
    const decision = decideCut(openRange, this.options.limits, nowMs);
    if (decision.kind === 'wait') {
      if (decision.wakeAtMs !== undefined) this.wakeAt(decision.wakeAtMs, nowMs);
      return;
    }
    if (this.dueHeight !== height) {
      this.dueHeight = height;
      this.dueSinceMs = nowMs;
    }
    const { nodes, node } = this.options;
    const preferred = nodes[(height - 1) % nodes.length] === node;
    const proposeAtMs = Math.max(
      this.proposeNotBeforeMs,
      preferred ? this.dueSinceMs : this.dueSinceMs + (this.options.proposerBackupDelayMs ?? proposerBackupDelayMsDefault),
    );
    if (nowMs < proposeAtMs) {
      this.wakeAt(proposeAtMs, nowMs);
      return;
    }
    const cut: CutRecord = { height, revisionLast: decision.revisionLast, proposalTimeMs: nowMs, proposer: node };
    this.proposal = this.propose(cut).finally(() => {
      this.proposal = undefined;
      this.evaluate();
    });
  }

  private async propose(cut: CutRecord): Promise<void> {
    let result: CutProposalResult;
    try {
      result = await proposeCut(this.options.client, this.options.keys, cut, { timeoutMs: this.callTimeoutMs });
    } catch (error) {
      // Outcome unknown: propose again later; a repeat of a proposal that had won reports won.
      this.stats.proposalErrors++;
      this.proposeNotBeforeMs = this.clock() + (this.options.proposeRetryDelayMs ?? proposeRetryDelayMsDefault);
      this.options.onProposalError?.(cut.height, error);
      return;
    }
    if (result.won) this.stats.proposalsWon++;
    else this.stats.proposalsLost++;
    // Won or lost, a cut at this height now exists; wait for it on the watch rather than guess.
    this.decidedHeightThrough = Math.max(this.decidedHeightThrough, cut.height);
  }

  private wakeAt(atMs: number, nowMs: number): void {
    clearTimeout(this.cutTimer);
    this.cutTimer = setTimeout(() => this.evaluate(), Math.max(0, atMs - nowMs));
  }
}
