/**
 * Supply-chain visibility and distributed production (white paper §3.3, §3.4). A buyer orders from a
 * seller (`supply.createOrder`); the order moves through a fixed lifecycle, each step made by the party
 * whose step it is (`supply.advanceOrder`, see `orderTransitions`). The seller ships against the order
 * (`supply.createShipment`) along a route of legs; custody of a shipment passes only with both sides'
 * signatures, an offer by the current custodian (`supply.offerHandover`) and an acceptance by the
 * receiver (`supply.acceptHandover`); the handover to the consignee at the end of the last leg delivers
 * it. An open offer stays until it is accepted or a newer one from the custodian replaces it: custody
 * is physical, so a receiver that never accepts leaves the goods with the custodian, who offers again.
 * The seller splits an order into work orders for several producers (`supply.splitOrder`), never
 * allocating more than the order's quantity nor the same work order id twice; each producer reports
 * cumulative progress (`supply.reportProgress`), never past its allocation and never going back, and
 * the order's produced and delivered totals roll up from its work orders.
 *
 * Every call acts for an organisation: signed by it, or by a delegate with `onBehalfOf` (delegation.ts).
 * Quantities are whole numbers of the line's unit, so every node computes the same totals.
 *
 * State (keys under `supply/`, item ids as `itemKeySegment`):
 *   supply/order/<id>        → OrderRecord
 *   supply/shipment/<id>     → ShipmentRecord, its open handover offer inside it
 *   supply/workOrder/<id>    → WorkOrderRecord
 */
import type { JsonValue } from '../chain/json-value.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, StateView } from './contract.js';
import { effectiveActor, type EffectiveActor } from './delegation.js';
import { isItemId, isOrganizationId, itemKeySegment } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { findOrganization } from './organization.js';
import { accepted, delegablePayloadFields, exactPayloadFields, isTransactionId, ok, refused, rejectionOf, type Checked } from './payload-checks.js';

export const supplyContractName = 'supply';

export const SupplyTransactionType = {
  createOrder: 'supply.createOrder',
  advanceOrder: 'supply.advanceOrder',
  createShipment: 'supply.createShipment',
  offerHandover: 'supply.offerHandover',
  acceptHandover: 'supply.acceptHandover',
  splitOrder: 'supply.splitOrder',
  reportProgress: 'supply.reportProgress',
} as const;

export type SupplyTransactionType = (typeof SupplyTransactionType)[keyof typeof SupplyTransactionType];

const supplyTransactionTypes: readonly string[] = Object.values(SupplyTransactionType);

export const SupplyRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** An organisation named as a party (seller, carrier, consignee, producer, receiver) is not active. */
  orgUnknown: 'ORG_UNKNOWN',
  /** An order with this id exists already. */
  orderExists: 'ORDER_EXISTS',
  /** No order has this id. */
  orderUnknown: 'ORDER_UNKNOWN',
  /** The acting organisation is not the party this call needs (not a party at all, or not the one whose step it is). */
  notParty: 'NOT_PARTY',
  /** The order's lifecycle has no step from its status to the one asked for. */
  illegalTransition: 'ILLEGAL_TRANSITION',
  /** The order's status does not allow this call (shipping before confirmation, splitting a shipped order…). */
  orderState: 'ORDER_STATE',
  /** A shipment with this id exists already. */
  shipmentExists: 'SHIPMENT_EXISTS',
  /** No shipment has this id. */
  shipmentUnknown: 'SHIPMENT_UNKNOWN',
  /** The acting organisation does not hold the shipment now. */
  notCustodian: 'NOT_CUSTODIAN',
  /** The shipment reached its consignee already; custody no longer moves. */
  shipmentDelivered: 'SHIPMENT_DELIVERED',
  /** The handover's leg is behind the shipment, past its route, or does not fit the receiver (the consignee receives at the end of the last leg, only it does). */
  badLeg: 'BAD_LEG',
  /** The shipment's open handover offer is not the one named (none, replaced, or taken). */
  offerUnknown: 'OFFER_UNKNOWN',
  /** The acting organisation is not the one the handover offer is made to. */
  notRecipient: 'NOT_RECIPIENT',
  /** The work orders would allocate more than the order's quantity. */
  overAllocation: 'OVER_ALLOCATION',
  /** A work order id is allocated already, or twice in one split. */
  doubleAllocation: 'DOUBLE_ALLOCATION',
  /** No work order has this id. */
  workOrderUnknown: 'WORK_ORDER_UNKNOWN',
  /** Produced or delivered would pass the work order's allocation. */
  overDelivery: 'OVER_DELIVERY',
  /** Produced or delivered would go down, or neither goes up: progress is cumulative. */
  progressNotForward: 'PROGRESS_NOT_FORWARD',
} as const;

export type SupplyRejectionCode = (typeof SupplyRejectionCode)[keyof typeof SupplyRejectionCode];

/** An order's lifecycle, in order. */
export const orderStatuses = ['created', 'confirmed', 'in_production', 'shipped', 'delivered', 'invoiced', 'closed'] as const;

export type OrderStatus = (typeof orderStatuses)[number];

export type OrderParty = 'buyer' | 'seller';

/**
 * The lifecycle's steps: from a status, the one next status and the party that moves it there. The
 * seller confirms, starts production, ships and invoices; the buyer confirms delivery and closes. Any
 * other (from, to) pair is ILLEGAL_TRANSITION.
 */
export const orderTransitions: readonly { readonly from: OrderStatus; readonly to: OrderStatus; readonly by: OrderParty }[] = [
  { from: 'created', to: 'confirmed', by: 'seller' },
  { from: 'confirmed', to: 'in_production', by: 'seller' },
  { from: 'in_production', to: 'shipped', by: 'seller' },
  { from: 'shipped', to: 'delivered', by: 'buyer' },
  { from: 'delivered', to: 'invoiced', by: 'seller' },
  { from: 'invoiced', to: 'closed', by: 'buyer' },
];

/** Who may move an order from `from` to `to`, or undefined when the lifecycle has no such step. */
export function orderTransition(from: OrderStatus, to: OrderStatus): OrderParty | undefined {
  return orderTransitions.find((step) => step.from === from && step.to === to)?.by;
}

/** Statuses in which the seller ships against an order and splits it into work orders, and producers report. */
const shippingStatuses: ReadonlySet<OrderStatus> = new Set(['confirmed', 'in_production', 'shipped']);
const splittingStatuses: ReadonlySet<OrderStatus> = new Set(['confirmed', 'in_production']);
const workingStatuses: ReadonlySet<OrderStatus> = new Set(['confirmed', 'in_production', 'shipped']);

/** Most lines one order has. */
export const orderLinesMax = 100;
/** Largest quantity of one line, work order or lot in a shipment: totals of up to `orderLinesMax` stay exact. */
export const quantityMax = 1_000_000_000_000;
/** Most items one shipment carries. */
export const shipmentItemsMax = 500;
/** Most legs one shipment's route has. */
export const shipmentLegsMax = 16;
/** Longest location name, in UTF-16 code units. */
export const locationLengthMax = 256;
/** Most work orders one split makes. */
export const workOrdersPerSplitMax = 64;

export type OrderLine = { readonly item: string; readonly quantity: number };

export type OrderRecord = {
  readonly id: string;
  readonly buyer: string;
  readonly seller: string;
  readonly lines: readonly OrderLine[];
  /** The lines' total quantity. */
  readonly quantity: number;
  readonly status: OrderStatus;
  /** Quantity allocated to work orders. */
  readonly allocated: number;
  /** Totals reported by the order's work orders. */
  readonly produced: number;
  readonly delivered: number;
  readonly createdTxId: string;
};

export type ShipmentItem = { readonly serial: string } | { readonly lot: string; readonly quantity: number };
export type ShipmentLeg = { readonly from: string; readonly to: string };

export type HandoverOffer = { readonly offerTxId: string; readonly from: string; readonly to: string; readonly leg: number };

export type ShipmentStatus = 'created' | 'in_transit' | 'delivered';

export type ShipmentRecord = {
  readonly id: string;
  readonly order: string;
  readonly shipper: string;
  readonly carrier: string;
  readonly consignee: string;
  readonly items: readonly ShipmentItem[];
  readonly legs: readonly ShipmentLeg[];
  /** Who holds it now: the shipper until the first handover. */
  readonly custodian: string;
  /** How many legs are behind it: a handover at the end of leg i makes this i + 1. */
  readonly legsDone: number;
  readonly status: ShipmentStatus;
  readonly offer: HandoverOffer | null;
  readonly createdTxId: string;
};

export type WorkOrderRecord = {
  readonly id: string;
  readonly order: string;
  readonly producer: string;
  /** The quantity allocated to it. */
  readonly quantity: number;
  readonly produced: number;
  readonly delivered: number;
  readonly createdTxId: string;
};

/** World-state key of the order with `id`. */
export function orderKey(id: string): string {
  return `${supplyContractName}/order/${itemKeySegment(id)}`;
}

/** World-state key of the shipment with `id`. */
export function shipmentKey(id: string): string {
  return `${supplyContractName}/shipment/${itemKeySegment(id)}`;
}

/** World-state key of the work order with `id`. */
export function workOrderKey(id: string): string {
  return `${supplyContractName}/workOrder/${itemKeySegment(id)}`;
}

type Fields = { readonly [key: string]: JsonValue };

function objectAt(state: StateView, where: string): Fields | undefined {
  const stored = state.get(where);
  if (stored === undefined) return undefined;
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${where} is not an object`);
  return stored as Fields;
}

function isCount(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOrderStatus(value: JsonValue | undefined): value is OrderStatus {
  return typeof value === 'string' && (orderStatuses as readonly string[]).includes(value);
}

/** The order with `id`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findOrder(state: StateView, id: string): OrderRecord | undefined {
  const where = orderKey(id);
  const record = objectAt(state, where);
  if (record === undefined) return undefined;
  const { buyer, seller, lines, quantity, status, allocated, produced, delivered, createdTxId } = record;
  invariant(record['id'] === id, `${where} holds another id`);
  invariant(typeof buyer === 'string' && typeof seller === 'string' && typeof createdTxId === 'string', `${where} lacks a party or its transaction`);
  invariant(isOrderStatus(status), `${where} has status ${String(status)}`);
  invariant(isCount(quantity) && isCount(allocated) && isCount(produced) && isCount(delivered), `${where} quantities are not counts`);
  invariant(allocated <= quantity && delivered <= produced && produced <= allocated, `${where} quantities disagree`);
  invariant(Array.isArray(lines) && lines.length > 0, `${where} has no lines`);
  const parsedLines = (lines as readonly JsonValue[]).map((line) => {
    invariant(line !== null && typeof line === 'object' && !Array.isArray(line), `${where} line is not an object`);
    const { item, quantity: lineQuantity } = line as Fields;
    invariant(typeof item === 'string' && isCount(lineQuantity), `${where} line lacks an item or quantity`);
    return { item, quantity: lineQuantity };
  });
  return { id, buyer, seller, lines: parsedLines, quantity, status, allocated, produced, delivered, createdTxId };
}

function shipmentItemFrom(value: JsonValue, where: string): ShipmentItem {
  invariant(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} item is not an object`);
  const { serial, lot, quantity } = value as Fields;
  if (typeof serial === 'string') return { serial };
  invariant(typeof lot === 'string' && isCount(quantity), `${where} item is neither a serial nor a lot with a quantity`);
  return { lot, quantity };
}

function offerFrom(value: JsonValue | undefined, where: string): HandoverOffer | null {
  if (value === null) return null;
  invariant(value !== undefined && typeof value === 'object' && !Array.isArray(value), `${where} offer is not an object or null`);
  const { offerTxId, from, to, leg } = value as Fields;
  invariant(typeof offerTxId === 'string' && typeof from === 'string' && typeof to === 'string' && isCount(leg), `${where} offer lacks a field`);
  return { offerTxId, from, to, leg };
}

/** The shipment with `id`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findShipment(state: StateView, id: string): ShipmentRecord | undefined {
  const where = shipmentKey(id);
  const record = objectAt(state, where);
  if (record === undefined) return undefined;
  const { order, shipper, carrier, consignee, items, legs, custodian, legsDone, status, offer, createdTxId } = record;
  invariant(record['id'] === id, `${where} holds another id`);
  invariant(
    typeof order === 'string' && typeof shipper === 'string' && typeof carrier === 'string' && typeof consignee === 'string' && typeof custodian === 'string',
    `${where} lacks a party`,
  );
  invariant(typeof createdTxId === 'string', `${where} has no creating transaction`);
  invariant(status === 'created' || status === 'in_transit' || status === 'delivered', `${where} has status ${String(status)}`);
  invariant(Array.isArray(items) && Array.isArray(legs) && legs.length > 0, `${where} lacks items or legs`);
  invariant(isCount(legsDone) && legsDone <= legs.length, `${where} legsDone is outside its route`);
  const parsedLegs = (legs as readonly JsonValue[]).map((leg) => {
    invariant(leg !== null && typeof leg === 'object' && !Array.isArray(leg), `${where} leg is not an object`);
    const { from, to } = leg as Fields;
    invariant(typeof from === 'string' && typeof to === 'string', `${where} leg lacks a location`);
    return { from, to };
  });
  return {
    id,
    order,
    shipper,
    carrier,
    consignee,
    items: (items as readonly JsonValue[]).map((item) => shipmentItemFrom(item, where)),
    legs: parsedLegs,
    custodian,
    legsDone,
    status,
    offer: offerFrom(offer, where),
    createdTxId,
  };
}

/** The work order with `id`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findWorkOrder(state: StateView, id: string): WorkOrderRecord | undefined {
  const where = workOrderKey(id);
  const record = objectAt(state, where);
  if (record === undefined) return undefined;
  const { order, producer, quantity, produced, delivered, createdTxId } = record;
  invariant(record['id'] === id, `${where} holds another id`);
  invariant(typeof order === 'string' && typeof producer === 'string' && typeof createdTxId === 'string', `${where} lacks a field`);
  invariant(isCount(quantity) && isCount(produced) && isCount(delivered) && delivered <= produced && produced <= quantity, `${where} quantities disagree`);
  return { id, order, producer, quantity, produced, delivered, createdTxId };
}

// No control characters and no lone surrogates; locations are shown to people and hashed as JSON.
const controlOrLoneSurrogatePattern = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` names a location: a GLN, an SGLN URI or a site name, 1 to 256 code units, not blank at either end. */
export function isLocation(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= locationLengthMax && value.trim() === value && !controlOrLoneSurrogatePattern.test(value);
}

function isQuantity(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= quantityMax;
}

function refuse<T>(code: keyof typeof SupplyRejectionCode, reason: string): Checked<T> {
  return refused({ code: SupplyRejectionCode[code], reason });
}

function isActiveOrganization(call: ContractCall, state: StateView, id: string): boolean {
  return findOrganization(state, call.context.genesis, id)?.status === 'active';
}

function fieldsOf(call: ContractCall, fields: readonly string[]): Fields | undefined {
  return delegablePayloadFields(call.payload, fields);
}

function shapeReason(type: string, fields: readonly string[]): string {
  return `${type} takes exactly {${fields.join(', ')}} and optionally onBehalfOf`;
}

type Acting = { readonly actor: EffectiveActor };

// createOrder

type CreateOrder = Acting & { readonly id: string; readonly seller: string; readonly lines: readonly OrderLine[]; readonly quantity: number };

const createOrderFields = ['id', 'seller', 'lines'];

function checkCreateOrder(call: ContractCall, state: StateView): Checked<CreateOrder> {
  const fields = fieldsOf(call, createOrderFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, createOrderFields));
  const { id, seller, lines } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be an item id: 1 to 256 printable ASCII characters without spaces');
  if (!isOrganizationId(seller)) return refuse('badPayload', 'seller must be an organisation id');
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > orderLinesMax) return refuse('badPayload', `lines must list 1 to ${orderLinesMax} lines`);
  const parsed: OrderLine[] = [];
  for (const line of lines as readonly JsonValue[]) {
    const lineFields = exactPayloadFields(line, ['item', 'quantity']);
    if (lineFields === undefined) return refuse('badPayload', 'each line is exactly {item, quantity}');
    const { item, quantity } = lineFields;
    if (!isItemId(item)) return refuse('badPayload', 'a line item must be an item id (a model or a GTIN)');
    if (!isQuantity(quantity)) return refuse('badPayload', `a line quantity must be a whole number from 1 to ${quantityMax}`);
    if (parsed.some((earlier) => earlier.item === item)) return refuse('badPayload', `item ${item} is on two lines`);
    parsed.push({ item, quantity });
  }
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (seller === actor.organization.id) return refuse('badPayload', `${seller} cannot order from itself`);
  if (!isActiveOrganization(call, state, seller)) return refuse('orgUnknown', `${seller} is not an active organisation`);
  if (state.get(orderKey(id)) !== undefined) return refuse('orderExists', `order ${id} exists already`);
  return ok({ actor, id, seller, lines: parsed, quantity: parsed.reduce((sum, line) => sum + line.quantity, 0) });
}

function applyCreateOrder(call: ContractCall, { actor, id, seller, lines, quantity }: CreateOrder): ContractEffects {
  const buyer = actor.organization.id;
  const record: OrderRecord = { id, buyer, seller, lines, quantity, status: 'created', allocated: 0, produced: 0, delivered: 0, createdTxId: call.context.txId };
  return {
    writes: [[orderKey(id), record]],
    events: [{ type: 'OrderCreated', id, buyer, seller, lines, quantity, status: 'created', delegationId: actor.delegationId }],
  };
}

// advanceOrder

type AdvanceOrder = Acting & { readonly order: OrderRecord; readonly to: OrderStatus };

const advanceOrderFields = ['id', 'to'];

function checkAdvanceOrder(call: ContractCall, state: StateView): Checked<AdvanceOrder> {
  const fields = fieldsOf(call, advanceOrderFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, advanceOrderFields));
  const { id, to } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be an item id');
  if (!isOrderStatus(to)) return refuse('badPayload', `to must be one of ${orderStatuses.join(', ')}`);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const order = findOrder(state, id);
  if (order === undefined) return refuse('orderUnknown', `no order has id ${id}`);
  const acting = actor.organization.id;
  if (acting !== order.buyer && acting !== order.seller) return refuse('notParty', `${acting} is neither the buyer nor the seller of order ${id}`);
  const party = orderTransition(order.status, to);
  if (party === undefined) return refuse('illegalTransition', `order ${id} cannot go from ${order.status} to ${to}`);
  if (order[party] !== acting) return refuse('notParty', `only the ${party} moves order ${id} from ${order.status} to ${to}`);
  return ok({ actor, order, to });
}

function applyAdvanceOrder({ actor, order, to }: AdvanceOrder): ContractEffects {
  return {
    writes: [[orderKey(order.id), { ...order, status: to }]],
    events: [{ type: 'OrderAdvanced', id: order.id, from: order.status, to, by: actor.organization.id, delegationId: actor.delegationId }],
  };
}

// createShipment

type CreateShipment = Acting & {
  readonly id: string;
  readonly order: OrderRecord;
  readonly carrier: string;
  readonly consignee: string;
  readonly items: readonly ShipmentItem[];
  readonly legs: readonly ShipmentLeg[];
};

const createShipmentFields = ['id', 'order', 'carrier', 'consignee', 'items', 'legs'];

function parseItems(items: JsonValue | undefined): readonly ShipmentItem[] | string {
  if (!Array.isArray(items) || items.length === 0 || items.length > shipmentItemsMax) return `items must list 1 to ${shipmentItemsMax} items`;
  const parsed: ShipmentItem[] = [];
  const seen = new Set<string>();
  for (const item of items as readonly JsonValue[]) {
    const bySerial = exactPayloadFields(item, ['serial']);
    const byLot = exactPayloadFields(item, ['lot', 'quantity']);
    if (bySerial !== undefined) {
      const { serial } = bySerial;
      if (!isItemId(serial)) return 'an item serial must be an item id';
      if (seen.has(`serial ${serial}`)) return `serial ${serial} is listed twice`;
      seen.add(`serial ${serial}`);
      parsed.push({ serial });
    } else if (byLot !== undefined) {
      const { lot, quantity } = byLot;
      if (!isItemId(lot)) return 'an item lot must be an item id';
      if (!isQuantity(quantity)) return `a lot quantity must be a whole number from 1 to ${quantityMax}`;
      if (seen.has(`lot ${lot}`)) return `lot ${lot} is listed twice`;
      seen.add(`lot ${lot}`);
      parsed.push({ lot, quantity });
    } else {
      return 'each item is exactly {serial} or {lot, quantity}';
    }
  }
  return parsed;
}

function parseLegs(legs: JsonValue | undefined): readonly ShipmentLeg[] | string {
  if (!Array.isArray(legs) || legs.length === 0 || legs.length > shipmentLegsMax) return `legs must list 1 to ${shipmentLegsMax} legs`;
  const parsed: ShipmentLeg[] = [];
  for (const leg of legs as readonly JsonValue[]) {
    const legFields = exactPayloadFields(leg, ['from', 'to']);
    if (legFields === undefined) return 'each leg is exactly {from, to}';
    const { from, to } = legFields;
    if (!isLocation(from) || !isLocation(to)) return `a leg's from and to must be locations: 1 to ${locationLengthMax} characters without control characters or blanks at either end`;
    if (from === to) return `a leg goes somewhere: ${from} to itself is not a leg`;
    const previous = parsed[parsed.length - 1];
    if (previous !== undefined && previous.to !== from) return `the legs must join: one ends at ${previous.to}, the next starts at ${from}`;
    parsed.push({ from, to });
  }
  return parsed;
}

function checkCreateShipment(call: ContractCall, state: StateView): Checked<CreateShipment> {
  const fields = fieldsOf(call, createShipmentFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, createShipmentFields));
  const { id, order: orderId, carrier, consignee } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be an item id');
  if (!isItemId(orderId)) return refuse('badPayload', 'order must be an item id');
  if (!isOrganizationId(carrier)) return refuse('badPayload', 'carrier must be an organisation id');
  if (!isOrganizationId(consignee)) return refuse('badPayload', 'consignee must be an organisation id');
  const items = parseItems(fields['items']);
  if (typeof items === 'string') return refuse('badPayload', items);
  const legs = parseLegs(fields['legs']);
  if (typeof legs === 'string') return refuse('badPayload', legs);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const order = findOrder(state, orderId);
  if (order === undefined) return refuse('orderUnknown', `no order has id ${orderId}`);
  if (order.seller !== actor.organization.id) return refuse('notParty', `only the seller of order ${orderId} ships against it`);
  if (!shippingStatuses.has(order.status)) return refuse('orderState', `order ${orderId} is ${order.status}; shipments are made while it is ${[...shippingStatuses].join(', ')}`);
  if (carrier === order.seller || consignee === order.seller) return refuse('badPayload', 'the carrier and the consignee are others than the shipper');
  for (const party of [carrier, consignee]) if (!isActiveOrganization(call, state, party)) return refuse('orgUnknown', `${party} is not an active organisation`);
  if (state.get(shipmentKey(id)) !== undefined) return refuse('shipmentExists', `shipment ${id} exists already`);
  return ok({ actor, id, order, carrier, consignee, items, legs });
}

function applyCreateShipment(call: ContractCall, { actor, id, order, carrier, consignee, items, legs }: CreateShipment): ContractEffects {
  const shipper = actor.organization.id;
  const record: ShipmentRecord = {
    id,
    order: order.id,
    shipper,
    carrier,
    consignee,
    items,
    legs,
    custodian: shipper,
    legsDone: 0,
    status: 'created',
    offer: null,
    createdTxId: call.context.txId,
  };
  return {
    writes: [[shipmentKey(id), record]],
    events: [
      {
        type: 'ShipmentCreated',
        id,
        order: order.id,
        buyer: order.buyer,
        shipper,
        carrier,
        consignee,
        items,
        legs,
        origin: legs[0]?.from ?? '',
        delegationId: actor.delegationId,
      },
    ],
  };
}

// offerHandover / acceptHandover

type OfferHandover = Acting & { readonly shipment: ShipmentRecord; readonly to: string; readonly leg: number };

const offerHandoverFields = ['shipment', 'to', 'leg'];

function checkOfferHandover(call: ContractCall, state: StateView): Checked<OfferHandover> {
  const fields = fieldsOf(call, offerHandoverFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, offerHandoverFields));
  const { shipment: shipmentId, to, leg } = fields;
  if (!isItemId(shipmentId)) return refuse('badPayload', 'shipment must be an item id');
  if (!isOrganizationId(to)) return refuse('badPayload', 'to must be an organisation id');
  if (!isCount(leg) || leg >= shipmentLegsMax) return refuse('badPayload', `leg must be a leg index from 0 to ${shipmentLegsMax - 1}`);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const shipment = findShipment(state, shipmentId);
  if (shipment === undefined) return refuse('shipmentUnknown', `no shipment has id ${shipmentId}`);
  if (shipment.status === 'delivered') return refuse('shipmentDelivered', `shipment ${shipmentId} is delivered to ${shipment.consignee}`);
  if (shipment.custodian !== actor.organization.id) return refuse('notCustodian', `${actor.organization.id} does not hold shipment ${shipmentId}`);
  if (to === shipment.custodian) return refuse('badPayload', `${to} holds shipment ${shipmentId} already`);
  const lastLeg = shipment.legs.length - 1;
  if (leg < shipment.legsDone || leg > lastLeg) {
    return refuse('badLeg', `shipment ${shipmentId} is next handed over at the end of leg ${shipment.legsDone}${shipment.legsDone < lastLeg ? ` or a later one up to ${lastLeg}` : ''}, not leg ${leg}`);
  }
  if (to === shipment.consignee && leg !== lastLeg) return refuse('badLeg', `the consignee receives shipment ${shipmentId} at the end of its last leg (${lastLeg})`);
  if (to !== shipment.consignee && leg === lastLeg) return refuse('badLeg', `at the end of its last leg shipment ${shipmentId} goes to its consignee ${shipment.consignee}`);
  if (!isActiveOrganization(call, state, to)) return refuse('orgUnknown', `${to} is not an active organisation`);
  return ok({ actor, shipment, to, leg });
}

function applyOfferHandover(call: ContractCall, { actor, shipment, to, leg }: OfferHandover): ContractEffects {
  // One open offer per shipment: a new one replaces the previous, whose acceptance then fails OFFER_UNKNOWN.
  const offer: HandoverOffer = { offerTxId: call.context.txId, from: shipment.custodian, to, leg };
  return {
    writes: [[shipmentKey(shipment.id), { ...shipment, offer }]],
    events: [
      {
        type: 'HandoverOffered',
        shipment: shipment.id,
        offerTxId: offer.offerTxId,
        from: offer.from,
        to,
        leg,
        location: shipment.legs[leg]?.to ?? '',
        replacesOfferTxId: shipment.offer?.offerTxId ?? null,
        delegationId: actor.delegationId,
      },
    ],
  };
}

type AcceptHandover = Acting & { readonly shipment: ShipmentRecord; readonly offer: HandoverOffer };

const acceptHandoverFields = ['shipment', 'offerTxId'];

function checkAcceptHandover(call: ContractCall, state: StateView): Checked<AcceptHandover> {
  const fields = fieldsOf(call, acceptHandoverFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, acceptHandoverFields));
  const { shipment: shipmentId, offerTxId } = fields;
  if (!isItemId(shipmentId)) return refuse('badPayload', 'shipment must be an item id');
  if (!isTransactionId(offerTxId)) return refuse('badPayload', 'offerTxId must be a transaction id (64 lowercase hex)');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const shipment = findShipment(state, shipmentId);
  if (shipment === undefined) return refuse('shipmentUnknown', `no shipment has id ${shipmentId}`);
  const offer = shipment.offer;
  if (offer === null || offer.offerTxId !== offerTxId) return refuse('offerUnknown', `${offerTxId} is not the open handover offer for shipment ${shipmentId}`);
  invariant(offer.from === shipment.custodian && shipment.status !== 'delivered', `${shipmentKey(shipmentId)} holds an offer its custodian did not make`);
  if (offer.to !== actor.organization.id) return refuse('notRecipient', `handover ${offerTxId} is offered to ${offer.to}, not ${actor.organization.id}`);
  return ok({ actor, shipment, offer });
}

function applyAcceptHandover({ actor, shipment, offer }: AcceptHandover): ContractEffects {
  const status: ShipmentStatus = offer.to === shipment.consignee ? 'delivered' : 'in_transit';
  const record: ShipmentRecord = { ...shipment, custodian: offer.to, legsDone: offer.leg + 1, status, offer: null };
  return {
    writes: [[shipmentKey(shipment.id), record]],
    events: [
      {
        type: 'HandoverAccepted',
        shipment: shipment.id,
        offerTxId: offer.offerTxId,
        from: offer.from,
        to: offer.to,
        leg: offer.leg,
        location: shipment.legs[offer.leg]?.to ?? '',
        status,
        delegationId: actor.delegationId,
      },
    ],
  };
}

// splitOrder / reportProgress

type WorkOrderAllocation = { readonly id: string; readonly producer: string; readonly quantity: number };
type SplitOrder = Acting & { readonly order: OrderRecord; readonly workOrders: readonly WorkOrderAllocation[]; readonly allocated: number };

const splitOrderFields = ['order', 'workOrders'];

function checkSplitOrder(call: ContractCall, state: StateView): Checked<SplitOrder> {
  const fields = fieldsOf(call, splitOrderFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, splitOrderFields));
  const { order: orderId, workOrders } = fields;
  if (!isItemId(orderId)) return refuse('badPayload', 'order must be an item id');
  if (!Array.isArray(workOrders) || workOrders.length === 0 || workOrders.length > workOrdersPerSplitMax) {
    return refuse('badPayload', `workOrders must list 1 to ${workOrdersPerSplitMax} work orders`);
  }
  const parsed: WorkOrderAllocation[] = [];
  for (const workOrder of workOrders as readonly JsonValue[]) {
    const workFields = exactPayloadFields(workOrder, ['id', 'producer', 'quantity']);
    if (workFields === undefined) return refuse('badPayload', 'each work order is exactly {id, producer, quantity}');
    const { id, producer, quantity } = workFields;
    if (!isItemId(id)) return refuse('badPayload', 'a work order id must be an item id');
    if (!isOrganizationId(producer)) return refuse('badPayload', 'a producer must be an organisation id');
    if (!isQuantity(quantity)) return refuse('badPayload', `a work order quantity must be a whole number from 1 to ${quantityMax}`);
    parsed.push({ id, producer, quantity });
  }
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const order = findOrder(state, orderId);
  if (order === undefined) return refuse('orderUnknown', `no order has id ${orderId}`);
  if (order.seller !== actor.organization.id) return refuse('notParty', `only the seller of order ${orderId} splits it`);
  if (!splittingStatuses.has(order.status)) return refuse('orderState', `order ${orderId} is ${order.status}; it is split while ${[...splittingStatuses].join(', ')}`);
  const ids = new Set<string>();
  for (const { id } of parsed) {
    if (ids.has(id) || state.get(workOrderKey(id)) !== undefined) return refuse('doubleAllocation', `work order ${id} is allocated already`);
    ids.add(id);
  }
  const allocated = parsed.reduce((sum, workOrder) => sum + workOrder.quantity, order.allocated);
  if (allocated > order.quantity) return refuse('overAllocation', `order ${orderId} has ${order.quantity - order.allocated} of ${order.quantity} left to allocate, not ${allocated - order.allocated}`);
  for (const { producer } of parsed) if (!isActiveOrganization(call, state, producer)) return refuse('orgUnknown', `${producer} is not an active organisation`);
  return ok({ actor, order, workOrders: parsed, allocated });
}

function applySplitOrder(call: ContractCall, { actor, order, workOrders, allocated }: SplitOrder): ContractEffects {
  const createdTxId = call.context.txId;
  return {
    writes: [
      [orderKey(order.id), { ...order, allocated }],
      ...workOrders.map(({ id, producer, quantity }): [string, WorkOrderRecord] => [
        workOrderKey(id),
        { id, order: order.id, producer, quantity, produced: 0, delivered: 0, createdTxId },
      ]),
    ],
    events: [{ type: 'OrderSplit', order: order.id, seller: order.seller, workOrders, allocated, delegationId: actor.delegationId }],
  };
}

type ReportProgress = Acting & { readonly workOrder: WorkOrderRecord; readonly order: OrderRecord; readonly produced: number; readonly delivered: number };

const reportProgressFields = ['workOrder', 'produced', 'delivered'];

function checkReportProgress(call: ContractCall, state: StateView): Checked<ReportProgress> {
  const fields = fieldsOf(call, reportProgressFields);
  if (fields === undefined) return refuse('badPayload', shapeReason(call.type, reportProgressFields));
  const { workOrder: workOrderId, produced, delivered } = fields;
  if (!isItemId(workOrderId)) return refuse('badPayload', 'workOrder must be an item id');
  if (!isCount(produced) || !isCount(delivered)) return refuse('badPayload', 'produced and delivered must be whole numbers of at least 0');
  if (delivered > produced) return refuse('badPayload', `delivered (${delivered}) cannot exceed produced (${produced})`);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const workOrder = findWorkOrder(state, workOrderId);
  if (workOrder === undefined) return refuse('workOrderUnknown', `no work order has id ${workOrderId}`);
  if (workOrder.producer !== actor.organization.id) return refuse('notParty', `only the producer ${workOrder.producer} reports on work order ${workOrderId}`);
  const order = findOrder(state, workOrder.order);
  invariant(order !== undefined, `work order ${workOrderId} names order ${workOrder.order}, which does not exist`);
  if (!workingStatuses.has(order.status)) return refuse('orderState', `order ${order.id} is ${order.status}; progress is reported while it is ${[...workingStatuses].join(', ')}`);
  if (produced > workOrder.quantity) return refuse('overDelivery', `work order ${workOrderId} is allocated ${workOrder.quantity}; ${produced} is past it`);
  if (produced < workOrder.produced || delivered < workOrder.delivered) {
    return refuse('progressNotForward', `work order ${workOrderId} stands at ${workOrder.produced} produced, ${workOrder.delivered} delivered; progress is cumulative`);
  }
  if (produced === workOrder.produced && delivered === workOrder.delivered) return refuse('progressNotForward', `work order ${workOrderId} stands at that progress already`);
  return ok({ actor, workOrder, order, produced, delivered });
}

function applyReportProgress({ actor, workOrder, order, produced, delivered }: ReportProgress): ContractEffects {
  const orderProduced = order.produced + produced - workOrder.produced;
  const orderDelivered = order.delivered + delivered - workOrder.delivered;
  return {
    writes: [
      [workOrderKey(workOrder.id), { ...workOrder, produced, delivered }],
      [orderKey(order.id), { ...order, produced: orderProduced, delivered: orderDelivered }],
    ],
    events: [
      {
        type: 'WorkProgressReported',
        workOrder: workOrder.id,
        order: order.id,
        producer: workOrder.producer,
        produced,
        delivered,
        orderProduced,
        orderDelivered,
        delegationId: actor.delegationId,
      },
    ],
  };
}

function transactionType(type: string): SupplyTransactionType {
  invariant(supplyTransactionTypes.includes(type), `supply contract called for ${type}`);
  return type as SupplyTransactionType;
}

export const supplyContract: Contract = {
  name: supplyContractName,
  types: supplyTransactionTypes,

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case SupplyTransactionType.createOrder:
        return rejectionOf(checkCreateOrder(call, state));
      case SupplyTransactionType.advanceOrder:
        return rejectionOf(checkAdvanceOrder(call, state));
      case SupplyTransactionType.createShipment:
        return rejectionOf(checkCreateShipment(call, state));
      case SupplyTransactionType.offerHandover:
        return rejectionOf(checkOfferHandover(call, state));
      case SupplyTransactionType.acceptHandover:
        return rejectionOf(checkAcceptHandover(call, state));
      case SupplyTransactionType.splitOrder:
        return rejectionOf(checkSplitOrder(call, state));
      case SupplyTransactionType.reportProgress:
        return rejectionOf(checkReportProgress(call, state));
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case SupplyTransactionType.createOrder:
        return applyCreateOrder(call, accepted(checkCreateOrder(call, state)));
      case SupplyTransactionType.advanceOrder:
        return applyAdvanceOrder(accepted(checkAdvanceOrder(call, state)));
      case SupplyTransactionType.createShipment:
        return applyCreateShipment(call, accepted(checkCreateShipment(call, state)));
      case SupplyTransactionType.offerHandover:
        return applyOfferHandover(call, accepted(checkOfferHandover(call, state)));
      case SupplyTransactionType.acceptHandover:
        return applyAcceptHandover(accepted(checkAcceptHandover(call, state)));
      case SupplyTransactionType.splitOrder:
        return applySplitOrder(call, accepted(checkSplitOrder(call, state)));
      case SupplyTransactionType.reportProgress:
        return applyReportProgress(accepted(checkReportProgress(call, state)));
      default:
        return unreachable(type);
    }
  },
};
