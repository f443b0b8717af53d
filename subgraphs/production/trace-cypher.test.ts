import fc from 'fast-check';
import { traceBackwardTypes, traceDepthMax, traceForwardTypes } from '@twinledger/graph-schema';
import {
  backwardTraceCypher,
  checkedDepth,
  forwardTraceCypher,
  partyCypher,
  recallCypher,
  TraceInputError,
  traceLimitMax,
  traceOffsetMax,
  type TraceStart,
} from './trace-cypher';

const page = { offset: 0, limit: 20 };
const itemId = fc.stringMatching(/^[\x21-\x7e]{1,256}$/);
const depth = fc.integer({ min: 1, max: traceDepthMax });
const start: fc.Arbitrary<TraceStart> = fc.oneof(
  itemId.map((serial) => ({ kind: 'product' as const, serial })),
  itemId.map((lot) => ({ kind: 'lot' as const, lot })),
);

/** The variable-length patterns of a statement: relationship types, direction and bounds. */
function varLengthPatterns(text: string): string[] {
  return [...text.matchAll(/(<?-)\[:([A-Z_|]+)\*(\d+)\.\.(\d+)\](->?)/g)].map((match) => match[0]);
}

describe('checkedDepth', () => {
  it('accepts exactly the integers 1..traceDepthMax', () => {
    fc.assert(fc.property(depth, (value) => expect(checkedDepth(value)).toBe(value)));
    for (const bad of [0, -1, traceDepthMax + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => checkedDepth(bad)).toThrow(TraceInputError);
  });
});

describe('backwardTraceCypher', () => {
  it('seeks the start by its unique key and follows the backward types outgoing, bounded by depth', () => {
    fc.assert(
      fc.property(start, depth, (from, bound) => {
        const statement = backwardTraceCypher(from, bound, page);
        expect(statement.text.startsWith(from.kind === 'product' ? 'MATCH (start:Product {serial: $key})' : 'MATCH (start:Lot {lot: $key})')).toBe(true);
        expect(statement.parameters).toEqual({ key: from.kind === 'product' ? from.serial : from.lot, offset: 0, limit: 20 });
        expect(varLengthPatterns(statement.text)).toEqual([`-[:${traceBackwardTypes}*1..${bound}]->`]);
        // A path ends at the depth limit or where nothing upstream is recorded.
        expect(statement.text).toContain(`WHERE length(route) = ${bound} OR NOT (end)-[:${traceBackwardTypes}]->()`);
        expect(statement.text).toContain('ORDER BY sortKey, sortTypes');
        expect(statement.text).toContain('paths[$offset..$offset + $limit]');
      }),
    );
  });

  it('never writes an input into the text: keys travel as parameters', () => {
    fc.assert(
      fc.property(itemId, start, (key, other) => {
        expect(backwardTraceCypher({ kind: 'lot', lot: key }, 3, page).text).toBe(backwardTraceCypher({ kind: 'lot', lot: 'x' }, 3, page).text);
        expect(forwardTraceCypher(key, 3, { offset: 7, limit: 9 }).text).toBe(forwardTraceCypher('x', 3, page).text);
        expect(recallCypher(key, 3, page).text).toBe(recallCypher('x', 3, { offset: 5, limit: 1 }).text);
        expect(partyCypher(other, key, 'chain').text).toBe(partyCypher(other, 'x', 'chain').text);
      }),
    );
  });

  it('refuses a depth, page or key outside its bounds', () => {
    const product: TraceStart = { kind: 'product', serial: 'SN-1' };
    for (const bad of [0, traceDepthMax + 1, 2.5]) expect(() => backwardTraceCypher(product, bad, page)).toThrow(TraceInputError);
    expect(() => backwardTraceCypher(product, 6, { offset: -1, limit: 20 })).toThrow(TraceInputError);
    expect(() => backwardTraceCypher(product, 6, { offset: traceOffsetMax + 1, limit: 20 })).toThrow(TraceInputError);
    expect(() => backwardTraceCypher(product, 6, { offset: 0, limit: 0 })).toThrow(TraceInputError);
    expect(() => backwardTraceCypher(product, 6, { offset: 0, limit: traceLimitMax + 1 })).toThrow(TraceInputError);
    for (const key of ['', 'has space', 'x'.repeat(257), 'ünïcode', 'tab\t']) {
      expect(() => backwardTraceCypher({ kind: 'product', serial: key }, 6, page)).toThrow(TraceInputError);
      expect(() => backwardTraceCypher({ kind: 'lot', lot: key }, 6, page)).toThrow(TraceInputError);
    }
  });
});

describe('forwardTraceCypher', () => {
  it('seeks the lot by key, follows the forward types incoming to products, then their shipments and consignees', () => {
    fc.assert(
      fc.property(itemId, depth, fc.integer({ min: 0, max: traceOffsetMax }), fc.integer({ min: 1, max: traceLimitMax }), (lot, bound, offset, limit) => {
        const statement = forwardTraceCypher(lot, bound, { offset, limit });
        expect(statement.text.startsWith('MATCH (start:Lot {lot: $key})')).toBe(true);
        expect(statement.parameters).toEqual({ key: lot, offset, limit });
        expect(varLengthPatterns(statement.text)).toEqual([`<-[:${traceForwardTypes}*1..${bound}]-`]);
        expect(statement.text).toContain(`(start)<-[:${traceForwardTypes}*1..${bound}]-(product:Product)`);
        expect(statement.text).toContain('(product)<-[carries:CARRIES]-(shipment:Shipment)');
        expect(statement.text).toContain('(shipment)-[consigned:CONSIGNED_TO]->(customer:Organization)');
      }),
    );
  });

  it('refuses a bad lot or depth', () => {
    expect(() => forwardTraceCypher('a b', 6, page)).toThrow(TraceInputError);
    expect(() => forwardTraceCypher('L-1', 13, page)).toThrow(TraceInputError);
  });
});

describe('recallCypher', () => {
  it('reaches downstream items from the lot within depth once each, and pages products by serial', () => {
    fc.assert(
      fc.property(itemId, depth, (lot, bound) => {
        const statement = recallCypher(lot, bound, { offset: 40, limit: 20 });
        expect(statement.text.startsWith('MATCH (start:Lot {lot: $key})')).toBe(true);
        expect(statement.parameters).toEqual({ key: lot, offset: 40, limit: 20 });
        expect(varLengthPatterns(statement.text)).toEqual([`<-[:${traceForwardTypes}*1..${bound}]-`]);
        expect(statement.text).toContain('collect(DISTINCT item) AS downstream');
        expect(statement.text).toContain('ORDER BY product.serial');
        // Customers come from shipments carrying the lot itself or anything made from it.
        expect(statement.text).toContain('UNWIND [start] + downstream AS carried');
      }),
    );
  });

  it('refuses a bad depth', () => {
    expect(() => recallCypher('L-1', 0, page)).toThrow(TraceInputError);
  });
});

describe('partyCypher', () => {
  it('checks makers for a recall and the whole chain around the item for a trace', () => {
    const maker = partyCypher({ kind: 'lot', lot: 'L-1' }, 'acme', 'maker');
    expect(maker.parameters).toEqual({ key: 'L-1', organizationId: 'acme' });
    expect(maker.text).toContain('(start)-[:SUPPLIED_BY]->(:Organization {id: $organizationId})');
    expect(maker.text).not.toContain('CARRIES');
    expect(maker.text).not.toContain('OBSERVED');
    const chain = partyCypher({ kind: 'product', serial: 'SN-1' }, 'acme', 'chain');
    expect(chain.text.startsWith('MATCH (start:Product {serial: $key})')).toBe(true);
    expect(chain.text).toContain('(start)<-[:CARRIES]-(:Shipment)-[:SHIPPED_FROM|CONSIGNED_TO|IN_CUSTODY_OF]->(:Organization {id: $organizationId})');
    expect(chain.text).toContain('(start)<-[:OBSERVED]-(:EpcisEvent {capturedBy: $organizationId})');
    expect(() => partyCypher({ kind: 'product', serial: '' }, 'acme', 'chain')).toThrow(TraceInputError);
  });
});
