/**
 * An end-to-end recall through the gateway, on a platform of this test's own. A small generated supply
 * network (bench/trace/generate.ts) is written through the GraphQL mutations by the consortium's three
 * members: two suppliers register material and packaging lots, the plant makes subassembly and product
 * batches from them, records the process steps that consumed them at its station and registers the
 * products; customers order, the plant ships against the orders, and custody moves by signed handovers
 * (delivered, or left with the carrier in transit), some products twice. Then one lot is found bad:
 * `recall(lot)` asked by its supplier answers exactly the generator's ground truth (products, customers,
 * who holds each product and where), and one proof of each kind of element (the lot, a product, a
 * customer's consignment, a trace path's node and link) verifies offline with the CLI.
 */
import { randomBytes } from 'node:crypto';
import { transactionSigner } from '@twinledger/ledger-core/client';
import { generateNetwork, recallTruth, type Shipment, type TraceNetwork } from '../../bench/trace/generate.js';
import { postGraphql, startPlatformWithApiKeys, verifyBundlesOffline, type GraphqlAnswer, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(900_000);

const plant = 'alpha-industries';
const beta = 'beta-logistics';
const gamma = 'gamma-finance';
const requestTimeoutMs = 120_000;

let started: PlatformWithApiKeys;
let network: TraceNetwork;

function graphql(organization: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  return postGraphql(started.gatewayUrl, started.apiKeys.get(organization) ?? '', query, variables, requestTimeoutMs);
}

/** Runs a mutation as `organization` and answers its payload; fails the test on any error or rejection. */
async function mutate(organization: string, field: string, query: string, variables: Record<string, unknown>): Promise<{ receipt: { txId: string; status: string } }> {
  const answer = await graphql(organization, query, variables);
  expect({ field, errors: answer.errors }).toEqual({ field, errors: undefined });
  const payload = answer.data?.[field] as { receipt: { txId: string; status: string } };
  expect({ field, status: payload.receipt.status }).toEqual({ field, status: 'ACCEPTED' });
  return payload;
}

function verifyOffline(bundles: readonly unknown[]): Promise<number[]> {
  return verifyBundlesOffline(bundles, started.platform.endpoints.consortiumDir ?? '', started.dataDir);
}

const receipt = 'receipt { txId status }';
const m = {
  registerDevice: `mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { ${receipt} } }`,
  registerMaterialLot: `mutation($input: RegisterMaterialLotInput!) { registerMaterialLot(input: $input) { ${receipt} } }`,
  createBatch: `mutation($input: CreateBatchInput!) { createBatch(input: $input) { ${receipt} } }`,
  registerProduct: `mutation($input: RegisterProductInput!) { registerProduct(input: $input) { ${receipt} } }`,
  recordProcessStep: `mutation($input: RecordProcessStepInput!) { recordProcessStep(input: $input) { ${receipt} } }`,
  createOrder: `mutation($input: CreateOrderInput!) { createOrder(input: $input) { ${receipt} } }`,
  advanceOrder: `mutation($id: String!) { advanceOrder(id: $id, to: CONFIRMED) { ${receipt} } }`,
  createShipment: `mutation($input: CreateShipmentInput!) { createShipment(input: $input) { ${receipt} } }`,
  offerHandover: `mutation($input: OfferHandoverInput!) { offerHandover(input: $input) { ${receipt} } }`,
  acceptHandover: `mutation($shipment: String!, $offerTxId: Hex!) { acceptHandover(shipment: $shipment, offerTxId: $offerTxId) { ${receipt} } }`,
};

const orderOf = (customer: string): string => `recall-order-${customer}`;

/**
 * The legs of a shipment, so that custody and location end as the generator says: delivered ones go
 * to a hub and on to their location, the consignee's dock; ones in transit stop with the carrier at
 * their location, a hub, before the leg to the consignee.
 */
function legsOf(shipment: Shipment): { from: string; to: string }[] {
  return shipment.delivered
    ? [
        { from: `${shipment.shipper} plant`, to: 'transit hub' },
        { from: 'transit hub', to: shipment.location },
      ]
    : [
        { from: `${shipment.shipper} plant`, to: shipment.location },
        { from: shipment.location, to: `${shipment.consignee} door` },
      ];
}

async function handOver(shipment: Shipment, from: string, to: string, leg: number): Promise<void> {
  const offer = await mutate(from, 'offerHandover', m.offerHandover, { input: { shipment: shipment.id, to, leg } });
  await mutate(to, 'acceptHandover', m.acceptHandover, { shipment: shipment.id, offerTxId: offer.receipt.txId });
}

/** Writes the whole network through the gateway, each record signed by the organisation that owns it. */
async function writeNetwork(): Promise<void> {
  const station = transactionSigner(new Uint8Array(randomBytes(32))).did;
  await mutate(plant, 'registerDevice', m.registerDevice, { input: { did: station, model: 'ST-9', serial: `ST-${randomBytes(4).toString('hex')}`, category: 'press' } });
  for (const lot of network.materialLots) {
    await mutate(lot.supplier, 'registerMaterialLot', m.registerMaterialLot, { input: { lot: lot.lot, material: lot.material, quantity: String(lot.quantity), unit: lot.unit } });
  }
  const inputs = (items: readonly { lot: string; quantity: number }[]) => items.map((item) => ({ lot: item.lot, quantity: String(item.quantity) }));
  for (const batch of network.batches) {
    await mutate(batch.producer, 'createBatch', m.createBatch, { input: { lot: batch.lot, model: batch.model, quantity: String(batch.quantity), unit: batch.unit, inputs: inputs(batch.inputs) } });
  }
  for (const product of network.products) await mutate(product.producer, 'registerProduct', m.registerProduct, { input: { serial: product.serial, model: product.model, batch: product.batch } });
  for (const step of network.steps) {
    const subject = step.subject.kind === 'lot' ? { lot: step.subject.id } : { serial: step.subject.id };
    await mutate(step.producer, 'recordProcessStep', m.recordProcessStep, { input: { id: step.id, station, subject, name: step.name, operator: 'badge-7', inputs: inputs(step.consumed) } });
  }
  for (const customer of new Set(network.shipments.map((shipment) => shipment.consignee))) {
    await mutate(customer, 'createOrder', m.createOrder, { input: { id: orderOf(customer), seller: plant, lines: [{ item: 'unit', quantity: '1000' }] } });
    await mutate(plant, 'advanceOrder', m.advanceOrder, { id: orderOf(customer) });
  }
  // In the generator's order, so a product's later shipment is also later on the ledger.
  for (const shipment of network.shipments) {
    await mutate(shipment.shipper, 'createShipment', m.createShipment, {
      input: { id: shipment.id, order: orderOf(shipment.consignee), carrier: shipment.carrier, consignee: shipment.consignee, items: shipment.products.map((serial) => ({ serial })), legs: legsOf(shipment) },
    });
    await handOver(shipment, shipment.shipper, shipment.carrier, 0);
    if (shipment.delivered) await handOver(shipment, shipment.carrier, shipment.consignee, 1);
  }
}

beforeAll(async () => {
  started = await startPlatformWithApiKeys(
    'twinledger-recall-',
    [plant, beta, gamma].map((organization) => ({ name: organization, organizationId: organization, role: 'partner' as const, label: `recall test key of ${organization}` })),
  );

  network = generateNetwork({
    seed: 4,
    products: 20,
    productsPerBatch: 7,
    productStepShare: 0.15,
    shippedShare: 0.8,
    reshipShare: 0.25,
    productsPerShipmentMax: 4,
    idPrefix: 'recall',
    organizationIds: { suppliers: [beta, gamma], producers: [plant], customers: [beta, gamma], carriers: [beta, gamma] },
  });
  await writeNetwork();
});

afterAll(async () => {
  await started?.stop();
});

const recallQuery = `query($lot: String!) {
  recall(lot: $lot, first: 100) {
    lot
    provenance { txId type proofBundle }
    products { totalCount edges { node { serial producer { id } holder { id } location shipmentId provenance { txId type proofBundle } } } }
    customers { organization { id } shipmentIds provenance { txId type proofBundle } }
  }
}`;

interface Proven {
  readonly txId: string;
  readonly type: string;
  readonly proofBundle: unknown;
}
interface RecallAnswer {
  lot: string;
  provenance: Proven[];
  products: { totalCount: number; edges: { node: { serial: string; producer: { id: string }; holder: { id: string }; location: string | null; shipmentId: string | null; provenance: Proven[] } }[] };
  customers: { organization: { id: string }; shipmentIds: string[]; provenance: Proven[] }[];
}

/** Where the generator says a product is: its last shipment's custodian and location, else its producer. */
function expectedHolding(serial: string): { holder: { id: string }; location: string | null; shipmentId: string | null } {
  const shipments = network.shipments.filter((shipment) => shipment.products.includes(serial));
  const last = shipments[shipments.length - 1];
  const producer = network.products.find((product) => product.serial === serial)?.producer ?? '';
  return last === undefined ? { holder: { id: producer }, location: null, shipmentId: null } : { holder: { id: last.custodian }, location: last.location, shipmentId: last.id };
}

test('recall(lot) answers exactly the ground truth, and a proof of each kind of element verifies offline', async () => {
  // The bad lot: a supplier's material lot that reaches some products, not all, and some customers.
  const candidates = network.materialLots
    .map((lot) => ({ lot, truth: recallTruth(network, lot.lot) }))
    .filter(({ truth }) => truth.products.length > 0 && truth.products.length < network.products.length && truth.customers.length > 0);
  const bad = candidates[0];
  if (bad === undefined) throw new Error('the generated network has no material lot that reaches some products but not all');

  // Its supplier may ask; the plant, which did not make that lot, may not.
  expect((await graphql(plant, recallQuery, { lot: bad.lot.lot })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const answer = await graphql(bad.lot.supplier, recallQuery, { lot: bad.lot.lot });
  expect(answer.errors).toBeUndefined();
  const recall = answer.data?.recall as RecallAnswer;

  expect(recall.products.edges.map((edge) => edge.node.serial)).toEqual(bad.truth.products);
  expect(recall.products.totalCount).toBe(bad.truth.products.length);
  expect(recall.customers.map((customer) => customer.organization.id)).toEqual(bad.truth.customers);
  for (const { node } of recall.products.edges) {
    expect({ serial: node.serial, holder: node.holder, location: node.location, shipmentId: node.shipmentId }).toEqual({ serial: node.serial, ...expectedHolding(node.serial) });
    expect(node.producer).toEqual({ id: plant });
  }
  for (const customer of recall.customers) {
    const carrying = network.shipments.filter((shipment) => shipment.consignee === customer.organization.id && shipment.products.some((serial) => bad.truth.products.includes(serial)));
    expect(customer.shipmentIds).toEqual(carrying.map((shipment) => shipment.id).sort());
  }

  // A trace path from one affected product back to the bad lot, for a node's and a link's proof.
  const affected = bad.truth.products[0] ?? '';
  // The plant made every product, so it is a party to any product's trace.
  const trace = await graphql(plant, `query($serial: String!) {
    traceBackward(serial: $serial, first: 100) { edges { node { nodes { kind key provenance { txId type proofBundle } } links { type provenance { txId type proofBundle } } } } }
  }`, { serial: affected });
  expect(trace.errors).toBeUndefined();
  const paths = (trace.data?.traceBackward as { edges: { node: { nodes: { kind: string; key: string; provenance: Proven[] }[]; links: { type: string; provenance: Proven[] }[] } }[] }).edges.map((edge) => edge.node);
  const toBadLot = paths.find((candidate) => candidate.nodes.some((node) => node.key === bad.lot.lot));
  if (toBadLot === undefined) throw new Error(`no backward path from ${affected} reaches ${bad.lot.lot}`);
  const lastLink = toBadLot.links[toBadLot.links.length - 1];

  const proofs = [recall.provenance[0], recall.products.edges[0]?.node.provenance[0], recall.customers[0]?.provenance[0], toBadLot.nodes[0]?.provenance[0], lastLink?.provenance[0]];
  expect(proofs.map((proof) => proof?.type)).toEqual(['production.registerMaterialLot', 'production.registerProduct', 'supply.createShipment', 'production.registerProduct', expect.stringMatching(/^production\./)]);
  expect(await verifyOffline(proofs.map((proof) => proof?.proofBundle))).toEqual([0, 0, 0, 0, 0]);
});
