/**
 * The supply subgraph's resolvers over the projected graph: orders, shipments and work orders, each
 * read by one Cypher statement batched through per-request DataLoaders, with the recycling part
 * (recycling.ts) merged in. Visibility is decided here, once per entity: an order is read by its parties
 * (`Order.parties`: buyer, seller, carriers and consignees of its shipments, producers of its work
 * orders), a shipment also by every organisation that held it, a work order by its producer and its
 * order's parties; the analyst and regulator roles read across organisations; anyone else gets
 * FORBIDDEN. Provenance answers `{ txId }` references the ledger subgraph resolves with their proofs.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { subgraphSdl } from '@twinledger/graph-schema';
import type { Identity } from '@twinledger/gateway';
import DataLoader from 'dataloader';
import { parse, type GraphQLSchema } from 'graphql';
import type { Driver } from 'neo4j-driver';
import type { CommitContext, WritePath } from '../shared/commit.js';
import { badUserInput, forbidden } from '../shared/errors.js';
import { decodeCursor, pageOf, pageSize, type Page } from '../shared/pagination.js';
import { bigIntScalar, dateTimeScalar, didScalar, hexScalar } from '../shared/scalars.js';
import type { SubgraphContext } from '../shared/server.js';
import {
  orderProvenance,
  ordersById,
  orderShipments,
  ordersPage,
  orderTransitions,
  orderWorkOrders,
  shipmentHandovers,
  shipmentProvenance,
  shipmentsById,
  workOrderProgress,
  workOrderProvenance,
  workOrdersById,
  type HandoverRow,
  type OrderRow,
  type ProgressRow,
  type ShipmentRow,
  type TouchingTransaction,
  type TransitionRow,
  type WorkOrderRow,
} from './graph.js';
import { orderStatusByName, supplyMutationResolvers } from './mutations.js';
import { recyclingResolvers } from './recycling.js';
import { itemIdArgument } from '../shared/arguments.js';

export const supplySubgraphName = 'supply';

export interface SupplyContext extends SubgraphContext, CommitContext {
  readonly driver: Driver;
  /** Where mutations write; undefined when the subgraph serves reads only. */
  readonly write: WritePath | undefined;
  readonly orders: DataLoader<string, OrderRow | null>;
  readonly shipments: DataLoader<string, ShipmentRow | null>;
  readonly workOrders: DataLoader<string, WorkOrderRow | null>;
  readonly transitions: DataLoader<string, TransitionRow[]>;
  readonly orderShipments: DataLoader<string, ShipmentRow[]>;
  readonly orderWorkOrders: DataLoader<string, WorkOrderRow[]>;
  readonly handovers: DataLoader<string, HandoverRow[]>;
  readonly progress: DataLoader<string, ProgressRow[]>;
  readonly orderProvenance: DataLoader<string, TouchingTransaction[]>;
  readonly shipmentProvenance: DataLoader<string, TouchingTransaction[]>;
  readonly workOrderProvenance: DataLoader<string, TouchingTransaction[]>;
}

/** The per-request context: fresh loaders, so nothing cached outlives one request. */
export function supplyContext(driver: Driver, identity: Identity, write?: WritePath): SupplyContext {
  const batched = <V>(load: (driver: Driver, keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> =>
    new DataLoader((keys: readonly string[]) => load(driver, keys), { maxBatchSize: 100 });
  return {
    identity,
    driver,
    write,
    orders: batched(ordersById),
    shipments: batched(shipmentsById),
    workOrders: batched(workOrdersById),
    transitions: batched(orderTransitions),
    orderShipments: batched(orderShipments),
    orderWorkOrders: batched(orderWorkOrders),
    handovers: batched(shipmentHandovers),
    progress: batched(workOrderProgress),
    orderProvenance: batched(orderProvenance),
    shipmentProvenance: batched(shipmentProvenance),
    workOrderProvenance: batched(workOrderProvenance),
  };
}

const readAcrossRoles: ReadonlySet<string> = new Set(['analyst', 'regulator']);

/** True when `identity` reads across organisations or is one of `parties`. */
export function mayRead(identity: Identity, parties: readonly string[]): boolean {
  return readAcrossRoles.has(identity.role) || parties.includes(identity.organizationId);
}

async function readableOrder(context: SupplyContext, id: string): Promise<OrderRow | null> {
  const order = await context.orders.load(itemIdArgument(id, 'id'));
  if (order === null) return null;
  if (!mayRead(context.identity, order.parties)) throw forbidden(`order ${id} is private to its parties`);
  return order;
}

async function readableShipment(context: SupplyContext, id: string): Promise<ShipmentRow | null> {
  const shipment = await context.shipments.load(itemIdArgument(id, 'id'));
  if (shipment === null) return null;
  if (mayRead(context.identity, shipment.parties)) return shipment;
  const order = await context.orders.load(shipment.order);
  if (order === null || !mayRead(context.identity, order.parties)) throw forbidden(`shipment ${id} is private to its parties and its order's`);
  return shipment;
}

async function readableWorkOrder(context: SupplyContext, id: string): Promise<WorkOrderRow | null> {
  const workOrder = await context.workOrders.load(itemIdArgument(id, 'id'));
  if (workOrder === null) return null;
  if (mayRead(context.identity, [workOrder.producer])) return workOrder;
  const order = await context.orders.load(workOrder.order);
  if (order === null || !mayRead(context.identity, order.parties)) throw forbidden(`work order ${id} is private to its producer and its order's parties`);
  return workOrder;
}

/** The order an entity belongs to, which the graph always holds: its projection comes first. */
async function parentOrder(context: SupplyContext, id: string): Promise<OrderRow> {
  const order = await readableOrder(context, id);
  if (order === null) throw new Error(`the graph names order ${id} but holds no such order`);
  return order;
}

const ledgerStatusNames = new Map(Object.entries(orderStatusByName).map(([name, ledger]) => [ledger, name]));

function orderStatusName(ledger: string): string {
  const name = ledgerStatusNames.get(ledger);
  if (name === undefined) throw new Error(`the graph holds an order status the schema does not know: ${ledger}`);
  return name;
}

async function ordersConnection(context: SupplyContext, args: { first?: number | null; after?: string | null; status?: string | null }): Promise<Page<OrderRow>> {
  const size = pageSize(args.first);
  const after = args.after === undefined || args.after === null ? null : String(decodeCursor(args.after, ['s'])[0]);
  const status = args.status === undefined || args.status === null ? null : (orderStatusByName[args.status] ?? null);
  const party = readAcrossRoles.has(context.identity.role) ? null : context.identity.organizationId;
  const rows = await ordersPage(context.driver, party, status, after, size + 1);
  for (const row of rows) context.orders.prime(row.id, row);
  return pageOf(rows, size, (row) => [row.id]);
}

const organization = (id: string) => ({ id });
const references = (entries: readonly TouchingTransaction[]) => entries.map((entry) => ({ txId: entry.txId }));

const supplyResolvers = {
  Query: {
    order: (_: unknown, args: { id: string }, context: SupplyContext) => readableOrder(context, args.id),
    shipment: (_: unknown, args: { id: string }, context: SupplyContext) => readableShipment(context, args.id),
    workOrder: (_: unknown, args: { id: string }, context: SupplyContext) => readableWorkOrder(context, args.id),
    orders: (_: unknown, args: { first?: number | null; after?: string | null; status?: string | null }, context: SupplyContext) => ordersConnection(context, args),
  },
  Mutation: supplyMutationResolvers,
  Order: {
    buyer: (order: OrderRow) => organization(order.buyer),
    seller: (order: OrderRow) => organization(order.seller),
    status: (order: OrderRow) => orderStatusName(order.status),
    createdAt: (order: OrderRow) => order.createdAtMs,
    transitions: (order: OrderRow, _: unknown, context: SupplyContext) => context.transitions.load(order.id),
    shipments: (order: OrderRow, _: unknown, context: SupplyContext) => context.orderShipments.load(order.id),
    workOrders: (order: OrderRow, _: unknown, context: SupplyContext) => context.orderWorkOrders.load(order.id),
    provenance: async (order: OrderRow, _: unknown, context: SupplyContext) => references(await context.orderProvenance.load(order.id)),
  },
  OrderTransition: {
    from: (step: TransitionRow) => orderStatusName(step.from),
    to: (step: TransitionRow) => orderStatusName(step.to),
    by: (step: TransitionRow) => organization(step.by),
    at: (step: TransitionRow) => step.atMs,
  },
  Shipment: {
    order: (shipment: ShipmentRow, _: unknown, context: SupplyContext) => parentOrder(context, shipment.order),
    shipper: (shipment: ShipmentRow) => organization(shipment.shipper),
    carrier: (shipment: ShipmentRow) => organization(shipment.carrier),
    consignee: (shipment: ShipmentRow) => organization(shipment.consignee),
    custodian: (shipment: ShipmentRow) => organization(shipment.custodian),
    status: (shipment: ShipmentRow) => shipment.status.toUpperCase(),
    products: (shipment: ShipmentRow) => shipment.items.flatMap((item) => (item.serial === null ? [] : [{ serial: item.serial }])),
    handovers: (shipment: ShipmentRow, _: unknown, context: SupplyContext) => context.handovers.load(shipment.id),
    openHandover: async (shipment: ShipmentRow, _: unknown, context: SupplyContext): Promise<HandoverRow | null> => {
      if (shipment.openOfferTxId === null) return null;
      const handovers = await context.handovers.load(shipment.id);
      return handovers.find((handover) => handover.offerTxId === shipment.openOfferTxId) ?? null;
    },
    provenance: async (shipment: ShipmentRow, _: unknown, context: SupplyContext) => references(await context.shipmentProvenance.load(shipment.id)),
  },
  CustodyHandover: {
    from: (handover: HandoverRow) => organization(handover.from),
    to: (handover: HandoverRow) => organization(handover.to),
    status: (handover: HandoverRow) => handover.status.toUpperCase(),
    offeredAt: (handover: HandoverRow) => handover.offeredAtMs,
    acceptedAt: (handover: HandoverRow) => handover.acceptedAtMs,
  },
  WorkOrder: {
    order: (workOrder: WorkOrderRow, _: unknown, context: SupplyContext) => parentOrder(context, workOrder.order),
    producer: (workOrder: WorkOrderRow) => organization(workOrder.producer),
    progress: (workOrder: WorkOrderRow, _: unknown, context: SupplyContext) => context.progress.load(workOrder.id),
    provenance: async (workOrder: WorkOrderRow, _: unknown, context: SupplyContext) => references(await context.workOrderProvenance.load(workOrder.id)),
  },
  ProgressReport: {
    at: (report: ProgressRow) => report.atMs,
  },
};

/** The supply resolvers with the recycling part's merged in: its Query and Mutation fields beside ours, its types added. */
export function mergedResolvers(): Record<string, unknown> {
  const { Query: recyclingQuery, Mutation: recyclingMutation, ...recyclingTypes } = recyclingResolvers;
  const clashes = [
    ...Object.keys(recyclingQuery).filter((field) => field in supplyResolvers.Query),
    ...Object.keys(recyclingMutation).filter((field) => field in supplyResolvers.Mutation),
    ...Object.keys(recyclingTypes).filter((type) => type in supplyResolvers),
  ];
  if (clashes.length > 0) throw new Error(`the supply and recycling resolvers both define ${clashes.join(', ')}`);
  return {
    DID: didScalar,
    Hex: hexScalar,
    BigInt: bigIntScalar,
    DateTime: dateTimeScalar,
    ...recyclingTypes,
    ...supplyResolvers,
    Query: { ...supplyResolvers.Query, ...recyclingQuery },
    Mutation: { ...supplyResolvers.Mutation, ...recyclingMutation },
  };
}

/** The supply subgraph's executable schema. */
export function supplySchema(): GraphQLSchema {
  // The resolver map's values are resolver objects and scalars; buildSubgraphSchema types them loosely.
  return buildSubgraphSchema([{ typeDefs: parse(subgraphSdl('supply')), resolvers: mergedResolvers() as never }]);
}
