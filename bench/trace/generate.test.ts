import fc from 'fast-check';
import { isItemId, isOrganizationId } from '@twinledger/ledger-core/contracts';
import { traceForwardTypes } from '@twinledger/graph-schema';
import { generateNetwork, NetworkOptionsError, networkNodeCount, networkRelationships, recallTruth, seededRandom, type TraceNetwork } from './generate';

/** The naive answer: the graph's forward closure by scanning every relationship until nothing changes. */
function naiveRecall(network: TraceNetwork, lot: string): { products: string[]; customers: string[] } {
  const relationships = networkRelationships(network);
  const forward = new Set(traceForwardTypes.split('|'));
  const reached = new Set([lot]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const { type, from, to } of relationships) {
      if (forward.has(type) && reached.has(to) && !reached.has(from)) {
        reached.add(from);
        grew = true;
      }
    }
  }
  const serials = new Set(network.products.map((product) => product.serial));
  const products = [...reached].filter((key) => serials.has(key)).sort();
  const carrying = new Set(relationships.filter(({ type, to }) => type === 'CARRIES' && reached.has(to)).map(({ from }) => from));
  const customers = [...new Set(relationships.filter(({ type, from }) => type === 'CONSIGNED_TO' && carrying.has(from)).map(({ to }) => to))].sort();
  return { products, customers };
}

const smallOptions = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  products: fc.integer({ min: 1, max: 120 }),
  suppliers: fc.integer({ min: 1, max: 5 }),
  customers: fc.integer({ min: 1, max: 6 }),
  producers: fc.integer({ min: 1, max: 3 }),
  productsPerBatch: fc.integer({ min: 1, max: 25 }),
  productStepShare: fc.double({ min: 0, max: 1, noNaN: true }),
  shippedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  reshipShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('generateNetwork', () => {
  it('gives the same network for the same seed and another for another seed', () => {
    expect(generateNetwork({ seed: 7, products: 300 })).toEqual(generateNetwork({ seed: 7, products: 300 }));
    expect(generateNetwork({ seed: 8, products: 300 }).shipments).not.toEqual(generateNetwork({ seed: 7, products: 300 }).shipments);
  });

  it('recall ground truth equals the naive closure over the graph for every lot', () => {
    fc.assert(
      fc.property(smallOptions, (options) => {
        const network = generateNetwork(options);
        for (const { lot } of [...network.materialLots, ...network.batches]) expect(recallTruth(network, lot)).toEqual(naiveRecall(network, lot));
      }),
      { numRuns: 60 },
    );
  });

  it('makes a network the ledger accepts: valid ids, unique keys, inputs recorded before use, every product in a batch', () => {
    fc.assert(
      fc.property(smallOptions, (options) => {
        const network = generateNetwork(options);
        for (const organization of [...network.suppliers, ...network.producers, ...network.customers, ...network.carriers]) expect(isOrganizationId(organization)).toBe(true);
        const keys = [...network.materialLots.map((l) => l.lot), ...network.batches.map((b) => b.lot), ...network.products.map((x) => x.serial), ...network.steps.map((s) => s.id), ...network.shipments.map((s) => s.id)];
        for (const key of keys) expect(isItemId(key)).toBe(true);
        expect(new Set(keys).size).toBe(keys.length);
        const known = new Set(network.materialLots.map((lot) => lot.lot));
        for (const batch of network.batches) {
          expect(batch.inputs.length).toBeGreaterThan(0);
          for (const item of batch.inputs) expect(known.has(item.lot)).toBe(true);
          known.add(batch.lot);
        }
        const batchProducer = new Map(network.batches.map((batch) => [batch.lot, batch.producer]));
        for (const product of network.products) expect(batchProducer.get(product.batch)).toBe(product.producer);
        const serials = new Set(network.products.map((product) => product.serial));
        for (const step of network.steps) {
          expect(step.subject.kind === 'lot' ? known.has(step.subject.id) : serials.has(step.subject.id)).toBe(true);
          for (const item of step.consumed) expect(known.has(item.lot)).toBe(true);
        }
        for (const shipment of network.shipments) {
          expect(shipment.products.length).toBeGreaterThan(0);
          for (const serial of shipment.products) expect(serials.has(serial)).toBe(true);
          expect(shipment.custodian).toBe(shipment.delivered ? shipment.consignee : shipment.carrier);
          expect(network.carriers).toContain(shipment.carrier);
        }
        expect(networkNodeCount(network)).toBe(new Set(keys).size + network.suppliers.length + network.producers.length + network.customers.length + network.carriers.length);
      }),
      { numRuns: 60 },
    );
  });

  it('puts suppliers six relationships up from a product (through both process steps), so a 6-hop backward trace walks the whole chain', () => {
    const network = generateNetwork({ seed: 3, products: 100 });
    const outgoing = new Map<string, string[]>();
    for (const { type, from, to } of networkRelationships(network)) {
      if (['OF_BATCH', 'PROCESSED_IN', 'CONSUMED', 'MADE_FROM', 'SUPPLIED_BY'].includes(type)) outgoing.set(from, [...(outgoing.get(from) ?? []), to]);
    }
    const longest = (key: string): number => Math.max(0, ...(outgoing.get(key) ?? []).map((next) => 1 + longest(next)));
    expect(longest(network.products[0]?.serial ?? '')).toBe(6);
  });

  it('ships some products twice, and a recall of a used lot reaches products and customers', () => {
    const network = generateNetwork({ seed: 11, products: 400, reshipShare: 0.2 });
    const carried = network.shipments.flatMap((shipment) => shipment.products);
    expect(new Set(carried).size).toBeLessThan(carried.length);
    const truth = recallTruth(network, network.materialLots[0]?.lot ?? '');
    expect(truth.products.length).toBeGreaterThan(0);
    expect(truth.customers.length).toBeGreaterThan(0);
  });

  it('uses given organisations, shipping only to others than the shipper by a carrier other than the consignee', () => {
    const members = { suppliers: ['beta-logistics', 'gamma-finance'], producers: ['alpha-industries'], customers: ['beta-logistics', 'gamma-finance'], carriers: ['beta-logistics', 'gamma-finance'] };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const network = generateNetwork({ seed, products: 30, organizationIds: members });
        expect([network.suppliers, network.producers, network.customers, network.carriers]).toEqual([members.suppliers, members.producers, members.customers, members.carriers]);
        for (const lot of network.materialLots) expect(members.suppliers).toContain(lot.supplier);
        for (const shipment of network.shipments) {
          expect(shipment.consignee).not.toBe(shipment.shipper);
          expect(shipment.carrier).not.toBe(shipment.shipper);
          expect(shipment.carrier).not.toBe(shipment.consignee);
        }
      }),
      { numRuns: 30 },
    );
    expect(() => generateNetwork({ organizationIds: { customers: ['a-b', 'a-b'] } })).toThrow(NetworkOptionsError);
  });

  it('refuses options outside their bounds', () => {
    expect(() => generateNetwork({ products: 0 })).toThrow(NetworkOptionsError);
    expect(() => generateNetwork({ shippedShare: 1.5 })).toThrow(NetworkOptionsError);
    expect(() => generateNetwork({ seed: 0.5 })).toThrow(NetworkOptionsError);
    expect(() => generateNetwork({ idPrefix: 'Bad Prefix' })).toThrow(NetworkOptionsError);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 1000; i += 1) {
      const value = a();
      expect(value).toBe(b());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});
