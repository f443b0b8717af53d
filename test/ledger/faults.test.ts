/**
 * The ledger cluster under faults, on an etcd cluster and three ledger node processes of its own:
 * - a node killed with SIGKILL under load and restarted catches up and agrees, and every acknowledged
 *   transaction is on every node;
 * - a node whose data folder is deleted catches up in full;
 * - a corrupted last block record is found on start and repaired;
 * - with one etcd member down commits go on; with two down nothing commits, no node forks and the status
 *   says etcd is unreachable; once they are back commits resume and nothing acknowledged is lost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LedgerClient, type Receipt } from '@twinledger/ledger-core/client';
import { memberSigner, qcHeightMin, readChain, startIsolatedLedger, submitLoad, waitForQcHeight, type IsolatedLedger, type LoadResult } from './cluster';

let cluster: IsolatedLedger;
let urls: string[];
const acknowledged: Receipt[] = [];

beforeAll(async () => {
  cluster = await startIsolatedLedger();
  urls = cluster.ledger.urls;
}, 180_000);

const loadsRunning = new Set<() => Promise<LoadResult>>();

afterAll(async () => {
  // A failed test leaves its load running; stop it before the cluster, or its clients retry forever.
  await Promise.all([...loadsRunning].map((stop) => stop()));
  await cluster?.stop();
}, 60_000);

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}

/** Load in the background until the returned stop function is called; resolves with what was acknowledged. */
function backgroundLoad(label: string, clientCount = 8): { stop: () => Promise<LoadResult> } {
  let stopped = false;
  const { signer } = memberSigner(cluster.ledger.consortiumDir);
  const running = submitLoad(urls, signer, Number.MAX_SAFE_INTEGER, clientCount, label, () => stopped);
  const stop = async (): Promise<LoadResult> => {
    stopped = true;
    loadsRunning.delete(stop);
    const result = await running;
    acknowledged.push(...result.receipts);
    return result;
  };
  loadsRunning.add(stop);
  return { stop };
}

/** Every node at the same QC height holds the same chain, and every acknowledged receipt is in it. */
async function expectAgreement(): Promise<void> {
  const heightNeeded = Math.max(0, ...acknowledged.map((receipt) => receipt.height));
  await waitForQcHeight(urls, heightNeeded, 90_000);
  const height = await qcHeightMin(urls);
  const chains = await Promise.all(urls.map((url) => readChain(url, height)));
  for (const chain of chains.slice(1)) expect(chain.hashes).toEqual(chains[0]?.hashes);
  const missing = acknowledged.filter((receipt) => chains.some((chain) => chain.positions.get(receipt.txId) !== `${receipt.height}:${receipt.position}`));
  expect(missing.map((receipt) => receipt.txId)).toEqual([]);
  const client = new LedgerClient({ nodes: urls });
  try {
    for (const result of await client.status()) {
      expect(result.ok && result.status.alarms).toEqual([]);
    }
  } finally {
    client.close();
  }
}

test('a node killed under load catches up after restart and agrees', async () => {
  const load = backgroundLoad('kill');
  await sleep(2_000);
  await cluster.ledger.stopNode('gamma', 'SIGKILL');
  await sleep(2_000);
  await cluster.ledger.startNode('gamma');
  await sleep(1_500);
  const result = await load.stop();
  expect(result.receipts.length).toBeGreaterThan(100);
  await expectAgreement();
}, 240_000);

test('a node whose data folder is deleted catches up from scratch', async () => {
  const load = backgroundLoad('wipe');
  await sleep(1_500);
  await cluster.ledger.stopNode('beta', 'SIGKILL');
  fs.rmSync(path.join(cluster.dataDir, 'ledger', 'beta'), { recursive: true, force: true });
  await sleep(1_000);
  await cluster.ledger.startNode('beta');
  await sleep(1_000);
  await load.stop();
  await expectAgreement();
}, 240_000);

test('a corrupted last block record is detected on start and repaired', async () => {
  await cluster.ledger.stopNode('alpha', 'SIGTERM');
  const blocksDir = path.join(cluster.dataDir, 'ledger', 'alpha', 'blocks');
  const lastSegment = fs.readdirSync(blocksDir).filter((name) => name.startsWith('segment-')).sort().at(-1);
  if (lastSegment === undefined) throw new Error('alpha has no block segment');
  const segmentPath = path.join(blocksDir, lastSegment);
  const bytes = fs.readFileSync(segmentPath);
  const flipAt = bytes.length - 10;
  bytes[flipAt] = (bytes[flipAt] ?? 0) ^ 0xff;
  fs.writeFileSync(segmentPath, bytes);
  await cluster.ledger.startNode('alpha');
  const load = backgroundLoad('after-repair', 4);
  await sleep(1_500);
  await load.stop();
  await expectAgreement();
}, 240_000);

test('etcd: one member down, commits go on; two down, none and no fork; back, commits resume', async () => {
  const oneDown = backgroundLoad('etcd-one-down');
  await sleep(1_000);
  await cluster.etcd.stopMember('member-1');
  const heightBefore = await qcHeightMin(urls);
  await sleep(3_000);
  expect(await qcHeightMin(urls)).toBeGreaterThan(heightBefore);
  await oneDown.stop();

  await cluster.etcd.stopMember('member-2');
  const heightStalled = await qcHeightMin(urls);
  const noQuorum = backgroundLoad('etcd-two-down', 2);
  await sleep(5_000);
  const client = new LedgerClient({ nodes: urls, timeoutMs: 5_000 });
  try {
    const statuses = await client.status();
    for (const result of statuses) {
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.status.qcHeight).toBe(heightStalled);
      expect(result.status.etcd.reachable).toBe(false);
      expect(result.status.alarms.filter((alarm) => alarm.code === 'FORK')).toEqual([]);
    }
  } finally {
    client.close();
  }

  await cluster.etcd.startMember('member-1');
  await cluster.etcd.startMember('member-2');
  const stalledLoad = await noQuorum.stop();
  const resumed = backgroundLoad('etcd-back', 4);
  await sleep(3_000);
  const afterResume = await resumed.stop();
  expect(afterResume.receipts.length).toBeGreaterThan(0);
  expect(await qcHeightMin(urls)).toBeGreaterThan(heightStalled);
  await expectAgreement();
  // Submissions whose outcome was unknown during the outage are either on the ledger once or not at all.
  const chain = await readChain(urls[0] as string, await qcHeightMin(urls));
  for (const txId of stalledLoad.unknown) expect([0, 1]).toContain(chain.positions.has(txId) ? 1 : 0);
}, 300_000);
