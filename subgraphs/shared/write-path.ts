/**
 * The pieces of the write path a mutation needs from `@twinledger/workers`: the commands queue
 * (`submitAndAwait`) and the custodial key store. The workers package does not name `commands/` and
 * `custody/` in its entry yet, so they are loaded from its compiled folders by path and typed here by
 * exactly what the subgraphs use; once the package exports them this file becomes plain re-exports.
 */
import * as path from 'node:path';
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt, TransactionSigner } from '@twinledger/ledger-core/client';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** What `submitAndAwait` throws: a stable code and the transaction id (COMMAND_FAILED, COMMAND_TIMEOUT, COMMAND_ABORTED, COMMAND_RESULT_MALFORMED). */
export interface CommandErrorShape extends Error {
  readonly code: string;
  readonly txId: string;
  readonly reasonCode?: string;
}

/** What the custodial key store throws: a stable `CUSTODY_*` code. */
export interface CustodyErrorShape extends Error {
  readonly code: string;
}

export interface CustodyKeyStoreShape {
  has(organizationId: string): boolean;
  importKey(organizationId: string, signerKeyText: string): Promise<{ organizationId: string; did: string }>;
  signerFor(organizationId: string): Promise<TransactionSigner>;
}

type CommandsQueueShape = Queue;

interface CommandsModule {
  readonly commandsQueueName: string;
  redisConnection(url: string, role: 'worker' | 'producer'): Redis;
  commandsQueue(options: { connection: Redis; prefix?: string }): CommandsQueueShape;
  submitAndAwait(queue: CommandsQueueShape, queueEvents: QueueEvents, signed: SignedTransaction, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Receipt>;
  readonly CommandError: abstract new (...args: never[]) => CommandErrorShape;
}

interface CustodyModule {
  readonly CustodyKeyStore: new (options: { dir: string }) => CustodyKeyStoreShape;
  readonly CustodyError: abstract new (...args: never[]) => CustodyErrorShape;
}

function workersModule<T>(folder: 'commands' | 'custody'): T {
  const entry = require.resolve('@twinledger/workers');
  return require(path.join(path.dirname(entry), folder, 'index.js')) as T;
}

let commands: CommandsModule | undefined;
let custody: CustodyModule | undefined;

function commandsModule(): CommandsModule {
  commands ??= workersModule<CommandsModule>('commands');
  return commands;
}

function custodyModule(): CustodyModule {
  custody ??= workersModule<CustodyModule>('custody');
  return custody;
}

export function isCommandError(error: unknown): error is CommandErrorShape {
  return error instanceof commandsModule().CommandError;
}

export function isCustodyError(error: unknown): error is CustodyErrorShape {
  return error instanceof custodyModule().CustodyError;
}

/** The custodial key store in `dir` (its master secret from TWINLEDGER_CUSTODY_SECRET or `<dir>.secret`). */
export function openCustody(dir: string): CustodyKeyStoreShape {
  return new (custodyModule().CustodyKeyStore)({ dir });
}

/** A producer's view of the commands queue: submit a signed transaction and wait for its receipt. */
export interface CommandSubmitter {
  submit(signed: SignedTransaction, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Receipt>;
  close(): Promise<void>;
}

/** Connects to the commands queue at `redisUrl`; resolves once its event stream is ready. */
export async function connectCommandSubmitter(redisUrl: string, prefix?: string): Promise<CommandSubmitter> {
  const module = commandsModule();
  const producer = module.redisConnection(redisUrl, 'producer');
  const listener = module.redisConnection(redisUrl, 'worker');
  const queue = module.commandsQueue({ connection: producer, ...(prefix === undefined ? {} : { prefix }) });
  const queueEvents = new QueueEvents(module.commandsQueueName, { connection: listener, ...(prefix === undefined ? {} : { prefix }) });
  await queueEvents.waitUntilReady();
  return {
    submit: (signed, options) => module.submitAndAwait(queue, queueEvents, signed, options),
    async close() {
      await queueEvents.close();
      await queue.close();
      producer.disconnect();
      listener.disconnect();
    },
  };
}
