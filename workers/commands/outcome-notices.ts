/**
 * Outcome notices of commands jobs on Redis pub/sub, one channel per transaction: the worker that
 * finished a job publishes its outcome there, and only processes waiting for that transaction listen.
 *
 * BullMQ's QueueEvents would hand every waiting process every event of every job (added, waiting,
 * active, completed, removed), so each subgraph paid CPU for every mutation on the platform, its own
 * or not, and the cost grew with the number of processes. A notice is a hint, as pub/sub keeps nothing:
 * the job's own state in Redis decides, read right after subscribing and again at an interval.
 */
import type { Redis } from 'ioredis';
import { redisConnection, type CommandsQueue } from './queue.js';

export const commandOutcomeChannelPrefix = 'twinledger:command-outcome:';

/** How a finished commands job ended: its return value, or the reason it failed for good. */
export type CommandOutcome = { readonly kind: 'completed'; readonly value: unknown } | { readonly kind: 'failed'; readonly reason: string };

/** The channel of `txId`'s outcome in the queue with Redis key prefix `queuePrefix` (BullMQ's `bull` when absent). */
export function commandOutcomeChannel(queuePrefix: string | undefined, txId: string): string {
  return `${commandOutcomeChannelPrefix}${queuePrefix ?? 'bull'}:${txId}`;
}

export function outcomeText(outcome: CommandOutcome): string {
  return JSON.stringify(outcome.kind === 'completed' ? { completed: outcome.value } : { failed: outcome.reason });
}

/** The outcome a notice carries, or undefined for anything else (a foreign or damaged message is ignored, not trusted). */
export function outcomeOfText(text: string): CommandOutcome | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const keys = Object.keys(parsed);
  if (keys.length !== 1) return undefined;
  if ('completed' in parsed) return { kind: 'completed', value: parsed.completed };
  if ('failed' in parsed && typeof parsed.failed === 'string') return { kind: 'failed', reason: parsed.failed };
  return undefined;
}

/** Publishes how the job of `txId` ended. */
export async function announceCommandOutcome(redis: Redis, queuePrefix: string | undefined, txId: string, outcome: CommandOutcome): Promise<void> {
  await redis.publish(commandOutcomeChannel(queuePrefix, txId), outcomeText(outcome));
}

/**
 * How the job of `txId` ended, read from the job itself; undefined while it has not finished (or is no
 * longer kept). A job retried after a failed attempt has a failure reason but no finish time until its
 * last attempt, and a completed job always has a return value (a receipt), so the two cannot be confused.
 */
export async function finishedOutcome(queue: CommandsQueue, txId: string): Promise<CommandOutcome | undefined> {
  const job = await queue.getJob(txId);
  if (job === undefined || job.finishedOn === undefined || job.finishedOn <= 0) return undefined;
  if (job.returnvalue !== null && job.returnvalue !== undefined) return { kind: 'completed', value: job.returnvalue };
  return { kind: 'failed', reason: job.failedReason ?? 'the job failed without a reason' };
}

/** One caller's interest in one transaction's outcome. */
export interface OutcomeWatch {
  /** Resolves with the first notice; never rejects, and stays pending if none arrives. */
  readonly outcome: Promise<CommandOutcome>;
  /** Ends the interest; the channel is left once nobody in this process watches it. */
  cancel(): void;
}

interface ChannelWatchers {
  readonly resolvers: Set<(outcome: CommandOutcome) => void>;
  readonly subscribed: Promise<unknown>;
}

/** Watches outcome notices of chosen transactions over one subscriber connection. */
export class CommandOutcomeListener {
  private readonly channels = new Map<string, ChannelWatchers>();

  private constructor(
    private readonly subscriber: Redis,
    private readonly queuePrefix: string | undefined,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const watchers = this.channels.get(channel);
      if (watchers === undefined) return;
      const outcome = outcomeOfText(text);
      if (outcome === undefined) return;
      for (const resolve of watchers.resolvers) resolve(outcome);
    });
  }

  /**
   * Connects to Redis at `redisUrl` for the queue with key prefix `queuePrefix`; resolves once Redis
   * answers. The connection reconnects and resubscribes by itself after an outage; notices sent
   * meanwhile are lost, which the waits' reads of the job state cover.
   */
  static async connect(redisUrl: string, queuePrefix: string | undefined): Promise<CommandOutcomeListener> {
    const subscriber = redisConnection(redisUrl, 'worker');
    try {
      await subscriber.ping();
    } catch (error: unknown) {
      subscriber.disconnect();
      throw error;
    }
    return new CommandOutcomeListener(subscriber, queuePrefix);
  }

  /** Starts watching `txId`'s channel; resolves once subscribed, so no notice published after that is missed while the connection holds. */
  async watch(txId: string): Promise<OutcomeWatch> {
    const channel = commandOutcomeChannel(this.queuePrefix, txId);
    let watchers = this.channels.get(channel);
    if (watchers === undefined) {
      watchers = { resolvers: new Set(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, watchers);
    }
    let resolveOutcome: (outcome: CommandOutcome) => void = () => undefined;
    const outcome = new Promise<CommandOutcome>((resolve) => {
      resolveOutcome = resolve;
    });
    const { resolvers } = watchers;
    resolvers.add(resolveOutcome);
    const cancel = (): void => {
      resolvers.delete(resolveOutcome);
      if (resolvers.size > 0 || this.channels.get(channel) !== watchers) return;
      this.channels.delete(channel);
      // Commands on one connection run in order, so a later subscribe to this channel follows this.
      this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
    try {
      await watchers.subscribed;
    } catch (error: unknown) {
      cancel();
      throw error;
    }
    return { outcome, cancel };
  }

  /** Channels watched now; for tests that check watches are released. */
  get watchedChannelCount(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    this.channels.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
