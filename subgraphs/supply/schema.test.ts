/**
 * The supply subgraph without services: the schema builds with the recycling part merged in; malformed
 * input is BAD_USER_INPUT and nothing is signed; the read-only roles are FORBIDDEN to write; and
 * visibility per role over orders, shipments and work orders held in stand-in loaders: the order's
 * parties read it, its shipments and work orders; a shipment's holders read the shipment; another
 * partner is FORBIDDEN (never an empty answer); analysts and regulators read across.
 */
import type { Identity, IdentityRole } from '@twinledger/gateway';
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import DataLoader from 'dataloader';
import { execute, parse, type ExecutionResult } from 'graphql';
import { unusedDriver } from '../shared/testing/recording-write-path.js';
import type { WritePath } from '../shared/commit.js';
import type { OrderRow, ShipmentRow, WorkOrderRow } from './graph.js';
import { supplyContext, supplySchema, type SupplyContext } from './schema.js';

const schema = supplySchema();

const order: OrderRow = {
  id: 'PO-1',
  buyer: 'acme',
  seller: 'bolt',
  status: 'in_production',
  lines: [{ item: 'MODEL-X', quantity: 10 }],
  quantity: 10,
  allocated: 10,
  produced: 4,
  delivered: 2,
  createdAtMs: 1_767_225_600_000,
  parties: ['acme', 'bolt', 'carro', 'forge'],
  txId: 'ab'.repeat(32),
  height: 7,
};
const shipment: ShipmentRow = {
  id: 'SH-1',
  order: 'PO-1',
  shipper: 'bolt',
  carrier: 'carro',
  consignee: 'acme',
  custodian: 'relay',
  status: 'in_transit',
  location: 'Dock A',
  legs: [
    { index: 0, from: 'Plant A', to: 'Dock A' },
    { index: 1, from: 'Dock A', to: 'Warehouse B' },
  ],
  legsDone: 1,
  items: [
    { serial: 'SN-1', lot: null, quantity: null },
    { serial: null, lot: 'LOT-7', quantity: 5 },
  ],
  openOfferTxId: null,
  parties: ['acme', 'bolt', 'carro', 'relay'],
  txId: 'cd'.repeat(32),
  height: 9,
};
const workOrder: WorkOrderRow = { id: 'WO-1', order: 'PO-1', producer: 'forge', quantity: 10, produced: 4, delivered: 2, txId: 'ef'.repeat(32), height: 8 };

function standIn<V>(rows: ReadonlyMap<string, V>, missing: V): DataLoader<string, V> {
  return new DataLoader(async (keys: readonly string[]) => keys.map((key) => rows.get(key) ?? missing));
}

function contextFor(organizationId: string, role: IdentityRole, write?: WritePath): SupplyContext {
  const identity: Identity = { organizationId, role, subject: 'test' };
  return {
    ...supplyContext(unusedDriver, identity, write),
    orders: standIn(new Map([[order.id, order]]), null),
    shipments: standIn(new Map([[shipment.id, shipment]]), null),
    workOrders: standIn(new Map([[workOrder.id, workOrder]]), null),
    orderShipments: standIn(new Map([[order.id, [shipment]]]), []),
    orderWorkOrders: standIn(new Map([[order.id, [workOrder]]]), []),
  };
}

async function run(source: string, variables: Record<string, unknown>, context: SupplyContext): Promise<ExecutionResult> {
  return execute({ schema, document: parse(source), variableValues: variables, contextValue: context });
}

function codes(result: ExecutionResult): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions['code']);
}

describe('visibility per role', () => {
  const readOrder = '{ order(id: "PO-1") { id status buyer { id } lines { item quantity } shipments { id } workOrders { id producer { id } } } }';
  const readShipment = '{ shipment(id: "SH-1") { id status location custodian { id } legs { index from to } items { serial lot quantity } products { serial } } }';
  const readShipmentOrder = '{ shipment(id: "SH-1") { id order { id } } }';
  const readWorkOrder = '{ workOrder(id: "WO-1") { id quantity produced delivered order { id } } }';

  it.each([
    ['the buyer', 'acme', 'partner'],
    ['the seller', 'bolt', 'partner'],
    ['the carrier', 'carro', 'partner'],
    ['a producer', 'forge', 'partner'],
    ['a regulator of another organisation', 'watchdog', 'regulator'],
    ['an analyst of another organisation', 'insight', 'analyst'],
  ] as const)('%s reads the order, its shipments and work orders', async (_, organizationId, role) => {
    const context = contextFor(organizationId, role);
    const results = [await run(readOrder, {}, context), await run(readShipment, {}, context), await run(readWorkOrder, {}, context)];
    expect(results.map(codes)).toEqual([[], [], []]);
    expect(results[0]?.data?.['order']).toEqual({
      id: 'PO-1',
      status: 'IN_PRODUCTION',
      buyer: { id: 'acme' },
      lines: [{ item: 'MODEL-X', quantity: '10' }],
      shipments: [{ id: 'SH-1' }],
      workOrders: [{ id: 'WO-1', producer: { id: 'forge' } }],
    });
    expect(results[1]?.data?.['shipment']).toMatchObject({
      status: 'IN_TRANSIT',
      location: 'Dock A',
      custodian: { id: 'relay' },
      items: [
        { serial: 'SN-1', lot: null, quantity: null },
        { serial: null, lot: 'LOT-7', quantity: '5' },
      ],
      products: [{ serial: 'SN-1' }],
    });
  });

  it('lets a holder of the shipment read it, but not the order it is not a party to', async () => {
    const context = contextFor('relay', 'partner');
    expect(codes(await run(readShipment, {}, context))).toEqual([]);
    const withOrder = await run(readShipmentOrder, {}, context);
    expect(codes(withOrder)).toEqual(['FORBIDDEN']);
    expect(withOrder.data).toEqual({ shipment: { id: 'SH-1', order: null } });
    expect(codes(await run(readOrder, {}, context))).toEqual(['FORBIDDEN']);
  });

  it('refuses another partner with FORBIDDEN, never an empty answer, and answers null for what does not exist', async () => {
    const context = contextFor('outsider', 'partner');
    for (const query of [readOrder, readShipment, readWorkOrder]) expect(codes(await run(query, {}, context))).toEqual(['FORBIDDEN']);
    const missing = await run('{ order(id: "PO-9") { id } shipment(id: "SH-9") { id } workOrder(id: "WO-9") { id } }', {}, context);
    expect(missing).toEqual({ data: { order: null, shipment: null, workOrder: null } });
  });

  it('refuses an id that is not an item id with BAD_USER_INPUT', async () => {
    expect(codes(await run('{ order(id: "PO 1") { id } }', {}, contextFor('acme', 'partner')))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('mutations before anything is signed', () => {
  const signed: SignedTransaction[] = [];
  const write: WritePath = {
    custody: {
      has: () => true,
      importKey: () => Promise.reject(new Error('no import expected')),
      signerFor: () => Promise.reject(new Error('nothing should be signed')),
    },
    commands: {
      submit: async (transaction) => {
        signed.push(transaction);
        throw new Error('nothing should be submitted');
      },
      close: async () => undefined,
    },
    members: [],
    receiptWaitMs: 1_000,
    projectionWaitMs: 1_000,
  };
  const createOrder = 'mutation($i: CreateOrderInput!) { createOrder(input: $i) { receipt { txId } } }';
  const createShipment = 'mutation($i: CreateShipmentInput!) { createShipment(input: $i) { receipt { txId } } }';
  const splitOrder = 'mutation($i: SplitOrderInput!) { splitOrder(input: $i) { receipt { txId } } }';
  const reportProgress = 'mutation($i: ReportProgressInput!) { reportProgress(input: $i) { receipt { txId } } }';
  const goodShipment = { id: 'SH-2', order: 'PO-1', carrier: 'carro', consignee: 'acme', items: [{ serial: 'SN-2' }], legs: [{ from: 'Plant A', to: 'Dock A' }] };

  it.each([
    ['an order id with a space', createOrder, { id: 'PO 2', seller: 'bolt', lines: [{ item: 'X', quantity: 1 }] }],
    ['no lines', createOrder, { id: 'PO-2', seller: 'bolt', lines: [] }],
    ['a zero quantity', createOrder, { id: 'PO-2', seller: 'bolt', lines: [{ item: 'X', quantity: 0 }] }],
    ['an item twice', createOrder, { id: 'PO-2', seller: 'bolt', lines: [{ item: 'X', quantity: 1 }, { item: 'X', quantity: 2 }] }],
    ['a seller that is not an organisation id', createOrder, { id: 'PO-2', seller: 'Bolt Ltd', lines: [{ item: 'X', quantity: 1 }] }],
    ['an item both serial and lot', createShipment, { ...goodShipment, items: [{ serial: 'SN-2', lot: 'L', quantity: 1 }] }],
    ['a lot without quantity', createShipment, { ...goodShipment, items: [{ lot: 'L' }] }],
    ['legs that do not join', createShipment, { ...goodShipment, legs: [{ from: 'A', to: 'B' }, { from: 'C', to: 'D' }] }],
    ['a leg to where it starts', createShipment, { ...goodShipment, legs: [{ from: 'A', to: 'A' }] }],
    ['no work orders', splitOrder, { order: 'PO-1', workOrders: [] }],
    ['delivered past produced', reportProgress, { workOrder: 'WO-1', produced: 1, delivered: 2 }],
  ])('refuses %s', async (_, mutation, input) => {
    const result = await run(mutation, { i: input }, contextFor('bolt', 'partner', write));
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(signed).toEqual([]);
  });

  it('refuses the read-only roles and callers with no part in the call with FORBIDDEN', async () => {
    for (const role of ['analyst', 'regulator'] as const) {
      expect(codes(await run(createOrder, { i: { id: 'PO-2', seller: 'bolt', lines: [{ item: 'X', quantity: 1 }] } }, contextFor('acme', role, write)))).toEqual(['FORBIDDEN']);
    }
    expect(codes(await run(createShipment, { i: goodShipment }, contextFor('acme', 'partner', write)))).toEqual(['FORBIDDEN']);
    expect(codes(await run('mutation { advanceOrder(id: "PO-1", to: SHIPPED) { receipt { txId } } }', {}, contextFor('outsider', 'partner', write)))).toEqual(['FORBIDDEN']);
    expect(codes(await run(reportProgress, { i: { workOrder: 'WO-1', produced: 5, delivered: 2 } }, contextFor('bolt', 'partner', write)))).toEqual(['FORBIDDEN']);
    expect(codes(await run('mutation { offerHandover(input: {shipment: "SH-1", to: "acme", leg: 1}) { receipt { txId } } }', {}, contextFor('carro', 'partner', write)))).toEqual(['FORBIDDEN']);
    expect(signed).toEqual([]);
  });

  it('names what the graph does not hold with NOT_FOUND and an existing id with CONFLICT', async () => {
    expect(codes(await run('mutation { advanceOrder(id: "PO-9", to: CONFIRMED) { receipt { txId } } }', {}, contextFor('bolt', 'partner', write)))).toEqual(['NOT_FOUND']);
    expect(codes(await run(createOrder, { i: { id: 'PO-1', seller: 'bolt', lines: [{ item: 'X', quantity: 1 }] } }, contextFor('acme', 'partner', write)))).toEqual(['CONFLICT']);
    expect(signed).toEqual([]);
  });

  it('answers LEDGER_UNAVAILABLE without a commands queue', async () => {
    expect(codes(await run('mutation { advanceOrder(id: "PO-1", to: SHIPPED) { receipt { txId } } }', {}, contextFor('bolt', 'partner')))).toEqual(['LEDGER_UNAVAILABLE']);
  });
});
