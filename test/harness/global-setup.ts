/**
 * Starts the platform's services once for the whole integration run (or health-checks the ones named by
 * NEO4J_URI, REDIS_URL, ETCD_ENDPOINTS) and hands their addresses to the test workers through the
 * environment, which workers inherit because jest forks them after this runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startPlatform, type Platform } from '@twinledger/tools';

export interface HarnessState {
  platform: Platform;
  dataDir: string;
  ownsDataDir: boolean;
}

declare global {
  // Shared with global-teardown, which jest runs in this same process.
  var twinledgerHarness: HarnessState | undefined;
}

export default async function globalSetup(): Promise<void> {
  const ownsDataDir = process.env.TWINLEDGER_TEST_DATA_DIR === undefined;
  const dataDir = process.env.TWINLEDGER_TEST_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-test-'));
  // Tests that project run their own projector (and the GraphQL servers over it) against a Neo4j of their
  // own; a shared projector would race them for the graph's checkpoint.
  const platform = await startPlatform({ dataDir, neo4jHeapMb: 768, projector: false, graphql: false });
  globalThis.twinledgerHarness = { platform, dataDir, ownsDataDir };
  process.env.NEO4J_URI = platform.endpoints.neo4jUri;
  process.env.REDIS_URL = platform.endpoints.redisUrl;
  process.env.ETCD_ENDPOINTS = platform.endpoints.etcdEndpoints.join(',');
  process.env.LEDGER_URLS = platform.endpoints.ledgerUrls.join(',');
  if (platform.endpoints.consortiumDir !== undefined) process.env.LEDGER_CONSORTIUM_DIR = platform.endpoints.consortiumDir;
}
