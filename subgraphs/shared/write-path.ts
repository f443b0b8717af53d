/**
 * The write path as the subgraphs use it: a producer's connection to the commands queue (enqueue a
 * signed transaction) and a listener for the outcome notices of the transactions this process waits
 * for. The producer connection fails fast on a Redis outage, so a request does not hang; the listener
 * retries and resubscribes by itself.
 */
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt } from '@twinledger/ledger-core/client';
import { CommandOutcomeListener, commandsQueue, redisConnection, submitAndAwait } from '@twinledger/workers';

/** How long connecting to the commands queue may take at start, in milliseconds, before the subgraph gives up. */
export const commandsConnectMsMax = 30_000;

/** A producer's view of the commands queue: submit a signed transaction and wait for its receipt. */
export interface CommandSubmitter {
  /** See `submitAndAwait`: throws CommandError COMMAND_FAILED, COMMAND_TIMEOUT, COMMAND_ABORTED or COMMAND_RESULT_MALFORMED. */
  submit(signed: SignedTransaction, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Receipt>;
  close(): Promise<void>;
}

/** Connects to the commands queue at `redisUrl` (with `prefix`, as the worker's); resolves once Redis answers the listener. */
export async function connectCommandSubmitter(redisUrl: string, prefix?: string): Promise<CommandSubmitter> {
  const producer = redisConnection(redisUrl, 'producer');
  const queue = commandsQueue({ connection: producer, ...(prefix === undefined ? {} : { prefix }) });
  let outcomes: CommandOutcomeListener;
  try {
    // The listener retries for as long as Redis is away, so the wait for it is bounded here.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the commands queue at ${redisUrl} did not answer within ${commandsConnectMsMax} ms`)), commandsConnectMsMax);
    });
    const connecting = CommandOutcomeListener.connect(redisUrl, prefix);
    try {
      outcomes = await Promise.race([connecting, timedOut]);
    } catch (error: unknown) {
      void connecting.then((late) => late.close()).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  } catch (error: unknown) {
    await queue.close().catch(() => undefined);
    producer.disconnect();
    throw error;
  }
  return {
    submit: (signed, options) => submitAndAwait(queue, outcomes, signed, options),
    async close() {
      await outcomes.close();
      await queue.close();
      producer.disconnect();
    },
  };
}
