/**
 * A seeded supply network in the terms of docs/traceability.md and the production contract: suppliers
 * register material lots; a plant makes first-stage batches from material lots and second-stage batches
 * from first-stage ones (each batch worked in a process step that consumed its inputs); products belong
 * to second-stage batches, some reworked in a step that consumed a packaging lot; shipments carry
 * products to customers (some products twice, so "the latest shipment" matters), each either delivered
 * (custody with the consignee) or in transit (custody with a carrier).
 *
 * Pure: the same options give the same network. Alongside it, the ground truth of a recall: for any
 * lot, the products made from it and the customers they were shipped to, computed from the domain
 * records (what each batch and step consumed), not from the graph, so the graph queries are checked
 * against an independent answer. `networkRelationships` gives the graph's relationships for loading.
 */
import { seededRandom } from '@twinledger/ledger-core/chain/testing/seeded-random';

/** The generator's random source, kept exported for the benchmarks that sample the same network. */
export { seededRandom };

export interface NetworkOptions {
  readonly seed: number;
  /** Products to make; every other count follows from it and the shares below. */
  readonly products: number;
  readonly suppliers: number;
  readonly customers: number;
  /** Producing organisations (plants); batches, steps and products are spread over them. */
  readonly producers: number;
  readonly carriers: number;
  /** Products per second-stage batch, at most. */
  readonly productsPerBatch: number;
  /** Share of products reworked in a step of their own that consumes a packaging lot, 0..1. */
  readonly productStepShare: number;
  /** Share of products shipped, 0..1; of those, `reshipShare` ship a second time. */
  readonly shippedShare: number;
  readonly reshipShare: number;
  /** Most products one shipment carries. */
  readonly productsPerShipmentMax: number;
  /** Prefix of every id, so several networks can share one graph. */
  readonly idPrefix: string;
  /**
   * Existing organisations to use instead of generated ones, by role (their counts then replace the
   * counts above): a network written through the ledger needs organisations that can sign.
   */
  readonly organizationIds?: {
    readonly suppliers?: readonly string[];
    readonly producers?: readonly string[];
    readonly customers?: readonly string[];
    readonly carriers?: readonly string[];
  };
}

export interface MaterialLot {
  readonly lot: string;
  readonly supplier: string;
  readonly material: string;
  readonly quantity: number;
  readonly unit: string;
}

export interface LotInput {
  readonly lot: string;
  readonly quantity: number;
}

export interface Batch {
  readonly lot: string;
  readonly producer: string;
  readonly model: string;
  readonly quantity: number;
  readonly unit: string;
  /** 1: made from material lots; 2: made from first-stage batches (and perhaps a material lot). */
  readonly stage: 1 | 2;
  readonly inputs: readonly LotInput[];
}

export interface Product {
  readonly serial: string;
  readonly model: string;
  readonly batch: string;
  readonly producer: string;
}

export interface ProcessStep {
  readonly id: string;
  readonly producer: string;
  readonly name: string;
  readonly subject: { readonly kind: 'lot' | 'product'; readonly id: string };
  readonly consumed: readonly LotInput[];
}

export interface Shipment {
  readonly id: string;
  readonly shipper: string;
  readonly consignee: string;
  readonly carrier: string;
  /** Who holds it now: the consignee once delivered, the carrier in transit. */
  readonly custodian: string;
  readonly delivered: boolean;
  /** The destination of its last leg. */
  readonly location: string;
  readonly products: readonly string[];
}

/**
 * A generated network. Records are listed in an order the ledger accepts them (inputs before what is
 * made of them); shipments in the order they happen, so a later one is the product's latest.
 */
export interface TraceNetwork {
  readonly options: NetworkOptions;
  readonly suppliers: readonly string[];
  readonly producers: readonly string[];
  readonly customers: readonly string[];
  readonly carriers: readonly string[];
  readonly materialLots: readonly MaterialLot[];
  readonly batches: readonly Batch[];
  readonly products: readonly Product[];
  readonly steps: readonly ProcessStep[];
  readonly shipments: readonly Shipment[];
}

export interface RecallTruth {
  /** Serials of the products made from the lot, sorted. */
  readonly products: readonly string[];
  /** Ids of the customers a shipment carrying one of them was consigned to, sorted. */
  readonly customers: readonly string[];
}

/** The label that keys a node of the network: `Lot` by `lot`, `Product` by `serial`, the others by `id`. */
export type KeyLabel = 'Organization' | 'Lot' | 'Product' | 'ProcessStep' | 'Shipment';

/** One relationship of the graph, with the keyed labels and keys of its ends (docs/traceability.md). */
export interface NetworkRelationship {
  readonly type: 'OF_BATCH' | 'PROCESSED_IN' | 'CONSUMED' | 'MADE_FROM' | 'SUPPLIED_BY' | 'CARRIES' | 'SHIPPED_FROM' | 'CONSIGNED_TO' | 'IN_CUSTODY_OF';
  readonly fromLabel: KeyLabel;
  readonly from: string;
  readonly toLabel: KeyLabel;
  readonly to: string;
}

/** Changes whenever the same options would generate another network, so a stored load of an older one is never reused. */
export const networkGeneratorVersion = 2;

export const defaultNetworkOptions: NetworkOptions = {
  seed: 1,
  products: 200,
  suppliers: 4,
  customers: 6,
  producers: 1,
  carriers: 2,
  productsPerBatch: 20,
  productStepShare: 0.1,
  shippedShare: 0.8,
  reshipShare: 0.1,
  productsPerShipmentMax: 6,
  idPrefix: 'net',
};

/** Invalid generator options. */
export class NetworkOptionsError extends RangeError {
  override readonly name = 'NetworkOptionsError';
}

function checkOptions(options: NetworkOptions): void {
  const counts: [string, number][] = [
    ['products', options.products],
    ['suppliers', options.suppliers],
    ['customers', options.customers],
    ['producers', options.producers],
    ['carriers', options.carriers],
    ['productsPerBatch', options.productsPerBatch],
    ['productsPerShipmentMax', options.productsPerShipmentMax],
  ];
  for (const [role, given] of Object.entries(options.organizationIds ?? {})) {
    if (given !== undefined && new Set(given).size !== given.length) throw new NetworkOptionsError(`organizationIds.${role} names an organisation twice`);
  }
  for (const [name, value] of counts) {
    if (!Number.isSafeInteger(value) || value < 1 || value > 100_000_000) throw new NetworkOptionsError(`${name} must be an integer from 1 to 100000000`);
  }
  for (const [name, value] of [
    ['productStepShare', options.productStepShare],
    ['shippedShare', options.shippedShare],
    ['reshipShare', options.reshipShare],
  ] as const) {
    if (!(value >= 0 && value <= 1)) throw new NetworkOptionsError(`${name} must be from 0 to 1`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new NetworkOptionsError('seed must be an integer');
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(options.idPrefix) || options.idPrefix.includes('--')) {
    throw new NetworkOptionsError('idPrefix must be 1 to 31 lowercase letters, digits and single hyphens, starting with a letter or digit');
  }
}

/** Large enough that the network's consumptions never exhaust a lot, so the ledger accepts every one. */
const lotQuantity = 1_000_000_000;

function padded(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Generates the network of `options` (defaults for what is left out). */
export function generateNetwork(partial: Partial<NetworkOptions> = {}): TraceNetwork {
  const options: NetworkOptions = { ...defaultNetworkOptions, ...partial };
  checkOptions(options);
  const random = seededRandom(options.seed);
  const below = (count: number): number => Math.floor(random() * count);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  /** `count` distinct items of `items` (all of them when there are fewer). */
  const pickDistinct = <T>(items: readonly T[], count: number): T[] => {
    if (count >= items.length) return [...items];
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(below(items.length));
    return [...chosen].sort((a, b) => a - b).map((index) => items[index] as T);
  };
  const p = options.idPrefix;
  const organizations = (role: string, count: number, given: readonly string[] | undefined): string[] =>
    given !== undefined && given.length > 0 ? [...given] : Array.from({ length: count }, (_, index) => `${p}-${role}-${index + 1}`);
  const suppliers = organizations('supplier', options.suppliers, options.organizationIds?.suppliers);
  const producers = organizations('plant', options.producers, options.organizationIds?.producers);
  const customers = organizations('customer', options.customers, options.organizationIds?.customers);
  const carriers = organizations('carrier', options.carriers, options.organizationIds?.carriers);

  const finalBatchCount = Math.max(1, Math.ceil(options.products / options.productsPerBatch));
  const firstBatchCount = Math.max(1, Math.ceil(finalBatchCount / 2));
  const materialLotCount = firstBatchCount + Math.max(1, Math.ceil(finalBatchCount / 4));
  const packagingLotCount = Math.max(1, Math.ceil((options.products * options.productStepShare) / 2));
  const width = String(Math.max(options.products, materialLotCount + packagingLotCount)).length;

  const materialLots: MaterialLot[] = [];
  for (let index = 0; index < materialLotCount; index += 1) {
    materialLots.push({ lot: `${p}-ML-${padded(index + 1, width)}`, supplier: pick(suppliers), material: pick(['steel', 'copper', 'resin', 'glass']), quantity: lotQuantity, unit: 'g' });
  }
  const packagingLots: MaterialLot[] = [];
  for (let index = 0; index < packagingLotCount; index += 1) {
    packagingLots.push({ lot: `${p}-PK-${padded(index + 1, width)}`, supplier: pick(suppliers), material: 'packaging', quantity: lotQuantity, unit: 'pcs' });
  }

  const batches: Batch[] = [];
  const steps: ProcessStep[] = [];
  const input = (lot: string): LotInput => ({ lot, quantity: 1 + below(50) });
  const stepFor = (subjectKind: 'lot' | 'product', subject: string, producer: string, name: string, consumed: readonly LotInput[]): ProcessStep => ({
    id: `${p}-ST-${padded(steps.length + 1, width)}`,
    producer,
    name,
    subject: { kind: subjectKind, id: subject },
    consumed,
  });
  const firstBatches: Batch[] = [];
  for (let index = 0; index < firstBatchCount; index += 1) {
    const producer = pick(producers);
    const inputs = pickDistinct(materialLots, 1 + below(2)).map((lot) => input(lot.lot));
    const batch: Batch = { lot: `${p}-B1-${padded(index + 1, width)}`, producer, model: 'subassembly', quantity: lotQuantity, unit: 'pcs', stage: 1, inputs };
    firstBatches.push(batch);
    batches.push(batch);
    steps.push(stepFor('lot', batch.lot, producer, 'assemble', inputs.map((item) => ({ lot: item.lot, quantity: item.quantity }))));
  }
  const finalBatches: Batch[] = [];
  for (let index = 0; index < finalBatchCount; index += 1) {
    const producer = pick(producers);
    const fromBatches = pickDistinct(firstBatches, 1 + below(2)).map((batch) => input(batch.lot));
    const fromMaterial = random() < 0.3 ? [input(pick(materialLots).lot)] : [];
    const inputs = [...fromBatches, ...fromMaterial];
    const batch: Batch = { lot: `${p}-B2-${padded(index + 1, width)}`, producer, model: 'unit', quantity: lotQuantity, unit: 'pcs', stage: 2, inputs };
    finalBatches.push(batch);
    batches.push(batch);
    // The step works the batch and consumes its batch inputs; a material input is a direct derivation only.
    steps.push(stepFor('lot', batch.lot, producer, 'integrate', fromBatches));
  }

  const products: Product[] = [];
  for (let index = 0; index < options.products; index += 1) {
    const batch = finalBatches[Math.floor(index / options.productsPerBatch)] as Batch;
    const product: Product = { serial: `${p}-SN-${padded(index + 1, width)}`, model: batch.model, batch: batch.lot, producer: batch.producer };
    products.push(product);
    if (random() < options.productStepShare) steps.push(stepFor('product', product.serial, product.producer, 'rework', [input(pick(packagingLots).lot)]));
  }

  const shipments: Shipment[] = [];
  const ship = (carried: readonly Product[]): void => {
    const first = carried[0];
    if (first === undefined) return;
    // The ledger ships only to others than the shipper, and a carrier is someone else than the consignee.
    const consignees = customers.filter((customer) => customer !== first.producer);
    const consignee = pick(consignees.length > 0 ? consignees : customers);
    const others = carriers.filter((carrier) => carrier !== consignee && carrier !== first.producer);
    const carrier = pick(others.length > 0 ? others : carriers);
    const delivered = random() < 0.7;
    shipments.push({
      id: `${p}-SH-${padded(shipments.length + 1, width)}`,
      shipper: first.producer,
      consignee,
      carrier,
      custodian: delivered ? consignee : carrier,
      delivered,
      location: delivered ? `${consignee} dock` : `${consignee} via hub ${1 + below(9)}`,
      products: carried.map((product) => product.serial),
    });
  };
  const shipped = products.filter(() => random() < options.shippedShare);
  // A shipment carries products of one shipper, in runs of consecutive serials.
  let run: Product[] = [];
  let runSize = 1 + below(options.productsPerShipmentMax);
  for (const product of shipped) {
    if (run.length > 0 && (run.length >= runSize || run[0]?.producer !== product.producer)) {
      ship(run);
      run = [];
      runSize = 1 + below(options.productsPerShipmentMax);
    }
    run.push(product);
  }
  ship(run);
  for (const product of shipped.filter(() => random() < options.reshipShare)) ship([product]);

  return { options, suppliers, producers, customers, carriers, materialLots: [...materialLots, ...packagingLots], batches, products, steps, shipments };
}

/** Every relationship of the network's graph, as the projection writes them (docs/traceability.md). */
export function networkRelationships(network: TraceNetwork): NetworkRelationship[] {
  const relationships: NetworkRelationship[] = [];
  const add = (type: NetworkRelationship['type'], fromLabel: KeyLabel, from: string, toLabel: KeyLabel, to: string): void => {
    relationships.push({ type, fromLabel, from, toLabel, to });
  };
  for (const lot of network.materialLots) add('SUPPLIED_BY', 'Lot', lot.lot, 'Organization', lot.supplier);
  for (const batch of network.batches) for (const item of batch.inputs) add('MADE_FROM', 'Lot', batch.lot, 'Lot', item.lot);
  for (const step of network.steps) {
    add('PROCESSED_IN', step.subject.kind === 'lot' ? 'Lot' : 'Product', step.subject.id, 'ProcessStep', step.id);
    for (const item of step.consumed) add('CONSUMED', 'ProcessStep', step.id, 'Lot', item.lot);
  }
  for (const product of network.products) add('OF_BATCH', 'Product', product.serial, 'Lot', product.batch);
  for (const shipment of network.shipments) {
    for (const serial of shipment.products) add('CARRIES', 'Shipment', shipment.id, 'Product', serial);
    add('SHIPPED_FROM', 'Shipment', shipment.id, 'Organization', shipment.shipper);
    add('CONSIGNED_TO', 'Shipment', shipment.id, 'Organization', shipment.consignee);
    add('IN_CUSTODY_OF', 'Shipment', shipment.id, 'Organization', shipment.custodian);
  }
  return relationships;
}

/**
 * The answer a recall of `lot` must give, from the records: the lots made from it (batches that took
 * it as input, batches worked in a step that consumed it, transitively), the products of those
 * batches or worked in a step that consumed any of them, and the consignees of shipments carrying
 * those products. Requires a lot of the network.
 */
export function recallTruth(network: TraceNetwork, lot: string): RecallTruth {
  const batchesMadeFrom = new Map<string, string[]>();
  const stepsConsuming = new Map<string, ProcessStep[]>();
  const productsOfBatch = new Map<string, string[]>();
  const append = <T>(map: Map<string, T[]>, key: string, value: T): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  };
  for (const batch of network.batches) for (const item of batch.inputs) append(batchesMadeFrom, item.lot, batch.lot);
  for (const step of network.steps) for (const item of step.consumed) append(stepsConsuming, item.lot, step);
  for (const product of network.products) append(productsOfBatch, product.batch, product.serial);

  const affectedLots = new Set<string>([lot]);
  const affectedProducts = new Set<string>();
  const queue = [lot];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const madeFromIt = [...(batchesMadeFrom.get(next) ?? [])];
    for (const step of stepsConsuming.get(next) ?? []) {
      if (step.subject.kind === 'lot') madeFromIt.push(step.subject.id);
      else affectedProducts.add(step.subject.id);
    }
    for (const derived of madeFromIt) {
      if (affectedLots.has(derived)) continue;
      affectedLots.add(derived);
      queue.push(derived);
    }
    for (const serial of productsOfBatch.get(next) ?? []) affectedProducts.add(serial);
  }
  const customers = new Set<string>();
  for (const shipment of network.shipments) {
    if (shipment.products.some((serial) => affectedProducts.has(serial))) customers.add(shipment.consignee);
  }
  return { products: [...affectedProducts].sort(), customers: [...customers].sort() };
}

/** How many nodes the network's graph has (organisations included). */
export function networkNodeCount(network: TraceNetwork): number {
  return (
    network.suppliers.length +
    network.producers.length +
    network.customers.length +
    network.carriers.length +
    network.materialLots.length +
    network.batches.length +
    network.products.length +
    network.steps.length +
    network.shipments.length
  );
}
