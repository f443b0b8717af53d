/**
 * Three in-process ledger nodes over the real etcd (ETCD_ENDPOINTS), driven over HTTP. Proves: a few
 * hundred transactions from concurrent clients on all nodes end in identical blocks and checkpoints
 * everywhere, with a correct receipt each; a duplicate is answered with the first receipt; bad input is
 * refused with its code and nothing reaches the log; a contract rejection is a leaf with its reason; a
 * restarted node continues the chain; a node opened on an empty folder after the log was compacted
 * catches up from a peer; a corrupted last block record is restored from a peer on open; and a status
 * long poll is answered as soon as a new block is certified, at its waitMs with the height unchanged
 * when none is, refuses bad parameters and requests beyond its bound, frees the place of a client that
 * left, and does not hold up a node's shutdown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockHash } from '../chain/block.js';
import { parseCheckpoint } from '../chain/checkpoint.js';
import { consortiumOf } from '../contracts/genesis.js';
import { verifyProofBundleJson } from '../chain/proof-bundle.js';
import { noteTransaction, postTransaction, startTestCluster, until, type TestCluster } from './testing.js';
import type { NodeStatus } from './ledger-node.js';

const endpoints = (process.env.ETCD_ENDPOINTS ?? '').split(',').filter((endpoint) => endpoint.length > 0);
const clusters: TestCluster[] = [];

async function cluster(options: Parameters<typeof startTestCluster>[1] = {}): Promise<TestCluster> {
  const created = await startTestCluster(endpoints, { ...(process.env['NODE_TEST_LOG'] === undefined ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }), ...options });
  clusters.push(created);
  return created;
}

afterAll(async () => {
  for (const created of clusters) await created.close();
});

async function getJson(url: string, signal?: AbortSignal): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, signal === undefined ? {} : { signal });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function heights(testCluster: TestCluster): number[] {
  return testCluster.members.map((member) => member.node?.height ?? -1);
}

async function sameChain(testCluster: TestCluster): Promise<void> {
  const live = testCluster.members.filter((member) => member.node !== undefined);
  await until(() => live.every((member) => member.node!.qcHeight === live[0]!.node!.height && member.node!.height === live[0]!.node!.height), 'nodes to agree');
  const top = live[0]!.node!.height;
  for (let height = 1; height <= top; height++) {
    const hashes = new Set(live.map((member) => blockHash(member.node!.chain.record(height)!.header)));
    expect(hashes.size).toBe(1);
    const checkpoints = new Set(live.map((member) => JSON.stringify(parseCheckpoint(member.node!.qc(height)!.split('\n\n')[0]! + '\n'))));
    expect(checkpoints.size).toBe(1);
  }
}

describe('three ledger nodes', () => {
  beforeAll(() => {
    if (endpoints.length === 0) throw new Error('ETCD_ENDPOINTS is not set: run in the integration project');
  });

  it('agree on every block of concurrent submissions, answer receipts and duplicates, refuse bad input', async () => {
    const testCluster = await cluster();
    const [alpha, bravo, charlie] = testCluster.members;
    const clientsCount = 12;
    const perClient = 25;
    const receipts = await Promise.all(
      Array.from({ length: clientsCount }, async (_, client) => {
        const member = testCluster.members[client % 3]!;
        const answers = [];
        for (let index = 0; index < perClient; index++) {
          const tx = noteTransaction(member.keys, `k-${client}-${index}`, { client, index }, `n-${client}-${index}`);
          answers.push(await postTransaction(member.url, tx));
        }
        return answers;
      }),
    );
    const all = receipts.flat();
    expect(all.every((answer) => answer.status === 200 && answer.json['status'] === 'accepted')).toBe(true);
    await sameChain(testCluster);
    const leafIndexes = new Set(all.map((answer) => answer.json['leafIndex']));
    expect(leafIndexes.size).toBe(clientsCount * perClient);
    // Each node executed the 100 transactions submitted to it without verifying their signatures again.
    for (const member of testCluster.members) expect(member.node?.verifier.stats.hits).toBeGreaterThanOrEqual((clientsCount / 3) * perClient);

    // A receipt from one node matches the block another node holds.
    const first = all[0]!.json;
    const fromBravo = await (await fetch(`${bravo!.url}/v1/receipts/${String(first['txId'])}`)).json();
    expect(fromBravo).toEqual(first);

    // A duplicate gets the first receipt.
    const tx = noteTransaction(alpha!.keys, 'dup', 1, 'dup-1');
    const original = await postTransaction(alpha!.url, tx);
    const again = await postTransaction(charlie!.url, tx);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...original.json, duplicate: true });

    // A contract rejection is a leaf with its reason.
    const stale = await postTransaction(alpha!.url, noteTransaction(alpha!.keys, 'dup', 2, 'dup-2', { expectedVersion: 7 }));
    expect(stale.status).toBe(200);
    expect(stale.json).toMatchObject({ status: 'rejected', code: 'VERSION_MISMATCH' });
    const leaf = (await (await fetch(`${alpha!.url}/v1/transactions/${String(stale.json['txId'])}`)).json()) as { leaf: { outcome: unknown } };
    expect(leaf.leaf.outcome).toMatchObject({ status: 'rejected', code: 'VERSION_MISMATCH' });

    // The inclusion proof verifies offline against the consortium.
    const bundle = await (await fetch(`${charlie!.url}/v1/proofs/inclusion/${String(first['txId'])}`)).text();
    const verified = verifyProofBundleJson(bundle, consortiumOf(alpha!.node!.consortium.genesis));
    if (!verified.ok) process.stderr.write(`proof: ${JSON.stringify(verified)}\n`);
    expect(verified).toMatchObject({ ok: true });

    // Bad input is refused, and nothing reaches the log.
    const treeSizeBefore = alpha!.node!.chain.tree.treeSize;
    const good = noteTransaction(alpha!.keys, 'bad', 1, 'bad-1');
    const forged = { ...good, signature: `${good.signature.slice(0, 10)}${good.signature[10] === 'A' ? 'B' : 'A'}${good.signature.slice(11)}` };
    const cases: Array<[unknown, number, string]> = [
      [forged, 400, 'BAD_SIGNATURE'],
      [{ tx: { ...good.tx, signer: 'did:web:example.com' }, signature: good.signature }, 400, 'BAD_SIGNER'],
      [noteTransaction(alpha!.keys, 'bad', 1, 'bad-2', { timeMs: Date.now() - 3_600_000 }), 400, 'STALE_TIME'],
      [noteTransaction(alpha!.keys, 'bad', 1, 'bad-3', { timeMs: Date.now() + 3_600_000 }), 400, 'FUTURE_TIME'],
      ['{"tx": ', 400, 'MALFORMED_JSON'],
      ['x'.repeat(200_000), 413, 'TX_TOO_LARGE'],
      [{ ...good, extra: 1 }, 400, 'TX_BAD_FIELD'],
    ];
    const unknownType = noteTransaction(alpha!.keys, 'bad', 1, 'bad-4');
    const { signTransaction } = await import('../chain/transaction.js');
    cases.push([signTransaction({ ...unknownType.tx, type: 'no.suchThing' }, alpha!.keys.organizationKey.signer), 400, 'UNKNOWN_TYPE']);
    for (const [body, status, code] of cases) {
      const answer = await postTransaction(alpha!.url, body, 0);
      expect({ code, status: answer.status, error: (answer.json['error'] as { code?: string } | undefined)?.code }).toEqual({ code, status, error: code });
      expect(JSON.stringify(answer.json)).not.toContain('    at ');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alpha!.node!.chain.tree.treeSize).toBe(treeSizeBefore);

    const metrics = await (await fetch(`${alpha!.url}/metrics`)).text();
    expect(metrics).toContain('twinledger_rejections_total');
    const status = await (await fetch(`${alpha!.url}/status`)).json();
    expect(status).toMatchObject({ node: 'alpha', alarms: [] });
  }, 120_000);

  it('continues after a restart, catches up an emptied node after compaction, and repairs a corrupted last block', async () => {
    const testCluster = await cluster({ compactionIntervalMs: 200 });
    const [alpha, bravo, charlie] = testCluster.members;
    const submitBurst = async (tag: string, count: number): Promise<void> => {
      const answers = await Promise.all(
        Array.from({ length: count }, (_, index) => postTransaction(alpha!.url, noteTransaction(alpha!.keys, `${tag}-${index}`, index, `${tag}-${index}`))),
      );
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
    };
    await submitBurst('a', 20);
    await sameChain(testCluster);

    // Restart: close and reopen bravo on the same folder.
    await testCluster.stop(1);
    await submitBurst('b', 20);
    await testCluster.start(1);
    await submitBurst('c', 5);
    await sameChain(testCluster);

    // Empty folder after compaction: charlie's data is wiped while the log is compacted past block 1.
    await testCluster.stop(2);
    fs.rmSync(charlie!.dataDir, { recursive: true, force: true });
    await submitBurst('d', 20);
    await testCluster.start(2);
    await submitBurst('e', 5);
    await sameChain(testCluster);

    // A corrupted last block record on bravo: the tail is cut on open and restored from a peer.
    await testCluster.stop(1);
    const blocksDir = path.join(bravo!.dataDir, 'blocks');
    const segment = fs.readdirSync(blocksDir).sort().at(-1)!;
    const segmentPath = path.join(blocksDir, segment);
    const size = fs.statSync(segmentPath).size;
    const fd = fs.openSync(segmentPath, 'r+');
    fs.writeSync(fd, Buffer.from([0x7b ^ 0xff]), 0, 1, size - 2);
    fs.closeSync(fd);
    const reopened = await testCluster.start(1);
    expect(reopened.chain.recovery.status).toBe('truncated');
    await submitBurst('f', 5);
    await sameChain(testCluster);
    expect(heights(testCluster).every((height) => height > 5)).toBe(true);
  }, 180_000);

  it('answers a status long poll when a block is certified or at waitMs, refuses bad parameters and excess waiters, and lets go at shutdown', async () => {
    const testCluster = await cluster({ statusWaitersMax: 2 });
    const [alpha, , charlie] = testCluster.members;
    expect((await postTransaction(alpha!.url, noteTransaction(alpha!.keys, 'poll', 1, 'poll-1'))).status).toBe(200);
    await sameChain(testCluster);
    const qcHeight = alpha!.node!.qcHeight;
    const longPoll = (url: string, above: number, waitMs: number, signal?: AbortSignal): Promise<{ status: number; json: Record<string, unknown> }> =>
      getJson(`${url}/status?qcHeightAbove=${above}&waitMs=${waitMs}`, signal);

    // Nothing submitted: the answer comes at waitMs with the QC height unchanged, the same body as /status.
    let startedMs = performance.now();
    const idle = await longPoll(alpha!.url, qcHeight, 600);
    const idleMs = performance.now() - startedMs;
    expect(idle.status).toBe(200);
    expect(idle.json as unknown as NodeStatus).toMatchObject({ node: 'alpha', qcHeight, height: qcHeight, alarms: [] });
    expect(idleMs).toBeGreaterThanOrEqual(590);
    expect(idleMs).toBeLessThan(2_000);

    // Already above: at once.
    startedMs = performance.now();
    expect((await longPoll(alpha!.url, qcHeight - 1, 20_000)).json).toMatchObject({ qcHeight });
    expect(performance.now() - startedMs).toBeLessThan(1_000);

    // Parked, then a block is certified: the answer follows the QC, long before waitMs.
    startedMs = performance.now();
    let answeredMs: number | undefined;
    const parked = longPoll(alpha!.url, qcHeight, 20_000).then((answer) => {
      answeredMs = performance.now();
      return answer;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answeredMs).toBeUndefined();
    const submitted = await postTransaction(charlie!.url, noteTransaction(charlie!.keys, 'poll', 2, 'poll-2'));
    const receiptMs = performance.now();
    expect(submitted.json).toMatchObject({ status: 'accepted', height: qcHeight + 1 });
    const woken = await parked;
    expect(woken.status).toBe(200);
    expect((woken.json as unknown as NodeStatus).qcHeight).toBeGreaterThan(qcHeight);
    // Charlie's receipt means charlie has the QC; alpha collects the same signatures at about the same time.
    expect(answeredMs! - receiptMs).toBeLessThan(500);
    expect(answeredMs! - startedMs).toBeLessThan(5_000);

    // Bad parameters: 400 with the API's error body; without parameters /status is as before.
    for (const query of ['qcHeightAbove=1', 'waitMs=10', 'qcHeightAbove=-1&waitMs=10', 'qcHeightAbove=1.5&waitMs=10', 'qcHeightAbove=1&waitMs=60001', 'qcHeightAbove=x&waitMs=10', 'qcHeightAbove=1&waitMs=010']) {
      const refused = await getJson(`${alpha!.url}/status?${query}`);
      expect({ query, status: refused.status, code: (refused.json['error'] as { code?: string } | undefined)?.code }).toEqual({ query, status: 400, code: 'BAD_REQUEST' });
    }
    expect((await getJson(`${alpha!.url}/status`)).json).toMatchObject({ node: 'alpha', qcHeight: qcHeight + 1 });

    // Beyond statusWaitersMax (2 here): 503 BACKPRESSURE; a client that leaves frees its place.
    const top = alpha!.node!.qcHeight;
    const leaving = new AbortController();
    const first = longPoll(alpha!.url, top, 20_000, leaving.signal).catch((error: unknown) => error);
    const second = longPoll(alpha!.url, top, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await longPoll(alpha!.url, top, 1_000);
    expect({ status: third.status, json: third.json }).toEqual({ status: 503, json: { error: { code: 'BACKPRESSURE', message: expect.any(String) } } });
    leaving.abort();
    expect(await first).toMatchObject({ name: 'AbortError' });
    // `second` still holds the other place (its wait is 20 s), so a place free now is the departed client's.
    await until(async () => (await longPoll(alpha!.url, top, 50)).status === 200, 'the departed client’s place to be freed', 5_000);
    expect((await postTransaction(alpha!.url, noteTransaction(alpha!.keys, 'poll', 3, 'poll-3'))).status).toBe(200);
    expect((await second).json).toMatchObject({ qcHeight: top + 1 });

    // Shutdown with a request parked: the node stops at once, not at the request's waitMs. The height
    // asked for is far ahead, so a block still being certified at charlie cannot answer it first.
    const atShutdown = longPoll(charlie!.url, charlie!.node!.qcHeight + 1_000, 30_000).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    startedMs = performance.now();
    await testCluster.stop(2);
    expect(performance.now() - startedMs).toBeLessThan(5_000);
    const ended = await atShutdown;
    // Ended by the closing server (fetch fails: an error from another realm than the test's, hence no
    // instanceof) or answered 503 by the closing node.
    expect((ended as { name?: string }).name === 'TypeError' || (ended as { status?: number }).status === 503).toBe(true);
  }, 120_000);
});
