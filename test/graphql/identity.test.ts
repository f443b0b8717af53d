/**
 * The identity mutations end to end through the gateway's HTTP port, on a platform of this test's own
 * (every process `npm start` runs, the command worker included). Two member organisations' partners
 * hold API keys. The first registers a device, grants read access to the second, and `canAccess` says
 * yes; it revokes the grant and `canAccess` says no, naming the revocation. Each answer's proof (the
 * device's provenance: its registration, the grant and the revocation) verifies with the CLI offline
 * against the consortium file. The refusals carry their codes: the second partner acting on the
 * first's device is FORBIDDEN, a request without a key UNAUTHENTICATED, a malformed input
 * BAD_USER_INPUT before anything is signed, and a second registration of the same device
 * LEDGER_REJECTED with the contract's code and reason. The other mutations answer through the same
 * path: a device-signed access record lands in the owner's access log; a transaction signed by a key
 * that is not the caller's is FORBIDDEN, one with a broken signature BAD_USER_INPUT; a transfer
 * offered by the owner and accepted by the receiver moves the device; a new organisation asked for by
 * one member becomes ACTIVE once a majority of members approve it. A bulk registration answers each
 * device at its index: the new ones registered and readable at once, proven offline, and one whose did
 * is taken refused on its own with LEDGER_REJECTED.
 */
import { randomBytes } from 'node:crypto';
import { buildTransaction, transactionSigner } from '@twinledger/ledger-core/client';
import { errorCode, postGraphql, startPlatformWithApiKeys, verifyBundlesOffline, type GraphqlAnswer, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(180_000);

/** The default consortium's first two member organisations (tools/services/ledger.ts). */
const ownerOrganization = 'alpha-industries';
const otherOrganization = 'beta-logistics';
const requestTimeoutMs = 90_000;

let started: PlatformWithApiKeys;
let ownerKey: string;
let otherKey: string;

function graphql(apiKey: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  return postGraphql(started.gatewayUrl, apiKey, query, variables, requestTimeoutMs);
}

function verifyOffline(bundles: readonly unknown[]): Promise<number[]> {
  return verifyBundlesOffline(bundles, started.platform.endpoints.consortiumDir ?? '', started.dataDir);
}

const registerDevice = `mutation Register($input: RegisterDeviceInput!) {
  registerDevice(input: $input) { receipt { txId height status blockHash } device { did owner { id } model serial category } }
}`;
const grantAccess = `mutation Grant($input: GrantAccessInput!) {
  grantAccess(input: $input) { receipt { txId height status } grant { txId grantee actions revoked } }
}`;
const revokeAccess = `mutation Revoke($grantId: Hex!) {
  revokeAccess(grantId: $grantId) { receipt { txId height status } grant { txId revoked revocation { txId } } }
}`;
const canAccess = `query Can($device: DID!, $actor: String!) {
  canAccess(device: $device, actor: $actor, action: read) { allowed reason grant { txId } revocation { txId } height }
}`;
const provenance = `query Provenance($did: DID!) { device(did: $did) { provenance { txId type proofBundle } } }`;

beforeAll(async () => {
  // The gateway's key store is made before the first start, with a key for each of two members; the
  // first is also the demo key the platform prints.
  started = await startPlatformWithApiKeys('twinledger-graphql-', [
    { name: ownerOrganization, organizationId: ownerOrganization, role: 'partner', label: `test key of ${ownerOrganization}` },
    { name: otherOrganization, organizationId: otherOrganization, role: 'partner', label: `test key of ${otherOrganization}` },
  ]);
  ownerKey = started.apiKeyOf(ownerOrganization);
  otherKey = started.apiKeyOf(otherOrganization);
  expect(started.platform.endpoints.demoApiKey).toBe(ownerKey);
});

afterAll(async () => {
  await started?.stop();
});

test('register, grant, canAccess, revoke, canAccess again: each answer proven offline; refusals carry their codes', async () => {
  const device = transactionSigner(new Uint8Array(randomBytes(32))).did;
  const input = { did: device, model: 'PX-200', serial: `SN-${randomBytes(4).toString('hex')}`, category: 'press' };

  // Without a key the gateway refuses before any subgraph runs.
  const anonymous = await graphql(undefined, registerDevice, { input });
  expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');

  // Malformed input is refused before anything is signed.
  const malformed = await graphql(ownerKey, registerDevice, { input: { ...input, category: 'Not A Category' } });
  expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
  expect(malformed.errors?.[0]?.message).toMatch(/category/);

  const registered = await graphql(ownerKey, registerDevice, { input });
  expect(registered.errors).toBeUndefined();
  const registration = registered.data?.['registerDevice'] as { receipt: { txId: string; status: string }; device: { did: string; owner: { id: string } } };
  expect(registration.receipt.status).toBe('ACCEPTED');
  expect(registration.device).toMatchObject({ did: device, owner: { id: ownerOrganization } });

  // The same device again is ordered and rejected by the device contract, with its code and reason.
  const again = await graphql(ownerKey, registerDevice, { input });
  expect(errorCode(again)).toBe('LEDGER_REJECTED');
  expect(again.errors?.[0]?.extensions).toMatchObject({ ledgerCode: 'DEVICE_EXISTS', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(again.errors?.[0]?.message).toMatch(/^device did:key:\S+ is registered already \(DEVICE_EXISTS, transaction [0-9a-f]{64}\)$/);

  const expiresAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
  const grantInput = { device, grantee: otherOrganization, actions: ['read'], expiresAt };
  // The other member's partner may not act on a device it does not own.
  const foreign = await graphql(otherKey, grantAccess, { input: { ...grantInput, grantee: ownerOrganization } });
  expect(errorCode(foreign)).toBe('FORBIDDEN');

  const granted = await graphql(ownerKey, grantAccess, { input: grantInput });
  expect(granted.errors).toBeUndefined();
  const grant = granted.data?.['grantAccess'] as { receipt: { txId: string; status: string }; grant: { txId: string; grantee: string; revoked: boolean } };
  expect(grant.receipt.status).toBe('ACCEPTED');
  expect(grant.grant).toMatchObject({ txId: grant.receipt.txId, grantee: otherOrganization, revoked: false });

  // Read-your-writes: the grant is in the graph as soon as the mutation answers.
  const allowed = await graphql(otherKey, canAccess, { device, actor: otherOrganization });
  expect(allowed.data?.['canAccess']).toMatchObject({ allowed: true, reason: 'GRANTED', grant: { txId: grant.receipt.txId } });

  const foreignRevoke = await graphql(otherKey, revokeAccess, { grantId: grant.receipt.txId });
  expect(errorCode(foreignRevoke)).toBe('FORBIDDEN');

  const revoked = await graphql(ownerKey, revokeAccess, { grantId: grant.receipt.txId });
  expect(revoked.errors).toBeUndefined();
  const revocation = revoked.data?.['revokeAccess'] as { receipt: { txId: string; status: string }; grant: { revoked: boolean; revocation: { txId: string } } };
  expect(revocation.receipt.status).toBe('ACCEPTED');
  expect(revocation.grant).toMatchObject({ revoked: true, revocation: { txId: revocation.receipt.txId } });

  const denied = await graphql(otherKey, canAccess, { device, actor: otherOrganization });
  expect(denied.data?.['canAccess']).toMatchObject({ allowed: false, reason: 'REVOKED', revocation: { txId: revocation.receipt.txId } });

  // Every transaction behind those answers comes with a proof that verifies offline.
  const proven = await graphql(ownerKey, provenance, { did: device });
  expect(proven.errors).toBeUndefined();
  const entries = (proven.data?.['device'] as { provenance: Array<{ txId: string; proofBundle: unknown }> }).provenance;
  const byTxId = new Map(entries.map((entry) => [entry.txId, entry.proofBundle]));
  const txIds = [registration.receipt.txId, grant.receipt.txId, revocation.receipt.txId];
  expect(txIds.filter((txId) => !byTxId.has(txId))).toEqual([]);
  expect(await verifyOffline(txIds.map((txId) => byTxId.get(txId)))).toEqual([0, 0, 0]);
});

test('access records, signed transactions, transfers and organisation approvals go through the same path', async () => {
  const deviceSeed = new Uint8Array(randomBytes(32));
  const device = transactionSigner(deviceSeed).did;
  const registered = await graphql(ownerKey, registerDevice, { input: { did: device, model: 'PX-300', serial: `SN-${randomBytes(4).toString('hex')}`, category: 'press' } });
  expect(registered.errors).toBeUndefined();

  // The device signs its own access record; its owner's partner relays it.
  const record = buildTransaction({ type: 'access.event', payload: { actor: otherOrganization, action: 'read', result: 'denied', atMs: Date.now() - 1_000 } }, deviceSeed).signed;
  const recorded = await graphql(ownerKey, 'mutation($t: JSON!) { recordAccessEvent(signedTransaction: $t) { receipt { txId status } device { did } } }', { t: record });
  expect(recorded.errors).toBeUndefined();
  const recordTxId = (recorded.data?.['recordAccessEvent'] as { receipt: { txId: string } }).receipt.txId;
  const log = await graphql(ownerKey, 'query($d: DID!) { accessLog(device: $d) { edges { node { txId actor result ledgerAllowed } } } }', { d: device });
  expect((log.data?.['accessLog'] as { edges: Array<{ node: unknown }> }).edges.map((edge) => edge.node)).toEqual([
    { txId: recordTxId, actor: otherOrganization, result: 'denied', ledgerAllowed: false },
  ]);

  // A key that signs for no organisation of the caller's is refused; so is a signature that does not verify.
  const stranger = buildTransaction({ type: 'device.register', payload: { did: transactionSigner(new Uint8Array(randomBytes(32))).did, model: 'X', serial: 'Y', category: 'press' } }, new Uint8Array(randomBytes(32))).signed;
  const submit = 'mutation($t: JSON!) { submitSignedTransaction(signedTransaction: $t) { receipt { txId status } } }';
  expect(errorCode(await graphql(ownerKey, submit, { t: stranger }))).toBe('FORBIDDEN');
  const broken = { tx: stranger.tx, signature: record.signature };
  expect(errorCode(await graphql(ownerKey, submit, { t: broken }))).toBe('BAD_USER_INPUT');

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const offered = await graphql(ownerKey, 'mutation($d: DID!, $to: ID!, $e: DateTime!) { offerDeviceTransfer(did: $d, to: $to, expiresAt: $e) { receipt { txId status } device { openTransferOffer { txId to { id } status } } } }', {
    d: device,
    to: otherOrganization,
    e: expiresAt,
  });
  expect(offered.errors).toBeUndefined();
  const offer = offered.data?.['offerDeviceTransfer'] as { receipt: { txId: string }; device: { openTransferOffer: unknown } };
  expect(offer.device.openTransferOffer).toEqual({ txId: offer.receipt.txId, to: { id: otherOrganization }, status: 'OPEN' });
  const accept = 'mutation($d: DID!, $o: Hex!) { acceptDeviceTransfer(did: $d, offerTxId: $o) { receipt { status } device { owner { id } } } }';
  // Only the organisation the offer is made to may accept it.
  expect(errorCode(await graphql(ownerKey, accept, { d: device, o: offer.receipt.txId }))).toBe('FORBIDDEN');
  const accepted = await graphql(otherKey, accept, { d: device, o: offer.receipt.txId });
  expect(accepted.data?.['acceptDeviceTransfer']).toEqual({ receipt: { status: 'ACCEPTED' }, device: { owner: { id: otherOrganization } } });

  const newcomer = `delta-${randomBytes(3).toString('hex')}`;
  const asked = await graphql(ownerKey, 'mutation($i: RegisterOrganizationInput!) { registerOrganization(input: $i) { receipt { status } organization { id status did } } }', {
    i: { id: newcomer, name: 'Delta Works' },
  });
  expect(asked.data?.['registerOrganization']).toMatchObject({ receipt: { status: 'ACCEPTED' }, organization: { id: newcomer, status: 'PENDING' } });
  const approve = 'mutation($id: ID!) { approveOrganization(id: $id) { receipt { status } organization { status } } }';
  expect((await graphql(ownerKey, approve, { id: newcomer })).data?.['approveOrganization']).toEqual({ receipt: { status: 'ACCEPTED' }, organization: { status: 'PENDING' } });
  expect((await graphql(otherKey, approve, { id: newcomer })).data?.['approveOrganization']).toEqual({ receipt: { status: 'ACCEPTED' }, organization: { status: 'ACTIVE' } });
});

test('a bulk registration answers each device at its index: new ones registered and proven, a taken did refused on its own', async () => {
  const newDevice = (): string => transactionSigner(new Uint8Array(randomBytes(32))).did;
  const input = (did: string): Record<string, string> => ({ did, model: 'PX-400', serial: `SN-${randomBytes(4).toString('hex')}`, category: 'press' });
  const taken = newDevice();
  expect((await graphql(ownerKey, registerDevice, { input: input(taken) })).errors).toBeUndefined();

  const registerDevices = `mutation Bulk($inputs: [RegisterDeviceInput!]!) {
    registerDevices(inputs: $inputs) { receipt { txId height status } device { did owner { id } model } }
  }`;
  const fresh = [newDevice(), newDevice(), newDevice()];
  const inputs = [input(fresh[0] as string), input(taken), input(fresh[1] as string), input(fresh[2] as string)];
  const bulk = await graphql(ownerKey, registerDevices, { inputs });
  const answers = bulk.data?.['registerDevices'] as Array<{ receipt: { txId: string; status: string }; device: { did: string; owner: { id: string }; model: string } } | null>;
  expect(answers.map((answer) => answer?.device ?? null)).toEqual([
    { did: fresh[0], owner: { id: ownerOrganization }, model: 'PX-400' },
    null,
    { did: fresh[1], owner: { id: ownerOrganization }, model: 'PX-400' },
    { did: fresh[2], owner: { id: ownerOrganization }, model: 'PX-400' },
  ]);
  expect(answers.map((answer) => answer?.receipt.status ?? null)).toEqual(['ACCEPTED', null, 'ACCEPTED', 'ACCEPTED']);
  expect(bulk.errors?.map((error) => [error.path, error.extensions?.['code'], error.extensions?.['ledgerCode']])).toEqual([[['registerDevices', 1], 'LEDGER_REJECTED', 'DEVICE_EXISTS']]);

  // A malformed input anywhere refuses the whole request, and none of its devices is registered.
  const unsigned = newDevice();
  const refused = await graphql(ownerKey, registerDevices, { inputs: [input(unsigned), { ...input(newDevice()), category: 'Not A Category' }] });
  expect(refused.errors?.map((error) => [error.extensions?.['code'], error.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(/^inputs\[1\]\.category/)]]);
  expect((await graphql(ownerKey, 'query($d: DID!) { device(did: $d) { did } }', { d: unsigned })).data?.['device']).toBeNull();

  // Each registration in the bulk is proven like any other.
  const txIds = [answers[0], answers[3]].map((answer) => answer?.receipt.txId);
  const bundles = await Promise.all(
    [fresh[0], fresh[2]].map(async (did, index) => {
      const proven = await graphql(ownerKey, provenance, { did });
      const entries = (proven.data?.['device'] as { provenance: Array<{ txId: string; proofBundle: unknown }> }).provenance;
      return entries.find((entry) => entry.txId === txIds[index])?.proofBundle;
    }),
  );
  expect(await verifyOffline(bundles)).toEqual([0, 0]);
});
