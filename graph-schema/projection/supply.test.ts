/**
 * Supply handlers as data: every event becomes statements stamped with its transaction, the same
 * event gives the same statements, each writes the relationships of docs/traceability.md (BUYER,
 * SELLER, FOR_ORDER, CARRIES to Product and Lot, SHIPPED_FROM, CONSIGNED_TO, CARRIED_BY, IN_CUSTODY_OF,
 * PART_OF, PRODUCED_BY), custody moves on acceptance with the shipment's location and status, every
 * transaction leaves a stamped node or relationship for provenance, and malformed fields are refused
 * with BAD_EVENT_FIELD.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 12, position: 0, eventIndex: 0, ledgerTimeMs: 1_767_225_612_000, blockHash: 'cd'.repeat(32) };
const earlierOffer = '01'.repeat(32);

const events: Record<string, LedgerEvent> = {
  OrderCreated: { type: 'OrderCreated', id: 'PO-1', buyer: 'acme', seller: 'bolt', lines: [{ item: 'MODEL-X', quantity: 60 }, { item: 'urn:epc:idpat:sgtin:4012345.011111.*', quantity: 40 }], quantity: 100, status: 'created', delegationId: null },
  OrderAdvanced: { type: 'OrderAdvanced', id: 'PO-1', from: 'created', to: 'confirmed', by: 'bolt', delegationId: null },
  ShipmentCreated: {
    type: 'ShipmentCreated',
    id: 'SH-1',
    order: 'PO-1',
    buyer: 'acme',
    shipper: 'bolt',
    carrier: 'carro',
    consignee: 'acme',
    items: [{ serial: 'SN-1' }, { lot: 'LOT-7', quantity: 50 }],
    legs: [
      { from: 'Plant A', to: 'Dock A' },
      { from: 'Dock A', to: 'Warehouse B' },
    ],
    origin: 'Plant A',
    delegationId: null,
  },
  HandoverOffered: { type: 'HandoverOffered', shipment: 'SH-1', offerTxId: context.txId, from: 'bolt', to: 'carro', leg: 0, location: 'Dock A', replacesOfferTxId: earlierOffer, delegationId: null },
  HandoverAccepted: { type: 'HandoverAccepted', shipment: 'SH-1', offerTxId: earlierOffer, from: 'carro', to: 'acme', leg: 1, location: 'Warehouse B', status: 'delivered', delegationId: 'ef'.repeat(32) },
  OrderSplit: { type: 'OrderSplit', order: 'PO-1', seller: 'bolt', workOrders: [{ id: 'WO-1', producer: 'forge', quantity: 60 }, { id: 'WO-2', producer: 'mill', quantity: 30 }], allocated: 90, delegationId: null },
  WorkProgressReported: { type: 'WorkProgressReported', workOrder: 'WO-1', order: 'PO-1', producer: 'forge', produced: 20, delivered: 10, orderProduced: 25, orderDelivered: 10, delegationId: null },
};

function statementsOf(type: string): ReturnType<typeof projectEvent> {
  const event = events[type];
  if (event === undefined) throw new Error(`no sample ${type}`);
  return projectEvent(event, context);
}

function textOf(type: string): string {
  return statementsOf(type)
    .map((statement) => statement.text)
    .join('\n');
}

describe('supply projection', () => {
  it('stamps every statement with its transaction and is deterministic', () => {
    for (const type of Object.keys(events)) {
      const statements = statementsOf(type);
      expect(statements.length).toBeGreaterThan(0);
      expect(statementsOf(type)).toEqual(statements);
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 12 });
        expect(statement.text).toContain('$txId');
      }
    }
  });

  it('writes the trace model relationships', () => {
    expect(textOf('OrderCreated')).toMatch(/CREATE \(o\)-\[:BUYER [^\]]*\]->\(b\)[\s\S]*CREATE \(o\)-\[:SELLER [^\]]*\]->\(s\)/);
    const shipment = textOf('ShipmentCreated');
    for (const relationship of ['FOR_ORDER', 'SHIPPED_FROM', 'CARRIED_BY', 'CONSIGNED_TO', 'IN_CUSTODY_OF']) expect(shipment).toContain(`CREATE (s)-[:${relationship} `);
    expect(shipment).toContain('MERGE (p:Product {serial: serial})');
    expect(shipment).toContain('MERGE (l:Lot {lot: entry.lot})');
    expect(shipment.match(/CREATE \(s\)-\[:CARRIES /g)).toHaveLength(2);
    const split = textOf('OrderSplit');
    expect(split).toContain('CREATE (w)-[:PART_OF ');
    expect(split).toContain('CREATE (w)-[:PRODUCED_BY ');
  });

  it('keeps the order lines, the shipment items and route as properties a reader can return', () => {
    const [order] = statementsOf('OrderCreated');
    expect(order?.parameters).toMatchObject({ items: ['MODEL-X', 'urn:epc:idpat:sgtin:4012345.011111.*'], quantities: [60, 40], quantity: 100, buyer: 'acme', seller: 'bolt', status: 'created' });
    const [shipment, items] = statementsOf('ShipmentCreated');
    expect(shipment?.parameters).toMatchObject({ legFrom: ['Plant A', 'Dock A'], legTo: ['Dock A', 'Warehouse B'], origin: 'Plant A', itemsJson: '[{"serial":"SN-1"},{"lot":"LOT-7","quantity":50}]' });
    expect(items?.parameters).toMatchObject({ serials: ['SN-1'], lots: [{ lot: 'LOT-7', quantity: 50 }] });
  });

  it('records each lifecycle step and progress report as a stamped relationship', () => {
    expect(textOf('OrderAdvanced')).toContain('CREATE (o)-[:ADVANCED_BY {txId: $txId, height: $height, from: $from, to: $to');
    expect(textOf('WorkProgressReported')).toContain('CREATE (w)-[:PROGRESS_REPORTED {txId: $txId, height: $height, produced: $produced, delivered: $delivered');
    expect(statementsOf('WorkProgressReported')[0]?.parameters).toMatchObject({ orderProduced: 25, orderDelivered: 10 });
  });

  it('marks a replaced offer before opening the new one, keyed by the offering transaction', () => {
    const [replaced, offered] = statementsOf('HandoverOffered');
    expect(replaced?.text).toContain("r.status = 'replaced'");
    expect(replaced?.parameters).toMatchObject({ replacesOfferTxId: earlierOffer });
    expect(offered?.text).toContain('MERGE (h:CustodyHandover {id: $offerTxId})');
    expect(offered?.parameters).toMatchObject({ offerTxId: context.txId, to: 'carro', leg: 0, location: 'Dock A' });
  });

  it('moves custody on acceptance: the old IN_CUSTODY_OF goes, the new one comes with location and status', () => {
    const [take] = statementsOf('HandoverAccepted');
    expect(take?.text).toMatch(/DELETE custody[\s\S]*CREATE \(s\)-\[:IN_CUSTODY_OF/);
    expect(take?.text).toContain("h.status = 'accepted', h.acceptedTxId = $txId");
    expect(take?.parameters).toMatchObject({ to: 'acme', location: 'Warehouse B', status: 'delivered', legsDone: 2 });
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { ...events['OrderCreated'], type: 'OrderCreated', lines: [] },
      { ...events['OrderCreated'], type: 'OrderCreated', lines: [{ item: 'X' }] },
      { ...events['OrderAdvanced'], type: 'OrderAdvanced', by: '' },
      { ...events['ShipmentCreated'], type: 'ShipmentCreated', items: [{ lot: 'L', quantity: -1 }] },
      { ...events['ShipmentCreated'], type: 'ShipmentCreated', legs: [{ from: 'A' }] },
      { ...events['HandoverOffered'], type: 'HandoverOffered', offerTxId: earlierOffer },
      { ...events['HandoverAccepted'], type: 'HandoverAccepted', status: 'lost' },
      { ...events['OrderSplit'], type: 'OrderSplit', workOrders: [{ id: 'WO-1', producer: 'forge' }] },
      { ...events['WorkProgressReported'], type: 'WorkProgressReported', produced: 1, delivered: 2 },
      { ...events['WorkProgressReported'], type: 'WorkProgressReported', delegationId: undefined as unknown as null },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
