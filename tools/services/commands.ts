import * as path from 'node:path';
import { startChild, type ChildHandle } from './child.js';
import { repositoryRoot } from './repository.js';

export interface CommandWorkerOptions {
  logDir: string;
  redisUrl: string;
  ledgerUrls: readonly string[];
}

/**
 * Starts the command worker process (workers/commands), which takes signed transactions from the
 * BullMQ `commands` queue in Redis, submits them to the ledger nodes and completes each job with its
 * receipt. It needs Redis and a ledger node that answers, so it starts after both.
 */
export async function startCommandWorker(options: CommandWorkerOptions): Promise<ChildHandle> {
  return startChild({
    name: 'commands',
    command: process.execPath,
    args: [path.join(repositoryRoot(), 'workers', 'dist', 'commands', 'main.js'), '--redis', options.redisUrl, '--ledger', options.ledgerUrls.join(',')],
    logFile: path.join(options.logDir, 'commands.log'),
    readyLine: /^twinledger-commands ready$/,
  });
}
