/**
 * Ordering: the etcd submission log, batching, and deterministic block cutting (docs/ledger.md).
 * The cut rule, the assembler, the key layout and the entry decoding are pure; the batcher, proposer,
 * watcher, sequencer and compaction drive them against etcd.
 */
export { OrderingErrorCode, OrderingError, OrderingBackpressureError, LogCompactedError } from './errors.js';
export { OrderingInvariantError } from './invariant.js';
export type { CutRecord, OrderedBatch, OrderedBlock, BatchEvent, CutEvent, SignatureEvent, OrderingEvent } from './types.js';
export {
  orderingLimitsDefault,
  checkOrderingLimits,
  checkBatchLimits,
  checkBlockLimits,
  type BatchLimits,
  type BlockLimits,
  type OrderingLimits,
} from './limits.js';
export {
  heightMax,
  orderingPrefix,
  orderingKeys,
  logKey,
  cutKey,
  sigKey,
  appliedKey,
  prefixRangeEnd,
  parseOrderingKey,
  type OrderingKeys,
  type ParsedOrderingKey,
} from './keys.js';
export { decideCut, type OpenBatch, type CutDecision, type CutReason } from './cut-rule.js';
export { BlockAssembler, type AssemblerStart, type AssemblerOptions, type PendingBatch } from './assembler.js';
export {
  decodeEntry,
  encodeCutRecord,
  decodeCutRecord,
  jsonArrayItems,
  isSignatureLine,
  signatureLineLengthMax,
  type RawEntry,
  type DecodedEntry,
  type ItemsDecoder,
} from './log-entries.js';
export { etcdLogAppender, type LogAppender, type EtcdLogAppenderOptions } from './log-appender.js';
export { SubmissionBatcher, type SubmissionBatcherOptions, type SubmitReceipt } from './batcher.js';
export { proposeCut, type CutProposalResult, type ProposeCutOptions } from './proposer.js';
export { LogWatcher, genesisWatchRevision, type LogWatcherOptions } from './log-watcher.js';
export { Sequencer, type SequencerOptions, type SequencerStats, type BlockHandler, type SignatureHandler } from './sequencer.js';
export { compactOrderingLog, type CompactionOptions, type CompactionResult } from './compaction.js';
