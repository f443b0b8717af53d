/**
 * Neo4j, Redis and etcd as the project starts them: each is reached with its real client (neo4j-driver
 * over Bolt, ioredis as BullMQ uses it, the etcd v3 gRPC client), written to, stopped, started again on
 * the same data folder, and still holds what was written. The etcd cluster also keeps serving with one of
 * three members down.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Etcd3 } from 'etcd3';
import Redis from 'ioredis';
import neo4j from 'neo4j-driver';
import { isProcessAlive } from './child.js';
import { startEtcdCluster } from './etcd.js';
import { startNeo4j } from './neo4j.js';
import { startRedis } from './redis.js';

let dataDir: string;
let logDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-services-'));
  logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir);
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('redis keeps appended data across a restart on the same folder', async () => {
  const first = await startRedis(dataDir, logDir);
  const client = new Redis(first.url);
  await client.set('twinledger:probe', 'written before restart');
  await client.quit();
  await first.child.stop();
  expect(isProcessAlive(first.child.pid)).toBe(false);
  expect(fs.readdirSync(path.join(dataDir, 'redis')).some((name) => name.startsWith('appendonlydir'))).toBe(true);

  const second = await startRedis(dataDir, logDir);
  const again = new Redis(second.url);
  try {
    expect(await again.get('twinledger:probe')).toBe('written before restart');
  } finally {
    await again.quit();
    await second.child.stop();
  }
});

test('etcd: three members, a write survives a member outage and a full restart', async () => {
  const cluster = await startEtcdCluster(dataDir, logDir);
  expect(cluster.endpoints).toHaveLength(3);
  expect(new Set(cluster.layout.members.flatMap((m) => [m.clientPort, m.peerPort])).size).toBe(6);
  const client = new Etcd3({ hosts: cluster.endpoints });
  try {
    await client.put('twinledger/probe').value('before restart');
    await cluster.stopMember('member-1');
    // Two of three members are a quorum: writes go on.
    await client.put('twinledger/with-one-down').value('still committed');
    await cluster.startMember('member-1');
  } finally {
    client.close();
    await cluster.stop();
  }
  for (const child of cluster.children) expect(isProcessAlive(child.pid)).toBe(false);

  const restarted = await startEtcdCluster(dataDir, logDir);
  const again = new Etcd3({ hosts: restarted.endpoints });
  try {
    expect(restarted.endpoints).toEqual(cluster.endpoints);
    expect(await again.get('twinledger/probe').string()).toBe('before restart');
    expect(await again.get('twinledger/with-one-down').string()).toBe('still committed');
  } finally {
    again.close();
    await restarted.stop();
  }
});

test('neo4j keeps a committed node across a restart on the same folder', async () => {
  const first = await startNeo4j(dataDir, logDir, { heapMb: 256 });
  const driver = neo4j.driver(first.uri);
  try {
    await driver.executeQuery('CREATE (:Probe {name: $name})', { name: 'written before restart' });
  } finally {
    await driver.close();
    await first.child.stop();
  }
  expect(isProcessAlive(first.child.pid)).toBe(false);

  const second = await startNeo4j(dataDir, logDir, { heapMb: 256 });
  const again = neo4j.driver(second.uri);
  try {
    const { records } = await again.executeQuery('MATCH (p:Probe) RETURN p.name AS name');
    expect(records.map((record) => record.get('name') as string)).toEqual(['written before restart']);
  } finally {
    await again.close();
    await second.child.stop();
  }
}, 180_000);
