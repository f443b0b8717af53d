/**
 * Supply events (ledger-core/contracts/supply.ts) as graph writes, in the shared model of
 * docs/traceability.md: `(:Order {id})` with its status and totals, `-[:BUYER]->` and `-[:SELLER]->`
 * its parties; `(:Shipment {id})-[:FOR_ORDER]->(:Order)`, `-[:CARRIES]->` each `(:Product {serial})`
 * or `(:Lot {lot})` it carries (merged: production or EPCIS may write them before or after),
 * `-[:SHIPPED_FROM]->` the shipper, `-[:CONSIGNED_TO]->` the consignee, `-[:CARRIED_BY]->` the carrier
 * and `-[:IN_CUSTODY_OF]->` whoever holds it now, moved by each accepted handover together with its
 * `location` (the handover leg's destination) and `status`; `(:WorkOrder {id})-[:PART_OF]->(:Order)`
 * and `-[:PRODUCED_BY]->` its producer.
 *
 * Every transaction leaves something stamped with it, which is what provenance lists: a lifecycle step
 * is an `(:Order)-[:ADVANCED_BY {from, to}]->(:Organization)` relationship, a handover offer a
 * `(:CustodyHandover {id: offerTxId})` node (its acceptance stamped on it as `acceptedTxId`), a
 * progress report a `(:WorkOrder)-[:PROGRESS_REPORTED {produced, delivered}]->(:Organization)`.
 * Orders and shipments keep `parties`, the organisations that may read them, so a visibility check is
 * one property read.
 */
import { canonicalize } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { nullableStringField, ownTransactionField, replacedOfferStatements } from './shared.js';
import {
  badField,
  countField,
  relationshipStamp,
  stampNode,
  stampParameters,
  stampReferencedNode,
  stringField,
  type CypherStatement,
  type HandlerTable,
  type ProjectionContext,
} from './types.js';

type Fields = { readonly [key: string]: unknown };

/** `event[field]` as a non-empty list of objects, each read by `read`; throws ProjectionError otherwise. */
function objectsField<T>(event: LedgerEvent, field: string, read: (fields: Fields) => T | undefined, expected: string): T[] {
  const value = event[field];
  if (!Array.isArray(value) || value.length === 0) throw badField(event, field, `a non-empty list of ${expected}`);
  return value.map((entry: unknown) => {
    const parsed = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? read(entry as Fields) : undefined;
    if (parsed === undefined) throw badField(event, field, `a non-empty list of ${expected}`);
    return parsed;
  });
}

/** Cypher for the list `current` with each of `added` appended unless it is in the list already. */
function withParties(current: string, added: string): string {
  return `reduce(parties = coalesce(${current}, []), party IN ${added} | CASE WHEN party IN parties THEN parties ELSE parties + party END)`;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function orderCreated(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const lines = objectsField(event, 'lines', (line) => (isText(line['item']) && isCount(line['quantity']) ? { item: line['item'], quantity: line['quantity'] } : undefined), '{item, quantity}');
  const buyer = stringField(event, 'buyer');
  const seller = stringField(event, 'seller');
  return [
    {
      text: `MERGE (o:Order {id: $id})
${stampNode('o')}, o.buyer = $buyer, o.seller = $seller, o.status = $status, o.items = $items, o.quantities = $quantities,
  o.linesJson = $linesJson, o.quantity = $quantity, o.allocated = 0, o.produced = 0, o.delivered = 0,
  o.parties = ${withParties('[]', '[$buyer, $seller]')}, o.createdAtMs = $ledgerTimeMs, o.delegationId = $delegationId
MERGE (b:Organization {id: $buyer})
${stampReferencedNode('b')}
MERGE (s:Organization {id: $seller})
${stampReferencedNode('s')}
CREATE (o)-[:BUYER ${relationshipStamp}]->(b)
CREATE (o)-[:SELLER ${relationshipStamp}]->(s)`,
      parameters: {
        ...stampParameters(context),
        id: stringField(event, 'id'),
        buyer,
        seller,
        status: stringField(event, 'status'),
        items: lines.map((line) => line.item),
        quantities: lines.map((line) => line.quantity),
        linesJson: canonicalize(lines),
        quantity: countField(event, 'quantity'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function orderAdvanced(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (o:Order {id: $id})
${stampNode('o')}, o.status = $to
MERGE (by:Organization {id: $by})
${stampReferencedNode('by')}
CREATE (o)-[:ADVANCED_BY {txId: $txId, height: $height, from: $from, to: $to, atMs: $ledgerTimeMs, delegationId: $delegationId}]->(by)`,
      parameters: {
        ...stampParameters(context),
        id: stringField(event, 'id'),
        from: stringField(event, 'from'),
        to: stringField(event, 'to'),
        by: stringField(event, 'by'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function shipmentCreated(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const items = objectsField<{ serial: string } | { lot: string; quantity: number }>(
    event,
    'items',
    (item) => (isText(item['serial']) ? { serial: item['serial'] } : isText(item['lot']) && isCount(item['quantity']) ? { lot: item['lot'], quantity: item['quantity'] } : undefined),
    '{serial} or {lot, quantity}',
  );
  const legs = objectsField(event, 'legs', (leg) => (isText(leg['from']) && isText(leg['to']) ? { from: leg['from'], to: leg['to'] } : undefined), '{from, to}');
  const serials = items.flatMap((item) => ('serial' in item ? [item.serial] : []));
  const lots = items.flatMap((item) => ('lot' in item ? [{ lot: item.lot, quantity: item.quantity }] : []));
  const parameters = {
    ...stampParameters(context),
    id: stringField(event, 'id'),
    order: stringField(event, 'order'),
    buyer: stringField(event, 'buyer'),
    shipper: stringField(event, 'shipper'),
    carrier: stringField(event, 'carrier'),
    consignee: stringField(event, 'consignee'),
    origin: stringField(event, 'origin'),
    legFrom: legs.map((leg) => leg.from),
    legTo: legs.map((leg) => leg.to),
    itemsJson: canonicalize(items),
    serials,
    lots,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  return [
    {
      text: `MERGE (s:Shipment {id: $id})
${stampNode('s')}, s.order = $order, s.buyer = $buyer, s.shipper = $shipper, s.carrier = $carrier, s.consignee = $consignee,
  s.custodian = $shipper, s.status = 'created', s.location = $origin, s.legFrom = $legFrom, s.legTo = $legTo, s.legsDone = 0,
  s.itemsJson = $itemsJson, s.serials = $serials, s.lots = [lot IN $lots | lot.lot], s.openOfferTxId = null,
  s.parties = ${withParties('[]', '[$buyer, $shipper, $carrier, $consignee]')}, s.createdAtMs = $ledgerTimeMs,
  s.delegationId = $delegationId
MERGE (o:Order {id: $order})
${stampReferencedNode('o')}
SET o.parties = ${withParties('o.parties', '[$carrier, $consignee]')}
CREATE (s)-[:FOR_ORDER ${relationshipStamp}]->(o)
MERGE (shipper:Organization {id: $shipper})
${stampReferencedNode('shipper')}
MERGE (carrier:Organization {id: $carrier})
${stampReferencedNode('carrier')}
MERGE (consignee:Organization {id: $consignee})
${stampReferencedNode('consignee')}
CREATE (s)-[:SHIPPED_FROM ${relationshipStamp}]->(shipper)
CREATE (s)-[:CARRIED_BY ${relationshipStamp}]->(carrier)
CREATE (s)-[:CONSIGNED_TO ${relationshipStamp}]->(consignee)
CREATE (s)-[:IN_CUSTODY_OF {txId: $txId, height: $height, sinceMs: $ledgerTimeMs}]->(shipper)`,
      parameters,
    },
    {
      // Items are merged by their own keys: the shipment may name a product or lot no block has made yet.
      text: `MATCH (s:Shipment {id: $id})
CALL {
  WITH s
  UNWIND $serials AS serial
  MERGE (p:Product {serial: serial})
  ${stampReferencedNode('p')}
  CREATE (s)-[:CARRIES ${relationshipStamp}]->(p)
}
CALL {
  WITH s
  UNWIND $lots AS entry
  MERGE (l:Lot {lot: entry.lot})
  ${stampReferencedNode('l')}
  CREATE (s)-[:CARRIES {txId: $txId, height: $height, quantity: entry.quantity}]->(l)
}`,
      parameters: { ...stampParameters(context), id: parameters.id, serials, lots },
    },
  ];
}

function handoverOffered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const offerTxId = ownTransactionField(event, 'offerTxId', context);
  const replacesOfferTxId = nullableStringField(event, 'replacesOfferTxId');
  const shipment = stringField(event, 'shipment');
  const statements = replacedOfferStatements('CustodyHandover', replacesOfferTxId, context);
  statements.push({
    text: `MERGE (s:Shipment {id: $shipment})
${stampNode('s')}, s.openOfferTxId = $offerTxId
MERGE (h:CustodyHandover {id: $offerTxId})
${stampNode('h')}, h.shipment = $shipment, h.from = $from, h.to = $to, h.leg = $leg, h.location = $location, h.status = 'open',
  h.offeredAtMs = $ledgerTimeMs, h.delegationId = $delegationId
MERGE (receiver:Organization {id: $to})
${stampReferencedNode('receiver')}
CREATE (s)-[:HAS_HANDOVER ${relationshipStamp}]->(h)
CREATE (h)-[:OFFERED_TO ${relationshipStamp}]->(receiver)`,
    parameters: {
      ...stampParameters(context),
      shipment,
      offerTxId,
      from: stringField(event, 'from'),
      to: stringField(event, 'to'),
      leg: countField(event, 'leg'),
      location: stringField(event, 'location'),
      delegationId: nullableStringField(event, 'delegationId'),
    },
  });
  return statements;
}

const shipmentStatuses: ReadonlySet<string> = new Set(['in_transit', 'delivered']);

function handoverAccepted(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const status = stringField(event, 'status');
  if (!shipmentStatuses.has(status)) throw badField(event, 'status', 'in_transit or delivered');
  const parameters = {
    ...stampParameters(context),
    shipment: stringField(event, 'shipment'),
    offerTxId: stringField(event, 'offerTxId'),
    from: stringField(event, 'from'),
    to: stringField(event, 'to'),
    legsDone: countField(event, 'leg') + 1,
    location: stringField(event, 'location'),
    status,
    delegationId: nullableStringField(event, 'delegationId'),
  };
  return [
    {
      // Custody is one relationship at a time, replaced here; its history is the accepted handovers.
      text: `MERGE (s:Shipment {id: $shipment})
${stampNode('s')}, s.custodian = $to, s.location = $location, s.status = $status, s.legsDone = $legsDone, s.openOfferTxId = null,
  s.parties = ${withParties('s.parties', '[$to]')}
WITH s
OPTIONAL MATCH (s)-[custody:IN_CUSTODY_OF]->(:Organization)
DELETE custody
WITH DISTINCT s
MERGE (h:CustodyHandover {id: $offerTxId})
${stampNode('h')}, h.status = 'accepted', h.acceptedTxId = $txId, h.acceptedHeight = $height, h.acceptedAtMs = $ledgerTimeMs,
  h.acceptDelegationId = $delegationId
MERGE (holder:Organization {id: $to})
${stampReferencedNode('holder')}
CREATE (s)-[:IN_CUSTODY_OF {txId: $txId, height: $height, sinceMs: $ledgerTimeMs}]->(holder)`,
      parameters,
    },
  ];
}

function orderSplit(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const workOrders = objectsField(
    event,
    'workOrders',
    (workOrder) =>
      isText(workOrder['id']) && isText(workOrder['producer']) && isCount(workOrder['quantity'])
        ? { id: workOrder['id'], producer: workOrder['producer'], quantity: workOrder['quantity'] }
        : undefined,
    '{id, producer, quantity}',
  );
  return [
    {
      text: `MERGE (o:Order {id: $order})
${stampNode('o')}, o.allocated = $allocated,
  o.parties = ${withParties('o.parties', '$producers')}
WITH o
UNWIND $workOrders AS entry
MERGE (w:WorkOrder {id: entry.id})
${stampNode('w')}, w.order = $order, w.producer = entry.producer, w.quantity = entry.quantity, w.produced = 0, w.delivered = 0,
  w.createdAtMs = $ledgerTimeMs, w.delegationId = $delegationId
MERGE (producer:Organization {id: entry.producer})
${stampReferencedNode('producer')}
CREATE (w)-[:PART_OF ${relationshipStamp}]->(o)
CREATE (w)-[:PRODUCED_BY ${relationshipStamp}]->(producer)`,
      parameters: {
        ...stampParameters(context),
        order: stringField(event, 'order'),
        allocated: countField(event, 'allocated'),
        producers: workOrders.map((workOrder) => workOrder.producer),
        workOrders,
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function workProgressReported(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const produced = countField(event, 'produced');
  const delivered = countField(event, 'delivered');
  if (delivered > produced) throw badField(event, 'delivered', 'at most produced');
  return [
    {
      text: `MERGE (w:WorkOrder {id: $workOrder})
${stampNode('w')}, w.produced = $produced, w.delivered = $delivered
MERGE (o:Order {id: $order})
${stampNode('o')}, o.produced = $orderProduced, o.delivered = $orderDelivered
MERGE (producer:Organization {id: $producer})
${stampReferencedNode('producer')}
CREATE (w)-[:PROGRESS_REPORTED {txId: $txId, height: $height, produced: $produced, delivered: $delivered, atMs: $ledgerTimeMs, delegationId: $delegationId}]->(producer)`,
      parameters: {
        ...stampParameters(context),
        workOrder: stringField(event, 'workOrder'),
        order: stringField(event, 'order'),
        producer: stringField(event, 'producer'),
        produced,
        delivered,
        orderProduced: countField(event, 'orderProduced'),
        orderDelivered: countField(event, 'orderDelivered'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

export const supplyHandlers: HandlerTable = {
  OrderCreated: orderCreated,
  OrderAdvanced: orderAdvanced,
  ShipmentCreated: shipmentCreated,
  HandoverOffered: handoverOffered,
  HandoverAccepted: handoverAccepted,
  OrderSplit: orderSplit,
  WorkProgressReported: workProgressReported,
};
