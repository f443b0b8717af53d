/**
 * The supply subgraph's mutations. Each one: checks its input (BAD_USER_INPUT before anything is
 * signed) and the caller against the graph (partners and admins act for their own organisation; an
 * order, shipment or work order the graph does not hold is NOT_FOUND, a call the caller's organisation
 * has no part in FORBIDDEN), signs the transaction with the organisation's custodial key, submits it
 * through the commands queue and waits for the receipt and the projection (subgraphs/shared/commit.ts).
 * Whose step it is within an order (the seller confirms, the buyer closes), allocations and progress
 * are the contract's to decide: LEDGER_REJECTED with its code. The answer is the receipt with the
 * entity as read after it.
 */
import {
  isLocation,
  orderLinesMax,
  quantityMax,
  shipmentItemsMax,
  shipmentLegsMax,
  SupplyTransactionType,
  workOrdersPerSplitMax,
} from '@twinledger/ledger-core/contracts';
import { receiptAnswer, requireWriter, signAndSubmit, type ReceiptAnswer } from '../shared/commit.js';
import { badUserInput, forbidden, subgraphError, SubgraphErrorCode } from '../shared/errors.js';
import { handoverByOfferTxId, type OrderRow, type ShipmentRow, type WorkOrderRow } from './graph.js';
import type { SupplyContext } from './schema.js';
import { itemIdArgument, organizationIdArgument } from '../shared/arguments.js';

/** The order statuses as the SDL spells them, each with the ledger's spelling. */
export const orderStatusByName: Readonly<Record<string, string>> = {
  CREATED: 'created',
  CONFIRMED: 'confirmed',
  IN_PRODUCTION: 'in_production',
  SHIPPED: 'shipped',
  DELIVERED: 'delivered',
  INVOICED: 'invoiced',
  CLOSED: 'closed',
};

const transactionIdPattern = /^[0-9a-f]{64}$/;

function quantity(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > quantityMax) throw badUserInput(`${what} must be a whole number from 1 to ${quantityMax}`);
  return value;
}

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw badUserInput(`${what} must be a whole number of at least 0`);
  return value;
}

function listOf<T>(values: readonly T[], what: string, max: number): readonly T[] {
  if (values.length === 0 || values.length > max) throw badUserInput(`${what} must list 1 to ${max} entries`);
  return values;
}

function unique(keys: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw badUserInput(`${what} ${key} is listed twice`);
    seen.add(key);
  }
}

async function existingOrder(context: SupplyContext, id: string): Promise<OrderRow> {
  const order = await context.orders.load(id);
  if (order === null) throw subgraphError(SubgraphErrorCode.notFound, `no order has id ${id}`);
  return order;
}

async function existingShipment(context: SupplyContext, id: string): Promise<ShipmentRow> {
  const shipment = await context.shipments.load(id);
  if (shipment === null) throw subgraphError(SubgraphErrorCode.notFound, `no shipment has id ${id}`);
  return shipment;
}

async function existingWorkOrder(context: SupplyContext, id: string): Promise<WorkOrderRow> {
  const workOrder = await context.workOrders.load(id);
  if (workOrder === null) throw subgraphError(SubgraphErrorCode.notFound, `no work order has id ${id}`);
  return workOrder;
}

/** The entity as read after the write: a fresh read, since the request's loader may hold the state before it. */
async function orderAfter(context: SupplyContext, id: string): Promise<OrderRow | null> {
  context.orders.clear(id);
  return context.orders.load(id);
}

async function shipmentAfter(context: SupplyContext, id: string): Promise<ShipmentRow | null> {
  context.shipments.clear(id);
  return context.shipments.load(id);
}

async function workOrderAfter(context: SupplyContext, id: string): Promise<WorkOrderRow | null> {
  context.workOrders.clear(id);
  return context.workOrders.load(id);
}

interface CreateOrderInput {
  readonly id: string;
  readonly seller: string;
  readonly lines: readonly { readonly item: string; readonly quantity: number }[];
}

async function createOrder(context: SupplyContext, input: CreateOrderInput): Promise<{ receipt: ReceiptAnswer; order: OrderRow | null }> {
  const id = itemIdArgument(input.id, 'id');
  const seller = organizationIdArgument(input.seller, 'seller');
  const lines = listOf(input.lines, 'lines', orderLinesMax).map((line) => ({ item: itemIdArgument(line.item, 'a line item'), quantity: quantity(line.quantity, 'a line quantity') }));
  unique(
    lines.map((line) => line.item),
    'item',
  );
  requireWriter(context.identity);
  if (seller === context.identity.organizationId) throw badUserInput(`${seller} cannot order from itself`);
  if ((await context.orders.load(id)) !== null) throw subgraphError(SubgraphErrorCode.conflict, `order ${id} exists already`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.createOrder, { id, seller, lines });
  return { receipt: receiptAnswer(receipt), order: await orderAfter(context, id) };
}

async function advanceOrder(context: SupplyContext, args: { id: string; to: string }): Promise<{ receipt: ReceiptAnswer; order: OrderRow | null }> {
  const id = itemIdArgument(args.id, 'id');
  const to = orderStatusByName[args.to];
  if (to === undefined) throw badUserInput(`to must be one of ${Object.keys(orderStatusByName).join(', ')}`);
  requireWriter(context.identity);
  const order = await existingOrder(context, id);
  const own = context.identity.organizationId;
  if (own !== order.buyer && own !== order.seller) throw forbidden(`order ${id} is moved by its buyer and seller only`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.advanceOrder, { id, to });
  return { receipt: receiptAnswer(receipt), order: await orderAfter(context, id) };
}

interface CreateShipmentInput {
  readonly id: string;
  readonly order: string;
  readonly carrier: string;
  readonly consignee: string;
  readonly items: readonly { readonly serial?: string | null; readonly lot?: string | null; readonly quantity?: number | null }[];
  readonly legs: readonly { readonly from: string; readonly to: string }[];
}

type ShipmentItemPayload = { serial: string } | { lot: string; quantity: number };

function shipmentItem(item: CreateShipmentInput['items'][number]): ShipmentItemPayload {
  const serial = item.serial ?? null;
  const lot = item.lot ?? null;
  const lotQuantity = item.quantity ?? null;
  if (serial !== null && lot === null && lotQuantity === null) return { serial: itemIdArgument(serial, 'an item serial') };
  if (serial === null && lot !== null && lotQuantity !== null) return { lot: itemIdArgument(lot, 'an item lot'), quantity: quantity(lotQuantity, 'a lot quantity') };
  throw badUserInput('each item is a serial, or a lot with a quantity');
}

function shipmentLegs(legs: CreateShipmentInput['legs']): { from: string; to: string }[] {
  const checked = listOf(legs, 'legs', shipmentLegsMax).map((leg) => {
    if (!isLocation(leg.from) || !isLocation(leg.to)) throw badUserInput("a leg's from and to must be locations: 1 to 256 characters without control characters or blanks at either end");
    if (leg.from === leg.to) throw badUserInput(`a leg goes somewhere: ${leg.from} to itself is not a leg`);
    return { from: leg.from, to: leg.to };
  });
  checked.forEach((leg, index) => {
    const previous = checked[index - 1];
    if (previous !== undefined && previous.to !== leg.from) throw badUserInput(`the legs must join: one ends at ${previous.to}, the next starts at ${leg.from}`);
  });
  return checked;
}

async function createShipment(context: SupplyContext, input: CreateShipmentInput): Promise<{ receipt: ReceiptAnswer; shipment: ShipmentRow | null }> {
  const id = itemIdArgument(input.id, 'id');
  const orderId = itemIdArgument(input.order, 'order');
  const carrier = organizationIdArgument(input.carrier, 'carrier');
  const consignee = organizationIdArgument(input.consignee, 'consignee');
  const items = listOf(input.items, 'items', shipmentItemsMax).map(shipmentItem);
  unique(
    items.map((item) => ('serial' in item ? `serial ${item.serial}` : `lot ${item.lot}`)),
    'item',
  );
  const legs = shipmentLegs(input.legs);
  requireWriter(context.identity);
  const order = await existingOrder(context, orderId);
  if (order.seller !== context.identity.organizationId) throw forbidden(`only the seller of order ${orderId} ships against it`);
  if ((await context.shipments.load(id)) !== null) throw subgraphError(SubgraphErrorCode.conflict, `shipment ${id} exists already`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.createShipment, { id, order: orderId, carrier, consignee, items, legs });
  return { receipt: receiptAnswer(receipt), shipment: await shipmentAfter(context, id) };
}

interface OfferHandoverInput {
  readonly shipment: string;
  readonly to: string;
  readonly leg: number;
}

async function offerHandover(context: SupplyContext, input: OfferHandoverInput): Promise<{ receipt: ReceiptAnswer; shipment: ShipmentRow | null }> {
  const shipmentId = itemIdArgument(input.shipment, 'shipment');
  const to = organizationIdArgument(input.to, 'to');
  if (!Number.isSafeInteger(input.leg) || input.leg < 0 || input.leg >= shipmentLegsMax) throw badUserInput(`leg must be a leg index from 0 to ${shipmentLegsMax - 1}`);
  requireWriter(context.identity);
  const shipment = await existingShipment(context, shipmentId);
  if (shipment.custodian !== context.identity.organizationId) throw forbidden(`shipment ${shipmentId} is held by another organisation; only its custodian hands it over`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.offerHandover, { shipment: shipmentId, to, leg: input.leg });
  return { receipt: receiptAnswer(receipt), shipment: await shipmentAfter(context, shipmentId) };
}

async function acceptHandover(context: SupplyContext, args: { shipment: string; offerTxId: string }): Promise<{ receipt: ReceiptAnswer; shipment: ShipmentRow | null }> {
  const shipmentId = itemIdArgument(args.shipment, 'shipment');
  if (!transactionIdPattern.test(args.offerTxId)) throw badUserInput('offerTxId must be a transaction id (64 lowercase hex)');
  requireWriter(context.identity);
  const offer = await handoverByOfferTxId(context.driver, args.offerTxId);
  if (offer === null || offer.shipment !== shipmentId) throw subgraphError(SubgraphErrorCode.notFound, `no handover of shipment ${shipmentId} was offered by transaction ${args.offerTxId}`);
  if (offer.to !== context.identity.organizationId) throw forbidden(`handover ${args.offerTxId} is offered to another organisation`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.acceptHandover, { shipment: shipmentId, offerTxId: args.offerTxId });
  return { receipt: receiptAnswer(receipt), shipment: await shipmentAfter(context, shipmentId) };
}

interface SplitOrderInput {
  readonly order: string;
  readonly workOrders: readonly { readonly id: string; readonly producer: string; readonly quantity: number }[];
}

async function splitOrder(context: SupplyContext, input: SplitOrderInput): Promise<{ receipt: ReceiptAnswer; order: OrderRow | null; workOrders: WorkOrderRow[] }> {
  const orderId = itemIdArgument(input.order, 'order');
  const workOrders = listOf(input.workOrders, 'workOrders', workOrdersPerSplitMax).map((workOrder) => ({
    id: itemIdArgument(workOrder.id, 'a work order id'),
    producer: organizationIdArgument(workOrder.producer, 'a producer'),
    quantity: quantity(workOrder.quantity, 'a work order quantity'),
  }));
  requireWriter(context.identity);
  const order = await existingOrder(context, orderId);
  if (order.seller !== context.identity.organizationId) throw forbidden(`only the seller of order ${orderId} splits it`);
  // Allocating an id twice is the ledger's DOUBLE_ALLOCATION, so the refusal is recorded with its reason.
  const receipt = await signAndSubmit(context, SupplyTransactionType.splitOrder, { order: orderId, workOrders });
  const made = await Promise.all(workOrders.map((workOrder) => workOrderAfter(context, workOrder.id)));
  return { receipt: receiptAnswer(receipt), order: await orderAfter(context, orderId), workOrders: made.filter((row): row is WorkOrderRow => row !== null) };
}

interface ReportProgressInput {
  readonly workOrder: string;
  readonly produced: number;
  readonly delivered: number;
}

async function reportProgress(context: SupplyContext, input: ReportProgressInput): Promise<{ receipt: ReceiptAnswer; workOrder: WorkOrderRow | null }> {
  const workOrderId = itemIdArgument(input.workOrder, 'workOrder');
  const produced = count(input.produced, 'produced');
  const delivered = count(input.delivered, 'delivered');
  if (delivered > produced) throw badUserInput(`delivered (${delivered}) cannot exceed produced (${produced})`);
  requireWriter(context.identity);
  const workOrder = await existingWorkOrder(context, workOrderId);
  if (workOrder.producer !== context.identity.organizationId) throw forbidden(`only the producer of work order ${workOrderId} reports on it`);
  const receipt = await signAndSubmit(context, SupplyTransactionType.reportProgress, { workOrder: workOrderId, produced, delivered });
  context.orders.clear(workOrder.order);
  return { receipt: receiptAnswer(receipt), workOrder: await workOrderAfter(context, workOrderId) };
}

export const supplyMutationResolvers = {
  createOrder: (_: unknown, args: { input: CreateOrderInput }, context: SupplyContext) => createOrder(context, args.input),
  advanceOrder: (_: unknown, args: { id: string; to: string }, context: SupplyContext) => advanceOrder(context, args),
  createShipment: (_: unknown, args: { input: CreateShipmentInput }, context: SupplyContext) => createShipment(context, args.input),
  offerHandover: (_: unknown, args: { input: OfferHandoverInput }, context: SupplyContext) => offerHandover(context, args.input),
  acceptHandover: (_: unknown, args: { shipment: string; offerTxId: string }, context: SupplyContext) => acceptHandover(context, args),
  splitOrder: (_: unknown, args: { input: SplitOrderInput }, context: SupplyContext) => splitOrder(context, args.input),
  reportProgress: (_: unknown, args: { input: ReportProgressInput }, context: SupplyContext) => reportProgress(context, args.input),
};
