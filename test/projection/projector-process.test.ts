/**
 * The projector as a process, on a ledger and a Neo4j of its own: killed with SIGKILL mid-stream while
 * transactions keep arriving and started again, it applies every event exactly once (each accepted note
 * write is one NoteVersion carrying its transaction id; none missing, none twice) and its checkpoint
 * reaches the ledger's height. Then Neo4j's data folder is deleted and `npm run rebuild`'s program replays
 * the ledger into the empty database: the canonical dump is the same graph, node for node.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot, startNeo4j, startProjector, type ChildHandle, type Neo4jService } from '@twinledger/tools';
import { dumpGraph } from '@twinledger/workers';
import neo4j, { type Driver } from 'neo4j-driver';
import { memberSigner, qcHeightMin, readChain, startIsolatedLedger, submitLoad, type IsolatedLedger } from '../ledger/cluster';

let ledger: IsolatedLedger;
let neo4jDir: string;
let logDir: string;
let database: Neo4jService | undefined;
let projector: ChildHandle | undefined;

beforeAll(async () => {
  ledger = await startIsolatedLedger();
  neo4jDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-projection-'));
  logDir = path.join(neo4jDir, 'logs');
  fs.mkdirSync(logDir);
  database = await startNeo4j(neo4jDir, logDir, { heapMb: 384 });
}, 240_000);

afterAll(async () => {
  await projector?.stop();
  await database?.child.stop();
  await ledger?.stop();
  fs.rmSync(neo4jDir, { recursive: true, force: true });
}, 120_000);

function startLedgerProjector(uri: string): Promise<ChildHandle> {
  return startProjector({ logDir, ledgerUrls: ledger.ledger.urls, neo4jUri: uri, consortiumPath: ledger.ledger.consortiumDir });
}

async function checkpointHeight(driver: Driver): Promise<number> {
  const { records } = await driver.executeQuery("MATCH (c:ProjectionCheckpoint {id: 'ledger'}) RETURN c.height AS height");
  const height: unknown = records[0]?.get('height');
  return neo4j.isInt(height) ? height.toNumber() : typeof height === 'number' ? height : 0;
}

async function waitForCheckpoint(driver: Driver, height: number, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while ((await checkpointHeight(driver)) < height) {
    if (Date.now() > deadlineMs) throw new Error(`projection not at height ${height} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a projector killed mid-stream and restarted applies every event once; a rebuild into an empty Neo4j gives the same graph', async () => {
  if (database === undefined) throw new Error('no neo4j');
  const { signer } = memberSigner(ledger.ledger.consortiumDir);
  let loadStopped = false;
  const load = submitLoad(ledger.ledger.urls, signer, 600, 8, 'projected', () => loadStopped);

  projector = await startLedgerProjector(database.uri);
  const probe = neo4j.driver(database.uri);
  let heightAtKill: number;
  try {
    await waitForCheckpoint(probe, 1, 60_000);
    process.kill(-projector.pid, 'SIGKILL');
    await projector.exited;
    heightAtKill = await checkpointHeight(probe);
  } finally {
    await probe.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  projector = await startLedgerProjector(database.uri);
  const { receipts, unknown } = await load;
  loadStopped = true;
  expect(unknown).toEqual([]);
  expect(receipts.length).toBe(600);

  const height = await qcHeightMin(ledger.ledger.urls);
  // Killed mid-stream: some blocks were projected and more came after.
  expect(heightAtKill).toBeGreaterThan(0);
  expect(heightAtKill).toBeLessThan(height);
  const driver = neo4j.driver(database.uri);
  try {
    await waitForCheckpoint(driver, height, 120_000);
    const chain = await readChain(ledger.ledger.urls[0] as string, height);
    const { records } = await driver.executeQuery('MATCH (v:NoteVersion) RETURN v.txId AS txId');
    const projectedIds = records.map((record) => record.get('txId') as string);
    expect(projectedIds.length).toBe(new Set(projectedIds).size);
    // Every note write the ledger accepted, and nothing else, is in the graph once.
    const acceptedWrites = receipts.filter((receipt) => receipt.status === 'accepted').map((receipt) => receipt.txId);
    expect(acceptedWrites.length).toBe(600);
    expect(acceptedWrites.filter((txId) => !chain.positions.has(txId))).toEqual([]);
    expect(new Set(projectedIds)).toEqual(new Set(acceptedWrites));
  } finally {
    await driver.close();
  }

  await projector.stop();
  projector = undefined;
  const before = await dumpFrom(database.uri);

  // A new, empty database in place of the old one, then the rebuild program.
  await database.child.stop();
  fs.rmSync(path.join(neo4jDir, 'neo4j'), { recursive: true, force: true });
  database = await startNeo4j(neo4jDir, logDir, { heapMb: 384 });
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repositoryRoot(), 'workers', 'dist', 'rebuild', 'main.js')], {
    env: { ...process.env, NEO4J_URI: database.uri, LEDGER_URLS: ledger.ledger.urls.join(','), LEDGER_CONSORTIUM_DIR: ledger.ledger.consortiumDir },
  });
  expect(stdout).toMatch(new RegExp(`replayed to height ${height} `));
  expect(await dumpFrom(database.uri)).toBe(before);
}, 400_000);

async function dumpFrom(uri: string): Promise<string> {
  const driver = neo4j.driver(uri);
  try {
    return await dumpGraph(driver);
  } finally {
    await driver.close();
  }
}
