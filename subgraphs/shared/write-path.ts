/**
 * The write path as the subgraphs use it: a producer's connection to the commands queue (enqueue a
 * signed transaction, wait for its receipt) over the workers' BullMQ queue. The producer connection
 * fails fast on a Redis outage, so a request does not hang; the event listener retries, as BullMQ needs.
 */
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt } from '@twinledger/ledger-core/client';
import { commandsQueue, commandsQueueName, redisConnection, submitAndAwait } from '@twinledger/workers';
import { QueueEvents } from 'bullmq';

/** How long connecting to the commands queue may take at start, in milliseconds, before the subgraph gives up. */
export const commandsConnectMsMax = 30_000;

/** A producer's view of the commands queue: submit a signed transaction and wait for its receipt. */
export interface CommandSubmitter {
  /** See `submitAndAwait`: throws CommandError COMMAND_FAILED, COMMAND_TIMEOUT, COMMAND_ABORTED or COMMAND_RESULT_MALFORMED. */
  submit(signed: SignedTransaction, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Receipt>;
  close(): Promise<void>;
}

/** Connects to the commands queue at `redisUrl` (with `prefix`, as the worker's); resolves once its event stream is ready. */
export async function connectCommandSubmitter(redisUrl: string, prefix?: string): Promise<CommandSubmitter> {
  const producer = redisConnection(redisUrl, 'producer');
  const listener = redisConnection(redisUrl, 'worker');
  const prefixOption = prefix === undefined ? {} : { prefix };
  const queue = commandsQueue({ connection: producer, ...prefixOption });
  const queueEvents = new QueueEvents(commandsQueueName, { connection: listener, ...prefixOption });
  try {
    // The listener retries for as long as Redis is away, so the wait for it is bounded here.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the commands queue at ${redisUrl} did not answer within ${commandsConnectMsMax} ms`)), commandsConnectMsMax);
    });
    try {
      await Promise.race([queueEvents.waitUntilReady(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch (error: unknown) {
    await queueEvents.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    producer.disconnect();
    listener.disconnect();
    throw error;
  }
  return {
    submit: (signed, options) => submitAndAwait(queue, queueEvents, signed, options),
    async close() {
      await queueEvents.close();
      await queue.close();
      producer.disconnect();
      listener.disconnect();
    },
  };
}
