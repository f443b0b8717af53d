import fc from 'fast-check';
import type { JsonValue } from '@twinledger/ledger-core/chain';
import {
  latestShipment,
  lotProvenanceOf,
  provenanceEntriesMax,
  provenanceOf,
  recallCustomersOf,
  recallProductsOf,
  totalCountOf,
  TraceRowError,
  tracePathsOf,
} from './trace-rows';

const tx = (n: number): string => n.toString(16).padStart(64, '0');

describe('provenanceOf', () => {
  it('lists each transaction once, oldest block first, at most provenanceEntriesMax, skipping missing ones', () => {
    expect(provenanceOf([{ txId: tx(2), height: 5 }, { txId: tx(1), height: 3 }, { txId: tx(2), height: 5 }, { txId: null, height: 1 }, { txId: '', height: 1 }])).toEqual([{ txId: tx(1) }, { txId: tx(2) }]);
    fc.assert(
      fc.property(fc.array(fc.record({ txId: fc.option(fc.integer({ min: 0, max: 40 }).map(tx)), height: fc.option(fc.integer({ min: 1, max: 1000 })) })), (stamps) => {
        const listed = provenanceOf(stamps).map(({ txId }) => txId);
        expect(new Set(listed).size).toBe(listed.length);
        const known = new Set(stamps.flatMap(({ txId }) => (txId === null ? [] : [txId])));
        expect(listed.length).toBe(Math.min(known.size, provenanceEntriesMax));
        const lowest = (txId: string): number => Math.min(...stamps.filter((s) => s.txId === txId).map((s) => s.height ?? Number.MAX_SAFE_INTEGER));
        for (let i = 1; i < listed.length; i += 1) expect(lowest(listed[i - 1] as string)).toBeLessThanOrEqual(lowest(listed[i] as string));
      }),
    );
  });
});

describe('latestShipment', () => {
  it('is the highest height, the greatest id among equals, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), height: fc.integer({ min: 1, max: 20 }) }), { minLength: 1 }), (shipments) => {
        const latest = latestShipment(shipments);
        const reversed = latestShipment([...shipments].reverse());
        expect(latest).toEqual(reversed);
        for (const shipment of shipments) expect(shipment.height < (latest?.height ?? 0) || (shipment.height === latest?.height && shipment.id <= latest.id)).toBe(true);
      }),
    );
    expect(latestShipment([])).toBeUndefined();
  });
});

describe('tracePathsOf', () => {
  const node = (kind: string, key: string, created: number, last: number) => ({ kind, key, createdTxId: tx(created), createdHeight: created, txId: tx(last), height: last });
  it('narrows nodes and links with their provenance', () => {
    const paths = tracePathsOf([
      {
        nodes: [node('PRODUCT', 'SN-1', 3, 3), node('BATCH', 'B-1', 2, 4), node('ORGANIZATION', 'acme', 1, 1)],
        links: [
          { index: 0, type: 'OF_BATCH', reversed: false, txId: tx(3), height: 3 },
          { index: 1, type: 'SUPPLIED_BY', reversed: true, txId: tx(2), height: 2 },
        ],
      },
    ]);
    expect(paths).toEqual([
      {
        length: 2,
        nodes: [
          { kind: 'PRODUCT', key: 'SN-1', provenance: [{ txId: tx(3) }] },
          { kind: 'BATCH', key: 'B-1', provenance: [{ txId: tx(2) }, { txId: tx(4) }] },
          { kind: 'ORGANIZATION', key: 'acme', provenance: [{ txId: tx(1) }] },
        ],
        links: [
          { index: 0, type: 'OF_BATCH', reversed: false, provenance: [{ txId: tx(3) }] },
          { index: 1, type: 'SUPPLIED_BY', reversed: true, provenance: [{ txId: tx(2) }] },
        ],
      },
    ]);
  });

  it('refuses rows that are not what the statements return', () => {
    expect(() => tracePathsOf(null)).toThrow(TraceRowError);
    expect(() => tracePathsOf([{ nodes: [node('WIDGET', 'x', 1, 1)], links: [] }])).toThrow(TraceRowError);
    expect(() => tracePathsOf([{ nodes: [node('PRODUCT', 'x', 1, 1)], links: [{ index: 0, type: 'OF_BATCH', reversed: false, txId: tx(1), height: 1 }] }])).toThrow(TraceRowError);
    expect(() => tracePathsOf([{ nodes: [node('PRODUCT', 'x', 1, 1), node('BATCH', 'y', 1, 1)], links: [{ index: 0, type: 'OF_BATCH', reversed: 'no', txId: tx(1), height: 1 }] }])).toThrow(TraceRowError);
    expect(tracePathsOf([])).toEqual([]);
  });
});

describe('recallProductsOf', () => {
  const shipment = (id: string, height: number, custodian: string | null, location: string | null) => ({
    id,
    height,
    location,
    custodian,
    custodyTxId: tx(height),
    custodyHeight: height,
    carriesTxId: tx(height - 1),
    carriesHeight: height - 1,
  });
  const product = (serial: string, shipments: JsonValue[]) => ({ serial, producer: 'plant', site: 'plant yard', createdTxId: tx(1), createdHeight: 1, txId: tx(1), height: 1, shipments });

  it('holds a shipped product with the latest shipment custodian at its location', () => {
    expect(recallProductsOf([product('SN-1', [shipment('SH-1', 5, 'carrier', 'hub'), shipment('SH-2', 9, 'customer', 'dock')])])).toEqual([
      { serial: 'SN-1', producerId: 'plant', holderId: 'customer', location: 'dock', shipmentId: 'SH-2', provenance: [1, 4, 5, 8, 9].map((n) => ({ txId: tx(n) })) },
    ]);
  });

  it('holds an unshipped product with its producer at its site', () => {
    expect(recallProductsOf([product('SN-2', [])])).toEqual([{ serial: 'SN-2', producerId: 'plant', holderId: 'plant', location: 'plant yard', shipmentId: null, provenance: [{ txId: tx(1) }] }]);
  });

  it('falls back to the producer when the latest shipment has no custodian recorded', () => {
    expect(recallProductsOf([product('SN-3', [shipment('SH-3', 4, null, null)])])[0]).toMatchObject({ holderId: 'plant', location: 'plant yard', shipmentId: 'SH-3' });
  });

  it('refuses a product without a serial or with a shipment without a height', () => {
    expect(() => recallProductsOf([{ ...product('x', []), serial: null }])).toThrow(TraceRowError);
    expect(() => recallProductsOf([product('x', [{ ...shipment('SH', 3, 'c', null), height: null }])])).toThrow(TraceRowError);
  });
});

describe('recallCustomersOf', () => {
  it('groups consignments by customer, customers and shipments by id', () => {
    expect(
      recallCustomersOf([
        { organizationId: 'zeta', shipmentId: 'SH-2', txId: tx(7), height: 7 },
        { organizationId: 'alpha', shipmentId: 'SH-3', txId: tx(9), height: 9 },
        { organizationId: 'zeta', shipmentId: 'SH-1', txId: tx(4), height: 4 },
      ]),
    ).toEqual([
      { organizationId: 'alpha', shipmentIds: ['SH-3'], provenance: [{ txId: tx(9) }] },
      { organizationId: 'zeta', shipmentIds: ['SH-1', 'SH-2'], provenance: [{ txId: tx(4) }, { txId: tx(7) }] },
    ]);
    expect(recallCustomersOf([])).toEqual([]);
    expect(() => recallCustomersOf([{ organizationId: 1, shipmentId: 'SH' }])).toThrow(TraceRowError);
  });
});

describe('lotProvenanceOf and totalCountOf', () => {
  it('read the lot stamps and the count', () => {
    expect(lotProvenanceOf({ createdTxId: tx(1), createdHeight: 1, txId: tx(6), height: 6 })).toEqual([{ txId: tx(1) }, { txId: tx(6) }]);
    expect(totalCountOf(12)).toBe(12);
    expect(() => totalCountOf(-1)).toThrow(TraceRowError);
    expect(() => totalCountOf('3')).toThrow(TraceRowError);
  });
});
