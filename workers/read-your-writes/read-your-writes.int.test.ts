/**
 * Read-your-writes end to end, against the run's ledger nodes and a Neo4j of this file's own: a note
 * submitted through the commands queue comes back with its receipt; while no projector runs,
 * `awaitProjection` for the receipt's height answers PROJECTION_BEHIND instead of a stale graph; once
 * a projector runs, it resolves at a checkpoint at or past that height, and the note is then in the
 * graph with the transaction that made it. The projector announces its heights over the run's Redis,
 * and the wait listens to them, as the platform's processes do.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTransaction, transactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { applyMigrations, fromNeo4j } from '@twinledger/graph-schema';
import { startNeo4j, type Neo4jService } from '@twinledger/tools';
import neo4j, { type Driver } from 'neo4j-driver';
import { CommandOutcomeListener, commandsQueue, redisConnection, startCommandWorker, submitAndAwait } from '../commands/index.js';
import { Projector } from '../projector/projector.js';
import { announceProjectedHeight, awaitProjection, listenForProjectedHeights, ProjectionWaitErrorCode } from './index.js';

jest.setTimeout(300_000);

const ledgerUrls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url.length > 0);
let dataDir: string;
let neo4jService: Neo4jService;
let driver: Driver;
let loaded: LoadedConsortium;

beforeAll(async () => {
  const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR;
  if (consortiumDir === undefined || ledgerUrls.length === 0 || process.env.REDIS_URL === undefined) throw new Error('the integration harness sets LEDGER_URLS, LEDGER_CONSORTIUM_DIR and REDIS_URL');
  loaded = loadConsortium(consortiumDir);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-read-your-writes-'));
  neo4jService = await startNeo4j(dataDir, dataDir, { heapMb: 512 });
  driver = neo4j.driver(neo4jService.uri);
  await applyMigrations(driver);
});

afterAll(async () => {
  await driver?.close();
  await neo4jService?.child.stop();
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
});

it('answers only once the projection has passed the receipt height', async () => {
  const member = loaded.genesis.members[0];
  if (member === undefined) throw new Error('the consortium has no member');
  const signer = transactionSigner(loadMemberKeys(loaded, member.name).organizationKey);
  const key = `read-your-writes-${crypto.randomBytes(6).toString('hex')}`;
  const { txId, signed } = buildTransaction({ type: 'asset.note', payload: { key, value: 'written' } }, signer);

  const prefix = `twinledger-test-${crypto.randomBytes(6).toString('hex')}`;
  const redisUrl = process.env.REDIS_URL ?? '';
  const producer = redisConnection(redisUrl, 'producer');
  const workerConnection = redisConnection(redisUrl, 'worker');
  const queue = commandsQueue({ connection: producer, prefix });
  const outcomes = await CommandOutcomeListener.connect(redisUrl, prefix);
  const worker = await startCommandWorker({ connection: workerConnection, prefix, ledgerUrls });
  let receiptHeight: number;
  try {
    const receipt = await submitAndAwait(queue, outcomes, signed, { timeoutMs: 60_000 });
    expect(receipt).toMatchObject({ txId, status: 'accepted' });
    receiptHeight = receipt.height;
  } finally {
    await worker.close();
    await outcomes.close();
    await queue.close();
    for (const connection of [producer, workerConnection]) connection.disconnect();
  }

  // No projector yet: the graph is behind, and the wait says so instead of answering from it.
  await expect(awaitProjection(driver, receiptHeight, { timeoutMs: 300 })).rejects.toMatchObject({ code: ProjectionWaitErrorCode.behind, heightSeen: 0 });

  const listener = await listenForProjectedHeights(redisUrl);
  const announcer = redisConnection(redisUrl, 'producer');
  const announced: number[] = [];
  const abort = new AbortController();
  const projector = new Projector({
    driver,
    ledgerUrls,
    consortium: loaded.consortium,
    genesis: loaded.genesis,
    signal: abort.signal,
    backoffMsFirst: 20,
    backoffMsMax: 200,
    onBatch: (batch) => {
      announced.push(batch.heightLast);
      void announceProjectedHeight(announcer, batch.heightLast);
    },
  });
  const running = projector.run();
  try {
    const projected = await awaitProjection(driver, receiptHeight, { timeoutMs: 120_000, notices: listener.notices });
    expect(projected).toBeGreaterThanOrEqual(receiptHeight);
    // The wait ended on the graph's checkpoint; the notice of that batch came over Redis to the listener.
    await listener.notices.wait(receiptHeight, 5_000);
    expect(listener.notices.height).toBeGreaterThanOrEqual(receiptHeight);
    expect(announced).toContain(listener.notices.height);
    const note = await driver.executeQuery('MATCH (n:Note {key: $key}) RETURN n.createdTxId AS txId, n.height AS height', { key });
    expect(note.records).toHaveLength(1);
    expect(note.records[0]?.get('txId')).toBe(txId);
    expect(fromNeo4j(note.records[0]?.get('height'))).toBe(receiptHeight);
  } finally {
    abort.abort();
    await running.catch(() => undefined);
    projector.close();
    announcer.disconnect();
    await listener.close();
  }
});
