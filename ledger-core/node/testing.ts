/**
 * A three-node cluster in one process for tests and the node benchmark: a fresh consortium under a
 * unique origin (so etcd prefixes never collide), one LedgerNode and HTTP API per member on free ports.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { signTransaction, type SignedTransaction } from '../chain/transaction.js';
import type { JsonValue } from '../chain/json-value.js';
import type { OrderingLimits } from '../ordering/limits.js';
import { createConsortium, loadConsortium, loadMemberKeys, type MemberKeys } from './bootstrap.js';
import { createHttpApi, type HttpApi } from './http-api.js';
import { LedgerNode } from './ledger-node.js';

export interface ClusterMember {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly keys: MemberKeys;
  node: LedgerNode | undefined;
  api: HttpApi | undefined;
}

export interface TestCluster {
  readonly dir: string;
  readonly consortiumDir: string;
  readonly members: ClusterMember[];
  /** Opens (or reopens) member `index` on its data folder. */
  start(index: number): Promise<LedgerNode>;
  stop(index: number): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Creates the consortium and starts all three nodes. Requires ETCD_ENDPOINTS-style endpoints. */
export async function startTestCluster(
  etcdEndpoints: readonly string[],
  options: { limits?: OrderingLimits; compactionIntervalMs?: number; statusWaitersMax?: number; log?: (line: string) => void } = {},
): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-node-'));
  const consortiumDir = path.join(dir, 'consortium');
  const names = ['alpha', 'bravo', 'charlie'];
  createConsortium({
    dir: consortiumDir,
    origin: `test.twinledger.example/${randomUUID()}`,
    members: names.map((name) => ({ name, organizationId: `org-${name}`, organizationName: `Org ${name}` })),
  });
  const loaded = loadConsortium(consortiumDir);
  const members: ClusterMember[] = [];
  for (const name of names) {
    const port = await freePort();
    members.push({ name, port, url: `http://127.0.0.1:${port}`, dataDir: path.join(dir, 'data', name), keys: loadMemberKeys(loaded, name), node: undefined, api: undefined });
  }
  const cluster: TestCluster = {
    dir,
    consortiumDir,
    members,
    async start(index) {
      const member = members[index]!;
      const node = await LedgerNode.open({
        name: member.name,
        consortiumDir,
        dataDir: member.dataDir,
        etcdEndpoints,
        peers: members.filter((other) => other !== member).map((other) => ({ name: other.name, url: other.url })),
        ...(options.limits === undefined ? {} : { limits: options.limits }),
        ...(options.compactionIntervalMs === undefined ? {} : { compactionIntervalMs: options.compactionIntervalMs }),
        ...(options.statusWaitersMax === undefined ? {} : { statusWaitersMax: options.statusWaitersMax }),
        appliedPublishIntervalMs: 100,
        log: options.log ?? (() => undefined),
      });
      const api = createHttpApi(node, { log: options.log ?? (() => undefined) });
      await api.listen(member.port);
      member.node = node;
      member.api = api;
      return node;
    },
    async stop(index) {
      const member = members[index]!;
      await member.api?.close();
      await member.node?.close();
      member.api = undefined;
      member.node = undefined;
    },
    async close() {
      for (let index = 0; index < members.length; index++) await cluster.stop(index);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let index = 0; index < names.length; index++) await cluster.start(index);
  return cluster;
}

/** An `asset.note` transaction signed by the member's organisation. */
export function noteTransaction(keys: MemberKeys, key: string, value: JsonValue, nonce: string, extra: { expectedVersion?: number; timeMs?: number } = {}): SignedTransaction {
  const payload: { [field: string]: JsonValue } = { key, value };
  if (extra.expectedVersion !== undefined) payload['expectedVersion'] = extra.expectedVersion;
  return signTransaction({ v: 1, type: 'asset.note', payload, signer: keys.organizationDid, nonce, time: extra.timeMs ?? Date.now() }, keys.organizationKey.signer);
}

/** POSTs `body` (an object is JSON-encoded) to `url`'s submit API. */
export async function postTransaction(url: string, body: unknown, waitMs?: number): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/transactions${waitMs === undefined ? '' : `?waitMs=${waitMs}`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
