/**
 * Supply contract. Proves: the behaviour in testdata/supply.txt, run through the real pipeline;
 * and, driving the contract directly, the order lifecycle for every (from, to) pair of statuses and
 * every acting organisation (only the table's steps, only by their party); custody never moves without
 * both signatures and always follows the route; and, over random split and progress histories, the
 * allocations never pass the order's quantity, no work order id is allocated twice, progress never
 * passes its allocation nor goes back, and the order's totals are the sums of its work orders'; and
 * any payload, arbitrary or a valid one with a part replaced, is refused with a code rather than thrown,
 * while what validate accepts applies under supply/ only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../chain/json-value.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import type { ContractCall, LedgerEvent, StateView } from './contract.js';
import type { Genesis } from './genesis.js';
import { ContractInvariantError } from './invariant.js';
import {
  findOrder,
  findShipment,
  findWorkOrder,
  orderKey,
  orderStatuses,
  orderTransition,
  orderTransitions,
  shipmentKey,
  supplyContract,
  SupplyTransactionType,
  workOrderKey,
  type OrderStatus,
} from './supply.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/supply.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'supply.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});

/** A state in a Map that applies effects the way execution does, for driving the contract directly. */
class MapLedger {
  readonly entries = new Map<string, JsonValue>();
  readonly view: StateView = { get: (key) => this.entries.get(key) };
  private count = 0;

  constructor(readonly genesis: Genesis) {}

  /** Runs one call; returns its tx id and events, or the rejection code. */
  run(signer: string, type: string, payload: JsonValue): { txId: string; code?: string; events: readonly LedgerEvent[] } {
    this.count++;
    const txId = this.count.toString(16).padStart(64, '0');
    const call: ContractCall = { type, payload, context: { txId, signer, ledgerTimeMs: this.genesis.timeMs + this.count, height: this.count, position: 0, genesis: this.genesis } };
    const refusal = supplyContract.validate(call, this.view);
    if (refusal !== undefined) return { txId, code: refusal.code, events: [] };
    const effects = supplyContract.apply(call, this.view);
    for (const [key, value] of effects.writes) {
      expect(key.startsWith('supply/')).toBe(true);
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    return { txId, events: effects.events };
  }

  /** Runs a call that must be accepted. */
  accept(signer: string, type: string, payload: JsonValue): { txId: string; events: readonly LedgerEvent[] } {
    const result = this.run(signer, type, payload);
    expect(result.code).toBeUndefined();
    return result;
  }
}

const buyer = seededParty('buyer');
const seller = seededParty('seller');
const carrier = seededParty('carrier');
const other = seededParty('other');
const makers = [seededParty('maker1'), seededParty('maker2'), seededParty('maker3')];
const genesis = testGenesis([buyer, seller, carrier, other, ...makers]);

/** A ledger holding order PO-1 (10 units of MODEL-X from seller to buyer) moved along the table to `status`. */
function orderAt(status: OrderStatus): MapLedger {
  const ledger = new MapLedger(genesis);
  ledger.accept(buyer.did, SupplyTransactionType.createOrder, { id: 'PO-1', seller: 'seller', lines: [{ item: 'MODEL-X', quantity: 10 }] });
  for (const step of orderTransitions.slice(0, orderStatuses.indexOf(status))) {
    ledger.accept(step.by === 'buyer' ? buyer.did : seller.did, SupplyTransactionType.advanceOrder, { id: 'PO-1', to: step.to });
  }
  expect(findOrder(ledger.view, 'PO-1')?.status).toBe(status);
  return ledger;
}

describe('the order lifecycle', () => {
  const actors = [
    ['buyer', buyer.did],
    ['seller', seller.did],
    ['other', other.did],
  ] as const;
  const cases = orderStatuses.flatMap((from) => orderStatuses.flatMap((to) => actors.map(([actor, did]) => [from, to, actor, did] as const)));

  it.each(cases)('from %s to %s by the %s', (from, to, actor, did) => {
    const ledger = orderAt(from);
    const result = ledger.run(did, SupplyTransactionType.advanceOrder, { id: 'PO-1', to });
    const step = orderTransitions.find((candidate) => candidate.from === from && candidate.to === to);
    const expected = actor === 'other' ? 'NOT_PARTY' : step === undefined ? 'ILLEGAL_TRANSITION' : step.by === actor ? undefined : 'NOT_PARTY';
    expect(result.code).toBe(expected);
    expect(findOrder(ledger.view, 'PO-1')?.status).toBe(expected === undefined ? to : from);
    if (expected === undefined) expect(result.events).toEqual([{ type: 'OrderAdvanced', id: 'PO-1', from, to, by: actor, delegationId: null }]);
  });

  it('has one step out of every status but the last, each to the next status', () => {
    expect(orderTransitions.map((step) => [step.from, step.to])).toEqual(orderStatuses.slice(0, -1).map((status, index) => [status, orderStatuses[index + 1]]));
    for (const from of orderStatuses) for (const to of orderStatuses) expect(orderTransition(from, to) !== undefined).toBe(orderStatuses.indexOf(to) === orderStatuses.indexOf(from) + 1);
  });
});

describe('custody', () => {
  const legs = [
    { from: 'Plant A', to: 'Dock A' },
    { from: 'Dock A', to: 'Hub C' },
    { from: 'Hub C', to: 'Warehouse B' },
  ];
  const parties = { seller: seller.did, carrier: carrier.did, other: other.did, buyer: buyer.did } as const;
  type Party = keyof typeof parties;

  function shipped(): MapLedger {
    const ledger = orderAt('confirmed');
    ledger.accept(seller.did, SupplyTransactionType.createShipment, { id: 'SH-1', order: 'PO-1', carrier: 'carrier', consignee: 'buyer', items: [{ serial: 'SN-1' }], legs });
    return ledger;
  }

  it('moves only on an offer by the custodian accepted by its receiver, along the route, and stops at the consignee', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offeredBy: fc.constantFrom<Party>('seller', 'carrier', 'other', 'buyer'), to: fc.constantFrom<Party>('seller', 'carrier', 'other', 'buyer'), leg: fc.integer({ min: 0, max: 3 }), acceptedBy: fc.constantFrom<Party>('seller', 'carrier', 'other', 'buyer') }), { maxLength: 12 }),
        (attempts) => {
          const ledger = shipped();
          let custodian: Party = 'seller';
          let legsDone = 0;
          for (const attempt of attempts) {
            const offer = ledger.run(parties[attempt.offeredBy], SupplyTransactionType.offerHandover, { shipment: 'SH-1', to: attempt.to, leg: attempt.leg });
            const delivered = custodian === 'buyer';
            const legFits = attempt.leg >= legsDone && attempt.leg < legs.length && (attempt.to === 'buyer') === (attempt.leg === legs.length - 1);
            const offerValid = !delivered && attempt.offeredBy === custodian && attempt.to !== custodian && legFits;
            expect(offer.code === undefined).toBe(offerValid);
            if (offer.code !== undefined) continue;
            const accepted = ledger.run(parties[attempt.acceptedBy], SupplyTransactionType.acceptHandover, { shipment: 'SH-1', offerTxId: offer.txId });
            expect(accepted.code === undefined).toBe(attempt.acceptedBy === attempt.to);
            if (accepted.code !== undefined) continue;
            custodian = attempt.to;
            legsDone = attempt.leg + 1;
            expect(accepted.events[0]).toMatchObject({ location: legs[attempt.leg]?.to, status: custodian === 'buyer' ? 'delivered' : 'in_transit' });
          }
          const shipment = findShipment(ledger.view, 'SH-1');
          expect(shipment).toMatchObject({ custodian, legsDone, status: custodian === 'buyer' ? 'delivered' : legsDone === 0 ? 'created' : 'in_transit' });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('distributed production', () => {
  it('never over-allocates, never allocates an id twice, and rolls progress up exactly', () => {
    const makerIds = ['maker1', 'maker2', 'maker3'];
    const split = fc.record({ kind: fc.constant('split' as const), ids: fc.array(fc.constantFrom('WO-1', 'WO-2', 'WO-3', 'WO-4'), { minLength: 1, maxLength: 3 }), maker: fc.integer({ min: 0, max: 2 }), quantity: fc.integer({ min: 1, max: 60 }) });
    const report = fc.record({ kind: fc.constant('report' as const), id: fc.constantFrom('WO-1', 'WO-2', 'WO-3', 'WO-4'), maker: fc.integer({ min: 0, max: 2 }), produced: fc.integer({ min: 0, max: 70 }), delivered: fc.integer({ min: 0, max: 70 }) });
    fc.assert(
      fc.property(fc.array(fc.oneof(split, report), { maxLength: 20 }), (operations) => {
        const ledger = new MapLedger(genesis);
        ledger.accept(buyer.did, SupplyTransactionType.createOrder, { id: 'PO-1', seller: 'seller', lines: [{ item: 'A', quantity: 60 }, { item: 'B', quantity: 40 }] });
        ledger.accept(seller.did, SupplyTransactionType.advanceOrder, { id: 'PO-1', to: 'confirmed' });
        const model = new Map<string, { producer: string; quantity: number; produced: number; delivered: number }>();
        for (const operation of operations) {
          if (operation.kind === 'split') {
            const producer = makerIds[operation.maker] ?? 'maker1';
            const result = ledger.run(seller.did, SupplyTransactionType.splitOrder, { order: 'PO-1', workOrders: operation.ids.map((id) => ({ id, producer, quantity: operation.quantity })) });
            const allocated = [...model.values()].reduce((sum, workOrder) => sum + workOrder.quantity, 0);
            const repeated = new Set(operation.ids).size !== operation.ids.length || operation.ids.some((id) => model.has(id));
            const expected = repeated ? 'DOUBLE_ALLOCATION' : allocated + operation.ids.length * operation.quantity > 100 ? 'OVER_ALLOCATION' : undefined;
            expect(result.code).toBe(expected);
            if (expected === undefined) for (const id of operation.ids) model.set(id, { producer, quantity: operation.quantity, produced: 0, delivered: 0 });
          } else {
            const maker = makers[operation.maker] ?? buyer;
            const result = ledger.run(maker.did, SupplyTransactionType.reportProgress, { workOrder: operation.id, produced: operation.produced, delivered: operation.delivered });
            const workOrder = model.get(operation.id);
            const expected =
              operation.delivered > operation.produced
                ? 'BAD_PAYLOAD'
                : workOrder === undefined
                  ? 'WORK_ORDER_UNKNOWN'
                  : workOrder.producer !== maker.name
                    ? 'NOT_PARTY'
                    : operation.produced > workOrder.quantity
                      ? 'OVER_DELIVERY'
                      : operation.produced < workOrder.produced || operation.delivered < workOrder.delivered || (operation.produced === workOrder.produced && operation.delivered === workOrder.delivered)
                        ? 'PROGRESS_NOT_FORWARD'
                        : undefined;
            expect(result.code).toBe(expected);
            if (expected === undefined && workOrder !== undefined) model.set(operation.id, { ...workOrder, produced: operation.produced, delivered: operation.delivered });
          }
        }
        const workOrders = [...model.values()];
        expect(findOrder(ledger.view, 'PO-1')).toMatchObject({
          allocated: workOrders.reduce((sum, workOrder) => sum + workOrder.quantity, 0),
          produced: workOrders.reduce((sum, workOrder) => sum + workOrder.produced, 0),
          delivered: workOrders.reduce((sum, workOrder) => sum + workOrder.delivered, 0),
        });
        for (const [id, workOrder] of model) expect(findWorkOrder(ledger.view, id)).toMatchObject(workOrder);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stored state of the wrong shape', () => {
  const stateWith = (key: string, value: JsonValue): StateView => ({ get: (asked) => (asked === key ? value : undefined) });
  const order = { id: 'PO-1', buyer: 'b', seller: 's', lines: [{ item: 'X', quantity: 2 }], quantity: 2, status: 'created', allocated: 0, produced: 0, delivered: 0, createdTxId: 't' };

  it.each<[string, JsonValue]>([
    ['not an object', 'PO-1'],
    ['another id', { ...order, id: 'PO-2' }],
    ['an unknown status', { ...order, status: 'lost' }],
    ['delivered past produced', { ...order, allocated: 2, produced: 1, delivered: 2 }],
    ['without lines', { ...order, lines: [] }],
  ])('stops on an order record that is %s', (_, record) => {
    expect(() => findOrder(stateWith(orderKey('PO-1'), record), 'PO-1')).toThrow(ContractInvariantError);
  });

  it('stops on a shipment or work order of the wrong shape, and reads nothing where nothing is stored', () => {
    expect(() => findShipment(stateWith(shipmentKey('SH/1'), { id: 'SH/1', legs: [] }), 'SH/1')).toThrow(ContractInvariantError);
    expect(() => findWorkOrder(stateWith(workOrderKey('WO-1'), { id: 'WO-1', order: 'PO-1', producer: 'm', quantity: 1, produced: 2, delivered: 0, createdTxId: 't' }), 'WO-1')).toThrow(ContractInvariantError);
    const empty: StateView = { get: () => undefined };
    expect([findOrder(empty, 'PO-1'), findShipment(empty, 'SH-1'), findWorkOrder(empty, 'WO-1')]).toEqual([undefined, undefined, undefined]);
  });

  it('keeps an id with a slash in one key segment', () => {
    expect(shipmentKey('https://id.gs1.org/00/1')).toBe('supply/shipment/https%3A%2F%2Fid.gs1.org%2F00%2F1');
  });
});

describe('bad input', () => {
  /** A ledger with an order in production, split, and a shipment half way along its route with an open offer. */
  function busyLedger(): { ledger: MapLedger; offerTxId: string } {
    const ledger = orderAt('in_production');
    ledger.accept(seller.did, SupplyTransactionType.splitOrder, { order: 'PO-1', workOrders: [{ id: 'WO-1', producer: 'maker1', quantity: 6 }] });
    ledger.accept(seller.did, SupplyTransactionType.createShipment, {
      id: 'SH-1',
      order: 'PO-1',
      carrier: 'carrier',
      consignee: 'buyer',
      items: [{ serial: 'SN-1' }, { lot: 'LOT-1', quantity: 3 }],
      legs: [
        { from: 'A', to: 'B' },
        { from: 'B', to: 'C' },
      ],
    });
    const { txId } = ledger.accept(seller.did, SupplyTransactionType.offerHandover, { shipment: 'SH-1', to: 'carrier', leg: 0 });
    return { ledger, offerTxId: txId };
  }

  const validPayloads = (offerTxId: string): ReadonlyArray<readonly [string, JsonValue]> => [
    [SupplyTransactionType.createOrder, { id: 'PO-2', seller: 'seller', lines: [{ item: 'MODEL-X', quantity: 3 }] }],
    [SupplyTransactionType.advanceOrder, { id: 'PO-1', to: 'shipped' }],
    [SupplyTransactionType.createShipment, { id: 'SH-2', order: 'PO-1', carrier: 'carrier', consignee: 'buyer', items: [{ serial: 'SN-2' }], legs: [{ from: 'A', to: 'B' }] }],
    [SupplyTransactionType.offerHandover, { shipment: 'SH-1', to: 'other', leg: 0 }],
    [SupplyTransactionType.acceptHandover, { shipment: 'SH-1', offerTxId }],
    [SupplyTransactionType.splitOrder, { order: 'PO-1', workOrders: [{ id: 'WO-2', producer: 'maker2', quantity: 4 }] }],
    [SupplyTransactionType.reportProgress, { workOrder: 'WO-1', produced: 2, delivered: 1 }],
  ];

  /** `value` with the node at `path` (object keys and array indexes, taken modulo their count) replaced by `replacement`. */
  function mutated(value: JsonValue, path: readonly number[], replacement: JsonValue): JsonValue {
    const [step, ...rest] = path;
    if (step === undefined || value === null || typeof value !== 'object') return replacement;
    if (Array.isArray(value)) {
      if (value.length === 0) return replacement;
      const index = step % value.length;
      return value.map((item: JsonValue, at: number) => (at === index ? mutated(item, rest, replacement) : item));
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return replacement;
    const key = keys[step % keys.length] ?? '';
    return { ...value, [key]: mutated((value as { readonly [name: string]: JsonValue })[key] ?? null, rest, replacement) };
  }

  it('is refused, never thrown, whatever the payload; what validate accepts, apply applies under supply/ only', () => {
    const signers = [buyer.did, seller.did, carrier.did, other.did, makers[0]?.did ?? buyer.did, 'did:key:zUnknown'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom(...signers),
        (operation, replacement, path, signer) => {
          const { ledger, offerTxId } = busyLedger();
          const [type, valid] = validPayloads(offerTxId)[operation] ?? [SupplyTransactionType.createOrder, null];
          const payload = replacement === undefined ? valid : mutated(valid, path, replacement as JsonValue);
          const call: ContractCall = { type, payload, context: { txId: 'f'.repeat(64), signer, ledgerTimeMs: genesis.timeMs + 100, height: 100, position: 0, genesis } };
          const refusal = supplyContract.validate(call, ledger.view);
          if (refusal !== undefined) {
            expect(refusal.code).toMatch(/^[A-Z][A-Z0-9_]{0,63}$/);
            return;
          }
          const effects = supplyContract.apply(call, ledger.view);
          expect(effects.writes.every(([key]) => key.startsWith('supply/'))).toBe(true);
          expect(effects.events.length).toBe(1);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('accepts each valid payload from its party, so the property above reaches apply', () => {
    const { offerTxId } = busyLedger();
    const parties = [buyer, seller, seller, seller, carrier, seller, makers[0] ?? buyer];
    validPayloads(offerTxId).forEach(([type, payload], index) => {
      const fresh = busyLedger().ledger;
      expect([type, fresh.run(parties[index]?.did ?? '', type, payload).code]).toEqual([type, undefined]);
    });
  });
});
