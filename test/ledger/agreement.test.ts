/**
 * The consortium agrees under load: 10,000 transactions from 32 concurrent clients spread over the three
 * ledger nodes. Every receipt's transaction stands in every node's chain at the height and position the
 * receipt gives; the nodes hold identical block hashes and checkpoints at every height; and every
 * transaction's inclusion proof verifies offline against the consortium file (all of them in process,
 * a sample through the `twinledger verify` command).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { verifyProofBundle } from '@twinledger/ledger-core/chain';
import { LedgerClient } from '@twinledger/ledger-core/client';
import { repositoryRoot } from '@twinledger/tools';
import { memberSigner, qcHeightMin, readChain, submitLoad, waitForQcHeight } from './cluster';

const transactionCount = 10_000;
const clientCount = 32;
const cliSampleCount = 12;

const urls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url !== '');
const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR ?? '';

test('10,000 transactions from 32 clients: same chain on every node, every proof verifies', async () => {
  expect(urls).toHaveLength(3);
  const { signer, consortium } = memberSigner(consortiumDir);
  const load = await submitLoad(urls, signer, transactionCount, clientCount, `agreement-${Date.now()}`);
  expect(load.unknown).toEqual([]);
  expect(load.receipts).toHaveLength(transactionCount);
  expect(load.receipts.filter((receipt) => receipt.status !== 'accepted')).toEqual([]);

  const heightLast = Math.max(...load.receipts.map((receipt) => receipt.height));
  await waitForQcHeight(urls, heightLast, 30_000);
  const heightCompared = await qcHeightMin(urls);
  const chains = await Promise.all(urls.map((url) => readChain(url, heightCompared)));
  const [first, ...others] = chains;
  if (first === undefined) throw new Error('no chain read');
  for (const other of others) {
    expect(other.hashes).toEqual(first.hashes);
    expect(other.checkpointBodies).toEqual(first.checkpointBodies);
  }
  expect(first.checkpointBodies.filter((body) => body === '')).toEqual([]);
  const misplaced = load.receipts.filter((receipt) =>
    chains.some((chain) => chain.positions.get(receipt.txId) !== `${receipt.height}:${receipt.position}`),
  );
  expect(misplaced).toEqual([]);
  for (const receipt of load.receipts) expect(first.hashes[receipt.height - 1]).toBe(receipt.blockHash);

  // Every proof, fetched from the nodes in turn and checked against nothing but the consortium's keys.
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-bundles-'));
  const clients = urls.map((url) => new LedgerClient({ nodes: [url] }));
  try {
    const failures: string[] = [];
    const sampleFiles: string[] = [];
    let index = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (index < load.receipts.length) {
          const receipt = load.receipts[index] as (typeof load.receipts)[number];
          const client = clients[index % clients.length] as LedgerClient;
          const sampled = index % Math.floor(transactionCount / cliSampleCount) === 0;
          index++;
          const bundle = await client.fetchProofBundle(receipt.txId);
          const verification = verifyProofBundle(bundle, consortium.consortium);
          if (!verification.ok) failures.push(`${receipt.txId}: ${verification.code} ${verification.reason}`);
          else if (verification.txId !== receipt.txId || verification.height !== receipt.height) failures.push(`${receipt.txId}: proves another transaction`);
          if (sampled) {
            const file = path.join(bundleDir, `${receipt.txId}.json`);
            fs.writeFileSync(file, JSON.stringify(bundle));
            sampleFiles.push(file);
          }
        }
      }),
    );
    expect(`${failures.length} out of ${load.receipts.length} failed: ${failures.slice(0, 5).join('; ')}`).toBe(`0 out of ${load.receipts.length} failed: `);

    const cli = path.join(repositoryRoot(), 'cli', 'dist', 'main.js');
    const consortiumFile = path.join(consortiumDir, 'consortium.json');
    for (const file of sampleFiles) {
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'verify', file, '--consortium', consortiumFile]);
      expect(stdout).toMatch(/^valid: tx [0-9a-f]{64} at height \d+, leaf \d+ of \d+, accepted, signed by /);
    }
    expect(sampleFiles.length).toBeGreaterThanOrEqual(cliSampleCount);
  } finally {
    for (const client of clients) client.close();
    fs.rmSync(bundleDir, { recursive: true, force: true });
  }
}, 600_000);
