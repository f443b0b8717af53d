/**
 * The projection end to end, against the run's three ledger nodes and a Neo4j of this file's own (the
 * tests drop the graph and its schema): migrations apply once and are idempotent; projecting the
 * QC'd blocks gives the organisation and note nodes with the txId and height that made them; a
 * projector aborted between batches, or crashed at each named fault point of its commit path, and then
 * restarted applies no event twice and misses none (every NoteWritten on the ledger is exactly one
 * NoteVersion, every node and relationship is stamped); and dropping the graph and rebuilding gives a
 * canonical dump identical to the one before. A device's life on the ledger (register, grants to an
 * organisation and to the device itself, a device report and access record, a revocation, a
 * two-party transfer, and a delegation granted and revoked) projects into the owner, history, grant,
 * event and delegation nodes the identity subgraph reads, and survives the rebuild unchanged; so does a
 * product's life across production, supply, recycling and EPCIS (docs/traceability.md's chain).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transactionId } from '@twinledger/ledger-core/chain';
import { buildTransaction, LedgerClient, transactionSigner, type Receipt } from '@twinledger/ledger-core/client';
import { prepareEvent } from '@twinledger/ledger-core/epcis';
import { loadConsortium, loadMemberKeys, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { applyMigrations, migrations, noteVersionId, fromNeo4j } from '@twinledger/graph-schema';
import { startNeo4j, type Neo4jService } from '@twinledger/tools';
import neo4j, { type Driver } from 'neo4j-driver';
import { dropProjectedGraph, dumpGraph, faultAt, InjectedFaultError, Projector, projectorFaultPoints, rebuildGraph, type ProjectorOptions } from './index.js';

jest.setTimeout(300_000);

const ledgerUrls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url.length > 0);
let dataDir: string;
let neo4jService: Neo4jService;
let driver: Driver;
let loaded: LoadedConsortium;
let client: LedgerClient;
let organizationId: string;
let noteKey: string;
let deviceDid: string;
let grantTxId: string;
let revokeTxId: string;
let transferTxId: string;
let delegationId: string;
let productSerial: string;
let memberOrganizationIds: string[];

async function submit(draft: { type: string; payload: Parameters<typeof buildTransaction>[0]['payload'] }, key: Parameters<typeof transactionSigner>[0]): Promise<Receipt> {
  const { signed } = buildTransaction(draft, key);
  const answer = await client.submit(signed, { waitMs: 60_000 });
  if (answer.status === 'pending') throw new Error(`transaction ${answer.txId} still pending`);
  return answer;
}

async function qcHeight(): Promise<number> {
  const statuses = await client.status();
  return Math.min(...statuses.map((result) => (result.ok ? result.status.qcHeight : Number.MAX_SAFE_INTEGER)));
}

function projectorOptions(overrides: Partial<ProjectorOptions>): ProjectorOptions {
  return { driver, ledgerUrls, consortium: loaded.consortium, genesis: loaded.genesis, backoffMsFirst: 20, backoffMsMax: 200, ...overrides };
}

/** Empties the graph, schema included, so migrations start from nothing. */
async function dropEverything(): Promise<void> {
  await driver.executeQuery('MATCH (n) DETACH DELETE n');
  const constraints = await driver.executeQuery('SHOW CONSTRAINTS YIELD name RETURN name');
  for (const record of constraints.records) await driver.executeQuery(`DROP CONSTRAINT \`${String(record.get('name'))}\` IF EXISTS`);
  const indexes = await driver.executeQuery("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name");
  for (const record of indexes.records) await driver.executeQuery(`DROP INDEX \`${String(record.get('name'))}\` IF EXISTS`);
}

async function count(cypher: string, parameters: Record<string, unknown> = {}): Promise<number> {
  const result = await driver.executeQuery(cypher, parameters);
  const value = fromNeo4j(result.records[0]?.get('count'));
  if (typeof value !== 'number') throw new Error(`no count from ${cypher}`);
  return value;
}

/**
 * Compares the graph with blocks 1..heightLast: every NoteWritten is exactly one NoteVersion made by its
 * transaction, the graph has no other versions, and every projected node and relationship is stamped.
 * Returns every mismatch, not only the first.
 */
async function graphAgainstLedger(heightLast: number): Promise<string[]> {
  const expected = new Map<string, string>();
  for (let height = 1; height <= heightLast; height++) {
    const block = await client.block(height);
    for (const entry of block.record.entries) {
      for (const event of entry.events) {
        if (event.type === 'NoteWritten') expected.set(noteVersionId(String(event['key']), Number(event['version'])), transactionId(entry.tx.tx));
      }
    }
  }
  const result = await driver.executeQuery('MATCH (v:NoteVersion) RETURN v.id AS id, v.txId AS txId, v.height AS height');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const record of result.records) {
    const id = String(record.get('id'));
    if (seen.has(id)) problems.push(`${id} twice`);
    seen.add(id);
    if (expected.get(id) !== record.get('txId')) problems.push(`${id} has txId ${String(record.get('txId'))}, the ledger says ${String(expected.get(id))}`);
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`${id} missing`);
  const unstamped = await count('MATCH (n) WHERE NOT n:Migration AND NOT n:ProjectionCheckpoint AND (n.txId IS NULL OR n.height IS NULL OR n.createdTxId IS NULL) RETURN count(n) AS count');
  if (unstamped > 0) problems.push(`${unstamped} nodes without txId/height`);
  const unstampedRelationships = await count('MATCH ()-[r]->() WHERE r.txId IS NULL OR r.height IS NULL RETURN count(r) AS count');
  if (unstampedRelationships > 0) problems.push(`${unstampedRelationships} relationships without txId/height`);
  const checkpointHeight = await count("MATCH (c:ProjectionCheckpoint {id: 'ledger'}) RETURN c.height AS count");
  if (checkpointHeight !== heightLast) problems.push(`checkpoint at ${checkpointHeight}, expected ${heightLast}`);
  return problems;
}

/** The device chain of beforeAll as the graph must show it. */
async function expectDeviceChain(): Promise<void> {
  const [alphaId, betaId] = memberOrganizationIds;
  const device = await driver.executeQuery('MATCH (o:Organization)-[:OWNS]->(d:Device {did: $did}) RETURN o.id AS owner, properties(d) AS d', { did: deviceDid });
  expect(device.records).toHaveLength(1);
  expect(device.records[0]?.get('owner')).toBe(alphaId);
  expect(fromNeo4j(device.records[0]?.get('d'))).toMatchObject({ owner: alphaId, model: 'PX-9', category: 'pump', ownerCount: 2, txId: transferTxId });
  const history = await driver.executeQuery(
    'MATCH (:Device {did: $did})-[h:OWNED_BY]->(o:Organization) RETURN o.id AS owner, h.ownerIndex AS ownerIndex, h.toHeight IS NULL AS open, h.endedTxId AS endedTxId ORDER BY ownerIndex',
    { did: deviceDid },
  );
  expect(history.records.map((record) => [record.get('owner'), fromNeo4j(record.get('ownerIndex')), record.get('open'), record.get('endedTxId')])).toEqual([
    [organizationId, 0, false, transferTxId],
    [alphaId, 1, true, null],
  ]);
  const grant = await driver.executeQuery('MATCH (:Device {did: $did})-[:HAS_GRANT]->(g:Grant {id: $id})-[:GRANTED_TO]->(e:Organization) RETURN properties(g) AS g, e.id AS grantee', {
    did: deviceDid,
    id: grantTxId,
  });
  expect(grant.records[0]?.get('grantee')).toBe(betaId);
  expect(fromNeo4j(grant.records[0]?.get('g'))).toMatchObject({ grantTxId, revoked: true, revokeTxId, actions: ['read'], createdTxId: grantTxId });
  expect(await count('MATCH (:Device {did: $did})-[:HAS_GRANT]->(g:Grant)-[:GRANTED_TO]->(:Actor {did: $did}) RETURN count(g) AS count', { did: deviceDid })).toBe(1);
  expect(await count('MATCH (:Device {did: $did})-[:REPORTED]->(r:DeviceReport {kind: "temperature"}) RETURN count(r) AS count', { did: deviceDid })).toBe(1);
  expect(await count("MATCH (:Device {did: $did})-[:ACCESS_EVENT]->(a:AccessEvent {result: 'granted', ledgerAllowed: true}) RETURN count(a) AS count", { did: deviceDid })).toBe(1);
  expect(await count("MATCH (:Organization {id: $alpha})-[:DELEGATED]->(g:Delegation {id: $id, status: 'revoked'})-[:TO]->(:Actor) RETURN count(g) AS count", { alpha: alphaId, id: delegationId })).toBe(1);
}

/** The traceability chain as docs/traceability.md draws it, every domain's part present once. */
async function expectTraceability(): Promise<void> {
  const serial = { serial: productSerial };
  const paths = [
    'MATCH (:Product {serial: $serial})-[:OF_BATCH]->(:Lot:Batch)-[:MADE_FROM]->(:Lot:MaterialLot)-[:SUPPLIED_BY]->(o:Organization) RETURN count(o) AS count',
    'MATCH (:Product {serial: $serial})-[:PROCESSED_IN]->(:ProcessStep)-[:CONSUMED]->(l:Lot:MaterialLot) RETURN count(l) AS count',
    'MATCH (:QualityCheck)-[:CHECKS]->(p:Product {serial: $serial}) RETURN count(p) AS count',
    'MATCH (:Order)<-[:FOR_ORDER]-(s:Shipment)-[:CARRIES]->(:Product {serial: $serial}) MATCH (s)-[:IN_CUSTODY_OF]->(o:Organization) RETURN count(o) AS count',
    'MATCH (:RecoveredItem)-[:RECOVERS]->(p:Product {serial: $serial}) RETURN count(p) AS count',
    'MATCH (e:EpcisEvent)-[:OBSERVED]->(:Product {serial: $serial})-[:MADE_FROM]->(:Lot:MaterialLot) RETURN count(e) AS count',
  ];
  for (const cypher of paths) expect({ cypher, count: await count(cypher, serial) }).toEqual({ cypher, count: 1 });
}

beforeAll(async () => {
  const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR;
  if (consortiumDir === undefined || ledgerUrls.length === 0) throw new Error('the integration harness sets LEDGER_URLS and LEDGER_CONSORTIUM_DIR');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-projection-'));
  neo4jService = await startNeo4j(dataDir, dataDir, { heapMb: 512 });
  driver = neo4j.driver(neo4jService.uri);
  loaded = loadConsortium(consortiumDir);
  client = new LedgerClient({ nodes: ledgerUrls, timeoutMs: 60_000 });
  // An organisation asks to join and two of the three members approve it; a member writes a note
  // three times, and a fourth write naming a stale version is rejected and must not be projected.
  const suffix = crypto.randomBytes(4).toString('hex');
  organizationId = `acme-${suffix}`;
  noteKey = `projection-${suffix}`;
  const organizationSeed = crypto.randomBytes(32);
  const members = loaded.genesis.members.map((member) => loadMemberKeys(loaded, member.name).organizationKey);
  const [alpha, beta] = members;
  if (alpha === undefined || beta === undefined) throw new Error('the consortium needs two members');
  expect((await submit({ type: 'organization.register', payload: { id: organizationId, name: 'Acme Works' } }, organizationSeed)).status).toBe('accepted');
  expect((await submit({ type: 'organization.approve', payload: { id: organizationId } }, alpha)).status).toBe('accepted');
  expect((await submit({ type: 'organization.approve', payload: { id: organizationId } }, beta)).status).toBe('accepted');
  for (let version = 1; version <= 3; version++) {
    expect((await submit({ type: 'asset.note', payload: { key: noteKey, value: { version }, expectedVersion: version - 1 } }, alpha)).status).toBe('accepted');
  }
  expect((await submit({ type: 'asset.note', payload: { key: noteKey, value: 'stale', expectedVersion: 1 } }, alpha)).status).toBe('rejected');
  expect((await submit({ type: 'asset.note', payload: { key: `${noteKey}-by-acme`, value: null } }, organizationSeed)).status).toBe('accepted');
  // The device chain: acme registers a device and grants beta `read` and the device itself `report`;
  // the device reports and records beta's access; acme revokes beta's grant and transfers the device
  // to alpha, offer then acceptance. Alpha delegates `access.grant` to a key and revokes it.
  memberOrganizationIds = loaded.genesis.members.map((member) => member.organizationId);
  const [alphaId, betaId] = memberOrganizationIds;
  if (alphaId === undefined || betaId === undefined) throw new Error('the consortium needs two members');
  const deviceSeed = crypto.randomBytes(32);
  deviceDid = transactionSigner(deviceSeed).did;
  const expiresAtMs = Date.now() + 3_600_000;
  const accepted = async (draft: { type: string; payload: Parameters<typeof buildTransaction>[0]['payload'] }, key: Parameters<typeof transactionSigner>[0]): Promise<string> => {
    const receipt = await submit(draft, key);
    const refusal = receipt.status === 'rejected' ? `${receipt.code}: ${receipt.reason}` : null;
    expect({ type: draft.type, status: receipt.status, refusal }).toEqual({ type: draft.type, status: 'accepted', refusal: null });
    return receipt.txId;
  };
  await accepted({ type: 'device.register', payload: { did: deviceDid, model: 'PX-9', serial: `SN-${suffix}`, category: 'pump' } }, organizationSeed);
  grantTxId = await accepted({ type: 'access.grant', payload: { device: deviceDid, grantee: betaId, actions: ['read'], expiresAtMs } }, organizationSeed);
  await accepted({ type: 'access.grant', payload: { device: deviceDid, grantee: deviceDid, actions: ['report'], expiresAtMs } }, organizationSeed);
  await accepted({ type: 'device.report', payload: { kind: 'temperature', data: { celsius: 21.5 } } }, deviceSeed);
  await accepted({ type: 'access.event', payload: { actor: betaId, action: 'read', result: 'granted', atMs: Date.now() - 1_000 } }, deviceSeed);
  revokeTxId = await accepted({ type: 'access.revoke', payload: { grantId: grantTxId } }, organizationSeed);
  const offerTxId = await accepted({ type: 'device.transferOffer', payload: { did: deviceDid, to: alphaId, expiresAtMs } }, organizationSeed);
  transferTxId = await accepted({ type: 'device.transferAccept', payload: { did: deviceDid, offerTxId } }, alpha);
  const delegateDid = transactionSigner(crypto.randomBytes(32)).did;
  delegationId = await accepted({ type: 'delegation.grant', payload: { delegate: delegateDid, scope: ['access.grant'], expiresAtMs } }, alpha);
  await accepted({ type: 'delegation.revoke', payload: { delegationId } }, alpha);
  // Traceability, so the rebuild covers every domain: beta supplies a lot, alpha (the device's owner
  // now) makes a batch and a product from it with a step at the device and a quality check; beta orders,
  // alpha ships the product and hands it over, splits the order into a work order and reports progress;
  // alpha and beta agree a revenue rule, the product is recovered and sold; an EPCIS transformation
  // event makes the product from the lot.
  const lot = `urn:epc:class:lgtin:4012345.012345.L${suffix}`;
  const batch = `B-${suffix}`;
  productSerial = `urn:epc:id:sgtin:4012345.011111.${parseInt(suffix, 16)}`;
  await accepted({ type: 'production.registerMaterialLot', payload: { lot, material: 'Steel sheet S235', quantity: 100, unit: 'kg' } }, beta);
  await accepted({ type: 'production.createBatch', payload: { lot: batch, model: 'Gearbox G2', quantity: 2, unit: 'pcs', inputs: [{ lot, quantity: 40 }] } }, alpha);
  await accepted({ type: 'production.registerProduct', payload: { serial: productSerial, model: 'Gearbox G2', batch } }, alpha);
  const step = { id: `step-${suffix}`, station: deviceDid, subject: { serial: productSerial }, name: 'Pressing', parameters: { forceKn: 120.5 }, operator: 'badge-7', inputs: [{ lot, quantity: 5 }] };
  await accepted({ type: 'production.recordStep', payload: step }, alpha);
  await accepted({ type: 'production.recordQualityCheck', payload: { id: `qc-${suffix}`, subject: { serial: productSerial }, result: 'pass', measurements: { torqueNm: 41.2 }, inspector: 'badge-9' } }, alpha);
  const order = `PO-${suffix}`;
  const shipment = `SH-${suffix}`;
  await accepted({ type: 'supply.createOrder', payload: { id: order, seller: alphaId, lines: [{ item: 'GEARBOX-G2', quantity: 10 }] } }, beta);
  await accepted({ type: 'supply.advanceOrder', payload: { id: order, to: 'confirmed' } }, alpha);
  await accepted({ type: 'supply.createShipment', payload: { id: shipment, order, carrier: organizationId, consignee: betaId, items: [{ serial: productSerial }], legs: [{ from: 'Plant A', to: 'Dock B' }] } }, alpha);
  const handoverTxId = await accepted({ type: 'supply.offerHandover', payload: { shipment, to: betaId, leg: 0 } }, alpha);
  await accepted({ type: 'supply.acceptHandover', payload: { shipment, offerTxId: handoverTxId } }, beta);
  await accepted({ type: 'supply.splitOrder', payload: { order, workOrders: [{ id: `WO-${suffix}`, producer: alphaId, quantity: 6 }] } }, alpha);
  await accepted({ type: 'supply.reportProgress', payload: { workOrder: `WO-${suffix}`, produced: 4, delivered: 2 } }, alpha);
  const rule = `rule-${suffix}`;
  await accepted({ type: 'recycling.proposeRule', payload: { id: rule, parties: [{ organization: alphaId, shareBasisPoints: 6000 }, { organization: betaId, shareBasisPoints: 4000 }] } }, alpha);
  await accepted({ type: 'recycling.acceptRule', payload: { id: rule } }, beta);
  await accepted({ type: 'recycling.recover', payload: { item: productSerial, description: 'Gearbox, end of life', weightGrams: 12_500, rule } }, alpha);
  await accepted({ type: 'recycling.recordSale', payload: { item: productSerial, amountMinor: '10001', currency: 'EUR' } }, alpha);
  const transformation = { type: 'TransformationEvent', eventTime: '2026-11-24T10:00:00.000Z', eventTimeZoneOffset: '+00:00', inputQuantityList: [{ epcClass: lot, quantity: 1 }], outputEPCList: [productSerial] };
  await accepted({ type: 'epcis.capture', payload: { event: prepareEvent(transformation, {}) } }, alpha);
});

afterAll(async () => {
  client?.close();
  await driver?.close();
  await neo4jService?.child.stop();
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('apply once, record each id, and are idempotent', async () => {
    await dropEverything();
    const first = await applyMigrations(driver);
    const ids = migrations.map((migration) => migration.id);
    expect(ids.slice(0, 4)).toEqual(['001-bookkeeping', '002-identity', '003-notes', '004-device-access']);
    expect(first.applied).toEqual(ids);
    const second = await applyMigrations(driver);
    expect(second).toEqual({ applied: [], alreadyApplied: ids });
    expect(await count('MATCH (m:Migration) RETURN count(m) AS count')).toBe(ids.length);
    expect(await count("MATCH (c:ProjectionCheckpoint {id: 'ledger'}) WHERE c.height = 0 RETURN count(c) AS count")).toBe(1);
    const constraints = await driver.executeQuery("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] + '.' + properties[0] AS key ORDER BY key");
    expect(constraints.records.map((record) => record.get('key'))).toEqual([
      'AccessEvent.id',
      'Actor.did',
      'CustodyHandover.id',
      'Delegation.id',
      'Device.did',
      'DeviceReport.id',
      'EpcisEvent.hashId',
      'Grant.id',
      'Lot.lot',
      'Migration.id',
      'Note.key',
      'NoteVersion.id',
      'Order.id',
      'Organization.id',
      'ProcessStep.id',
      'Product.serial',
      'ProjectionCheckpoint.id',
      'QualityCheck.id',
      'RecoveredItem.id',
      'RecyclingHandover.id',
      'RevenueRule.id',
      'Sale.id',
      'Shipment.id',
      'TransferOffer.id',
      'WorkOrder.id',
    ]);
  });
});

describe('projector', () => {
  it('projects QC-verified blocks into stamped nodes, skipping rejected transactions', async () => {
    await dropEverything();
    await applyMigrations(driver);
    const heightStop = await qcHeight();
    const projector = new Projector(projectorOptions({ heightStop }));
    const startedMs = performance.now();
    try {
      expect(await projector.run()).toBe(heightStop);
    } finally {
      projector.close();
    }
    process.stdout.write(`projected ${heightStop} blocks in ${Math.round(performance.now() - startedMs)} ms\n`);
    const organization = await driver.executeQuery('MATCH (o:Organization {id: $id}) RETURN properties(o) AS o', { id: organizationId });
    expect(fromNeo4j(organization.records[0]?.get('o'))).toMatchObject({ status: 'active', name: 'Acme Works', approvalCount: 2, quorum: 2 });
    expect(await count('MATCH (:Organization)-[r:APPROVED]->(:Organization {id: $id}) RETURN count(r) AS count', { id: organizationId })).toBe(2);
    const note = await driver.executeQuery('MATCH (n:Note {key: $key}) RETURN properties(n) AS n', { key: noteKey });
    const noteProperties = fromNeo4j(note.records[0]?.get('n'));
    expect(noteProperties).toMatchObject({ version: 3, valueJson: '{"version":3}' });
    expect(noteProperties).toHaveProperty('createdTxId');
    expect(await count('MATCH (:Note {key: $key})-[:HAS_VERSION]->(v:NoteVersion) RETURN count(v) AS count', { key: noteKey })).toBe(3);
    expect(await count("MATCH (v:NoteVersion) WHERE v.valueJson = '\"stale\"' RETURN count(v) AS count")).toBe(0);
    expect(await graphAgainstLedger(heightStop)).toEqual([]);
    await expectDeviceChain();
  });

  it('applies every event exactly once across aborts and crashes at each fault point', async () => {
    await dropProjectedGraph(driver);
    const heightStop = await qcHeight();
    // Stop between batches: abort after the first committed batch of one block.
    const abort = new AbortController();
    const aborted = new Projector(projectorOptions({ batchBlocksMax: 1, signal: abort.signal, onBatch: () => abort.abort() }));
    try {
      expect(await aborted.run()).toBe(1);
    } finally {
      aborted.close();
    }
    // Crash at each named point on its second pass: one-block batches commit one block first; the
    // two-block batch crashes between its blocks' events. Every crash is followed by a restart.
    for (const point of projectorFaultPoints) {
      const batchBlocksMax = point === 'projector.after-block-events' ? 2 : 1;
      const crashing = new Projector(projectorOptions({ batchBlocksMax, heightStop, faults: faultAt(point, 2) }));
      try {
        await expect(crashing.run()).rejects.toBeInstanceOf(InjectedFaultError);
      } finally {
        crashing.close();
      }
    }
    const finishing = new Projector(projectorOptions({ batchBlocksMax: 3, heightStop }));
    try {
      expect(await finishing.run()).toBe(heightStop);
    } finally {
      finishing.close();
    }
    expect(await graphAgainstLedger(heightStop)).toEqual([]);
  });

  it('rebuilds a dropped graph into an identical canonical dump', async () => {
    const heightStop = await count("MATCH (c:ProjectionCheckpoint {id: 'ledger'}) RETURN c.height AS count");
    const before = await dumpGraph(driver);
    expect(before).toContain(organizationId);
    const report = await rebuildGraph({ ...projectorOptions({}), heightStop });
    expect(report.height).toBe(heightStop);
    expect(report.deletedNodeCount).toBeGreaterThan(0);
    expect(await dumpGraph(driver)).toBe(before);
    await expectDeviceChain();
    await expectTraceability();
  });
});
