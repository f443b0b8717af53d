/**
 * The command worker's command line: `--redis <url> --ledger <url,url,…> [--concurrency <n>]
 * [--prefix <redis key prefix>]`. Pure, so it is unit tested.
 */
import { commandConcurrencyDefault, commandConcurrencyMax } from './worker.js';

export interface CommandWorkerArgs {
  readonly redisUrl: string;
  readonly ledgerUrls: string[];
  readonly concurrency: number;
  readonly prefix: string | undefined;
}

export class CommandWorkerArgsError extends Error {
  override readonly name = 'CommandWorkerArgsError';
  readonly code = 'BAD_ARGUMENTS';
}

const usage = 'usage: --redis <redis://…> --ledger <url,url,…> [--concurrency <n>] [--prefix <key prefix>]';
const flags = ['--redis', '--ledger', '--concurrency', '--prefix'];

/** Parses `argv` (without node and script). Throws CommandWorkerArgsError for a missing, repeated, unknown or out-of-range flag. */
export function parseCommandWorkerArgs(argv: readonly string[]): CommandWorkerArgs {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === undefined || !flags.includes(flag)) throw new CommandWorkerArgsError(`unknown argument ${String(flag)}; ${usage}`);
    if (value === undefined || value.startsWith('--')) throw new CommandWorkerArgsError(`${flag} needs a value; ${usage}`);
    if (values.has(flag)) throw new CommandWorkerArgsError(`${flag} given twice`);
    values.set(flag, value);
  }
  const redisUrl = values.get('--redis');
  const ledger = values.get('--ledger');
  if (redisUrl === undefined || ledger === undefined) throw new CommandWorkerArgsError(usage);
  if (!/^rediss?:\/\//.test(redisUrl)) throw new CommandWorkerArgsError('--redis is a redis:// or rediss:// URL');
  const ledgerUrls = ledger.split(',').filter((url) => url.length > 0);
  if (ledgerUrls.length === 0) throw new CommandWorkerArgsError('--ledger names no URL');
  const concurrencyText = values.get('--concurrency') ?? String(commandConcurrencyDefault);
  const concurrency = /^\d{1,7}$/.test(concurrencyText) ? Number(concurrencyText) : Number.NaN;
  if (!(concurrency >= 1 && concurrency <= commandConcurrencyMax)) throw new CommandWorkerArgsError(`--concurrency is an integer from 1 to ${commandConcurrencyMax}`);
  return { redisUrl, ledgerUrls, concurrency, prefix: values.get('--prefix') };
}
