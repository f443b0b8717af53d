/**
 * The command line every subgraph process takes, and its run loop:
 *   --port <n> --neo4j <bolt url> --ledger <url>[,<url>...] --consortium <dir> --identity-key <gateway public key PEM file>
 *   [--redis <redis:// url> --custody <dir>]
 * `--redis` and `--custody` (given together) let a subgraph serve mutations: the commands queue and the
 * custodial organisation keys. It prints `twinledger-subgraph <name> ready http://127.0.0.1:<port>/graphql` once it listens and
 * stops on SIGTERM or SIGINT.
 */
import * as fs from 'node:fs';
import { identityVerifyKeyFromPem } from '@twinledger/gateway';
import { LedgerClient } from '@twinledger/ledger-core/client';
import { loadConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { openNeo4jDriver } from '@twinledger/tools';
import type { Driver } from 'neo4j-driver';
import type { RunningSubgraph } from './server.js';
import type { KeyObject } from 'node:crypto';

export interface SubgraphArguments {
  readonly port: number;
  readonly neo4jUri: string;
  readonly ledgerUrls: readonly string[];
  readonly consortiumDir: string;
  readonly identityKeyPath: string;
  /** The commands queue's Redis, for subgraphs that serve mutations. */
  readonly redisUrl: string | undefined;
  /** The custodial key folder, given with `redisUrl`. */
  readonly custodyDir: string | undefined;
}

export class SubgraphArgumentError extends Error {
  override readonly name = 'SubgraphArgumentError';
}

/** Parses `argv` (without node and script). Throws SubgraphArgumentError naming the first problem. */
export function parseSubgraphArguments(argv: readonly string[]): SubgraphArguments {
  const values = new Map<string, string>();
  const known = new Set(['port', 'neo4j', 'ledger', 'consortium', 'identity-key', 'redis', 'custody']);
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index] ?? '';
    const value = argv[index + 1];
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !known.has(name)) throw new SubgraphArgumentError(`unknown argument ${flag}`);
    if (value === undefined) throw new SubgraphArgumentError(`${flag} needs a value`);
    values.set(name, value);
  }
  const need = (name: string): string => {
    const value = values.get(name);
    if (value === undefined || value.length === 0) throw new SubgraphArgumentError(`--${name} is required`);
    return value;
  };
  const port = Number(need('port'));
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new SubgraphArgumentError('--port must be 0 to 65535');
  const ledgerUrls = need('ledger').split(',').filter((url) => url.length > 0);
  const redisUrl = values.get('redis');
  const custodyDir = values.get('custody');
  if ((redisUrl === undefined) !== (custodyDir === undefined)) throw new SubgraphArgumentError('--redis and --custody are given together');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new SubgraphArgumentError('--redis must be a redis:// or rediss:// URL');
  return { port, neo4jUri: need('neo4j'), ledgerUrls, consortiumDir: need('consortium'), identityKeyPath: need('identity-key'), redisUrl, custodyDir };
}

export interface SubgraphResources {
  readonly driver: Driver;
  readonly client: LedgerClient;
  readonly identityVerifyKey: KeyObject;
  readonly args: SubgraphArguments;
}

/** Runs subgraph `name` from the command line until a termination signal. */
export async function runSubgraphMain(name: string, start: (resources: SubgraphResources, port: number) => Promise<RunningSubgraph>): Promise<void> {
  let args: SubgraphArguments;
  try {
    args = parseSubgraphArguments(process.argv.slice(2));
  } catch (error: unknown) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  // Fails early on a consortium folder that does not load, rather than on the first proof request.
  loadConsortium(args.consortiumDir);
  const identityVerifyKey = identityVerifyKeyFromPem(fs.readFileSync(args.identityKeyPath, 'utf8'));
  const driver = openNeo4jDriver(args.neo4jUri);
  const client = new LedgerClient({ nodes: [...args.ledgerUrls] });
  const running = await start({ driver, client, identityVerifyKey, args }, args.port);
  process.stdout.write(`twinledger-subgraph ${name} ready http://127.0.0.1:${running.port}/graphql\n`);
  const stop = (): void => {
    void running
      .stop()
      .then(() => driver.close())
      .then(() => client.close());
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
