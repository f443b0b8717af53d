/**
 * The ledger node (docs/ledger.md, "A node's life"): opens and recovers its chain, follows the ordering
 * log, applies each ordered block (execute, build, append + fsync, commit, sign, publish the signature),
 * assembles quorum certificates, answers receipts once a block has its QC, publishes its applied
 * revision and compacts the log, and catches up from peers when the log no longer holds what it needs.
 */
import { Etcd3 } from 'etcd3';
import { blockHash } from '../chain/block.js';
import { createSodiumVerifier } from '../chain/ed25519-sodium.js';
import { parseCheckpoint } from '../chain/checkpoint.js';
import { MerkleFrontier } from '../chain/merkle/frontier.js';
import { nodeTreeHasher } from '../chain/merkle/hash-node.js';
import { verifyQuorumCertificate } from '../chain/quorum.js';
import { createStandardRegistry } from '../contracts/standard.js';
import type { ContractRegistry } from '../contracts/registry.js';
import { checkBlockRecord, type BlockRecord } from '../execution/build-block.js';
import { compactOrderingLog } from '../ordering/compaction.js';
import { LogCompactedError, OrderingBackpressureError, OrderingError } from '../ordering/errors.js';
import { appliedKey, orderingKeys, orderingPrefix, prefixRangeEnd, sigKey, type OrderingKeys } from '../ordering/keys.js';
import { orderingLimitsDefault, type OrderingLimits } from '../ordering/limits.js';
import { Sequencer } from '../ordering/sequencer.js';
import type { OrderedBlock, SignatureEvent } from '../ordering/types.js';
import { loadConsortium, loadMemberKeys, type LoadedConsortium, type MemberKeys } from './bootstrap.js';
import { lockDataFolder, type DataFolderLock } from './data-lock.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { HeightWatch } from './height-watch.js';
import { invariant, NodeInvariantError } from './invariant.js';
import { LocalChain, type AppliedBlockResult } from './local-chain.js';
import { NodeMetrics } from './metrics.js';
import { fetchBlockFromPeers, fetchPeerStatus, type Peer } from './peer-client.js';
import { QuorumCollector, type QuorumOutcome } from './qc-collector.js';
import { ReceiptWaiters, type SettledReceipt } from './receipt-waiters.js';
import { asDuplicate, receiptOf, type Receipt } from './receipts.js';
import { createRememberingVerifier, type RememberingVerifier } from './remembering-verifier.js';
import { checkSubmission } from './submission.js';

export interface LedgerNodeOptions {
  readonly name: string;
  readonly consortiumDir: string;
  readonly dataDir: string;
  readonly etcdEndpoints: readonly string[];
  /** The other members' nodes. */
  readonly peers: readonly Peer[];
  /** Ordering limits; every member must use the same block limits. Default `orderingLimitsDefault`. */
  readonly limits?: OrderingLimits;
  /** One line per notable event (recovery, fork, catch-up); default stderr. */
  readonly log?: (line: string) => void;
  /** Most clients' transactions waited for at once. Default 65,536. */
  readonly waitersMax?: number;
  /** Most status requests parked at once waiting for a higher QC height (`statusAbove`). Default 1,024. */
  readonly statusWaitersMax?: number;
  /** How often the applied revision is published, in ms. Default 500. */
  readonly appliedPublishIntervalMs?: number;
  /** How often this node compacts the log, in ms. Default 5,000. */
  readonly compactionIntervalMs?: number;
  /** Deadline of one peer request, in ms. Default 5,000. */
  readonly peerTimeoutMs?: number;
  /** Collect process-wide default metrics in this node's registry. Default false. */
  readonly defaultMetrics?: boolean;
  /** Called when the node stops applying blocks on an error it cannot recover from (the process should exit). */
  readonly onFatal?: (error: unknown) => void;
}

export type SubmitAnswer =
  | { readonly status: 200; readonly body: SettledReceipt }
  | { readonly status: 202; readonly body: { readonly txId: string; readonly status: 'pending' } };

export interface Alarm {
  readonly code: 'FORK' | 'STOPPED' | 'CATCH_UP';
  readonly message: string;
  readonly height?: number;
}

export interface NodeStatus {
  readonly node: string;
  readonly height: number;
  readonly qcHeight: number;
  readonly appliedRevision: number;
  readonly treeSize: number;
  readonly blockHash: string | null;
  readonly etcd: { readonly reachable: boolean };
  readonly peers: readonly { readonly name: string; readonly url: string; readonly height?: number; readonly reachable: boolean }[];
  readonly alarms: readonly Alarm[];
}

const heightsBufferedMax = 1_024;
const catchUpAttemptsMax = 120;
const catchUpRetryMs = 500;
const signatureRetriesMax = 5;
const verifierEntriesMax = 65_536;
const pendingMsMax = 300_000;
const startupSignatureHeightsMax = 4_096;
/** How often the node checks that etcd still has a quorum, and how long one check may take. */
const etcdProbeIntervalMs = 1_000;
const etcdProbeTimeoutMs = 1_500;

export class LedgerNode {
  readonly name: string;
  readonly metrics: NodeMetrics;
  readonly consortium: LoadedConsortium;
  readonly registry: ContractRegistry;
  private readonly keys: OrderingKeys;
  private readonly etcd: Etcd3;
  private readonly collector: QuorumCollector;
  private readonly waiters: ReceiptWaiters;
  /** Status long polls parked until the QC height passes theirs; moved where the QC height moves. */
  private readonly qcHeightWatch: HeightWatch;
  private readonly limits: OrderingLimits;
  private readonly log: (line: string) => void;
  private readonly alarms: Alarm[] = [];
  private readonly peerStatus = new Map<string, { height?: number; reachable: boolean }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private sequencer: Sequencer<unknown> | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private halted = false;
  private etcdReachable = true;
  private probingEtcd = false;
  private appliedPublished = 0;
  private compacting = false;
  /** revisionLast of recent blocks, for the applied revision of the QC height; pruned below it. */
  private readonly revisionLastByHeight = new Map<number, number>();

  private constructor(
    readonly options: LedgerNodeOptions,
    readonly chain: LocalChain,
    private readonly lock: DataFolderLock,
    consortium: LoadedConsortium,
    private readonly memberKeys: MemberKeys,
    /** The verifier the chain executes with too, so a signature checked at submit is not checked again in the block. */
    readonly verifier: RememberingVerifier,
  ) {
    this.name = options.name;
    this.consortium = consortium;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.limits = options.limits ?? orderingLimitsDefault;
    this.metrics = new NodeMetrics(options.name, options.defaultMetrics ?? false);
    this.registry = createStandardRegistry();
    this.keys = orderingKeys(orderingPrefix(consortium.genesis.origin));
    this.etcd = new Etcd3({ hosts: [...options.etcdEndpoints] });
    this.collector = new QuorumCollector({ consortium: consortium.consortium, verifier: this.verifier, heightsAheadMax: heightsBufferedMax });
    this.collector.closeThrough(chain.qcs.contiguousHeight);
    this.waiters = new ReceiptWaiters({ waitersMax: options.waitersMax ?? 65_536, pendingMsMax });
    this.qcHeightWatch = new HeightWatch(options.statusWaitersMax ?? 1_024);
    for (const peer of options.peers) this.peerStatus.set(peer.name, { reachable: false });
  }

  /**
   * Opens the node on its data folder, recovers it, and starts following the log. Requires a member
   * name of the consortium in `consortiumDir` and a data folder no other node holds; throws
   * DataFolderLockedError, ConsortiumSetupError, or the stores' errors for unusable data.
   */
  static async open(options: LedgerNodeOptions): Promise<LedgerNode> {
    const consortium = loadConsortium(options.consortiumDir);
    const memberKeys = loadMemberKeys(consortium, options.name);
    const lock = lockDataFolder(options.dataDir);
    const verifier = createRememberingVerifier(createSodiumVerifier(), verifierEntriesMax);
    let chain: LocalChain;
    try {
      chain = LocalChain.open({
        dataDir: options.dataDir,
        genesis: consortium.genesis,
        registry: createStandardRegistry(),
        verifier,
        nodeKey: memberKeys.nodeKey,
      });
    } catch (error) {
      lock.release();
      throw error;
    }
    const node = new LedgerNode(options, chain, lock, consortium, memberKeys, verifier);
    try {
      await node.recover();
      node.start();
    } catch (error) {
      await node.close();
      throw error;
    }
    return node;
  }

  /** The organisation key of this member (for tools and tests that sign as the member). */
  get organization(): MemberKeys {
    return this.memberKeys;
  }

  get height(): number {
    return this.chain.height;
  }

  get qcHeight(): number {
    return this.chain.qcs.contiguousHeight;
  }

  status(): NodeStatus {
    const head = this.chain.head;
    return {
      node: this.name,
      height: this.chain.height,
      qcHeight: this.qcHeight,
      appliedRevision: head?.revisionLast ?? 0,
      treeSize: this.chain.tree.treeSize,
      blockHash: head === null ? null : blockHash(head),
      etcd: { reachable: this.etcdReachable },
      peers: this.options.peers.map((peer) => ({ name: peer.name, url: peer.url, ...this.peerStatus.get(peer.name), reachable: this.peerStatus.get(peer.name)?.reachable ?? false })),
      alarms: [...this.alarms],
    };
  }

  /**
   * The status once the QC height is above `qcHeightAbove` (at once if it already is), or after
   * `waitMs` with the QC height unchanged: the caller compares `qcHeight`. When `signal` aborts (the
   * client left) the wait ends and its place is freed. Throws ApiError 503 BACKPRESSURE when
   * `statusWaitersMax` requests already wait, and 503 UNAVAILABLE when the node closes meanwhile.
   */
  async statusAbove(qcHeightAbove: number, waitMs: number, signal?: AbortSignal): Promise<NodeStatus> {
    const waiting = this.qcHeightWatch.wait(qcHeightAbove, this.qcHeight, waitMs, signal);
    if (waiting === undefined) throw new ApiError(503, ApiErrorCode.backpressure, 'too many status requests are waiting for a higher QC height; retry later', 1);
    if ((await waiting) === 'closed') throw new ApiError(503, ApiErrorCode.unavailable, 'the node is shutting down', 1);
    return this.status();
  }

  /**
   * Checks and submits a transaction, then waits up to `waitMs` for its receipt. Throws ApiError for bad
   * input (400) and for BACKPRESSURE / UNAVAILABLE (503).
   */
  async submit(body: Uint8Array, waitMs: number): Promise<SubmitAnswer> {
    const startMs = Date.now();
    let checked;
    try {
      checked = checkSubmission(body, { verifier: this.verifier, registry: this.registry, parameters: this.consortium.genesis.parameters, nowMs: startMs });
    } catch (error: unknown) {
      if (error instanceof ApiError) this.metrics.rejections.inc({ code: error.code });
      throw error;
    }
    const { txId } = checked;
    const location = this.chain.state.transactionLocation(txId);
    if (location !== undefined) {
      const receipt = this.receiptAt(location.height, location.position, txId);
      if (location.height <= this.qcHeight) return { status: 200, body: asDuplicate(receipt) };
      const joined = this.joinWaiter(txId, startMs);
      if (joined.created) this.waiters.learn(txId, receipt, true, this.qcHeight);
      return this.awaitReceipt(txId, joined.settled, waitMs - (Date.now() - startMs));
    }
    const sequencer = this.sequencer;
    if (sequencer === undefined || this.halted) throw new ApiError(503, ApiErrorCode.unavailable, 'this node is not following the log', 1);
    const joined = this.joinWaiter(txId, startMs);
    if (joined.created) {
      this.metrics.submissions.inc();
      try {
        await sequencer.submit(checked.signed, checked.sizeBytes);
      } catch (error: unknown) {
        this.waiters.abandon(txId);
        if (error instanceof OrderingBackpressureError) {
          this.metrics.rejections.inc({ code: ApiErrorCode.backpressure });
          throw new ApiError(503, ApiErrorCode.backpressure, 'the submission queue is full; retry later', 1);
        }
        if (error instanceof OrderingError) {
          this.metrics.etcdErrors.inc({ operation: 'submit' });
          this.metrics.rejections.inc({ code: ApiErrorCode.unavailable });
          throw new ApiError(503, ApiErrorCode.unavailable, 'the ordering log did not take the transaction; retry later', 1);
        }
        throw error;
      }
    }
    return this.awaitReceipt(txId, joined.settled, waitMs - (Date.now() - startMs));
  }

  /** 200 receipt, 202 pending (held in flight), or undefined (unknown here). */
  receipt(txId: string): { status: 200; body: Receipt } | { status: 202; body: { txId: string; status: 'pending' } } | undefined {
    const location = this.chain.state.transactionLocation(txId);
    if (location !== undefined && location.height <= this.qcHeight) return { status: 200, body: this.receiptAt(location.height, location.position, txId) };
    if (location !== undefined || this.waiters.has(txId)) return { status: 202, body: { txId, status: 'pending' } };
    return undefined;
  }

  /** The receipt, leaf and events of a committed transaction, or undefined. */
  transaction(txId: string): { receipt: Receipt; leaf: { tx: unknown; outcome: unknown }; events: readonly unknown[] } | undefined {
    const location = this.chain.state.transactionLocation(txId);
    if (location === undefined) return undefined;
    const record = this.chain.record(location.height);
    const entry = record?.entries[location.position];
    invariant(record !== undefined && entry !== undefined, `transaction ${txId} indexed at a block entry the store does not hold`);
    return { receipt: this.receiptAt(location.height, location.position, txId), leaf: { tx: entry.tx, outcome: entry.outcome }, events: entry.events };
  }

  /** Every block's QC note this node stored, by height. */
  qc(height: number): string | undefined {
    return this.chain.qcs.get(height);
  }

  /** Stops following the log after the current block, closes the stores and releases the folder. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Parked status requests are answered now rather than holding close() until their deadlines.
    this.qcHeightWatch.close();
    for (const timer of this.timers) clearInterval(timer);
    await this.sequencer?.stop();
    await this.running?.catch(() => undefined);
    this.etcd.close();
    await this.chain.close();
    this.lock.release();
  }

  private joinWaiter(txId: string, nowMs: number): { settled: Promise<SettledReceipt>; created: boolean } {
    const joined = this.waiters.join(txId, nowMs);
    if (joined === undefined) {
      this.metrics.rejections.inc({ code: ApiErrorCode.backpressure });
      throw new ApiError(503, ApiErrorCode.backpressure, 'too many transactions are awaiting receipts; retry later', 1);
    }
    return joined;
  }

  private async awaitReceipt(txId: string, settled: Promise<SettledReceipt>, waitMs: number): Promise<SubmitAnswer> {
    const pendingAnswer: SubmitAnswer = { status: 202, body: { txId, status: 'pending' } };
    if (waitMs <= 0) return pendingAnswer;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SubmitAnswer>((resolve) => {
      timer = setTimeout(() => resolve(pendingAnswer), waitMs);
    });
    try {
      return await Promise.race([settled.then((receipt): SubmitAnswer => ({ status: 200, body: receipt })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private receiptAt(height: number, position: number, txId: string): Receipt {
    const record = this.chain.record(height);
    const entry = record?.entries[position];
    invariant(record !== undefined && entry !== undefined, `transaction ${txId} indexed at block ${height} entry ${position}, which the store does not hold`);
    return receiptOf(record.header, blockHash(record.header), txId, position, entry.outcome);
  }

  // ---- recovery ----

  private async recover(): Promise<void> {
    const { chain } = this;
    if (chain.recovery.status === 'truncated') {
      this.log(`${this.name}: block store tail repaired (${chain.recovery.reason}: ${chain.recovery.detail}); block ${chain.recovery.heightDropped} dropped`);
    }
    // A crash between the block's fsync and the state's commit: re-execute from the store.
    for (let height = chain.state.appliedHeight + 1; height <= chain.blocks.heightLast; height++) {
      const record = chain.record(height);
      invariant(record !== undefined, `block ${height} unreadable`);
      const applied = chain.applyBlock(inputOfRecord(record), true);
      invariant(applied.built.hash === blockHash(record.header), `re-executed block ${height} differs from the stored one`);
      this.log(`${this.name}: re-executed stored block ${height}`);
    }
    // A block the state has but the store lost (a repaired torn tail): fetch it from a peer.
    for (let height = chain.blocks.heightLast + 1; height <= chain.state.appliedHeight; height++) {
      const fetched = await this.fetchVerified(height);
      if (fetched === undefined) throw new NodeStartError(`block ${height} was lost from the block store and no peer has it with a QC`);
      const expected = height === chain.state.appliedHeight ? chain.state.applied?.blockHashHex : undefined;
      invariant(expected === undefined || expected === fetched.hash, `peer block ${height} differs from the state's hash`);
      chain.appendStoredOnly(fetched.record);
      chain.qcs.put(height, fetched.qc);
      this.log(`${this.name}: block ${height} restored from ${fetched.peer}`);
    }
    // Republish and re-collect signatures of blocks without a stored QC (bounded).
    const firstOpen = Math.max(this.qcHeight + 1, chain.height - startupSignatureHeightsMax + 1);
    for (let height = firstOpen; height <= chain.height; height++) {
      const record = chain.record(height);
      invariant(record !== undefined, `block ${height} unreadable`);
      this.revisionLastByHeight.set(height, record.header.revisionLast);
      if (chain.qcs.has(height)) continue;
      const signed = chain.signCheckpoint(record.header, blockHash(record.header));
      this.handleQuorum(this.collector.setOwn(height, signed.checkpointBody, this.name, signed.signatureLine));
      this.publishSignature(height, signed.signatureLine, 0);
    }
    if (firstOpen <= chain.height) await this.readStoredSignatures(firstOpen, chain.height);
    if (chain.height === 0 && (await this.genesisLogCompacted())) await this.catchUp('the log no longer holds block 1');
  }

  /** Signature lines already in etcd for heights first..last (those a restart's watch will not deliver). */
  private async readStoredSignatures(first: number, last: number): Promise<void> {
    const sigPrefix = this.keys.sigPrefix;
    try {
      const response = await this.etcd.kv.range(
        { key: Buffer.from(`${sigPrefix}${String(first).padStart(12, '0')}`), range_end: Buffer.from(`${sigPrefix}${String(last + 1).padStart(12, '0')}`) },
        { deadline: Date.now() + 10_000 },
      );
      for (const kv of response.kvs) {
        const [heightText, node] = Buffer.from(kv.key).toString('utf8').slice(sigPrefix.length).split('/');
        if (heightText === undefined || node === undefined) continue;
        this.handleQuorum(this.collector.addLine(Number(heightText), node, Buffer.from(kv.value).toString('utf8')));
      }
    } catch {
      this.metrics.etcdErrors.inc({ operation: 'range' });
    }
  }

  /** True when the log holds cuts but not cut 1: a node starting empty must catch up from a peer. */
  private async genesisLogCompacted(): Promise<boolean> {
    const response = await this.etcd.kv.range(
      { key: Buffer.from(this.keys.cutPrefix), range_end: Buffer.from(prefixRangeEnd(this.keys.cutPrefix)), limit: 1, keys_only: true },
      { deadline: Date.now() + 10_000 },
    );
    const first = response.kvs[0];
    if (first === undefined) return false;
    return Number(Buffer.from(first.key).toString('utf8').slice(this.keys.cutPrefix.length)) > 1;
  }

  /** Block `height` from a peer, with its QC checked against the consortium and its record against this chain. */
  private async fetchVerified(height: number): Promise<{ peer: string; hash: string; record: BlockRecord; qc: string } | undefined> {
    const fetched = await fetchBlockFromPeers(this.options.peers, height, this.options.peerTimeoutMs ?? 5_000, (peer, reason) =>
      this.log(`${this.name}: peer ${peer} block ${height}: ${reason}`),
    );
    if (fetched === undefined) return undefined;
    const qc = verifyQuorumCertificate(fetched.qc, this.consortium.consortium, this.verifier);
    const hash = blockHash(fetched.record.header);
    if (!qc.ok || qc.checkpoint.blockHeight !== height || Buffer.from(qc.checkpoint.blockHash).toString('hex') !== hash) {
      this.log(`${this.name}: peer ${fetched.peer} block ${height} has no valid QC for its record`);
      return undefined;
    }
    const previousHeight = height - 1;
    const previous = previousHeight === 0 ? null : this.chain.record(previousHeight)?.header ?? null;
    if (previousHeight > 0 && previous === null) return undefined;
    const frontier = previous === null ? new MerkleFrontier(nodeTreeHasher) : this.chain.tree.frontier(previous.treeSize);
    const check = checkBlockRecord({ record: fetched.record, previous, genesis: this.consortium.genesis, frontier, hasher: nodeTreeHasher });
    if (!check.ok) {
      this.log(`${this.name}: peer ${fetched.peer} block ${height} refused: ${check.code} ${check.reason}`);
      return undefined;
    }
    return { peer: fetched.peer, hash, record: fetched.record, qc: fetched.qc };
  }

  /** Fetches, checks and re-executes blocks from peers until none has the next one with a QC. */
  private async catchUp(why: string): Promise<void> {
    this.log(`${this.name}: catching up from peers at height ${this.chain.height}: ${why}`);
    for (let attempt = 0; attempt < catchUpAttemptsMax && !this.stopping; attempt++) {
      let progressed = false;
      for (;;) {
        if (this.stopping) return;
        const height = this.chain.height + 1;
        const fetched = await this.fetchVerified(height);
        if (fetched === undefined) break;
        const applied = this.chain.applyBlock(inputOfRecord(fetched.record));
        invariant(applied.built.hash === fetched.hash, `block ${height} re-executed to ${applied.built.hash}, the QC says ${fetched.hash}`);
        this.chain.qcs.put(height, fetched.qc);
        this.qcHeightWatch.advance(this.qcHeight);
        this.afterApplied(applied);
        progressed = true;
      }
      if (progressed || this.chain.height > 0) {
        this.collector.closeThrough(this.qcHeight);
        this.log(`${this.name}: caught up to height ${this.chain.height}`);
        return;
      }
      await delay(catchUpRetryMs);
    }
    throw new NodeStartError(`no peer could supply block ${this.chain.height + 1}`);
  }

  // ---- following the log ----

  private start(): void {
    this.running = this.follow().catch((error: unknown) => this.stopOnError(error));
    const publishEveryMs = this.options.appliedPublishIntervalMs ?? 500;
    this.timers.push(setInterval(() => void this.publishApplied(), publishEveryMs));
    this.timers.push(setInterval(() => void this.compact(), this.options.compactionIntervalMs ?? 5_000));
    this.timers.push(setInterval(() => void this.pollPeers(), 2_000));
    this.timers.push(setInterval(() => void this.probeEtcd(), etcdProbeIntervalMs));
    this.timers.push(setInterval(() => this.waiters.expire(Date.now()), 10_000));
    for (const timer of this.timers) timer.unref();
  }

  private async follow(): Promise<void> {
    for (let attempt = 0; attempt < catchUpAttemptsMax && !this.stopping && !this.halted; attempt++) {
      const head = this.chain.head;
      const sequencer = new Sequencer<unknown>({
        client: this.etcd,
        keys: this.keys,
        node: this.name,
        nodes: this.consortium.genesis.members.map((member) => member.name),
        limits: this.limits,
        start: { heightLast: head?.height ?? 0, revisionLast: head?.revisionLast ?? 0 },
        onProposalError: () => this.metrics.etcdErrors.inc({ operation: 'propose' }),
      });
      sequencer.onBlock((block) => this.onBlock(block));
      sequencer.onSignature((event) => this.onSignature(event));
      this.sequencer = sequencer;
      sequencer.start();
      try {
        await sequencer.done;
        return;
      } catch (error: unknown) {
        this.sequencer = undefined;
        if (!(error instanceof LogCompactedError)) throw error;
        await this.catchUp(error.message);
      }
    }
  }

  private onBlock(block: OrderedBlock<unknown>): void {
    if (this.halted || this.stopping) return;
    const transactions: unknown[] = [];
    for (const batch of block.batches) for (const item of batch.items) transactions.push(item);
    const applied = this.chain.applyBlock({
      height: block.height,
      revisionFirst: block.revisionFirst,
      revisionLast: block.revisionLast,
      proposalTimeMs: block.proposalTimeMs,
      transactions,
    });
    this.afterApplied(applied);
    this.publishSignature(block.height, applied.signatureLine, 0);
    this.handleQuorum(this.collector.setOwn(block.height, applied.checkpointBody, this.name, applied.signatureLine));
  }

  /** Metrics and receipts for a block just committed. */
  private afterApplied(applied: AppliedBlockResult): void {
    const { built, execution } = applied;
    const height = built.header.height;
    this.metrics.blockExecutionSeconds.observe(applied.executionMs / 1000);
    this.metrics.blockCommitSeconds.observe(applied.commitMs / 1000);
    this.metrics.committedTransactions.inc(built.header.txCount);
    this.metrics.blockHeight.set(height);
    this.revisionLastByHeight.set(height, built.header.revisionLast);
    const qcHeight = this.qcHeight;
    execution.leaves.forEach((leaf, position) => {
      if (this.waiters.has(leaf.txId)) this.waiters.learn(leaf.txId, receiptOf(built.header, built.hash, leaf.txId, position, leaf.leaf.outcome), false, qcHeight);
    });
    for (const skipped of execution.skipped) {
      if (skipped.code !== 'DUPLICATE' || skipped.txId === undefined || !this.waiters.has(skipped.txId)) continue;
      const location = this.chain.state.transactionLocation(skipped.txId);
      if (location !== undefined) this.waiters.learn(skipped.txId, this.receiptAt(location.height, location.position, skipped.txId), true, qcHeight);
    }
  }

  private onSignature(event: SignatureEvent): void {
    if (event.node === this.name) return;
    this.handleQuorum(this.collector.addLine(event.height, event.node, event.line));
  }

  private handleQuorum(outcome: QuorumOutcome): void {
    switch (outcome.kind) {
      case 'pending':
        return;
      case 'qc': {
        const checkpoint = parseCheckpoint(outcome.note.slice(0, outcome.note.indexOf('\n\n') + 1));
        invariant(checkpoint.blockHeight === outcome.height, `QC for ${checkpoint.blockHeight} collected at ${outcome.height}`);
        const qcHeightBefore = this.qcHeight;
        this.chain.qcs.put(outcome.height, outcome.note);
        const qcHeight = this.qcHeight;
        this.metrics.qcHeight.set(qcHeight);
        this.collector.closeThrough(qcHeight);
        for (let height = qcHeightBefore + 1; height <= qcHeight; height++) this.waiters.certified(height);
        this.qcHeightWatch.advance(qcHeight);
        // publishApplied reads the entry at the durable QC height, which trails the QC height a little.
        const durableHeight = this.chain.qcs.durableHeight;
        for (const height of this.revisionLastByHeight.keys()) if (height < durableHeight) this.revisionLastByHeight.delete(height);
        return;
      }
      case 'fork': {
        const message = `a majority (${outcome.disagreeing.join(', ')}) signed a checkpoint for block ${outcome.height} other than this node's`;
        this.halt({ code: 'FORK', message, height: outcome.height });
        return;
      }
    }
  }

  private halt(alarm: Alarm): void {
    if (this.halted) return;
    this.halted = true;
    this.alarms.push(alarm);
    this.log(`twinledger-ledger-node ALARM ${alarm.code} ${this.name}${alarm.height === undefined ? '' : ` height ${alarm.height}`}: ${alarm.message}`);
    void this.sequencer?.stop();
  }

  private stopOnError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.halt({ code: 'STOPPED', message: `the node stopped applying blocks: ${message}` });
    this.options.onFatal?.(error);
  }

  private publishSignature(height: number, line: string, attempt: number): void {
    if (this.stopping) return;
    // Straight to etcd rather than through the sequencer: recovery republishes before the sequencer exists.
    const key = Buffer.from(sigKey(this.keys, height, this.name));
    this.etcd.kv.put({ key, value: Buffer.from(line) }, { deadline: Date.now() + 10_000 }).then(
      () => {
        this.etcdReachable = true;
      },
      () => {
        this.etcdReachable = false;
        this.metrics.etcdErrors.inc({ operation: 'signature' });
        if (attempt + 1 < signatureRetriesMax) setTimeout(() => this.publishSignature(height, line, attempt + 1), 200 * (attempt + 1)).unref();
      },
    );
  }

  /**
   * Publishes the revision through which this node needs nothing more from the log: that of the newest
   * block whose QC, and every earlier one, is on disk. Compaction then deletes the signatures, so a QC
   * still being flushed must not be covered.
   */
  private async publishApplied(): Promise<void> {
    const revision = this.revisionLastByHeight.get(this.chain.qcs.durableHeight);
    const sequencer = this.sequencer;
    if (revision === undefined || sequencer === undefined || revision <= this.appliedPublished || this.stopping) return;
    try {
      await sequencer.publishApplied(revision);
      this.appliedPublished = revision;
      this.etcdReachable = true;
    } catch {
      this.etcdReachable = false;
      this.metrics.etcdErrors.inc({ operation: 'applied' });
    }
  }

  private async compact(): Promise<void> {
    if (this.compacting || this.stopping) return;
    this.compacting = true;
    try {
      await compactOrderingLog(this.etcd, this.keys, this.consortium.genesis.members.map((member) => member.name), { deleteKeysMax: 4_096 });
    } catch {
      this.metrics.etcdErrors.inc({ operation: 'compact' });
    } finally {
      this.compacting = false;
    }
  }

  /**
   * A linearizable read needs a quorum, so it fails when etcd has lost one; the writes the node makes are
   * not enough to tell, since a node with nothing to write would report a dead etcd as reachable.
   */
  private async probeEtcd(): Promise<void> {
    if (this.stopping || this.probingEtcd) return;
    this.probingEtcd = true;
    try {
      await this.etcd.kv.range({ key: Buffer.from(appliedKey(this.keys, this.name)) }, { deadline: Date.now() + etcdProbeTimeoutMs });
      this.etcdReachable = true;
    } catch {
      this.etcdReachable = false;
    } finally {
      this.probingEtcd = false;
    }
  }

  private async pollPeers(): Promise<void> {
    await Promise.all(
      this.options.peers.map(async (peer) => {
        const status = await fetchPeerStatus(peer, 1_000);
        this.peerStatus.set(peer.name, status === undefined ? { reachable: false } : { height: status.height, reachable: true });
      }),
    );
  }
}

/** The node cannot start on this data: the message says why. */
export class NodeStartError extends Error {
  override readonly name = 'NodeStartError';
}

export { NodeInvariantError };

function inputOfRecord(record: BlockRecord): { height: number; revisionFirst: number; revisionLast: number; proposalTimeMs: number; transactions: unknown[] } {
  const { header } = record;
  // The record's ledger time is max(proposal, previous time), so proposing it again gives the same time.
  return { height: header.height, revisionFirst: header.revisionFirst, revisionLast: header.revisionLast, proposalTimeMs: header.timeMs, transactions: record.entries.map((entry) => entry.tx) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
