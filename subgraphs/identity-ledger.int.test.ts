/**
 * The identity and ledger subgraphs against a projected graph of their own (a Neo4j of this file's,
 * fed by the projector from the run's ledger nodes): a device registered, granted, revoked and
 * transferred on the ledger answers with its owner and history; canAccess names the revocation;
 * the access log is private to the owner's partners and open to a regulator; provenance lists the
 * device's transactions with proof bundles; a request without a gateway identity is UNAUTHENTICATED,
 * and no request gets federation's inline resolver traces.
 * A second device, granted, revoked and transferred in blocks of their own, answers canAccess as of
 * each height, naming transactions whose proof bundles verify offline against the consortium.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { signIdentityHeader, identityHeaderName, type Identity } from '@twinledger/gateway';
import { applyMigrations } from '@twinledger/graph-schema';
import { verifyProofBundleJson } from '@twinledger/ledger-core/chain';
import { buildTransaction, LedgerClient, transactionSigner } from '@twinledger/ledger-core/client';
import { loadConsortium, loadMemberKeys, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { startNeo4j, type Neo4jService } from '@twinledger/tools';
import { Projector } from '@twinledger/workers';
import neo4j, { type Driver } from 'neo4j-driver';
import { startIdentitySubgraph, startLedgerSubgraph } from './index.js';
import type { RunningSubgraph } from './shared/server.js';

jest.setTimeout(300_000);

const ledgerUrls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url.length > 0);
const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
let dataDir: string;
let neo4jService: Neo4jService;
let driver: Driver;
let loaded: LoadedConsortium;
let client: LedgerClient;
let identitySubgraph: RunningSubgraph;
let ledgerSubgraph: RunningSubgraph;
let deviceDid: string;
let grantTxId: string;
let revokeTxId: string;
let ownerId: string;
let receiverId: string;
let projectedHeight: number;

/** The history device: each transaction below in a block of its own, so every height between them is asked about. */
interface Landed {
  readonly txId: string;
  readonly height: number;
}
let historyDid: string;
let historyActor: string;
let historyGrant: Landed;
let historyRevoke: Landed;
let actorGrant: Landed;
let transfer: Landed;

async function acceptedAt(type: string, payload: Parameters<typeof buildTransaction>[0]['payload'], key: Parameters<typeof transactionSigner>[0]): Promise<Landed> {
  const { signed } = buildTransaction({ type, payload }, key);
  const receipt = await client.submit(signed, { waitMs: 60_000 });
  expect({ type, status: receipt.status }).toEqual({ type, status: 'accepted' });
  if (!('height' in receipt) || typeof receipt.height !== 'number') throw new Error(`${type} has no height in its receipt`);
  return { txId: receipt.txId, height: receipt.height };
}

async function accepted(type: string, payload: Parameters<typeof buildTransaction>[0]['payload'], key: Parameters<typeof transactionSigner>[0]): Promise<string> {
  return (await acceptedAt(type, payload, key)).txId;
}

async function query(url: string, subgraph: string, identity: Identity | null, text: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (identity !== null) headers[identityHeaderName] = await signIdentityHeader(identity, privateKey, subgraph);
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: text, variables }) });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } };
}

beforeAll(async () => {
  const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR;
  if (consortiumDir === undefined || ledgerUrls.length === 0) throw new Error('the integration harness sets LEDGER_URLS and LEDGER_CONSORTIUM_DIR');
  // A Neo4j of this file's own: the harness graph is not projected into, and other files project their own.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-subgraphs-'));
  neo4jService = await startNeo4j(dataDir, dataDir, { heapMb: 512 });
  driver = neo4j.driver(neo4jService.uri);
  loaded = loadConsortium(consortiumDir);
  client = new LedgerClient({ nodes: ledgerUrls, timeoutMs: 60_000 });
  const [alpha, beta] = loaded.genesis.members.map((member) => loadMemberKeys(loaded, member.name).organizationKey);
  const [alphaMember, betaMember] = loaded.genesis.members;
  if (alpha === undefined || beta === undefined || alphaMember === undefined || betaMember === undefined) throw new Error('the consortium needs two members');
  ownerId = alphaMember.organizationId;
  receiverId = betaMember.organizationId;
  const deviceSeed = crypto.randomBytes(32);
  deviceDid = transactionSigner(deviceSeed).did;
  const expiresAtMs = Date.now() + 3_600_000;
  await accepted('device.register', { did: deviceDid, model: 'SG-1', serial: `SN-${crypto.randomBytes(4).toString('hex')}`, category: 'sensor' }, alpha);
  grantTxId = await accepted('access.grant', { device: deviceDid, grantee: receiverId, actions: ['read'], expiresAtMs }, alpha);
  await accepted('access.grant', { device: deviceDid, grantee: deviceDid, actions: ['report'], expiresAtMs }, alpha);
  await accepted('access.event', { actor: receiverId, action: 'read', result: 'granted', atMs: Date.now() - 1_000 }, deviceSeed);
  revokeTxId = await accepted('access.revoke', { grantId: grantTxId }, alpha);
  historyDid = transactionSigner(crypto.randomBytes(32)).did;
  historyActor = transactionSigner(crypto.randomBytes(32)).did;
  await accepted('device.register', { did: historyDid, model: 'SG-2', serial: `SN-${crypto.randomBytes(4).toString('hex')}`, category: 'sensor' }, alpha);
  historyGrant = await acceptedAt('access.grant', { device: historyDid, grantee: receiverId, actions: ['read'], expiresAtMs }, alpha);
  actorGrant = await acceptedAt('access.grant', { device: historyDid, grantee: historyActor, actions: ['operate'], expiresAtMs }, alpha);
  historyRevoke = await acceptedAt('access.revoke', { grantId: historyGrant.txId }, alpha);
  const offerTxId = await accepted('device.transferOffer', { did: historyDid, to: receiverId, expiresAtMs }, alpha);
  transfer = await acceptedAt('device.transferAccept', { did: historyDid, offerTxId }, beta);
  await applyMigrations(driver);
  const statuses = await client.status();
  const heightStop = Math.min(...statuses.map((result) => (result.ok ? result.status.qcHeight : Number.MAX_SAFE_INTEGER)));
  projectedHeight = heightStop;
  const projector = new Projector({ driver, ledgerUrls, consortium: loaded.consortium, genesis: loaded.genesis, heightStop, backoffMsFirst: 20, backoffMsMax: 200 });
  try {
    await projector.run();
  } finally {
    projector.close();
  }
  identitySubgraph = await startIdentitySubgraph({ driver, client, identityVerifyKey: publicKey, port: 0 });
  ledgerSubgraph = await startLedgerSubgraph({ driver, client, identityVerifyKey: publicKey, port: 0 });
});

afterAll(async () => {
  await identitySubgraph?.stop();
  await ledgerSubgraph?.stop();
  client?.close();
  await driver?.close();
  await neo4jService?.child.stop();
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
});

const ownerPartner = (): Identity => ({ organizationId: ownerId, role: 'partner', subject: 'owner-app' });
const otherPartner = (): Identity => ({ organizationId: 'someone-else', role: 'partner', subject: 'other-app' });
const regulator = (): Identity => ({ organizationId: 'regulator-org', role: 'regulator', subject: 'auditor' });

describe('identity subgraph', () => {
  it('refuses a request without a gateway identity', async () => {
    const answer = await query(identitySubgraph.url, 'identity', null, '{ device(did: "did:key:z6Mk") { did } }');
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('sends no resolver traces, even to a caller that asks for them', async () => {
    // Federation's inline traces carry every resolver's timing and path; no one here collects them.
    const response = await fetch(identitySubgraph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'apollo-federation-include-trace': 'ftv1',
        [identityHeaderName]: await signIdentityHeader(ownerPartner(), privateKey, 'identity'),
      },
      body: JSON.stringify({ query: 'query Device($did: DID!) { device(did: $did) { did } }', variables: { did: deviceDid } }),
    });
    const body = (await response.json()) as { data?: { device?: { did?: string } }; extensions?: Record<string, unknown> };
    expect(body.data?.device?.did).toBe(deviceDid);
    expect(body.extensions?.['ftv1']).toBeUndefined();
  });

  it('answers the device with owner, history and grants', async () => {
    const answer = await query(
      identitySubgraph.url,
      'identity',
      ownerPartner(),
      `query($did: DID!) { device(did: $did) { did publicKey model category owner { id } ownershipHistory { ownerIndex owner { id } toHeight }
        grants(first: 5) { edges { node { txId actions revoked revocation { txId } } } pageInfo { hasNextPage } } } }`,
      { did: deviceDid },
    );
    expect(answer.body.errors).toBeUndefined();
    const device = answer.body.data?.['device'] as { owner: { id: string }; ownershipHistory: unknown[]; grants: { edges: { node: { txId: string; revoked: boolean; revocation: { txId: string } | null } }[] } };
    expect(device.owner.id).toBe(ownerId);
    expect(device.ownershipHistory).toEqual([{ ownerIndex: 0, owner: { id: ownerId }, toHeight: null }]);
    const grant = device.grants.edges.find((edge) => edge.node.txId === grantTxId)?.node;
    expect(grant).toMatchObject({ revoked: true, revocation: { txId: revokeTxId } });
  });

  it('names the revocation in canAccess, and keeps it private from other partners', async () => {
    const text = `query($did: DID!, $actor: String!) { canAccess(device: $did, actor: $actor, action: read) { allowed reason grant { txId } revocation { txId } } }`;
    const answer = await query(identitySubgraph.url, 'identity', regulator(), text, { did: deviceDid, actor: receiverId });
    expect(answer.body.data?.['canAccess']).toEqual({ allowed: false, reason: 'REVOKED', grant: { txId: grantTxId }, revocation: { txId: revokeTxId } });
    const owner = await query(identitySubgraph.url, 'identity', ownerPartner(), text, { did: deviceDid, actor: ownerId });
    expect(owner.body.data?.['canAccess']).toMatchObject({ allowed: true, reason: 'OWNER' });
    const other = await query(identitySubgraph.url, 'identity', otherPartner(), text, { did: deviceDid, actor: receiverId });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('serves the access log to a regulator and refuses another partner', async () => {
    const text = `query($did: DID!) { accessLog(device: $did, first: 10) { edges { node { actor action result ledgerAllowed ledgerReason } } } }`;
    const answer = await query(identitySubgraph.url, 'identity', regulator(), text, { did: deviceDid });
    expect(answer.body.data?.['accessLog']).toEqual({ edges: [{ node: { actor: receiverId, action: 'read', result: 'granted', ledgerAllowed: true, ledgerReason: 'GRANTED' } }] });
    const other = await query(identitySubgraph.url, 'identity', otherPartner(), text, { did: deviceDid });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooMany = await query(identitySubgraph.url, 'identity', regulator(), `query($did: DID!) { accessLog(device: $did, first: 1000) { edges { cursor } } }`, { did: deviceDid });
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('canAccess at a height', () => {
  interface Decision {
    allowed: boolean;
    reason: string;
    grant: { txId: string; revoked: boolean } | null;
    revocation: { txId: string; height: string } | null;
    height: string;
  }
  const text = `query($did: DID!, $actor: String!, $action: AccessAction!, $atHeight: BigInt) {
    canAccess(device: $did, actor: $actor, action: $action, atHeight: $atHeight) { allowed reason grant { txId revoked } revocation { txId height } height } }`;

  async function decisionAt(actor: string, action: string, atHeight: number): Promise<Decision> {
    const answer = await query(identitySubgraph.url, 'identity', regulator(), text, { did: historyDid, actor, action, atHeight: String(atHeight) });
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data?.['canAccess'] as Decision;
  }

  it('lands each history transaction in a block of its own, all projected', () => {
    expect(historyGrant.height).toBeLessThan(actorGrant.height);
    expect(actorGrant.height).toBeLessThan(historyRevoke.height);
    expect(historyRevoke.height).toBeLessThan(transfer.height);
    expect(transfer.height).toBeLessThanOrEqual(projectedHeight);
  });

  it('has no grant before the grant, the grant until the revocation, and the revocation from it on', async () => {
    const a = historyGrant.height;
    const b = historyRevoke.height;
    expect(await decisionAt(receiverId, 'read', a - 1)).toEqual({ allowed: false, reason: 'NO_GRANT', grant: null, revocation: null, height: String(a - 1) });
    for (const height of [a, b - 1]) {
      expect(await decisionAt(receiverId, 'read', height)).toEqual({ allowed: true, reason: 'GRANTED', grant: { txId: historyGrant.txId, revoked: false }, revocation: null, height: String(height) });
    }
    // After the transfer the receiver owns the device, so the revocation is the answer only until then.
    for (const height of [b, transfer.height - 1]) {
      expect(await decisionAt(receiverId, 'read', height)).toEqual({
        allowed: false,
        reason: 'REVOKED',
        grant: { txId: historyGrant.txId, revoked: true },
        revocation: { txId: historyRevoke.txId, height: String(b) },
        height: String(height),
      });
    }
    expect(await decisionAt(receiverId, 'read', transfer.height)).toMatchObject({ allowed: true, reason: 'OWNER' });
  });

  it("ends the previous owner's grants at the transfer's height", async () => {
    const t = transfer.height;
    expect(await decisionAt(historyActor, 'operate', actorGrant.height - 1)).toMatchObject({ allowed: false, reason: 'NO_GRANT' });
    expect(await decisionAt(historyActor, 'operate', t - 1)).toEqual({ allowed: true, reason: 'GRANTED', grant: { txId: actorGrant.txId, revoked: false }, revocation: null, height: String(t - 1) });
    expect(await decisionAt(historyActor, 'operate', t)).toEqual({ allowed: false, reason: 'PREVIOUS_OWNER', grant: { txId: actorGrant.txId, revoked: false }, revocation: null, height: String(t) });
    expect(await decisionAt(ownerId, 'configure', t - 1)).toMatchObject({ allowed: true, reason: 'OWNER' });
    expect(await decisionAt(ownerId, 'configure', t)).toMatchObject({ allowed: false, reason: 'NO_GRANT' });
  });

  it('answers DEVICE_UNKNOWN before the registration, and the head when atHeight is left out', async () => {
    expect(await decisionAt(receiverId, 'read', 1)).toMatchObject({ allowed: false, reason: 'DEVICE_UNKNOWN', height: '1' });
    const answer = await query(identitySubgraph.url, 'identity', regulator(), text, { did: historyDid, actor: historyActor, action: 'operate' });
    expect(answer.body.data?.['canAccess']).toMatchObject({ reason: 'PREVIOUS_OWNER', height: String(projectedHeight) });
  });

  it('refuses heights outside 1 to the projected height', async () => {
    for (const atHeight of [projectedHeight + 1, 0]) {
      const answer = await query(identitySubgraph.url, 'identity', regulator(), text, { did: historyDid, actor: receiverId, action: 'read', atHeight: String(atHeight) });
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it("names transactions whose proof bundles verify offline against the consortium", async () => {
    const answer = await query(
      ledgerSubgraph.url,
      'ledger',
      regulator(),
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Device { provenance { txId height proofBundle } } } }`,
      { representations: [{ __typename: 'Device', did: historyDid }] },
    );
    expect(answer.body.errors).toBeUndefined();
    const [entity] = answer.body.data?.['_entities'] as { provenance: { txId: string; height: string; proofBundle: unknown }[] }[];
    const named = [historyGrant, historyRevoke, actorGrant, transfer];
    for (const landed of named) {
      const entry = entity?.provenance.find((candidate) => candidate.txId === landed.txId);
      expect(entry).toBeDefined();
      // As a client verifies offline: the bundle as a JSON file, checked against the consortium's keys only.
      expect(verifyProofBundleJson(JSON.stringify(entry?.proofBundle), loaded.consortium)).toMatchObject({ ok: true, txId: landed.txId, height: landed.height });
    }
  });
});

describe('ledger subgraph', () => {
  it('lists the device provenance with proof bundles through an entity reference', async () => {
    const answer = await query(
      ledgerSubgraph.url,
      'ledger',
      regulator(),
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Device { provenance { txId type height proofBundle } } } }`,
      { representations: [{ __typename: 'Device', did: deviceDid }] },
    );
    expect(answer.body.errors).toBeUndefined();
    const [entity] = answer.body.data?.['_entities'] as { provenance: { txId: string; type: string; proofBundle: { v: number } }[] }[];
    const types = entity?.provenance.map((entry) => entry.type).sort();
    expect(types).toEqual(['access.event', 'access.grant', 'access.grant', 'access.revoke', 'device.register']);
    expect(entity?.provenance.every((entry) => entry.proofBundle.v === 1)).toBe(true);
  });

  it('serves blocks and the latest checkpoint', async () => {
    const answer = await query(ledgerSubgraph.url, 'ledger', regulator(), '{ block(height: "1") { height hash transactions { id receipt { status } } } checkpoint { height note } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.['block']).toMatchObject({ height: '1' });
  });
});
