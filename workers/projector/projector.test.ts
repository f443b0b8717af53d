/**
 * The projector caught up, against a stand-in ledger node and a graph double holding the genesis
 * checkpoint (the Neo4j paths are the projection integration test's): it long-polls the node's status
 * with `qcHeightAbove` = its height and `qcWaitMs`; after a poll the node held to its end it asks again
 * at once; a poll that fails, or that a node answers at once without a new block, is followed by the
 * `pollIntervalMs` sleep, so the loop never spins.
 */
import { genesisPrevHash } from '@twinledger/ledger-core/chain';
import { startStandInNode, type StandInAnswer, type StandInNode, type StandInRequest } from '@twinledger/ledger-core/client';
import type { Genesis } from '@twinledger/ledger-core/contracts';
import type { Driver } from 'neo4j-driver';
import { Projector, type ProjectorOptions } from './projector.js';

const genesis: Genesis = { v: 1, origin: 'test.twinledger.example/projector', timeMs: 0, members: [], parameters: { txTimePastMs: 60_000, txTimeFutureMs: 60_000 } };
const nodeStatus = { node: 'alpha', height: 0, qcHeight: 0, appliedRevision: 0, treeSize: 0, blockHash: null, etcd: { reachable: true }, peers: [], alarms: [] };

/** The checkpoint row of an empty graph, as `readHeadCypher` returns it. */
const genesisRow: Readonly<Record<string, unknown>> = { height: 0, blockHash: genesisPrevHash, headerJson: null, treeSize: 0, frontier: [] };

// A double of the one call the caught-up path makes (reading the checkpoint): the driver's type is far
// larger than what the projector touches here, hence the cast.
const driver = {
  session: () => ({
    executeRead: async <T>(work: (tx: unknown) => Promise<T>): Promise<T> => work({ run: async () => ({ records: [{ get: (key: string) => genesisRow[key] }] }) }),
    close: async () => undefined,
  }),
} as unknown as Driver;

const started: StandInNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.close()));
});

const isLongPoll = (request: StandInRequest): boolean => request.query.has('qcHeightAbove');

/** Runs a projector against a node answering long polls with `longPoll` for `runMs`; returns the node's requests. */
async function runCaughtUp(longPoll: () => StandInAnswer, options: Partial<ProjectorOptions>, runMs: number): Promise<readonly StandInRequest[]> {
  const node = await startStandInNode((request) => (isLongPoll(request) ? longPoll() : { status: 200, body: nodeStatus }));
  started.push(node);
  const abort = new AbortController();
  const projector = new Projector({ driver, ledgerUrls: [node.url], consortium: { origin: genesis.origin, members: [] }, genesis, signal: abort.signal, ...options });
  const stopped = setTimeout(() => abort.abort(), runMs);
  try {
    expect(await projector.run()).toBe(0);
  } finally {
    clearTimeout(stopped);
    projector.close();
  }
  return node.requests;
}

describe('Projector caught up', () => {
  it('long-polls with its height and qcWaitMs, and asks again at once after a poll held to its end', async () => {
    // A fallback sleep of 10 s would allow one long poll in the run; asking again at once allows several.
    const requests = await runCaughtUp(() => ({ status: 200, body: nodeStatus, delayMs: 100 }), { qcWaitMs: 100, pollIntervalMs: 10_000 }, 700);
    const longPolls = requests.filter(isLongPoll);
    // At least two: a projector that slept its fallback 10 s after the first would have made one.
    expect(longPolls.length).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(longPolls[0]!.query)).toEqual({ qcHeightAbove: '0', waitMs: '100' });
    // Each round still asks every node's plain status first.
    expect(requests.length - longPolls.length).toBeGreaterThanOrEqual(longPolls.length);
  });

  it.each<[string, StandInAnswer]>([
    ['a node that answers at once without a new block', { status: 200, body: nodeStatus }],
    ['a refused long poll', { status: 503, body: { error: { code: 'BACKPRESSURE', message: 'too many' } } }],
  ])('sleeps pollIntervalMs after %s instead of spinning', async (_, answer) => {
    const requests = await runCaughtUp(() => answer, { qcWaitMs: 1_000, pollIntervalMs: 100 }, 800);
    const longPolls = requests.filter(isLongPoll).length;
    // About eight at one per 100 ms sleep; bounds loose enough for a busy machine, and a spinning loop
    // would make hundreds.
    expect(longPolls).toBeGreaterThanOrEqual(2);
    expect(longPolls).toBeLessThanOrEqual(12);
  });
});
