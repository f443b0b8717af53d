/**
 * Three in-process ledger nodes over the real etcd (ETCD_ENDPOINTS), driven over HTTP. Proves: a few
 * hundred transactions from concurrent clients on all nodes end in identical blocks and checkpoints
 * everywhere, with a correct receipt each; a duplicate is answered with the first receipt; bad input is
 * refused with its code and nothing reaches the log; a contract rejection is a leaf with its reason; a
 * restarted node continues the chain; a node opened on an empty folder after the log was compacted
 * catches up from a peer; and a corrupted last block record is restored from a peer on open.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockHash } from '../chain/block.js';
import { parseCheckpoint } from '../chain/checkpoint.js';
import { consortiumOf } from '../contracts/genesis.js';
import { verifyProofBundleJson } from '../chain/proof-bundle.js';
import { noteTransaction, postTransaction, startTestCluster, until, type TestCluster } from './testing.js';

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
});
