/**
 * The projector process. Applies the migrations, then projects until SIGTERM / SIGINT (the batch in
 * flight finishes or rolls back; exit 0). With `--redis` it announces every committed height there.
 * Prints exactly one line on stdout once it runs:
 *   twinledger-projector ready height <checkpoint height>
 * Bad arguments exit 2; a stop on an event it cannot project or a broken invariant exits 1 with one
 * line on stderr.
 */
import { applyMigrations } from '@twinledger/graph-schema';
import { openNeo4jDriver } from '@twinledger/tools';
import { redisConnection } from '../commands/queue.js';
import { loadConsortiumAt } from '../consortium.js';
import { announceProjectedHeight } from '../read-your-writes/notice-channel.js';
import { parseProjectorArgs, ProjectorArgsError } from './args.js';
import { Projector } from './projector.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseProjectorArgs(process.argv.slice(2));
  } catch (error: unknown) {
    if (error instanceof ProjectorArgsError) {
      process.stderr.write(`twinledger-projector: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const loaded = loadConsortiumAt(args.consortiumPath);
  const driver = openNeo4jDriver(args.neo4jUri);
  // A producer connection: an announcement that cannot go out now is dropped, not queued, since a
  // later one supersedes it and waiters poll meanwhile.
  const announcer = args.redisUrl === undefined ? undefined : redisConnection(args.redisUrl, 'producer');
  let announcing = true;
  announcer?.on('error', () => undefined);
  const announce = (height: number): void => {
    if (announcer === undefined) return;
    announceProjectedHeight(announcer, height).then(
      () => {
        if (!announcing) process.stderr.write(`twinledger-projector: announcing projected heights again\n`);
        announcing = true;
      },
      (error: unknown) => {
        // One line per outage, not one per batch.
        if (announcing) process.stderr.write(`twinledger-projector: cannot announce projected heights: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
        announcing = false;
      },
    );
  };
  const abort = new AbortController();
  process.on('SIGTERM', () => abort.abort());
  process.on('SIGINT', () => abort.abort());
  const projector = new Projector({
    driver,
    ledgerUrls: args.ledgerUrls,
    consortium: loaded.consortium,
    genesis: loaded.genesis,
    signal: abort.signal,
    onBatch: (batch) => announce(batch.heightLast),
    onRetry: (reason, delayMs) => process.stderr.write(`twinledger-projector: retry in ${delayMs} ms: ${oneLine(reason)}\n`),
  });
  let code = 0;
  try {
    await applyMigrations(driver);
    const head = await driver.executeQuery("MATCH (c:ProjectionCheckpoint {id: 'ledger'}) RETURN toString(c.height) AS height");
    process.stdout.write(`twinledger-projector ready height ${String(head.records[0]?.get('height'))}\n`);
    await projector.run();
  } catch (error: unknown) {
    process.stderr.write(`twinledger-projector: stopped: ${oneLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}\n`);
    code = 1;
  } finally {
    projector.close();
    announcer?.disconnect();
    await driver.close();
  }
  process.exit(code);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

void main();
