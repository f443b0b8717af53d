/**
 * Watches `P/` from a start revision and hands out batch, cut and signature events in revision order,
 * as an async iterator.
 *
 * It drives etcd's watch stream itself rather than through the client's watch helper, for three
 * reasons the helper cannot meet: on a reconnect it resumes from the header revision of the last
 * response, which etcd sets to its current revision even while a catching-up watcher has been sent only
 * part of the history (events would be skipped); it drops the compact revision of a compacted watch
 * (the node needs it to know what to fetch from a peer); and it buffers without bound. Here the resume
 * point is always the last revision queued + 1, so a reconnect neither loses nor repeats an event, and
 * when the consumer falls `bufferedEventsMax` behind the stream is dropped and reopened from that same
 * point once the consumer has caught up.
 */
import { ClientClosedError, FilterType, type Etcd3, type IDuplexStream, type IWatchRequest, type IWatchResponse } from 'etcd3';
import { LogCompactedError, OrderingError, OrderingErrorCode } from './errors.js';
import { invariant } from './invariant.js';
import { prefixRangeEnd, type OrderingKeys } from './keys.js';
import { decodeEntry, jsonArrayItems, type ItemsDecoder } from './log-entries.js';
import type { OrderingEvent } from './types.js';

/**
 * Where a node with no block yet (genesis) starts watching: the create revision of the oldest key under
 * `P/`, or the next revision if the log is still empty. Watching from revision 1 instead would fail as
 * soon as etcd's history has been compacted for any reason (another origin on the same cluster, etcd's
 * own retention), although nothing this log needs was lost. Sound because no key of a log is deleted
 * before every node has applied it, so while any node is at genesis every key the log ever had is
 * still there.
 */
export async function genesisWatchRevision(client: Etcd3, keys: OrderingKeys, callTimeoutMs = 10_000): Promise<number> {
  const response = await client.kv.range(
    {
      key: Buffer.from(keys.prefix),
      range_end: Buffer.from(prefixRangeEnd(keys.prefix)),
      sort_target: 'Create',
      sort_order: 'Ascend',
      limit: 1,
      keys_only: true,
    },
    { deadline: Date.now() + callTimeoutMs },
  );
  const oldest = response.kvs[0];
  const revision = oldest === undefined ? Number(response.header.revision) + 1 : Number(oldest.create_revision);
  invariant(Number.isSafeInteger(revision) && revision >= 1, `genesis watch revision ${revision}`);
  return revision;
}

export interface LogWatcherOptions<T> {
  readonly client: Etcd3;
  readonly keys: OrderingKeys;
  /** First revision to deliver: the node's applied revision + 1 (1 for a new log). */
  readonly startRevision: number;
  /** How a batch value becomes items; default: any JSON array. */
  readonly decodeItems?: ItemsDecoder<T>;
  /** Events queued for a slow consumer before the stream is dropped until it catches up. Default 4,096. */
  readonly bufferedEventsMax?: number;
  /** First reconnect delay, doubled per failed attempt, in milliseconds. Default 50. */
  readonly reconnectDelayMsMin?: number;
  /** Longest reconnect delay, in milliseconds. Default 2,000. */
  readonly reconnectDelayMsMax?: number;
  /** Consecutive failed attempts before the watcher gives up with `ORDERING_WATCH_UNAVAILABLE`. Default 60. */
  readonly reconnectAttemptsMax?: number;
  /** Malformed input every node skips alike (a batch that is not a JSON array, ...): for the operator's log. */
  readonly onSkipped?: (revision: number, key: string, reason: string) => void;
  /** Each reconnect after a transient failure. */
  readonly onReconnect?: (attempt: number, cause: unknown) => void;
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

interface Waiter<T> {
  resolve(result: IteratorResult<OrderingEvent<T>, undefined>): void;
  reject(error: unknown): void;
}

const bufferedEventsMaxDefault = 4_096;
const reconnectDelayMsMinDefault = 50;
const reconnectDelayMsMaxDefault = 2_000;
const reconnectAttemptsMaxDefault = 60;

function cancelQuietly(stream: WatchStream): void {
  // Cancelling makes the stream emit a CANCELLED error; nobody needs it.
  stream.on('error', () => undefined);
  stream.cancel();
}

export class LogWatcher<T> implements AsyncIterable<OrderingEvent<T>> {
  private readonly options: LogWatcherOptions<T>;
  private readonly decodeItems: ItemsDecoder<T>;
  private readonly bufferedEventsMax: number;
  /** Queued events from `head` on; compacted as it is consumed. */
  private queue: OrderingEvent<T>[] = [];
  private head = 0;
  private revisionQueuedValue: number;
  private stream: WatchStream | undefined;
  private connecting = false;
  private started = false;
  private paused = false;
  private closed = false;
  private failure: Error | undefined;
  private waiter: Waiter<T> | undefined;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private streamsOpenedValue = 0;

  /** Requires a whole startRevision ≥ 1. Does no I/O until `start()` or the first `next()`. */
  constructor(options: LogWatcherOptions<T>) {
    invariant(Number.isSafeInteger(options.startRevision) && options.startRevision >= 1, `watch start revision ${options.startRevision}`);
    this.options = options;
    this.decodeItems = options.decodeItems ?? jsonArrayItems;
    this.bufferedEventsMax = options.bufferedEventsMax ?? bufferedEventsMaxDefault;
    invariant(this.bufferedEventsMax >= 1, `bufferedEventsMax ${this.bufferedEventsMax}`);
    this.revisionQueuedValue = options.startRevision - 1;
  }

  /** The highest revision queued so far (startRevision - 1 before any): the stream resumes after it. */
  get revisionQueued(): number {
    return this.revisionQueuedValue;
  }

  /** Watch streams opened so far: 1 plus one per reconnect or resume after a pause. */
  get streamsOpened(): number {
    return this.streamsOpenedValue;
  }

  /** Opens the watch. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connect();
  }

  /**
   * The next event in revision order. Rejects with `LogCompactedError` once every event before the
   * compaction point has been handed out, with `OrderingError` `ORDERING_WATCH_UNAVAILABLE` after
   * `reconnectAttemptsMax` failed attempts, or with `OrderingInvariantError` on a malformed cut.
   * At most one `next()` may be pending at a time.
   */
  next(): Promise<IteratorResult<OrderingEvent<T>, undefined>> {
    this.start();
    invariant(this.waiter === undefined, 'two concurrent next() calls on one log watcher');
    const event = this.take();
    if (event !== undefined) return Promise.resolve({ done: false, value: event });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops watching; a pending `next()` ends the iteration. */
  close(): Promise<void> {
    this.closed = true;
    this.dropStream();
    clearTimeout(this.reconnectTimer);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<OrderingEvent<T>, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private take(): OrderingEvent<T> | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head++]!;
    if (this.head >= 1_024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= this.bufferedEventsMax / 2) {
      this.paused = false;
      void this.connect();
    }
    return event;
  }

  private get stopped(): boolean {
    return this.closed || this.failure !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.paused || this.stream !== undefined || this.connecting) return;
    this.connecting = true;
    let stream: WatchStream;
    try {
      stream = await this.options.client.watchClient.watch();
    } catch (cause) {
      this.connecting = false;
      this.scheduleReconnect(cause);
      return;
    }
    this.connecting = false;
    if (this.stopped || this.paused) {
      cancelQuietly(stream);
      return;
    }
    this.stream = stream;
    this.streamsOpenedValue++;
    const startRevision = this.revisionQueuedValue + 1;
    stream.on('data', (response: IWatchResponse) => this.onResponse(stream, response, startRevision));
    stream.on('error', (cause: Error) => this.onStreamLost(stream, cause));
    stream.on('end', () => this.onStreamLost(stream, new Error('watch stream ended')));
    const { prefix } = this.options.keys;
    stream.write({
      create_request: {
        key: Buffer.from(prefix),
        range_end: Buffer.from(prefixRangeEnd(prefix)),
        start_revision: startRevision,
        // Deletes come only from compaction of what every node has applied; nobody reads them.
        filters: [FilterType.Nodelete],
        progress_notify: true,
      },
    });
  }

  private onResponse(stream: WatchStream, response: IWatchResponse, startRevision: number): void {
    if (stream !== this.stream) return;
    const compactRevision = Number(response.compact_revision || 0);
    if (compactRevision > 0) {
      this.fail(new LogCompactedError(compactRevision, startRevision));
      return;
    }
    if (response.canceled) {
      this.dropStream();
      this.scheduleReconnect(new Error(`watch canceled by etcd: ${response.cancel_reason || 'no reason given'}`));
      return;
    }
    this.attempts = 0;
    const revisionBefore = this.revisionQueuedValue;
    try {
      for (const watchEvent of response.events ?? []) {
        const revision = Number(watchEvent.kv.mod_revision);
        // A response never splits one revision (fragmenting is off), so whole revisions are skipped or kept.
        if (revision <= revisionBefore) continue;
        invariant(revision >= this.revisionQueuedValue, `watch event at revision ${revision} after ${this.revisionQueuedValue}`);
        this.revisionQueuedValue = revision;
        const key = Buffer.from(watchEvent.kv.key).toString('utf8');
        const decoded = decodeEntry(
          this.options.keys,
          { key, value: watchEvent.kv.value, modRevision: revision, version: Number(watchEvent.kv.version) },
          this.decodeItems,
        );
        if (decoded.kind === 'event') this.queue.push(decoded.event);
        else if (decoded.kind === 'skipped') this.options.onSkipped?.(revision, key, decoded.reason);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.wake();
    if (this.queue.length - this.head > this.bufferedEventsMax) {
      this.paused = true;
      this.dropStream();
    }
  }

  private onStreamLost(stream: WatchStream, cause: Error): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.scheduleReconnect(cause);
  }

  private scheduleReconnect(cause: unknown): void {
    if (this.stopped) return;
    if (cause instanceof ClientClosedError) {
      // Nobody will reopen this client: retrying would only keep the process alive.
      this.fail(new OrderingError(OrderingErrorCode.watchUnavailable, 'the etcd client was closed under the ordering watch', { cause }));
      return;
    }
    this.attempts++;
    const attemptsMax = this.options.reconnectAttemptsMax ?? reconnectAttemptsMaxDefault;
    if (this.attempts > attemptsMax) {
      this.fail(new OrderingError(OrderingErrorCode.watchUnavailable, `ordering watch failed ${attemptsMax} times in a row`, { cause }));
      return;
    }
    const delayMsMin = this.options.reconnectDelayMsMin ?? reconnectDelayMsMinDefault;
    const delayMsMax = this.options.reconnectDelayMsMax ?? reconnectDelayMsMaxDefault;
    const delayMs = Math.min(delayMsMax, delayMsMin * 2 ** Math.min(this.attempts - 1, 20));
    this.options.onReconnect?.(this.attempts, cause);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delayMs);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) cancelQuietly(stream);
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.dropStream();
    clearTimeout(this.reconnectTimer);
    this.wake();
  }

  /** Hands the next event (or the failure, once the queue is empty) to a pending `next()`. */
  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    const event = this.take();
    if (event !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: event });
    } else if (this.failure !== undefined) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }
}
