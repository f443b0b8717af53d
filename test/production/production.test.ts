/**
 * Production traceability end to end through the gateway's HTTP port, on a platform of this test's own.
 * A supplier (alpha) registers a material lot; a producer (beta) makes a batch from it, registers two
 * products, records a step at its own station, and relays a step its station signed itself (the
 * station registered in identity and granted `report` by beta), then a quality check. The producer reads
 * everything; another partner (gamma) reads the identity fields but is refused the process parameters,
 * operators and measurements with FORBIDDEN; a regulator reads them all. A batch asking for more than
 * the lot has left is LEDGER_REJECTED with the contract's OVER_CONSUMPTION; a device step relayed by a
 * partner that does not own the device is FORBIDDEN; malformed input is BAD_USER_INPUT before anything
 * is signed. The product's provenance (registration, steps, check) verifies offline with the CLI.
 */
import { randomBytes } from 'node:crypto';
import { buildTransaction, transactionSigner } from '@twinledger/ledger-core/client';
import { errorCode, postGraphql, startPlatformWithApiKeys, verifyBundlesOffline, type GraphqlAnswer, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(240_000);

/** The default consortium's member organisations (tools/services/ledger.ts). */
const supplier = 'alpha-industries';
const producer = 'beta-logistics';
const other = 'gamma-finance';
const requestTimeoutMs = 90_000;

let started: PlatformWithApiKeys;
const keys: Record<'supplier' | 'producer' | 'other' | 'regulator', string> = { supplier: '', producer: '', other: '', regulator: '' };

function graphql(apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  return postGraphql(started.gatewayUrl, apiKey, query, variables, requestTimeoutMs);
}

/** The answer's data, failing the test with the errors when there are any. */
function dataOf(answer: GraphqlAnswer): Record<string, unknown> {
  expect(answer.errors).toBeUndefined();
  return answer.data ?? {};
}

function verifyOffline(bundles: readonly unknown[]): Promise<number[]> {
  return verifyBundlesOffline(bundles, started.platform.endpoints.consortiumDir ?? '', started.dataDir);
}

const registerMaterialLot = `mutation($input: RegisterMaterialLotInput!) {
  registerMaterialLot(input: $input) { receipt { txId status } materialLot { lot material quantity remaining unit supplier { id } } }
}`;
const createBatch = `mutation($input: CreateBatchInput!) {
  createBatch(input: $input) { receipt { txId status } batch { lot model quantity producer { id } inputs { lot kind quantity unit } } }
}`;
const registerProduct = `mutation($input: RegisterProductInput!) {
  registerProduct(input: $input) { receipt { txId status } product { serial model batch { lot } producer { id } } }
}`;
const recordProcessStep = `mutation($input: RecordProcessStepInput!) {
  recordProcessStep(input: $input) { receipt { txId status } processStep { id signedBy parameters consumed { lot quantity } } }
}`;
const submitDeviceSignedStep = `mutation($t: JSON!) {
  submitDeviceSignedStep(signedTransaction: $t) { receipt { txId status } processStep { id signedBy grantTxId station { did } } }
}`;
const recordQualityCheck = `mutation($input: RecordQualityCheckInput!) {
  recordQualityCheck(input: $input) { receipt { txId status } qualityCheck { id result measurements } }
}`;
const productRead = `query($serial: String!) {
  product(serial: $serial) {
    serial model producer { id } batch { lot inputs { lot quantity } }
    processSteps { edges { node { id name signedBy station { did } parameters operator } } }
    qualityChecks { id result measurements inspector }
  }
}`;

beforeAll(async () => {
  started = await startPlatformWithApiKeys('twinledger-production-', [
    { name: 'supplier', organizationId: supplier, role: 'partner', label: `test key of ${supplier}` },
    { name: 'producer', organizationId: producer, role: 'partner', label: `test key of ${producer}` },
    { name: 'other', organizationId: other, role: 'partner', label: `test key of ${other}` },
    { name: 'regulator', organizationId: other, role: 'regulator', label: 'test regulator key' },
  ]);
  for (const name of ['supplier', 'producer', 'other', 'regulator'] as const) keys[name] = started.apiKeyOf(name);
});

afterAll(async () => {
  await started?.stop();
});

test('lots, a batch, products, an organisation step, a device-signed step and a check: read by role, refused by code, proven offline', async () => {
  const tag = randomBytes(4).toString('hex');
  const steelLot = `urn:epc:class:lgtin:4012345.012345.STEEL-${tag}`;
  const batchLot = `B-${tag}`;
  const serial = `urn:epc:id:sgtin:4012345.011111.${tag}`;

  // Malformed input is refused before anything is signed.
  const malformed = await graphql(keys.supplier, registerMaterialLot, { input: { lot: 'has space', material: 'Steel', quantity: 10, unit: 'kg' } });
  expect(errorCode(malformed)).toBe('BAD_USER_INPUT');

  const lot = dataOf(await graphql(keys.supplier, registerMaterialLot, { input: { lot: steelLot, material: 'Steel sheet S235', quantity: 1000, unit: 'kg' } }))['registerMaterialLot'] as {
    receipt: { txId: string; status: string };
    materialLot: unknown;
  };
  expect(lot.receipt.status).toBe('ACCEPTED');
  expect(lot.materialLot).toEqual({ lot: steelLot, material: 'Steel sheet S235', quantity: '1000', remaining: '1000', unit: 'kg', supplier: { id: supplier } });

  const batch = dataOf(await graphql(keys.producer, createBatch, { input: { lot: batchLot, model: 'Gearbox G2', quantity: 20, unit: 'pcs', inputs: [{ lot: steelLot, quantity: 600 }] } }))[
    'createBatch'
  ] as { receipt: { status: string }; batch: unknown };
  expect(batch).toEqual({
    receipt: expect.objectContaining({ status: 'ACCEPTED' }),
    batch: { lot: batchLot, model: 'Gearbox G2', quantity: '20', producer: { id: producer }, inputs: [{ lot: steelLot, kind: 'MATERIAL_LOT', quantity: '600', unit: 'kg' }] },
  });

  // More than the lot has left is ordered and refused by the contract, with its code.
  const over = await graphql(keys.producer, createBatch, { input: { lot: `${batchLot}-X`, model: 'Gearbox G2', quantity: 1, unit: 'pcs', inputs: [{ lot: steelLot, quantity: 401 }] } });
  expect(errorCode(over)).toBe('LEDGER_REJECTED');
  expect(over.errors?.[0]?.extensions).toMatchObject({ ledgerCode: 'OVER_CONSUMPTION', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });

  const product = dataOf(await graphql(keys.producer, registerProduct, { input: { serial, model: 'Gearbox G2', batch: batchLot } }))['registerProduct'] as {
    receipt: { txId: string };
    product: unknown;
  };
  expect(product.product).toEqual({ serial, model: 'Gearbox G2', batch: { lot: batchLot }, producer: { id: producer } });
  // Only the batch's producer registers its products.
  const foreignProduct = await graphql(keys.other, registerProduct, { input: { serial: `${serial}-2`, model: 'Gearbox G2', batch: batchLot } });
  expect(foreignProduct.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'NOT_PRODUCER' });

  // The producer's station: a device in identity, granted `report` on itself by its owner.
  const stationSeed = new Uint8Array(randomBytes(32));
  const station = transactionSigner(stationSeed).did;
  dataOf(
    await graphql(keys.producer, 'mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { receipt { status } } }', {
      input: { did: station, model: 'HX-200', serial: `ST-${tag}`, category: 'press' },
    }),
  );

  const orgStep = dataOf(
    await graphql(keys.producer, recordProcessStep, {
      input: { id: `step-${tag}-1`, station, subject: { serial }, name: 'Pressing', parameters: { forceKn: 120.5, die: 'D-7' }, operator: 'badge-0042', inputs: [{ lot: steelLot, quantity: 5 }] },
    }),
  )['recordProcessStep'] as { receipt: { txId: string }; processStep: unknown };
  expect(orgStep.processStep).toEqual({ id: `step-${tag}-1`, signedBy: 'ORGANIZATION', parameters: { die: 'D-7', forceKn: 120.5 }, consumed: [{ lot: steelLot, quantity: '5' }] });

  const deviceStepPayload = { id: `step-${tag}-2`, station, subject: { serial }, name: 'Torque test', parameters: { torqueNm: 41.2 }, operator: 'badge-0042', inputs: [] };
  const signedStep = buildTransaction({ type: 'production.recordStep', payload: deviceStepPayload }, stationSeed).signed;
  // Without a grant the ledger refuses the station's step.
  const ungranted = await graphql(keys.producer, submitDeviceSignedStep, { t: signedStep });
  expect(ungranted.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'NOT_PERMITTED' });

  const expiresAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
  const grant = dataOf(
    await graphql(keys.producer, 'mutation($input: GrantAccessInput!) { grantAccess(input: $input) { receipt { txId status } } }', {
      input: { device: station, grantee: station, actions: ['report'], expiresAt },
    }),
  )['grantAccess'] as { receipt: { txId: string } };
  // A partner of another organisation may not relay the station's steps.
  const resigned = buildTransaction({ type: 'production.recordStep', payload: deviceStepPayload }, stationSeed).signed;
  expect(errorCode(await graphql(keys.other, submitDeviceSignedStep, { t: resigned }))).toBe('FORBIDDEN');
  const deviceStep = dataOf(await graphql(keys.producer, submitDeviceSignedStep, { t: resigned }))['submitDeviceSignedStep'] as { receipt: { txId: string; status: string }; processStep: unknown };
  expect(deviceStep).toEqual({
    receipt: expect.objectContaining({ status: 'ACCEPTED' }),
    processStep: { id: `step-${tag}-2`, signedBy: 'DEVICE', grantTxId: grant.receipt.txId, station: { did: station } },
  });

  const check = dataOf(
    await graphql(keys.producer, recordQualityCheck, { input: { id: `qc-${tag}`, subject: { serial }, result: 'PASS', measurements: { noiseDb: 62 }, inspector: 'badge-0077' } }),
  )['recordQualityCheck'] as { receipt: { txId: string }; qualityCheck: unknown };
  expect(check.qualityCheck).toEqual({ id: `qc-${tag}`, result: 'PASS', measurements: { noiseDb: 62 } });

  // The producer and a regulator read everything.
  const full = {
    serial,
    model: 'Gearbox G2',
    producer: { id: producer },
    batch: { lot: batchLot, inputs: [{ lot: steelLot, quantity: '600' }] },
    processSteps: {
      edges: [
        { node: { id: `step-${tag}-1`, name: 'Pressing', signedBy: 'ORGANIZATION', station: { did: station }, parameters: { die: 'D-7', forceKn: 120.5 }, operator: 'badge-0042' } },
        { node: { id: `step-${tag}-2`, name: 'Torque test', signedBy: 'DEVICE', station: { did: station }, parameters: { torqueNm: 41.2 }, operator: 'badge-0042' } },
      ],
    },
    qualityChecks: [{ id: `qc-${tag}`, result: 'PASS', measurements: { noiseDb: 62 }, inspector: 'badge-0077' }],
  };
  expect(dataOf(await graphql(keys.producer, productRead, { serial }))['product']).toEqual(full);
  expect(dataOf(await graphql(keys.regulator, productRead, { serial }))['product']).toEqual(full);

  // Another partner reads the identity fields; the private ones are FORBIDDEN, each by its path.
  const foreign = await graphql(keys.other, productRead, { serial });
  const product2 = foreign.data?.['product'] as { serial: string; batch: unknown; processSteps: { edges: Array<{ node: Record<string, unknown> }> }; qualityChecks: Array<Record<string, unknown>> };
  expect(product2.serial).toBe(serial);
  expect(product2.batch).toEqual(full.batch);
  expect(product2.processSteps.edges.map((edge) => [edge.node['id'], edge.node['parameters'], edge.node['operator']])).toEqual([
    [`step-${tag}-1`, null, null],
    [`step-${tag}-2`, null, null],
  ]);
  expect(product2.qualityChecks.map((entry) => [entry['result'], entry['measurements'], entry['inspector']])).toEqual([['PASS', null, null]]);
  const forbiddenPaths = (foreign.errors ?? []).filter((error) => error.extensions?.['code'] === 'FORBIDDEN').map((error) => (error.path ?? []).join('.'));
  expect(forbiddenPaths.sort()).toEqual(
    [
      'product.processSteps.edges.0.node.parameters',
      'product.processSteps.edges.0.node.operator',
      'product.processSteps.edges.1.node.parameters',
      'product.processSteps.edges.1.node.operator',
      'product.qualityChecks.0.measurements',
      'product.qualityChecks.0.inspector',
    ].sort(),
  );
  expect(foreign.errors?.length).toBe(forbiddenPaths.length);

  // What the lot has left is what the ledger computed: 1000 - 600 - 5.
  const remaining = dataOf(await graphql(keys.other, 'query($lot: String!) { materialLot(lot: $lot) { remaining supplier { id } } }', { lot: steelLot }))['materialLot'];
  expect(remaining).toEqual({ remaining: '395', supplier: { id: supplier } });

  // Every transaction behind the product comes with a proof that verifies offline.
  const proven = dataOf(await graphql(keys.producer, 'query($serial: String!) { product(serial: $serial) { provenance { txId type proofBundle } } }', { serial }))['product'] as {
    provenance: Array<{ txId: string; type: string; proofBundle: unknown }>;
  };
  const txIds = [product.receipt.txId, orgStep.receipt.txId, deviceStep.receipt.txId, check.receipt.txId];
  expect(proven.provenance.map((entry) => entry.txId)).toEqual(txIds);
  expect(proven.provenance.map((entry) => entry.type)).toEqual(['production.registerProduct', 'production.recordStep', 'production.recordStep', 'production.recordQualityCheck']);
  expect(await verifyOffline(proven.provenance.map((entry) => entry.proofBundle))).toEqual([0, 0, 0, 0]);
});
