/**
 * `npm run rebuild`: drops the projected graph, resets the checkpoint and replays the ledger from
 * block 1 up to the highest QC height at the start, then exits 0. Reads NEO4J_URI, LEDGER_URLS
 * (comma-separated) and LEDGER_CONSORTIUM_DIR; a running projector must be stopped first.
 */
import { applyMigrations } from '@twinledger/graph-schema';
import { LedgerClient } from '@twinledger/ledger-core/client';
import { openNeo4jDriver } from '@twinledger/tools';
import { loadConsortiumAt } from '../consortium.js';
import { rebuildGraph } from './rebuild.js';

async function main(): Promise<void> {
  const { NEO4J_URI, LEDGER_URLS, LEDGER_CONSORTIUM_DIR } = process.env;
  if (NEO4J_URI === undefined || LEDGER_URLS === undefined || LEDGER_CONSORTIUM_DIR === undefined) {
    process.stderr.write('twinledger-rebuild: set NEO4J_URI, LEDGER_URLS and LEDGER_CONSORTIUM_DIR\n');
    process.exit(2);
  }
  const ledgerUrls = LEDGER_URLS.split(',').filter((url) => url.length > 0);
  const loaded = loadConsortiumAt(LEDGER_CONSORTIUM_DIR);
  const driver = openNeo4jDriver(NEO4J_URI);
  const client = new LedgerClient({ nodes: ledgerUrls });
  try {
    await applyMigrations(driver);
    const statuses = await client.status();
    const heightStop = Math.max(0, ...statuses.flatMap((result) => (result.ok ? [result.status.qcHeight] : [])));
    const report = await rebuildGraph({ driver, ledgerUrls, consortium: loaded.consortium, genesis: loaded.genesis, heightStop });
    process.stdout.write(`twinledger-rebuild: deleted ${report.deletedNodeCount} nodes, replayed to height ${report.height} in ${Math.round(report.durationMs)} ms\n`);
  } catch (error: unknown) {
    process.stderr.write(`twinledger-rebuild: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    client.close();
    await driver.close();
  }
}

void main();
