/**
 * Helpers for the ledger cluster's end-to-end tests: a consortium signer, concurrent submitters that
 * record every acknowledged receipt, and each node's chain read back block by block over its HTTP API.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transactionId } from '@twinledger/ledger-core/chain';
import { LedgerClient, buildTransaction, type Receipt, type TransactionSigner, transactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { startEtcdCluster, startLedgerCluster, type EtcdCluster, type LedgerCluster } from '@twinledger/tools';

export interface ChainView {
  /** Block hashes by height (index 0 is height 1). */
  hashes: string[];
  /** The checkpoint body each QC signs (the note text before its signatures), by height. */
  checkpointBodies: string[];
  /** Where each transaction landed: "height:position". */
  positions: Map<string, string>;
}

/** The signer of the first member's organisation: a consortium member may write `asset.note`. */
export function memberSigner(consortiumDir: string, member?: string): { signer: TransactionSigner; consortium: LoadedConsortium } {
  const consortium = loadConsortium(consortiumDir);
  const name = member ?? consortium.genesis.members[0]?.name;
  if (name === undefined) throw new Error('consortium has no members');
  return { signer: transactionSigner(loadMemberKeys(consortium, name).organizationKey), consortium };
}

export function noteTransaction(signer: TransactionSigner, key: string, value: string): ReturnType<typeof buildTransaction> {
  return buildTransaction({ type: 'asset.note', payload: { key, value } }, signer);
}

export interface LoadResult {
  receipts: Receipt[];
  /** Submissions whose outcome is unknown (the request failed): they may or may not be on the ledger. */
  unknown: string[];
}

/**
 * Runs `clientCount` concurrent submitters, each sending its share of `count` note transactions one after
 * another and waiting for each receipt. Client i prefers node i mod n, so every node takes submissions.
 * Stops early when `shouldStop` says so; every receipt a node acknowledged is returned.
 */
export async function submitLoad(
  urls: readonly string[],
  signer: TransactionSigner,
  count: number,
  clientCount: number,
  keyPrefix: string,
  shouldStop: () => boolean = () => false,
): Promise<LoadResult> {
  const receipts: Receipt[] = [];
  const unknown: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clientCount }, async (_, clientIndex) => {
      const rotated = urls.map((_, i) => urls[(clientIndex + i) % urls.length] as string);
      const client = new LedgerClient({ nodes: rotated, timeoutMs: 60_000 });
      try {
        while (next < count && !shouldStop()) {
          const index = next++;
          const { txId, signed } = noteTransaction(signer, `${keyPrefix}-${index % 97}`, `value ${index}`);
          try {
            const answer = await client.submit(signed, { waitMs: 30_000 });
            if (answer.status === 'pending') unknown.push(txId);
            else receipts.push(answer);
          } catch {
            unknown.push(txId);
          }
        }
      } finally {
        client.close();
      }
    }),
  );
  return { receipts, unknown };
}

/** Reads blocks 1..heightLast from one node. */
export async function readChain(url: string, heightLast: number): Promise<ChainView> {
  const client = new LedgerClient({ nodes: [url], timeoutMs: 30_000 });
  const view: ChainView = { hashes: [], checkpointBodies: [], positions: new Map() };
  try {
    for (let height = 1; height <= heightLast; height++) {
      const block = await client.block(height);
      view.hashes.push(block.hash);
      view.checkpointBodies.push(block.qc === null ? '' : block.qc.slice(0, block.qc.indexOf('\n\n') + 1));
      block.record.entries.forEach((entry, position) => {
        view.positions.set(transactionIdOf(entry.tx), `${height}:${position}`);
      });
    }
  } finally {
    client.close();
  }
  return view;
}

function transactionIdOf(signed: { tx: unknown }): string {
  return transactionId(signed.tx);
}

/** Polls every node until each has a QC at or above `height`. */
export async function waitForQcHeight(urls: readonly string[], height: number, timeoutMs: number): Promise<void> {
  const client = new LedgerClient({ nodes: [...urls], timeoutMs: 5_000 });
  const deadlineMs = Date.now() + timeoutMs;
  try {
    for (;;) {
      const statuses = await client.status();
      const behind = statuses.filter((result) => !result.ok || result.status.qcHeight < height);
      if (behind.length === 0) return;
      if (Date.now() > deadlineMs) {
        throw new Error(`nodes not at QC height ${height} within ${timeoutMs} ms: ${JSON.stringify(statuses.map((s) => (s.ok ? { node: s.status.node, qc: s.status.qcHeight, height: s.status.height, alarms: s.status.alarms } : { url: s.url, error: String(s.error) })))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    client.close();
  }
}

/** The lowest QC height across the nodes that answer. */
export async function qcHeightMin(urls: readonly string[]): Promise<number> {
  const client = new LedgerClient({ nodes: [...urls], timeoutMs: 5_000 });
  try {
    const statuses = await client.status();
    return Math.min(...statuses.map((result) => (result.ok ? result.status.qcHeight : 0)));
  } finally {
    client.close();
  }
}

export interface IsolatedLedger {
  dataDir: string;
  etcd: EtcdCluster;
  ledger: LedgerCluster;
  stop(): Promise<void>;
}

/** An etcd cluster and three ledger nodes of its own, for tests that stop and break parts of them. */
export async function startIsolatedLedger(): Promise<IsolatedLedger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-ledger-'));
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir);
  const etcd = await startEtcdCluster(dataDir, logDir);
  try {
    const ledger = await startLedgerCluster({ dataDir, logDir, etcdEndpoints: etcd.endpoints });
    return {
      dataDir,
      etcd,
      ledger,
      stop: async () => {
        await ledger.stop();
        await etcd.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await etcd.stop();
    throw error;
  }
}
