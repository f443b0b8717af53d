/**
 * Read-your-writes: a mutation answers with the updated entity only once the projector has applied
 * the block its transaction is in. `awaitProjection` polls the `:ProjectionCheckpoint` node with
 * backoff until its height reaches the receipt's height, within a deadline.
 *
 * The checkpoint is read through the driver's `executeQuery` bookmark manager, which chains the reads
 * and writes made through it: a resolver's following read sees at least the graph this wait saw, also
 * on a cluster.
 */
import { numberFromNeo4j, projectionCheckpointId } from '@twinledger/graph-schema';
import { readAutoCommit } from '@twinledger/tools';
import type { Driver } from 'neo4j-driver';
import { pause } from '../pause.js';
import type { HeightNoticeSource } from './height-notices.js';

/** Polling: the first pause, the cap it doubles up to, and the most polls however long the wait. */
export const projectionPollDelayMsFirst = 10;
export const projectionPollDelayMsMax = 250;
export const projectionPollsMax = 10_000;
/** Longest wait a caller may ask for, in milliseconds. */
export const projectionWaitMsMax = 300_000;

export const ProjectionWaitErrorCode = {
  /** The checkpoint did not reach the height in time. Expected: the projector is behind or stopped. */
  behind: 'PROJECTION_BEHIND',
  /** The caller's AbortSignal fired. */
  aborted: 'ABORTED',
} as const;

export type ProjectionWaitErrorCode = (typeof ProjectionWaitErrorCode)[keyof typeof ProjectionWaitErrorCode];

export class ProjectionWaitError extends Error {
  override readonly name = 'ProjectionWaitError';
  constructor(
    readonly code: ProjectionWaitErrorCode,
    /** The height waited for. */
    readonly height: number,
    /** The last checkpoint height read; undefined when no checkpoint was read (none yet, or Neo4j unreachable). */
    readonly heightSeen: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface AwaitProjectionOptions {
  /** How long to wait, in milliseconds; 0 to `projectionWaitMsMax` (0 reads once). */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * The projector's height notices, when the caller listens to them: a pause between reads then ends
   * as soon as a notice reaches the height, and the polls back off to `projectionPollDelayMsMax` at
   * once, only as a fallback for a notice that never comes.
   */
  readonly notices?: HeightNoticeSource;
}

/** Reads the projected height: undefined when there is no checkpoint yet (migrations not applied). */
export type ProjectedHeightReader = () => Promise<number | undefined>;

/** The projected height in `driver`'s graph, or undefined when there is no checkpoint. */
export function checkpointHeightReader(driver: Driver): ProjectedHeightReader {
  return async () => {
    const result = await readAutoCommit(driver, 'MATCH (c:ProjectionCheckpoint {id: $id}) RETURN c.height AS height', { id: projectionCheckpointId });
    const record = result.records[0];
    return record === undefined ? undefined : numberFromNeo4j(record.get('height'), 'checkpoint height');
  };
}

/**
 * `read` shared by concurrent callers: while one read is in flight, every other caller gets its answer
 * instead of sending its own query. A read that began before a caller asked can only answer a lower
 * height than one begun after, so a waiter at worst polls once more; it never sees a height the graph
 * has not reached.
 */
export function coalescedHeightReader(read: ProjectedHeightReader): ProjectedHeightReader {
  let inFlight: Promise<number | undefined> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/**
 * One shared checkpoint reader per driver: a server answering many mutations at once would otherwise
 * send one checkpoint query per waiting mutation per poll, and those queries, not the projection,
 * become what the mutations wait on.
 */
const sharedReaders = new WeakMap<Driver, ProjectedHeightReader>();

/**
 * Resolves to the checkpoint height once it is at least `height`. Requires an integer height ≥ 1 (a
 * receipt's) and a timeout in range (RangeError otherwise). Throws ProjectionWaitError
 * PROJECTION_BEHIND when the deadline passes first, ABORTED when `signal` fires. A failed read (Neo4j
 * unreachable) counts as "not yet" and is retried until the deadline.
 */
export async function awaitProjection(driver: Driver, height: number, options: AwaitProjectionOptions): Promise<number> {
  let reader = sharedReaders.get(driver);
  if (reader === undefined) {
    reader = coalescedHeightReader(checkpointHeightReader(driver));
    sharedReaders.set(driver, reader);
  }
  return awaitProjectedHeight(reader, height, options);
}

/** `awaitProjection` over any reader of the projected height; the same contract. */
export async function awaitProjectedHeight(read: ProjectedHeightReader, height: number, options: AwaitProjectionOptions): Promise<number> {
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError('a height to wait for is an integer of at least 1');
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 0 || options.timeoutMs > projectionWaitMsMax) {
    throw new RangeError(`timeoutMs must be an integer from 0 to ${projectionWaitMsMax}`);
  }
  const { signal, notices } = options;
  const deadlineMs = performance.now() + options.timeoutMs;
  let delayMs = notices === undefined ? projectionPollDelayMsFirst : projectionPollDelayMsMax;
  let heightSeen: number | undefined;
  let lastReadError = '';
  for (let poll = 0; poll < projectionPollsMax; poll++) {
    if (signal?.aborted === true) throw new ProjectionWaitError(ProjectionWaitErrorCode.aborted, height, heightSeen, `aborted waiting for the projection to reach height ${height}`);
    // A notice that already claimed this height before a read that then fell short came from another
    // graph or raced the read: the next pause is a plain one, so such a notice cannot make a busy loop.
    const noticeClaimedHeight = notices !== undefined && notices.height >= height;
    try {
      heightSeen = await read();
      lastReadError = '';
      if (heightSeen !== undefined && heightSeen >= height) return heightSeen;
    } catch (error: unknown) {
      lastReadError = error instanceof Error ? error.message : String(error);
    }
    const remainingMs = deadlineMs - performance.now();
    if (remainingMs <= 0) break;
    // Whole milliseconds, rounded up: timers run on whole milliseconds, and a fractional remainder
    // rounded down would end the pause just before the deadline and cost a read, or several.
    const pauseMs = Math.ceil(Math.min(delayMs, remainingMs));
    await (notices === undefined || noticeClaimedHeight ? pause(pauseMs, signal) : notices.wait(height, pauseMs, signal));
    delayMs = Math.min(delayMs * 2, projectionPollDelayMsMax);
  }
  if (signal?.aborted === true) throw new ProjectionWaitError(ProjectionWaitErrorCode.aborted, height, heightSeen, `aborted waiting for the projection to reach height ${height}`);
  const seen = heightSeen === undefined ? 'no checkpoint read' : `the checkpoint is at ${heightSeen}`;
  throw new ProjectionWaitError(
    ProjectionWaitErrorCode.behind,
    height,
    heightSeen,
    `the projection did not reach height ${height} within ${options.timeoutMs} ms: ${seen}${lastReadError === '' ? '' : `; last read failed: ${lastReadError}`}`,
  );
}
