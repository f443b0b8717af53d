/**
 * Batched projection against a real Neo4j (NEO4J_URI from the integration harness, migrations
 * applied): one block's events projected statement by statement and the same events (under another
 * per-run tag) projected with `batchStatements` make the same nodes, properties and relationships.
 * The block repeats texts whose rows depend on each other: registrations that share an owner (each
 * row's MERGE must find the organisation an earlier row made, or the owner would be duplicated or the
 * unique constraint broken), reports on one device, grants and access records on one device.
 */
import * as crypto from 'node:crypto';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import neo4j, { type Driver } from 'neo4j-driver';
import { applyMigrations } from '../migrations/index.js';
import { fromNeo4j, toNeo4jParameters } from '../neo4j-values.js';
import { batchStatements, projectEvent, type CypherStatement } from './index.js';

jest.setTimeout(120_000);

let driver: Driver;

beforeAll(async () => {
  const uri = process.env['NEO4J_URI'];
  if (uri === undefined) throw new Error('NEO4J_URI is not set: run this file in the integration project');
  driver = neo4j.driver(uri);
  await applyMigrations(driver);
});

afterAll(async () => {
  await driver?.close();
});

/** One block's events; every id carries `tag`, so two runs never meet in the shared graph. */
function blockEvents(tag: string): LedgerEvent[] {
  const txId = (position: number): string => `${tag}${position.toString(16).padStart(64 - tag.length, '0')}`;
  const device = (index: number): string => `did:key:z6Mk${tag}device${index}`;
  const owners = [`acme-${tag}`, `beta-${tag}`];
  const events: LedgerEvent[] = [];
  for (let index = 0; index < 8; index++) {
    events.push({ type: 'DeviceRegistered', did: device(index), model: 'M1', serial: `S${index}`, category: 'pump', owner: owners[index % 2] as string, delegationId: null });
  }
  for (let index = 0; index < 3; index++) events.push({ type: 'DeviceReported', did: device(0), owner: owners[0] as string, kind: 'temperature', data: { celsius: 20 + index }, grantTxId: txId(20) });
  for (let index = 0; index < 2; index++) {
    events.push({ type: 'DeviceTransferOffered', did: device(index), from: owners[index % 2] as string, to: `gamma-${tag}`, offerTxId: txId(11 + index), expiresAtMs: 1_900_000_000_000, replacesOfferTxId: null, delegationId: null });
  }
  for (let index = 0; index < 3; index++) {
    events.push({
      type: 'AccessGranted',
      grantTxId: txId(13 + index),
      device: device(2),
      owner: owners[0] as string,
      grantee: index === 2 ? `did:key:z6Mk${tag}person` : `grantee${index}-${tag}`,
      granteeKind: index === 2 ? 'did' : 'organization',
      actions: ['read', 'report'],
      expiresAtMs: 1_800_000_000_000,
      delegationId: null,
    });
  }
  for (let index = 0; index < 2; index++) {
    events.push({
      type: 'DeviceAccessRecorded',
      device: device(2),
      owner: owners[0] as string,
      actor: `grantee0-${tag}`,
      action: 'read',
      result: 'granted',
      atMs: 1_700_000_000_000 + index,
      ledgerAllowed: true,
      ledgerReason: 'GRANTED',
      grantTxId: txId(13),
      revokeTxId: null,
    });
  }
  return events;
}

function blockStatements(tag: string): CypherStatement[] {
  const blockHash = crypto.createHash('sha256').update(tag).digest('hex');
  return blockEvents(tag).flatMap((event, position) =>
    projectEvent(event, { txId: `${tag}${position.toString(16).padStart(64 - tag.length, '0')}`, height: 7, position, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash }),
  );
}

async function write(statements: readonly CypherStatement[]): Promise<void> {
  const session = driver.session();
  try {
    await session.executeWrite(async (tx) => {
      for (const statement of statements) await tx.run(statement.text, toNeo4jParameters(statement.parameters));
    });
  } finally {
    await session.close();
  }
}

/** Every node and relationship carrying `tag`, as sorted JSON lines with the tag replaced. */
async function dump(tag: string): Promise<string[]> {
  const session = driver.session({ defaultAccessMode: neo4j.session.READ });
  try {
    const result = await session.run(
      `MATCH (n) WHERE any(key IN keys(n) WHERE n[key] IS :: STRING AND n[key] CONTAINS $tag)
       OPTIONAL MATCH (n)-[r]->(m)
       RETURN labels(n) AS labels, properties(n) AS properties, type(r) AS type, properties(r) AS relationship, labels(m) AS endLabels, properties(m) AS end`,
      { tag },
    );
    const untag = (value: unknown): string => JSON.stringify(fromNeo4j(value)).split(tag).join('TAG');
    const lines = result.records.map((record) =>
      [record.get('labels'), record.get('properties'), record.get('type'), record.get('relationship'), record.get('endLabels'), record.get('end')].map(untag).join(' '),
    );
    return [...new Set(lines)].sort();
  } finally {
    await session.close();
  }
}

test('a block projected with batched statements makes the graph it makes statement by statement', async () => {
  const oneByOneTag = crypto.randomBytes(4).toString('hex');
  const batchedTag = crypto.randomBytes(4).toString('hex');
  const oneByOne = blockStatements(oneByOneTag);
  const batched = batchStatements(blockStatements(batchedTag));
  // The block must exercise batching: fewer statements, several of them over many rows.
  expect(batched.length).toBeLessThan(oneByOne.length / 2);
  expect(batched.filter((statement) => Array.isArray(statement.parameters['rows'])).length).toBeGreaterThanOrEqual(4);
  await write(oneByOne);
  await write(batched);
  const expected = await dump(oneByOneTag);
  expect(expected.length).toBeGreaterThan(20);
  expect(await dump(batchedTag)).toEqual(expected);
  // Registrations that share an owner made one organisation per owner.
  expect(expected.filter((line) => line.startsWith('["Organization"]') && line.includes('"id":"acme-TAG"')).length).toBeGreaterThan(0);
});
