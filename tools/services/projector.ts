import * as path from 'node:path';
import { startChild, type ChildHandle } from './child.js';
import { repositoryRoot } from './repository.js';

export interface ProjectorOptions {
  logDir: string;
  ledgerUrls: readonly string[];
  neo4jUri: string;
  /** The consortium folder or file: the projector trusts blocks only under its quorum certificates. */
  consortiumPath: string;
  /** Where the projector announces each height it commits, so mutations waiting for it answer at once. */
  redisUrl?: string;
}

/**
 * Starts the projector process (workers/projector), which applies the Neo4j migrations and then writes
 * every QC'd block's events to Neo4j, one write transaction per batch with its checkpoint.
 */
export async function startProjector(options: ProjectorOptions): Promise<ChildHandle> {
  return startChild({
    name: 'projector',
    command: process.execPath,
    args: [
      path.join(repositoryRoot(), 'workers', 'dist', 'projector', 'main.js'),
      '--ledger', options.ledgerUrls.join(','),
      '--neo4j', options.neo4jUri,
      '--consortium', options.consortiumPath,
      ...(options.redisUrl === undefined ? [] : ['--redis', options.redisUrl]),
    ],
    logFile: path.join(options.logDir, 'projector.log'),
    readyLine: /^twinledger-projector ready /,
  });
}
