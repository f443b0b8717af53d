/**
 * The node's Prometheus metrics, in a registry of its own so several nodes can live in one process
 * (tests) without sharing counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly submissions: Counter;
  readonly rejections: Counter<'code'>;
  readonly committedTransactions: Counter;
  readonly blockHeight: Gauge;
  readonly qcHeight: Gauge;
  readonly blockExecutionSeconds: Histogram;
  readonly blockCommitSeconds: Histogram;
  readonly etcdErrors: Counter<'operation'>;

  /** `defaultMetrics` adds the process metrics (memory, event loop lag); a process collects them once. */
  constructor(node: string, defaultMetrics: boolean) {
    this.registry.setDefaultLabels({ node });
    const registers = [this.registry];
    this.submissions = new Counter({ name: 'twinledger_submissions_total', help: 'Transactions accepted by the submit API for ordering', registers });
    this.rejections = new Counter({ name: 'twinledger_rejections_total', help: 'Submissions refused by the submit API, by error code', labelNames: ['code'], registers });
    this.committedTransactions = new Counter({ name: 'twinledger_committed_transactions_total', help: 'Leaves committed to this node’s state', registers });
    this.blockHeight = new Gauge({ name: 'twinledger_block_height', help: 'Height of the newest block committed by this node', registers });
    this.qcHeight = new Gauge({ name: 'twinledger_qc_height', help: 'Every block up to this height has a stored quorum certificate', registers });
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    this.blockExecutionSeconds = new Histogram({ name: 'twinledger_block_execution_seconds', help: 'Executing and building one block', buckets, registers });
    this.blockCommitSeconds = new Histogram({ name: 'twinledger_block_commit_seconds', help: 'Appending (fsync) and committing one block', buckets, registers });
    this.etcdErrors = new Counter({ name: 'twinledger_etcd_errors_total', help: 'Failed etcd calls, by operation', labelNames: ['operation'], registers });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
