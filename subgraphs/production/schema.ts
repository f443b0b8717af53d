/**
 * The production subgraph's resolvers over the projected graph, with the trace queries of trace.ts
 * merged in. Queries are one Cypher read each; entities resolved by reference, nested items and
 * provenance batch through per-request DataLoaders. Private fields (process parameters and operators,
 * quality measurements and inspectors) are answered only to the item's maker and to analysts and
 * regulators; anyone else gets FORBIDDEN for that field.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { subgraphSdl } from '@twinledger/graph-schema';
import type { Identity } from '@twinledger/gateway';
import DataLoader from 'dataloader';
import { parse, type GraphQLSchema } from 'graphql';
import type { Driver } from 'neo4j-driver';
import type { WritePath } from '../shared/commit.js';
import { badUserInput, forbidden } from '../shared/errors.js';
import { decodeCursor, pageOf, pageSize, type Page } from '../shared/pagination.js';
import { bigIntScalar, dateTimeScalar, didScalar, hexScalar, jsonScalar } from '../shared/scalars.js';
import type { SubgraphContext } from '../shared/server.js';
import { mayReadPrivate } from '../shared/visibility.js';
import {
  batchInputs,
  checksById,
  checksOfSubject,
  lotsById,
  lotsPage,
  productsBySerial,
  productsPage,
  provenanceOf,
  stepConsumption,
  stepsById,
  stepsOfSubject,
  type CheckRow,
  type LotKind,
  type LotRow,
  type LotUseRow,
  type ProductRow,
  type ProvenanceKind,
  type StepRow,
  type SubjectRef,
} from './graph.js';
import { productionMutationResolvers } from './mutations.js';
import { traceResolvers } from './trace.js';
import { itemIdArgument } from '../shared/arguments.js';

export const productionSubgraphName = 'production';

export interface ProductionContext extends SubgraphContext {
  readonly driver: Driver;
  /** Where mutations write; undefined when the subgraph serves reads only. */
  readonly write: WritePath | undefined;
  readonly products: DataLoader<string, ProductRow | null>;
  readonly lots: DataLoader<string, LotRow | null>;
  readonly steps: DataLoader<string, StepRow | null>;
  readonly checks: DataLoader<string, CheckRow | null>;
  readonly provenance: { readonly [kind in ProvenanceKind]: DataLoader<string, string[]> };
}

/** The per-request context: fresh loaders, so nothing cached outlives one request. */
export function productionContext(driver: Driver, identity: Identity, write?: WritePath): ProductionContext {
  const options = { maxBatchSize: 100 };
  const provenanceLoader = (kind: ProvenanceKind) => new DataLoader((keys: readonly string[]) => provenanceOf(driver, kind, keys), options);
  return {
    identity,
    driver,
    write,
    products: new DataLoader((keys: readonly string[]) => productsBySerial(driver, keys), options),
    lots: new DataLoader((keys: readonly string[]) => lotsById(driver, keys), options),
    steps: new DataLoader((keys: readonly string[]) => stepsById(driver, keys), options),
    checks: new DataLoader((keys: readonly string[]) => checksById(driver, keys), options),
    provenance: { product: provenanceLoader('product'), lot: provenanceLoader('lot'), step: provenanceLoader('step'), check: provenanceLoader('check') },
  };
}

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

function optionalId(value: string | null | undefined, what: string): string | null {
  return value === undefined || value === null ? null : itemIdArgument(value, what);
}

function afterKey(after: string | null | undefined): string | null {
  return after === undefined || after === null ? null : String(decodeCursor(after, ['s'])[0]);
}

async function lotOfKind(context: ProductionContext, lot: string, kind: 'batch' | 'material'): Promise<LotRow | null> {
  const row = await context.lots.load(itemIdArgument(lot, 'lot'));
  return row !== null && row.kind === kind ? row : null;
}

async function productsConnection(context: ProductionContext, filter: { batch: string | null; producer: string | null }, args: PageArgs): Promise<Page<ProductRow>> {
  const size = pageSize(args.first);
  const rows = await productsPage(context.driver, filter, afterKey(args.after), size + 1);
  for (const row of rows) context.products.prime(row.serial, row);
  return pageOf(rows, size, (row) => [row.serial]);
}

async function lotsConnection(context: ProductionContext, kind: 'batch' | 'material', maker: string | null, args: PageArgs): Promise<Page<LotRow>> {
  const size = pageSize(args.first);
  const rows = await lotsPage(context.driver, kind, maker, afterKey(args.after), size + 1);
  for (const row of rows) context.lots.prime(row.lot, row);
  return pageOf(rows, size, (row) => [row.lot]);
}

async function stepsConnection(context: ProductionContext, subject: SubjectRef, args: PageArgs): Promise<Page<StepRow>> {
  const size = pageSize(args.first);
  const after = args.after === undefined || args.after === null ? null : decodeCursor(args.after, ['n', 's']);
  const rows = await stepsOfSubject(context.driver, subject, after === null ? null : { height: Number(after[0]), id: String(after[1]) }, size + 1);
  for (const row of rows) context.steps.prime(row.id, row);
  return pageOf(rows, size, (row) => [row.height, row.id]);
}

/** The subject as a Product, Batch or MaterialLot row; null for a lot the graph holds as neither. */
async function subjectItem(context: ProductionContext, subject: SubjectRef): Promise<ProductRow | LotRow | null> {
  if (subject.kind === 'product') return context.products.load(subject.key);
  const lot = await context.lots.load(subject.key);
  return lot === null || lot.kind === 'lot' ? null : lot;
}

function requireMakerRead(context: ProductionContext, maker: string, what: string): void {
  if (!mayReadPrivate(context.identity, maker)) throw forbidden(`${what} is private to ${maker}, the organisation that made the item, and to analysts and regulators`);
}

function provenanceReferences(loader: DataLoader<string, string[]>, key: string): Promise<{ txId: string }[]> {
  return loader.load(key).then((txIds) => txIds.map((txId) => ({ txId })));
}

function organizationReference(id: string | null): { id: string } | null {
  return id === null ? null : { id };
}

const lotKindNames: { readonly [kind in LotKind]: string } = { material: 'MATERIAL_LOT', batch: 'BATCH', lot: 'LOT' };

/** Shared resolvers of Batch and MaterialLot, both LotRow. */
const lotFields = {
  quantity: (lot: LotRow) => lot.quantity ?? 0,
  remaining: (lot: LotRow) => lot.remaining ?? 0,
  unit: (lot: LotRow) => lot.unit ?? '',
  registeredAt: (lot: LotRow) => lot.registeredAtMs,
  processSteps: (lot: LotRow, args: PageArgs, context: ProductionContext) => stepsConnection(context, { kind: 'lot', key: lot.lot }, args),
  qualityChecks: (lot: LotRow, _: unknown, context: ProductionContext) => checksOfSubject(context.driver, { kind: 'lot', key: lot.lot }),
  provenance: (lot: LotRow, _: unknown, context: ProductionContext) => provenanceReferences(context.provenance.lot, lot.lot),
};

const resolvers = {
  DID: didScalar,
  JSON: jsonScalar,
  Hex: hexScalar,
  BigInt: bigIntScalar,
  DateTime: dateTimeScalar,
  Query: {
    ...traceResolvers.Query,
    product: (_: unknown, args: { serial: string }, context: ProductionContext) => context.products.load(itemIdArgument(args.serial, 'serial')),
    batch: (_: unknown, args: { lot: string }, context: ProductionContext) => lotOfKind(context, args.lot, 'batch'),
    materialLot: (_: unknown, args: { lot: string }, context: ProductionContext) => lotOfKind(context, args.lot, 'material'),
    processStep: (_: unknown, args: { id: string }, context: ProductionContext) => context.steps.load(itemIdArgument(args.id, 'id')),
    qualityCheck: (_: unknown, args: { id: string }, context: ProductionContext) => context.checks.load(itemIdArgument(args.id, 'id')),
    products: (_: unknown, args: PageArgs & { batch?: string | null; producer?: string | null }, context: ProductionContext) =>
      productsConnection(context, { batch: optionalId(args.batch, 'batch'), producer: args.producer ?? null }, args),
    batches: (_: unknown, args: PageArgs & { producer?: string | null }, context: ProductionContext) => lotsConnection(context, 'batch', args.producer ?? null, args),
    materialLots: (_: unknown, args: PageArgs & { supplier?: string | null }, context: ProductionContext) => lotsConnection(context, 'material', args.supplier ?? null, args),
  },
  Mutation: productionMutationResolvers,
  Product: {
    __resolveReference: (reference: { serial: string }, context: ProductionContext) => context.products.load(reference.serial),
    batch: async (product: ProductRow, _: unknown, context: ProductionContext) => (product.batch === null ? null : lotOfKind(context, product.batch, 'batch')),
    producer: (product: ProductRow) => organizationReference(product.producer),
    registeredAt: (product: ProductRow) => product.registeredAtMs,
    processSteps: (product: ProductRow, args: PageArgs, context: ProductionContext) => stepsConnection(context, { kind: 'product', key: product.serial }, args),
    qualityChecks: (product: ProductRow, _: unknown, context: ProductionContext) => checksOfSubject(context.driver, { kind: 'product', key: product.serial }),
    provenance: (product: ProductRow, _: unknown, context: ProductionContext) => provenanceReferences(context.provenance.product, product.serial),
  },
  Batch: {
    ...lotFields,
    __resolveReference: (reference: { lot: string }, context: ProductionContext) => lotOfKind(context, reference.lot, 'batch'),
    model: (lot: LotRow) => lot.description ?? '',
    producer: (lot: LotRow) => organizationReference(lot.maker),
    inputs: (lot: LotRow, _: unknown, context: ProductionContext) => batchInputs(context.driver, lot.lot),
    products: (lot: LotRow, args: PageArgs, context: ProductionContext) => productsConnection(context, { batch: lot.lot, producer: null }, args),
  },
  MaterialLot: {
    ...lotFields,
    __resolveReference: (reference: { lot: string }, context: ProductionContext) => lotOfKind(context, reference.lot, 'material'),
    material: (lot: LotRow) => lot.description ?? '',
    supplier: (lot: LotRow) => organizationReference(lot.maker),
  },
  LotUse: {
    kind: (use: LotUseRow) => lotKindNames[use.kind],
  },
  ProductionItem: {
    __resolveType: (item: ProductRow | LotRow) => ('serial' in item ? 'Product' : item.kind === 'batch' ? 'Batch' : 'MaterialLot'),
  },
  ProcessStep: {
    __resolveReference: (reference: { id: string }, context: ProductionContext) => context.steps.load(reference.id),
    station: (step: StepRow) => ({ did: step.station }),
    subject: (step: StepRow, _: unknown, context: ProductionContext) => subjectItem(context, step.subject),
    producer: (step: StepRow) => ({ id: step.producer }),
    recordedAt: (step: StepRow) => step.recordedAtMs,
    signedBy: (step: StepRow) => step.signedBy.toUpperCase(),
    parameters: (step: StepRow, _: unknown, context: ProductionContext): unknown => {
      requireMakerRead(context, step.producer, 'a process step\'s parameters');
      return JSON.parse(step.parametersJson) as unknown;
    },
    operator: (step: StepRow, _: unknown, context: ProductionContext) => {
      requireMakerRead(context, step.producer, 'a process step\'s operator');
      return step.operator;
    },
    consumed: (step: StepRow, _: unknown, context: ProductionContext) => stepConsumption(context.driver, step.id),
    provenance: (step: StepRow, _: unknown, context: ProductionContext) => provenanceReferences(context.provenance.step, step.id),
  },
  QualityCheck: {
    __resolveReference: (reference: { id: string }, context: ProductionContext) => context.checks.load(reference.id),
    subject: (check: CheckRow, _: unknown, context: ProductionContext) => subjectItem(context, check.subject),
    result: (check: CheckRow) => check.result.toUpperCase(),
    producer: (check: CheckRow) => ({ id: check.producer }),
    recordedAt: (check: CheckRow) => check.recordedAtMs,
    measurements: (check: CheckRow, _: unknown, context: ProductionContext): unknown => {
      requireMakerRead(context, check.producer, 'a quality check\'s measurements');
      return JSON.parse(check.measurementsJson) as unknown;
    },
    inspector: (check: CheckRow, _: unknown, context: ProductionContext) => {
      requireMakerRead(context, check.producer, 'a quality check\'s inspector');
      return check.inspector;
    },
    provenance: (check: CheckRow, _: unknown, context: ProductionContext) => provenanceReferences(context.provenance.check, check.id),
  },
};

/** The production subgraph's executable schema: its own SDL parts, the trace part included. */
export function productionSchema(): GraphQLSchema {
  // The trace part's Query resolvers are merged into `resolvers.Query`; its other types join as they are.
  const { Query: _traceQueries, ...traceTypes } = traceResolvers;
  return buildSubgraphSchema([{ typeDefs: parse(subgraphSdl('production')), resolvers: { ...traceTypes, ...resolvers } }]);
}
