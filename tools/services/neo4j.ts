import * as fs from 'node:fs';
import * as path from 'node:path';
import neo4j from 'neo4j-driver';
import { startChild, type ChildHandle } from './child.js';
import { ServiceStartError } from './errors.js';
import { ensureNeo4jLauncherBuilt } from './neo4j-build.js';
import { freePort } from './ports.js';

export interface Neo4jService {
  readonly uri: string;
  readonly child: ChildHandle;
}

export interface Neo4jOptions {
  heapMb: number;
  /** The page cache, as the launcher takes it (`2g`, `512m`); the launcher's default is 256m. */
  pageCache?: string;
  /** How long start-up may take; a large store recovering after an unclean stop needs more than the default. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Starts Neo4j Community embedded in a JVM by the launcher in tools/neo4j (built on first use), with
 * Bolt on a free loopback port and its store under `<dataDir>/neo4j`.
 */
export async function startNeo4j(dataDir: string, logDir: string, options: Neo4jOptions): Promise<Neo4jService> {
  const launcher = options.log === undefined ? await ensureNeo4jLauncherBuilt() : await ensureNeo4jLauncherBuilt({ log: options.log });
  const neo4jDir = path.join(dataDir, 'neo4j');
  fs.mkdirSync(neo4jDir, { recursive: true });
  const port = await freePort();
  const child = await startChild({
    name: 'neo4j',
    command: 'java',
    args: [
      ...launcher.javaArgs,
      `-Xmx${options.heapMb}m`,
      '-jar', launcher.jarPath,
      '--data-dir', neo4jDir,
      '--bolt-port', String(port),
      ...(options.pageCache === undefined ? [] : ['--pagecache', options.pageCache]),
    ],
    logFile: path.join(logDir, 'neo4j.log'),
    readyLine: /^twinledger-neo4j ready bolt:\/\//,
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
  });
  const uri = `bolt://127.0.0.1:${port}`;
  try {
    await checkNeo4jHealth(uri);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { uri, child };
}

/** Neo4j credentials for NEO4J_URI deployments; the embedded server listens on loopback without auth. */
export function neo4jAuthFromEnv(env: NodeJS.ProcessEnv = process.env): ReturnType<typeof neo4j.auth.basic> | undefined {
  const user = env.NEO4J_USER ?? env.NEO4J_USERNAME;
  return user === undefined ? undefined : neo4j.auth.basic(user, env.NEO4J_PASSWORD ?? '');
}

/** Runs `RETURN 1` over Bolt with the official driver; throws ServiceStartError when it fails. */
export async function checkNeo4jHealth(uri: string, timeoutMs = 10_000): Promise<void> {
  const driver = neo4j.driver(uri, neo4jAuthFromEnv(), { connectionTimeout: timeoutMs, maxConnectionPoolSize: 1 });
  try {
    const result = await driver.executeQuery('RETURN 1 AS one');
    const one = result.records[0]?.get('one') as unknown;
    if (!neo4j.isInt(one) || one.toNumber() !== 1) throw new ServiceStartError(`neo4j at ${uri} answered RETURN 1 with ${String(one)}`);
  } catch (error) {
    if (error instanceof ServiceStartError) throw error;
    throw new ServiceStartError(`neo4j at ${uri} is not reachable: ${(error as Error).message}`);
  } finally {
    await driver.close();
  }
}
