/**
 * The supply contract, projection and reads together against a real Neo4j, checked against the
 * contract's own world state as the reference. A history of supply calls (accepted and refused, two
 * orders, shipments with replaced and accepted handovers along multi-leg routes, splits and progress)
 * runs through the real contract; each accepted call's events are projected with the real handlers,
 * one write transaction per call in ledger order, onto a migrated graph. Then every order, shipment and
 * work order read back through the subgraph's reads equals what the ledger holds (status, totals,
 * custody, legs, location); each organisation's orders page lists exactly the orders whose parties name
 * it; and provenance lists exactly the accepted transactions that touched each entity, oldest first.
 */
import { createHash } from 'node:crypto';
import { applyMigrations, projectEvent, toNeo4jParameters, type ProjectionContext } from '@twinledger/graph-schema';
import { createPortableSigner, didKeyFromPublicKey, type JsonValue } from '@twinledger/ledger-core/chain';
import {
  findOrder,
  findShipment,
  findWorkOrder,
  parseGenesis,
  supplyContract,
  SupplyTransactionType,
  type ContractCall,
  type Genesis,
  type LedgerEvent,
  type StateView,
} from '@twinledger/ledger-core/contracts';
import { neo4jAuthFromEnv } from '@twinledger/tools';
import neo4j, { type Driver } from 'neo4j-driver';
import { orderProvenance, ordersById, ordersPage, orderWorkOrders, shipmentHandovers, shipmentProvenance, shipmentsById, workOrderProvenance, workOrdersById } from './graph.js';

jest.setTimeout(120_000);

/** A prefix of this run, so the graph's unique keys never meet another run's. */
const run = `s${Date.now().toString(36)}`;
const k = (name: string): string => `${run}-${name}`;
const genesisTimeMs = 1_767_225_600_000;
const roles = ['buyer', 'seller', 'carrier', 'maker1', 'maker2', 'other'] as const;
type Role = (typeof roles)[number];

function privateKey(name: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`supply graph test ${name}`).digest());
}

const dids = new Map(roles.map((role) => [role, didKeyFromPublicKey(createPortableSigner(privateKey(role)).publicKey)]));
const didOf = (role: Role): string => dids.get(role) ?? '';

const genesis: Genesis = parseGenesis({
  v: 1,
  origin: 'test.twinledger.example/supply',
  timeMs: genesisTimeMs,
  members: roles.map((role) => ({
    name: `${role}-node`,
    nodePublicKey: Buffer.from(createPortableSigner(privateKey(`${role}-node`)).publicKey).toString('base64'),
    organizationId: k(role),
    organizationDid: didOf(role),
    organizationName: role,
  })),
  parameters: { txTimePastMs: 60_000, txTimeFutureMs: 5_000 },
});

/** The world state in a Map, applying each accepted call as execution does, and the accepted calls in order. */
class Ledger {
  readonly entries = new Map<string, JsonValue>();
  readonly view: StateView = { get: (key) => this.entries.get(key) };
  readonly accepted: { readonly context: ProjectionContext; readonly type: string; readonly payload: JsonValue; readonly events: readonly LedgerEvent[] }[] = [];
  private height = 0;

  call(role: Role, type: string, payload: JsonValue): string | undefined {
    this.height++;
    const txId = createHash('sha256').update(`${run} ${this.height}`).digest('hex');
    const ledgerTimeMs = genesisTimeMs + this.height * 1_000;
    const call: ContractCall = { type, payload, context: { txId, signer: didOf(role), ledgerTimeMs, height: this.height, position: 0, genesis } };
    const refusal = supplyContract.validate(call, this.view);
    if (refusal !== undefined) return refusal.code;
    const effects = supplyContract.apply(call, this.view);
    for (const [key, value] of effects.writes) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    this.accepted.push({ context: { txId, height: this.height, position: 0, eventIndex: 0, ledgerTimeMs, blockHash: 'cd'.repeat(32) }, type, payload, events: effects.events });
    return undefined;
  }

  /** The id of the last accepted call. */
  lastTxId(): string {
    return this.accepted[this.accepted.length - 1]?.context.txId ?? '';
  }
}

const ledger = new Ledger();
let driver: Driver;
const orderIds = [k('PO-A'), k('PO-B')];
const shipmentIds = [k('SH-A1'), k('SH-A2'), k('SH-B1')];
const workOrderIds = [k('WO-A1'), k('WO-A2'), k('WO-B1')];

/** Every call the history makes, in order; refused ones are expected and leave nothing. */
function makeHistory(): void {
  const expectOk = (role: Role, type: string, payload: JsonValue): void => expect([type, ledger.call(role, type, payload)]).toEqual([type, undefined]);
  const expectRefused = (code: string, role: Role, type: string, payload: JsonValue): void => expect([type, ledger.call(role, type, payload)]).toEqual([type, code]);
  const [orderA, orderB] = orderIds as [string, string];
  const [shipmentA1, shipmentA2, shipmentB1] = shipmentIds as [string, string, string];
  expectOk('buyer', SupplyTransactionType.createOrder, { id: orderA, seller: k('seller'), lines: [{ item: 'MODEL-X', quantity: 70 }, { item: 'MODEL-Y', quantity: 30 }] });
  expectOk('buyer', SupplyTransactionType.createOrder, { id: orderB, seller: k('seller'), lines: [{ item: 'MODEL-Z', quantity: 10 }] });
  expectRefused('ILLEGAL_TRANSITION', 'seller', SupplyTransactionType.advanceOrder, { id: orderA, to: 'shipped' });
  expectOk('seller', SupplyTransactionType.advanceOrder, { id: orderA, to: 'confirmed' });
  expectOk('seller', SupplyTransactionType.advanceOrder, { id: orderB, to: 'confirmed' });
  expectOk('seller', SupplyTransactionType.splitOrder, { order: orderA, workOrders: [{ id: k('WO-A1'), producer: k('maker1'), quantity: 60 }, { id: k('WO-A2'), producer: k('maker2'), quantity: 40 }] });
  expectRefused('DOUBLE_ALLOCATION', 'seller', SupplyTransactionType.splitOrder, { order: orderB, workOrders: [{ id: k('WO-A1'), producer: k('maker1'), quantity: 1 }] });
  expectOk('seller', SupplyTransactionType.splitOrder, { order: orderB, workOrders: [{ id: k('WO-B1'), producer: k('maker2'), quantity: 10 }] });
  expectOk('maker1', SupplyTransactionType.reportProgress, { workOrder: k('WO-A1'), produced: 25, delivered: 10 });
  expectOk('maker2', SupplyTransactionType.reportProgress, { workOrder: k('WO-A2'), produced: 40, delivered: 40 });
  expectRefused('OVER_DELIVERY', 'maker1', SupplyTransactionType.reportProgress, { workOrder: k('WO-A1'), produced: 61, delivered: 10 });
  expectOk('maker1', SupplyTransactionType.reportProgress, { workOrder: k('WO-A1'), produced: 60, delivered: 35 });
  expectOk('seller', SupplyTransactionType.advanceOrder, { id: orderA, to: 'in_production' });
  const legs = [
    { from: 'Plant A', to: 'Dock A' },
    { from: 'Dock A', to: 'Hub C' },
    { from: 'Hub C', to: 'Warehouse B' },
  ];
  expectOk('seller', SupplyTransactionType.createShipment, { id: shipmentA1, order: orderA, carrier: k('carrier'), consignee: k('buyer'), items: [{ serial: k('SN-1') }, { lot: k('LOT-1'), quantity: 20 }], legs });
  expectOk('seller', SupplyTransactionType.createShipment, { id: shipmentA2, order: orderA, carrier: k('carrier'), consignee: k('buyer'), items: [{ serial: k('SN-2') }], legs: legs.slice(0, 1) });
  expectOk('seller', SupplyTransactionType.createShipment, { id: shipmentB1, order: orderB, carrier: k('other'), consignee: k('buyer'), items: [{ lot: k('LOT-2'), quantity: 10 }], legs: legs.slice(1) });
  // SH-A1: an offer to the other partner is replaced by one to the carrier; the carrier hands it to the
  // other partner at Hub C, which delivers it at the end of the last leg.
  expectOk('seller', SupplyTransactionType.offerHandover, { shipment: shipmentA1, to: k('other'), leg: 0 });
  const replaced = ledger.lastTxId();
  expectOk('seller', SupplyTransactionType.offerHandover, { shipment: shipmentA1, to: k('carrier'), leg: 0 });
  const toCarrier = ledger.lastTxId();
  expectRefused('OFFER_UNKNOWN', 'other', SupplyTransactionType.acceptHandover, { shipment: shipmentA1, offerTxId: replaced });
  expectOk('carrier', SupplyTransactionType.acceptHandover, { shipment: shipmentA1, offerTxId: toCarrier });
  expectOk('carrier', SupplyTransactionType.offerHandover, { shipment: shipmentA1, to: k('other'), leg: 1 });
  expectOk('other', SupplyTransactionType.acceptHandover, { shipment: shipmentA1, offerTxId: ledger.lastTxId() });
  expectOk('other', SupplyTransactionType.offerHandover, { shipment: shipmentA1, to: k('buyer'), leg: 2 });
  expectOk('buyer', SupplyTransactionType.acceptHandover, { shipment: shipmentA1, offerTxId: ledger.lastTxId() });
  // SH-A2 stays with an open offer; SH-B1 with the seller.
  expectOk('seller', SupplyTransactionType.offerHandover, { shipment: shipmentA2, to: k('buyer'), leg: 0 });
  expectOk('seller', SupplyTransactionType.advanceOrder, { id: orderA, to: 'shipped' });
  expectOk('buyer', SupplyTransactionType.advanceOrder, { id: orderA, to: 'delivered' });
}

beforeAll(async () => {
  const uri = process.env.NEO4J_URI;
  if (uri === undefined) throw new Error('NEO4J_URI is not set: run under the integration project');
  driver = neo4j.driver(uri, neo4jAuthFromEnv());
  await applyMigrations(driver);
  makeHistory();
  for (const { context, events } of ledger.accepted) {
    const session = driver.session();
    try {
      await session.executeWrite(async (write) => {
        for (const [eventIndex, event] of events.entries()) {
          for (const statement of projectEvent(event, { ...context, eventIndex })) await write.run(statement.text, toNeo4jParameters(statement.parameters));
        }
      });
    } finally {
      await session.close();
    }
  }
});

afterAll(async () => {
  await driver?.close();
});

/** The accepted calls whose payload names `id` in one of `fields` (or, for an acceptance, the offer it takes), oldest first. */
function touching(id: string, fields: readonly string[]): string[] {
  return ledger.accepted
    .filter(({ payload }) => {
      const fieldsOf = payload as { readonly [name: string]: JsonValue };
      return fields.some((field) => fieldsOf[field] === id) || (Array.isArray(fieldsOf['workOrders']) && fields.includes('workOrders') && fieldsOf['workOrders'].some((entry) => (entry as { id?: JsonValue }).id === id));
    })
    .map(({ context }) => context.txId);
}

test('every order, shipment and work order reads back as the ledger holds it', async () => {
  const orders = await ordersById(driver, orderIds);
  for (const [index, id] of orderIds.entries()) {
    const record = findOrder(ledger.view, id);
    expect(orders[index]).toMatchObject({ id, buyer: record?.buyer, seller: record?.seller, status: record?.status, lines: record?.lines, quantity: record?.quantity, allocated: record?.allocated, produced: record?.produced, delivered: record?.delivered });
  }
  const shipments = await shipmentsById(driver, shipmentIds);
  for (const [index, id] of shipmentIds.entries()) {
    const record = findShipment(ledger.view, id);
    const location = record === undefined ? undefined : record.legsDone === 0 ? record.legs[0]?.from : record.legs[record.legsDone - 1]?.to;
    expect(shipments[index]).toMatchObject({
      id,
      order: record?.order,
      custodian: record?.custodian,
      status: record?.status,
      legsDone: record?.legsDone,
      location,
      openOfferTxId: record?.offer?.offerTxId ?? null,
      legs: record?.legs.map((leg, legIndex) => ({ index: legIndex, ...leg })),
      items: record?.items.map((item) => ('serial' in item ? { serial: item.serial, lot: null, quantity: null } : { serial: null, lot: item.lot, quantity: item.quantity })),
    });
  }
  const workOrders = await workOrdersById(driver, workOrderIds);
  for (const [index, id] of workOrderIds.entries()) {
    const record = findWorkOrder(ledger.view, id);
    expect(workOrders[index]).toMatchObject({ id, order: record?.order, producer: record?.producer, quantity: record?.quantity, produced: record?.produced, delivered: record?.delivered });
  }
  expect((await orderWorkOrders(driver, orderIds)).map((rows) => rows.map((row) => row.id))).toEqual([[k('WO-A1'), k('WO-A2')], [k('WO-B1')]]);
  // Exactly one custodian per shipment in the graph, the one the ledger names.
  const custody = await driver.executeQuery('UNWIND $ids AS id MATCH (:Shipment {id: id})-[:IN_CUSTODY_OF]->(o:Organization) RETURN id, collect(o.id) AS holders ORDER BY id', { ids: shipmentIds });
  expect(custody.records.map((row) => [row.get('id'), row.get('holders')])).toEqual(shipmentIds.map((id) => [id, [findShipment(ledger.view, id)?.custodian]]).sort());
  const handovers = await shipmentHandovers(driver, [k('SH-A1')]);
  expect(handovers[0]?.map((handover) => [handover.to, handover.status])).toEqual([
    [k('other'), 'replaced'],
    [k('carrier'), 'accepted'],
    [k('other'), 'accepted'],
    [k('buyer'), 'accepted'],
  ]);
});

test("each organisation's orders are exactly the orders whose parties name it", async () => {
  const orders = (await ordersById(driver, orderIds)).filter((row) => row !== null);
  for (const role of roles) {
    const listed = (await ordersPage(driver, k(role), null, null, 10)).map((row) => row.id);
    expect([role, listed]).toEqual([role, orders.filter((order) => order.parties.includes(k(role))).map((order) => order.id)]);
  }
  // The parties: buyer and seller, carriers and consignees, producers; the other partner carries for PO-B only.
  expect(orders.map((order) => [...order.parties].sort())).toEqual([
    [k('buyer'), k('carrier'), k('maker1'), k('maker2'), k('seller')].sort(),
    [k('buyer'), k('maker2'), k('other'), k('seller')].sort(),
  ]);
  expect((await ordersPage(driver, k('buyer'), 'delivered', null, 10)).map((row) => row.id)).toEqual([k('PO-A')]);
  expect((await ordersPage(driver, k('buyer'), null, k('PO-A'), 10)).map((row) => row.id)).toEqual([k('PO-B')]);
});

test('provenance lists exactly the accepted transactions that touched each entity, oldest first', async () => {
  const [shipmentA1] = await shipmentProvenance(driver, [k('SH-A1')]);
  expect(shipmentA1?.map((entry) => entry.txId)).toEqual(touching(k('SH-A1'), ['id', 'shipment']));
  const [workOrderA1] = await workOrderProvenance(driver, [k('WO-A1')]);
  expect(workOrderA1?.map((entry) => entry.txId)).toEqual(touching(k('WO-A1'), ['workOrder', 'workOrders']));
  const [orderA] = await orderProvenance(driver, [k('PO-A')]);
  const orderTouching = ledger.accepted
    .filter(({ type, payload }) => {
      const fields = payload as { readonly [name: string]: JsonValue };
      if (type === SupplyTransactionType.reportProgress) return [k('WO-A1'), k('WO-A2')].includes(String(fields['workOrder']));
      return fields['id'] === k('PO-A') || fields['order'] === k('PO-A');
    })
    .map(({ context }) => context.txId);
  expect(orderA?.map((entry) => entry.txId)).toEqual(orderTouching.slice(0, 20));
});
