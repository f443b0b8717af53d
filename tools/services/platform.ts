import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildHandle } from './child.js';
import { lockDataFolder } from './data-lock.js';
import { ServiceStartError } from './errors.js';
import { startLedgerCluster, type LedgerCluster } from './ledger.js';
import { startGraphql, type GraphqlService } from './graphql.js';
import { startCommandWorker } from './commands.js';
import { startProjector } from './projector.js';
import { startEtcdCluster, waitForEtcdHealth, type EtcdCluster } from './etcd.js';
import { checkNeo4jHealth, startNeo4j } from './neo4j.js';
import { requirePrograms, type RequiredProgram } from './programs.js';
import { repositoryRoot } from './repository.js';
import { checkRedisHealth, startRedis } from './redis.js';

/** Where each part listens, and whether this process started it or was pointed at it. */
export interface PlatformEndpoints {
  neo4jUri: string;
  redisUrl: string;
  etcdEndpoints: string[];
  /** Base URLs of the ledger nodes, in consortium member order. */
  ledgerUrls: string[];
  /** The consortium folder (genesis, consortium file, member keys); undefined for LEDGER_PEERS deployments. */
  consortiumDir: string | undefined;
  /** The gateway's GraphQL URL and a demo partner API key, when the GraphQL layer runs. */
  gatewayUrl: string | undefined;
  demoApiKey: string | undefined;
  /** The gateway's EPCIS 2.0 route (`<epcisUrl>/capture`, `<epcisUrl>/events`), when the GraphQL layer runs. */
  epcisUrl: string | undefined;
  /** Each subgraph's own URL and the gateway's identity key file, when the GraphQL layer runs. */
  subgraphUrls: Readonly<Record<string, string>>;
  gatewayIdentityKeyPath: string | undefined;
}

export interface Platform {
  readonly dataDir: string;
  readonly endpoints: PlatformEndpoints;
  /** The processes this platform started; empty for parts replaced through the environment. */
  readonly children: () => ChildHandle[];
  /** The embedded etcd cluster, for fault tests; undefined when ETCD_ENDPOINTS names an external one. */
  readonly etcd: EtcdCluster | undefined;
  /** The embedded ledger nodes; undefined when LEDGER_PEERS names a deployment. */
  readonly ledger: LedgerCluster | undefined;
  /** Stops everything it started, in reverse order of need, and releases the data folder. */
  stop(): Promise<void>;
}

export interface PlatformOptions {
  dataDir: string;
  /** Run the projector (ledger → Neo4j). Default true. */
  projector?: boolean;
  /** Run the subgraphs and the gateway. Default true. */
  graphql?: boolean;
  env?: NodeJS.ProcessEnv;
  neo4jHeapMb?: number;
  log?: (line: string) => void;
}

const neo4jHeapMbDefault = 512;
const etcdHealthTimeoutMs = 30_000;

/** `name=url,…` (LEDGER_PEERS) as the list of URLs; a bare URL is accepted too. */
function parseLedgerPeers(text: string): string[] {
  const urls = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => (entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry));
  for (const url of urls) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ServiceStartError(`LEDGER_PEERS holds ${JSON.stringify(url)}, which is not an http(s) URL`);
  }
  if (urls.length === 0) throw new ServiceStartError('LEDGER_PEERS names no node');
  return urls;
}

/** The data folder: TWINLEDGER_DATA_DIR, else `data/` at the repository root. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TWINLEDGER_DATA_DIR ?? path.join(repositoryRoot(), 'data'));
}


/**
 * Brings up Neo4j, Redis and etcd, each either embedded (started here on free ports under `dataDir`) or
 * the deployment named by NEO4J_URI, REDIS_URL or ETCD_ENDPOINTS, which is only health-checked. The parts
 * need nothing of each other, so they start in parallel; any failure stops what did start.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const needed: RequiredProgram[] = [];
  // Maven is needed only when the Neo4j launcher must be built; its builder checks for it then.
  if (env.NEO4J_URI === undefined) needed.push('java');
  if (env.REDIS_URL === undefined) needed.push('redis-server');
  if (env.ETCD_ENDPOINTS === undefined) needed.push('etcd');
  requirePrograms(needed);

  const dataDir = path.resolve(options.dataDir);
  const lock = lockDataFolder(dataDir);
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  const started: Array<{ stop(): Promise<void> }> = [];
  const children: ChildHandle[] = [];
  let etcd: EtcdCluster | undefined;
  const track = <T extends { stop(): Promise<void> }>(part: T): T => {
    started.push(part);
    return part;
  };
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([...started].reverse().map((part) => part.stop()));
    lock.release();
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  };

  // allSettled, not all: a part still starting when another fails must finish before it can be stopped.
  const settled = await Promise.allSettled([
    (async () => {
      if (env.NEO4J_URI !== undefined) {
        await checkNeo4jHealth(env.NEO4J_URI);
        return env.NEO4J_URI;
      }
      const neo4j = await startNeo4j(dataDir, logDir, { heapMb: options.neo4jHeapMb ?? neo4jHeapMbDefault, log });
      children.push(track(neo4j.child));
      return neo4j.uri;
    })(),
    (async () => {
      if (env.REDIS_URL !== undefined) {
        await checkRedisHealth(env.REDIS_URL);
        return env.REDIS_URL;
      }
      const redis = await startRedis(dataDir, logDir);
      children.push(track(redis.child));
      return redis.url;
    })(),
    (async () => {
      if (env.ETCD_ENDPOINTS !== undefined) {
        const endpoints = env.ETCD_ENDPOINTS.split(',').map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint !== '');
        await waitForEtcdHealth(endpoints, etcdHealthTimeoutMs);
        return endpoints;
      }
      etcd = track(await startEtcdCluster(dataDir, logDir));
      return etcd.endpoints;
    })(),
  ]);
  const [neo4jStart, redisStart, etcdStart] = settled;
  if (neo4jStart.status === 'rejected' || redisStart.status === 'rejected' || etcdStart.status === 'rejected') {
    await stopAll().catch(() => undefined);
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    throw failure?.reason;
  }

  // The ledger nodes order through etcd, so they start once etcd is healthy; the projector follows them.
  let ledger: LedgerCluster | undefined;
  let ledgerUrls: string[];
  let graphql: GraphqlService | undefined;
  try {
    if (env.LEDGER_PEERS !== undefined) {
      ledgerUrls = parseLedgerPeers(env.LEDGER_PEERS);
    } else {
      ledger = track(await startLedgerCluster({ dataDir, logDir, etcdEndpoints: etcdStart.value }));
      ledgerUrls = ledger.urls;
    }
    const consortiumPath = ledger?.consortiumDir ?? env.LEDGER_CONSORTIUM_DIR;
    if ((options.projector ?? true) && consortiumPath !== undefined) {
      children.push(track(await startProjector({ logDir, ledgerUrls, neo4jUri: neo4jStart.value, consortiumPath, redisUrl: redisStart.value })));
    }
    if ((options.graphql ?? true) && consortiumPath !== undefined) {
      // Mutations go through the commands queue, so its worker runs before the subgraphs that enqueue.
      children.push(track(await startCommandWorker({ logDir, redisUrl: redisStart.value, ledgerUrls })));
      const demoOrganizationId = ledger?.consortium.genesis.members[0]?.organizationId ?? 'demo';
      graphql = await startGraphql({ dataDir, logDir, neo4jUri: neo4jStart.value, ledgerUrls, consortiumDir: consortiumPath, demoOrganizationId, redisUrl: redisStart.value });
      for (const child of graphql.children) children.push(track(child));
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  return {
    dataDir,
    endpoints: {
      neo4jUri: neo4jStart.value,
      redisUrl: redisStart.value,
      etcdEndpoints: etcdStart.value,
      ledgerUrls,
      consortiumDir: ledger?.consortiumDir,
      gatewayUrl: graphql?.gatewayUrl,
      demoApiKey: graphql?.demoApiKey,
      epcisUrl: graphql?.epcisUrl,
      subgraphUrls: graphql?.subgraphUrls ?? {},
      gatewayIdentityKeyPath: graphql?.identityKeyPath,
    },
    children: () => [...children, ...(etcd?.children ?? []), ...(ledger?.children ?? [])],
    etcd,
    ledger,
    stop: stopAll,
  };
}
