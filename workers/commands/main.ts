/**
 * The command worker process: `--redis <url> --ledger <url,url,…> [--concurrency <n>] [--prefix <p>]`.
 * Prints exactly one line on stdout once it takes jobs:
 *   twinledger-commands ready
 * SIGTERM / SIGINT stop taking jobs, let the jobs in flight finish, and exit 0. Bad arguments exit 2
 * with one line on stderr; a failure to start exits 1. Failed attempts and dead letters are logged on
 * stderr, one line each.
 */
import { CommandWorkerArgsError, parseCommandWorkerArgs } from './args.js';
import { redisConnection } from './queue.js';
import { startCommandWorker, type CommandWorkerEvent } from './worker.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseCommandWorkerArgs(process.argv.slice(2));
  } catch (error: unknown) {
    if (error instanceof CommandWorkerArgsError) {
      process.stderr.write(`twinledger-commands: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const connection = redisConnection(args.redisUrl, 'worker');
  const abort = new AbortController();
  process.on('SIGTERM', () => abort.abort());
  process.on('SIGINT', () => abort.abort());
  let code = 0;
  try {
    const worker = await startCommandWorker({
      connection,
      ledgerUrls: args.ledgerUrls,
      concurrency: args.concurrency,
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      signal: abort.signal,
      onEvent: logEvent,
    });
    process.stdout.write('twinledger-commands ready\n');
    await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    await worker.close();
  } catch (error: unknown) {
    process.stderr.write(`twinledger-commands: stopped: ${oneLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}\n`);
    code = 1;
  } finally {
    await connection.quit().catch(() => undefined);
  }
  process.exit(code);
}

function logEvent(event: CommandWorkerEvent): void {
  switch (event.kind) {
    case 'attempt':
    case 'completed':
      return;
    case 'retry':
      process.stderr.write(`twinledger-commands: retry ${event.txId} after attempt ${event.attempt}: ${oneLine(`${event.failure.code}: ${event.failure.message}`)}\n`);
      return;
    case 'dead':
      process.stderr.write(`twinledger-commands: dead letter ${event.txId}: ${oneLine(`${event.failure.code}: ${event.failure.message}`)}\n`);
      return;
    case 'error':
      process.stderr.write(`twinledger-commands: ${oneLine(event.message)}\n`);
      return;
    default:
      unreachable(event);
  }
}

function unreachable(value: never): never {
  throw new Error(`unknown event ${JSON.stringify(value)}`);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

void main();
