/**
 * `npm start`: brings the platform up on this machine with embedded defaults, prints where each part
 * listens, and on Ctrl-C or SIGTERM stops everything it started. A problem a person can fix (a missing
 * program, a data folder in use) is one line on stderr and exit code 1, not a stack trace.
 */
import { ServiceStartError } from '../services/errors.js';
import { defaultDataDir, startPlatform, type Platform } from '../services/platform.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(error: unknown): never {
  const line = error instanceof ServiceStartError ? error.message : `unexpected failure: ${(error as Error).stack ?? String(error)}`;
  process.stderr.write(`twinledger: ${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const dataDir = defaultDataDir();
  const startedAtMs = Date.now();
  say(`twinledger starting, data in ${dataDir}`);
  const starting = startPlatform({ dataDir, log: say });

  let stopping = false;
  // A signal during start-up waits for the start to finish, so nothing half-started is left behind.
  const stop = (reason: string, exitCode: number): void => {
    if (stopping) return;
    stopping = true;
    say(`twinledger stopping (${reason})`);
    starting
      .then((platform) => platform.stop())
      .then(
        () => {
          say('twinledger stopped');
          process.exit(exitCode);
        },
        (error: unknown) => (error instanceof ServiceStartError ? process.exit(exitCode) : fail(error)),
      );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));

  const platform: Platform = await starting;
  if (stopping) return;
  const { endpoints } = platform;
  say(`neo4j   ${endpoints.neo4jUri}`);
  say(`redis   ${endpoints.redisUrl}`);
  say(`etcd    ${endpoints.etcdEndpoints.join(',')}`);
  say(`ledger  ${endpoints.ledgerUrls.join(',')}`);
  if (endpoints.consortiumDir !== undefined) say(`consortium ${endpoints.consortiumDir}`);
  if (endpoints.gatewayUrl !== undefined) say(`graphql ${endpoints.gatewayUrl}  (demo API key: ${endpoints.demoApiKey ?? 'none'})`);
  if (endpoints.epcisUrl !== undefined) say(`epcis   ${endpoints.epcisUrl}/capture, ${endpoints.epcisUrl}/events  (same API key)`);
  say(`pids    ${platform.children().map((child) => `${child.name}=${child.pid}`).join(' ')}`);
  say(`twinledger ready in ${Date.now() - startedAtMs} ms (Ctrl-C stops it)`);

  // A service that dies on its own takes the platform down: running half a platform hides the failure.
  for (const child of platform.children()) {
    void child.exited.then((code) => {
      if (stopping) return;
      process.stderr.write(`twinledger: ${child.name} exited (${String(code)}); see ${child.logFile}\n`);
      stop(`${child.name} exited`, 1);
    });
  }
}

main().catch(fail);
