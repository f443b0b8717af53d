import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startChild, type ChildHandle } from './child.js';
import { ServiceStartError } from './errors.js';
import { freePort } from './ports.js';
import { repositoryRoot } from './repository.js';

export interface GraphqlOptions {
  dataDir: string;
  logDir: string;
  neo4jUri: string;
  ledgerUrls: readonly string[];
  consortiumDir: string;
  /** The organisation the printed demo API key belongs to. */
  demoOrganizationId: string;
  /**
   * The commands queue's Redis. With it the identity subgraph serves mutations, signing with the
   * custodial keys in `<dataDir>/custody` (the members' keys are imported there on its first start).
   */
  redisUrl?: string;
}

export interface GraphqlService {
  readonly gatewayUrl: string;
  /** Each subgraph's own GraphQL URL (it refuses requests without the gateway's identity header). */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /** The gateway's identity signing key (PKCS#8 PEM file), for tools that call a subgraph directly. */
  readonly identityKeyPath: string;
  readonly demoApiKey: string;
  /** The gateway's EPCIS 2.0 route: `<epcisUrl>/capture`, `<epcisUrl>/events`. */
  readonly epcisUrl: string;
  readonly children: ChildHandle[];
}

interface GatewayFiles {
  identityKeyPath: string;
  identityPublicKeyPath: string;
  apiKeyStorePath: string;
  demoApiKey: string;
}

const subgraphNames = ['identity', 'ledger', 'production', 'supply'] as const;
/** Subgraphs that serve mutations when the platform has a commands queue; the others only read. */
const writingSubgraphs: ReadonlySet<string> = new Set(['identity', 'production', 'supply']);

/**
 * Starts the identity and ledger subgraphs, then the gateway over the checked-in supergraph. The
 * gateway's identity key and API key store live in `<dataDir>/gateway`, made on the first start.
 */
export async function startGraphql(options: GraphqlOptions): Promise<GraphqlService> {
  const root = repositoryRoot();
  const files = provision(root, path.join(options.dataDir, 'gateway'), options.demoOrganizationId);
  const children: ChildHandle[] = [];
  try {
    const subgraphUrls: string[] = [];
    await Promise.all(
      subgraphNames.map(async (name) => {
        const port = await freePort();
        children.push(
          await startChild({
            name: `subgraph-${name}`,
            command: process.execPath,
            args: [
              path.join(root, 'subgraphs', 'dist', name, 'main.js'),
              '--port', String(port),
              '--neo4j', options.neo4jUri,
              '--ledger', options.ledgerUrls.join(','),
              '--consortium', options.consortiumDir,
              '--identity-key', files.identityPublicKeyPath,
              ...(writingSubgraphs.has(name) && options.redisUrl !== undefined ? ['--redis', options.redisUrl, '--custody', path.join(options.dataDir, 'custody')] : []),
            ],
            logFile: path.join(options.logDir, `subgraph-${name}.log`),
            readyLine: new RegExp(`^twinledger-subgraph ${name} ready `),
          }),
        );
        subgraphUrls.push(`${name}=http://127.0.0.1:${port}/graphql`);
      }),
    );
    // The EPCIS capture and query service takes the subgraphs' command line and sits behind the gateway's /epcis route.
    const epcisPort = await freePort();
    children.push(
      await startChild({
        name: 'epcis',
        command: process.execPath,
        args: [
          path.join(root, 'subgraphs', 'dist', 'epcis', 'main.js'),
          '--port', String(epcisPort),
          '--neo4j', options.neo4jUri,
          '--ledger', options.ledgerUrls.join(','),
          '--consortium', options.consortiumDir,
          '--identity-key', files.identityPublicKeyPath,
          ...(options.redisUrl !== undefined ? ['--redis', options.redisUrl, '--custody', path.join(options.dataDir, 'custody')] : []),
        ],
        logFile: path.join(options.logDir, 'epcis.log'),
        readyLine: /^twinledger-subgraph epcis ready /,
      }),
    );
    const gatewayPort = await freePort();
    children.push(
      await startChild({
        name: 'gateway',
        command: process.execPath,
        args: [
          path.join(root, 'gateway', 'dist', 'main.js'),
          '--supergraph', path.join(root, 'graph-schema', 'supergraph.graphql'),
          '--subgraph', subgraphUrls.join(','),
          '--port', String(gatewayPort),
          '--keys', files.apiKeyStorePath,
          '--identity-key', files.identityKeyPath,
          '--epcis', `http://127.0.0.1:${epcisPort}`,
        ],
        logFile: path.join(options.logDir, 'gateway.log'),
        readyLine: /^twinledger-gateway ready /,
      }),
    );
    return {
      gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
      subgraphUrls: Object.fromEntries(subgraphUrls.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])),
      identityKeyPath: files.identityKeyPath,
      demoApiKey: files.demoApiKey,
      epcisUrl: `http://127.0.0.1:${gatewayPort}/epcis`,
      children,
    };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}

function provision(root: string, dir: string, organizationId: string): GatewayFiles {
  try {
    const output = execFileSync(process.execPath, [path.join(root, 'gateway', 'dist', 'provision.js'), '--dir', dir, '--organization', organizationId], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(output) as GatewayFiles;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ServiceStartError(`gateway keys could not be prepared in ${dir}: ${stderr ?? (error as Error).message}`);
  }
}
