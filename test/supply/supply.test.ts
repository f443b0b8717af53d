/**
 * Supply-chain visibility and distributed production end to end through the gateway's HTTP port, on a
 * platform of this test's own. The buyer and the seller are two consortium members; a carrier and a
 * producer join as new organisations (asked for by one member, approved by a majority); a third member
 * is the outsider partner, and a regulator key reads across. Proves: the whole order lifecycle, each
 * step by its party, an illegal step LEDGER_REJECTED with the contract's ILLEGAL_TRANSITION and a step
 * by the wrong party NOT_PARTY; a shipment handed over twice along its route, each handover's offer
 * signed by the custodian and its acceptance by the receiver (read back from the ledger), custody and
 * location following, delivered at the consignee; every transaction behind the shipment and the order
 * proven offline with the CLI; a split into work orders for two producers whose progress rolls up into
 * the order, with a double allocation, an over-allocation, an over-delivery and a step back refused by
 * the ledger; and visibility per role: the parties read, the outsider is FORBIDDEN on every entity and
 * lists none of them, the regulator reads across and writes nothing.
 */
import { loadConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { postGraphql, startPlatformWithApiKeys, verifyBundlesOffline, type GraphqlAnswer, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(300_000);

const requestTimeoutMs = 90_000;

/** The default consortium's members (tools/services/ledger.ts) and the organisations this test adds. */
const buyer = 'alpha-industries';
const seller = 'beta-logistics';
const outsider = 'gamma-finance';
const carrier = 'delta-freight';
const producer = 'epsilon-works';

let started: PlatformWithApiKeys;

function graphql(who: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  return postGraphql(started.gatewayUrl, started.apiKeyOf(who), query, variables, requestTimeoutMs);
}

/** The answer's data at `field` when it carries no errors; fails the test with the errors otherwise. */
async function ok<T>(who: string, query: string, variables: Record<string, unknown>, field: string): Promise<T> {
  const answer = await graphql(who, query, variables);
  expect(answer.errors ?? []).toEqual([]);
  return answer.data?.[field] as T;
}

function errorOf(answer: GraphqlAnswer): { code: unknown; ledgerCode: unknown } {
  const extensions = answer.errors?.[0]?.extensions ?? {};
  return { code: extensions['code'], ledgerCode: extensions['ledgerCode'] };
}

function verifyOffline(bundles: readonly unknown[]): Promise<number[]> {
  return verifyBundlesOffline(bundles, started.platform.endpoints.consortiumDir ?? '', started.dataDir);
}

const receipt = 'receipt { txId height status }';
const orderFields = 'id status buyer { id } seller { id } quantity allocated produced delivered transitions { from to by { id } txId }';
const shipmentFields = 'id status location legsDone custodian { id } handovers { offerTxId from { id } to { id } leg location status acceptedTxId } openHandover { offerTxId }';
const createOrder = `mutation($i: CreateOrderInput!) { createOrder(input: $i) { ${receipt} order { ${orderFields} } } }`;
const advanceOrder = `mutation($id: String!, $to: OrderStatus!) { advanceOrder(id: $id, to: $to) { ${receipt} order { ${orderFields} } } }`;
const createShipment = `mutation($i: CreateShipmentInput!) { createShipment(input: $i) { ${receipt} shipment { ${shipmentFields} } } }`;
const offerHandover = `mutation($i: OfferHandoverInput!) { offerHandover(input: $i) { ${receipt} shipment { ${shipmentFields} } } }`;
const acceptHandover = `mutation($s: String!, $o: Hex!) { acceptHandover(shipment: $s, offerTxId: $o) { ${receipt} shipment { ${shipmentFields} } } }`;
const splitOrder = `mutation($i: SplitOrderInput!) { splitOrder(input: $i) { ${receipt} order { ${orderFields} } workOrders { id producer { id } quantity } } }`;
const reportProgress = `mutation($i: ReportProgressInput!) { reportProgress(input: $i) { ${receipt} workOrder { id produced delivered order { produced delivered } } } }`;

interface Receipt {
  readonly txId: string;
  readonly height: string;
  readonly status: string;
}

beforeAll(async () => {
  started = await startPlatformWithApiKeys('twinledger-supply-', [
    { name: 'buyer', organizationId: buyer, role: 'partner', label: 'test key of buyer' },
    { name: 'seller', organizationId: seller, role: 'partner', label: 'test key of seller' },
    { name: 'carrier', organizationId: carrier, role: 'partner', label: 'test key of carrier' },
    { name: 'producer', organizationId: producer, role: 'partner', label: 'test key of producer' },
    { name: 'outsider', organizationId: outsider, role: 'partner', label: 'test key of outsider' },
    { name: 'regulator', organizationId: outsider, role: 'regulator', label: 'test key of regulator' },
  ]);

  // The carrier and the producer join: one member asks, two of the three approve.
  for (const id of [carrier, producer]) {
    await ok('buyer', 'mutation($i: RegisterOrganizationInput!) { registerOrganization(input: $i) { receipt { status } } }', { i: { id, name: `${id} Ltd` } }, 'registerOrganization');
    for (const member of ['buyer', 'seller']) await ok(member, 'mutation($id: ID!) { approveOrganization(id: $id) { receipt { status } } }', { id }, 'approveOrganization');
    const joined = await ok<{ status: string }>('buyer', 'query($id: ID!) { organization(id: $id) { status } }', { id }, 'organization');
    expect(joined.status).toBe('ACTIVE');
  }
});

afterAll(async () => {
  await started?.stop();
});

test('the order lifecycle, each step by its party, with a shipment handed over twice along its route; every transaction proven offline', async () => {
  const created = await ok<{ receipt: Receipt; order: Record<string, unknown> }>('buyer', createOrder, { i: { id: 'PO-1', seller, lines: [{ item: 'MODEL-X', quantity: 60 }, { item: 'urn:epc:idpat:sgtin:4012345.011111.*', quantity: 40 }] } }, 'createOrder');
  expect(created.receipt.status).toBe('ACCEPTED');
  expect(created.order).toMatchObject({ id: 'PO-1', status: 'CREATED', buyer: { id: buyer }, seller: { id: seller }, quantity: '100', transitions: [] });

  // Only the seller confirms; skipping a step is illegal whoever asks.
  expect(errorOf(await graphql('buyer', advanceOrder, { id: 'PO-1', to: 'CONFIRMED' }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'NOT_PARTY' });
  const skipped = await graphql('seller', advanceOrder, { id: 'PO-1', to: 'SHIPPED' });
  expect(errorOf(skipped)).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'ILLEGAL_TRANSITION' });
  expect(skipped.errors?.[0]?.message).toMatch(/^order PO-1 cannot go from created to shipped \(ILLEGAL_TRANSITION, transaction [0-9a-f]{64}\)$/);

  const steps: Array<[who: string, to: string]> = [
    ['seller', 'CONFIRMED'],
    ['seller', 'IN_PRODUCTION'],
  ];
  for (const [who, to] of steps) expect((await ok<{ order: { status: string } }>(who, advanceOrder, { id: 'PO-1', to }, 'advanceOrder')).order.status).toBe(to);

  const legs = [
    { from: 'Plant Bremen', to: 'Dock Bremen' },
    { from: 'Dock Bremen', to: 'Warehouse Lyon' },
  ];
  const shipped = await ok<{ receipt: Receipt; shipment: Record<string, unknown> }>(
    'seller',
    createShipment,
    { i: { id: 'SH-1', order: 'PO-1', carrier, consignee: buyer, items: [{ serial: 'SN-0001' }, { lot: 'LOT-7', quantity: 50 }], legs } },
    'createShipment',
  );
  expect(shipped.shipment).toMatchObject({ status: 'CREATED', location: 'Plant Bremen', custodian: { id: seller }, legsDone: 0, handovers: [] });

  // First handover: the seller offers at the end of leg 0, the carrier accepts.
  const firstOffer = await ok<{ receipt: Receipt; shipment: { openHandover: { offerTxId: string } } }>('seller', offerHandover, { i: { shipment: 'SH-1', to: carrier, leg: 0 } }, 'offerHandover');
  expect(firstOffer.shipment.openHandover).toEqual({ offerTxId: firstOffer.receipt.txId });
  // Only the receiver accepts it; the custodian cannot offer the consignee before the last leg.
  expect(errorOf(await graphql('outsider', acceptHandover, { s: 'SH-1', o: firstOffer.receipt.txId }))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
  const firstAccept = await ok<{ receipt: Receipt; shipment: Record<string, unknown> }>('carrier', acceptHandover, { s: 'SH-1', o: firstOffer.receipt.txId }, 'acceptHandover');
  expect(firstAccept.shipment).toMatchObject({ status: 'IN_TRANSIT', location: 'Dock Bremen', custodian: { id: carrier }, legsDone: 1, openHandover: null });
  expect(errorOf(await graphql('carrier', offerHandover, { i: { shipment: 'SH-1', to: buyer, leg: 0 } }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'BAD_LEG' });

  expect((await ok<{ order: { status: string } }>('seller', advanceOrder, { id: 'PO-1', to: 'SHIPPED' }, 'advanceOrder')).order.status).toBe('SHIPPED');

  // Second handover: the carrier offers at the end of the last leg, the consignee accepts: delivered.
  const secondOffer = await ok<{ receipt: Receipt }>('carrier', offerHandover, { i: { shipment: 'SH-1', to: buyer, leg: 1 } }, 'offerHandover');
  const secondAccept = await ok<{ receipt: Receipt; shipment: { handovers: unknown[] } }>('buyer', acceptHandover, { s: 'SH-1', o: secondOffer.receipt.txId }, 'acceptHandover');
  expect(secondAccept.shipment).toMatchObject({ status: 'DELIVERED', location: 'Warehouse Lyon', custodian: { id: buyer }, legsDone: 2 });
  expect(secondAccept.shipment.handovers).toEqual([
    { offerTxId: firstOffer.receipt.txId, from: { id: seller }, to: { id: carrier }, leg: 0, location: 'Dock Bremen', status: 'ACCEPTED', acceptedTxId: firstAccept.receipt.txId },
    { offerTxId: secondOffer.receipt.txId, from: { id: carrier }, to: { id: buyer }, leg: 1, location: 'Warehouse Lyon', status: 'ACCEPTED', acceptedTxId: secondAccept.receipt.txId },
  ]);

  // Each handover is signed by both sides: the offer by the custodian's key, the acceptance by the receiver's.
  // Members sign with the keys their genesis entries name; a joined organisation with the key it registered.
  const members = loadConsortium(started.platform.endpoints.consortiumDir ?? '').genesis.members;
  const didOf = async (id: string) =>
    members.find((member) => member.organizationId === id)?.organizationDid ??
    (await ok<{ did: string }>('buyer', 'query($id: ID!) { organization(id: $id) { did } }', { id }, 'organization')).did;
  const signerOf = async (txId: string) => (await ok<{ signer: string }>('regulator', 'query($id: Hex!) { transaction(id: $id) { signer } }', { id: txId }, 'transaction')).signer;
  expect(await Promise.all([firstOffer, firstAccept, secondOffer, secondAccept].map((step) => signerOf(step.receipt.txId)))).toEqual(
    await Promise.all([seller, carrier, carrier, buyer].map(didOf)),
  );

  const finals: Array<[who: string, to: string]> = [
    ['buyer', 'DELIVERED'],
    ['seller', 'INVOICED'],
    ['buyer', 'CLOSED'],
  ];
  for (const [who, to] of finals) expect((await ok<{ order: { status: string } }>(who, advanceOrder, { id: 'PO-1', to }, 'advanceOrder')).order.status).toBe(to);
  expect(errorOf(await graphql('seller', advanceOrder, { id: 'PO-1', to: 'CREATED' }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'ILLEGAL_TRANSITION' });

  const order = await ok<{ status: string; transitions: Array<{ from: string; to: string; by: { id: string } }>; shipments: Array<{ id: string }> }>(
    'buyer',
    `query { order(id: "PO-1") { ${orderFields} shipments { id } } }`,
    {},
    'order',
  );
  expect(order.status).toBe('CLOSED');
  expect(order.transitions.map((step) => [step.from, step.to, step.by.id])).toEqual([
    ['CREATED', 'CONFIRMED', seller],
    ['CONFIRMED', 'IN_PRODUCTION', seller],
    ['IN_PRODUCTION', 'SHIPPED', seller],
    ['SHIPPED', 'DELIVERED', buyer],
    ['DELIVERED', 'INVOICED', seller],
    ['INVOICED', 'CLOSED', buyer],
  ]);
  expect(order.shipments).toEqual([{ id: 'SH-1' }]);

  // Every transaction behind the shipment comes with a proof that verifies offline.
  const proven = await ok<{ provenance: Array<{ txId: string; type: string; proofBundle: unknown }> }>('buyer', 'query { shipment(id: "SH-1") { provenance { txId type proofBundle } } }', {}, 'shipment');
  const shipmentTxIds = [shipped, firstOffer, firstAccept, secondOffer, secondAccept].map((step) => step.receipt.txId);
  expect(proven.provenance.map((entry) => entry.txId)).toEqual(shipmentTxIds);
  expect(proven.provenance.map((entry) => entry.type)).toEqual(['supply.createShipment', 'supply.offerHandover', 'supply.acceptHandover', 'supply.offerHandover', 'supply.acceptHandover']);
  expect(await verifyOffline(proven.provenance.map((entry) => entry.proofBundle))).toEqual([0, 0, 0, 0, 0]);
  const orderProvenance = await ok<{ provenance: Array<{ type: string }> }>('buyer', 'query { order(id: "PO-1") { provenance { type } } }', {}, 'order');
  expect(orderProvenance.provenance.map((entry) => entry.type)).toEqual([
    'supply.createOrder',
    'supply.advanceOrder',
    'supply.advanceOrder',
    'supply.createShipment',
    'supply.advanceOrder',
    'supply.advanceOrder',
    'supply.advanceOrder',
    'supply.advanceOrder',
  ]);
});

test('a split into work orders for two producers: progress rolls up; double allocation, over-allocation, over-delivery and a step back refused', async () => {
  await ok('buyer', createOrder, { i: { id: 'PO-2', seller, lines: [{ item: 'MODEL-Y', quantity: 100 }] } }, 'createOrder');
  await ok('seller', advanceOrder, { id: 'PO-2', to: 'CONFIRMED' }, 'advanceOrder');

  const split = await ok<{ order: { allocated: string }; workOrders: unknown[] }>(
    'seller',
    splitOrder,
    {
      i: {
        order: 'PO-2',
        workOrders: [
          { id: 'WO-1', producer, quantity: 60 },
          { id: 'WO-2', producer: seller, quantity: 30 },
        ],
      },
    },
    'splitOrder',
  );
  expect(split.order.allocated).toBe('90');
  expect(split.workOrders).toEqual([
    { id: 'WO-1', producer: { id: producer }, quantity: '60' },
    { id: 'WO-2', producer: { id: seller }, quantity: '30' },
  ]);
  expect(errorOf(await graphql('seller', splitOrder, { i: { order: 'PO-2', workOrders: [{ id: 'WO-1', producer, quantity: 5 }] } }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'DOUBLE_ALLOCATION' });
  expect(errorOf(await graphql('seller', splitOrder, { i: { order: 'PO-2', workOrders: [{ id: 'WO-3', producer, quantity: 11 }] } }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'OVER_ALLOCATION' });
  // Only the seller splits; only the producer reports.
  expect(errorOf(await graphql('buyer', splitOrder, { i: { order: 'PO-2', workOrders: [{ id: 'WO-3', producer, quantity: 1 }] } }))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
  expect(errorOf(await graphql('seller', reportProgress, { i: { workOrder: 'WO-1', produced: 1, delivered: 0 } }))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });

  const first = await ok<{ workOrder: unknown }>('producer', reportProgress, { i: { workOrder: 'WO-1', produced: 30, delivered: 20 } }, 'reportProgress');
  expect(first.workOrder).toEqual({ id: 'WO-1', produced: '30', delivered: '20', order: { produced: '30', delivered: '20' } });
  const second = await ok<{ workOrder: unknown }>('seller', reportProgress, { i: { workOrder: 'WO-2', produced: 30, delivered: 30 } }, 'reportProgress');
  expect(second.workOrder).toEqual({ id: 'WO-2', produced: '30', delivered: '30', order: { produced: '60', delivered: '50' } });

  expect(errorOf(await graphql('producer', reportProgress, { i: { workOrder: 'WO-1', produced: 61, delivered: 61 } }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'OVER_DELIVERY' });
  expect(errorOf(await graphql('producer', reportProgress, { i: { workOrder: 'WO-1', produced: 29, delivered: 20 } }))).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'PROGRESS_NOT_FORWARD' });
  const done = await ok<{ workOrder: unknown }>('producer', reportProgress, { i: { workOrder: 'WO-1', produced: 60, delivered: 60 } }, 'reportProgress');
  expect(done.workOrder).toEqual({ id: 'WO-1', produced: '60', delivered: '60', order: { produced: '90', delivered: '90' } });

  const workOrder = await ok<{ progress: Array<{ produced: string; delivered: string }>; provenance: Array<{ type: string }> }>(
    'producer',
    'query { workOrder(id: "WO-1") { progress { produced delivered } provenance { type } } }',
    {},
    'workOrder',
  );
  expect(workOrder.progress).toEqual([
    { produced: '30', delivered: '20' },
    { produced: '60', delivered: '60' },
  ]);
  expect(workOrder.provenance.map((entry) => entry.type)).toEqual(['supply.splitOrder', 'supply.reportProgress', 'supply.reportProgress']);
});

test('visibility per role: parties read, the outsider is FORBIDDEN and lists nothing, the regulator reads across and writes nothing', async () => {
  const reads = ['query { order(id: "PO-1") { id } }', 'query { shipment(id: "SH-1") { id } }', 'query { workOrder(id: "WO-1") { id } }', 'query { order(id: "PO-2") { id } }'];
  const listOrders = 'query { orders(first: 10) { edges { node { id } } pageInfo { hasNextPage } } }';
  const listed = async (who: string) => (await ok<{ edges: Array<{ node: { id: string } }> }>(who, listOrders, {}, 'orders')).edges.map((edge) => edge.node.id);

  for (const query of reads) {
    expect(errorOf(await graphql('outsider', query))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
    expect((await graphql('regulator', query)).errors).toBeUndefined();
    expect((await graphql('buyer', query)).errors).toBeUndefined();
    expect((await graphql('seller', query)).errors).toBeUndefined();
  }
  // The carrier is a party of the order it carries for, not of the other; the producer of the order it works on.
  expect((await graphql('carrier', reads[0] ?? '')).errors).toBeUndefined();
  expect((await graphql('carrier', reads[1] ?? '')).errors).toBeUndefined();
  expect(errorOf(await graphql('carrier', reads[3] ?? ''))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
  expect((await graphql('producer', reads[2] ?? '')).errors).toBeUndefined();
  expect((await graphql('producer', reads[3] ?? '')).errors).toBeUndefined();
  expect(errorOf(await graphql('producer', reads[1] ?? ''))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });

  expect(await listed('outsider')).toEqual([]);
  expect(await listed('regulator')).toEqual(['PO-1', 'PO-2']);
  expect(await listed('buyer')).toEqual(['PO-1', 'PO-2']);
  expect(await listed('carrier')).toEqual(['PO-1']);
  expect(await listed('producer')).toEqual(['PO-2']);

  // Reading across is not writing: the regulator and the outsider change nothing.
  expect(errorOf(await graphql('regulator', createOrder, { i: { id: 'PO-3', seller, lines: [{ item: 'X', quantity: 1 }] } }))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
  expect(errorOf(await graphql('outsider', advanceOrder, { id: 'PO-2', to: 'IN_PRODUCTION' }))).toEqual({ code: 'FORBIDDEN', ledgerCode: undefined });
});
