/**
 * EPCIS events (ledger-core/contracts/epcis.ts) as graph writes, in the shared traceability model
 * (docs/traceability.md). A captured event is `(:EpcisEvent {hashId})` holding what event queries
 * filter on (type, event time, record time = the block's ledger time, step, disposition, places,
 * action, the EPCs and classes it names, who captured it) and `json`, the canonical JSON of the event
 * as captured. Every item it names is MERGEd by its own key, an instance-level EPC as
 * `(:Product {serial})` and a class-level id as `(:Lot {lot})`, so EPCIS and the production API share
 * nodes, and the event points at each by `[:OBSERVED]`. A TransformationEvent makes every output
 * `[:MADE_FROM]` every input, the relationship traces walk; an AggregationEvent with action ADD makes
 * `(parent)-[:CONTAINS]->(child)`, and one with DELETE ends those containments (marked with the
 * ending transaction, never removed, so the history stays provable).
 *
 * EPC lookups go through the items' key indexes and `[:OBSERVED]` rather than the `epcs` list, which
 * no Neo4j index serves: `MATCH (:Product {serial: $epc})<-[:OBSERVED]-(e:EpcisEvent)`.
 */
import { canonicalize } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { nullableStringField } from './shared.js';
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

const epcisEventTypes = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'];

/** `event[field]` as a list of non-empty strings (possibly empty); throws ProjectionError otherwise. */
function idsField(event: LedgerEvent, field: string): string[] {
  const value = event[field];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.length > 0)) throw badField(event, field, 'a list of non-empty strings');
  return [...(value as readonly string[])];
}

// Matches the products and lots of two parameter lists as `n`, one row each: both were merged by the
// event's OBSERVED statement earlier in the same transaction.
function itemsOf(serials: string, lots: string): string {
  return `CALL {
  UNWIND ${serials} AS serial
  MATCH (n:Product {serial: serial})
  RETURN n
  UNION
  UNWIND ${lots} AS lot
  MATCH (n:Lot {lot: lot})
  RETURN n
}`;
}

function captured(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const eventType = stringField(event, 'eventType');
  if (!epcisEventTypes.includes(eventType)) throw badField(event, 'eventType', 'an EPCIS 2.0 event type');
  if (!('event' in event) || event['event'] === null || typeof event['event'] !== 'object' || Array.isArray(event['event'])) {
    throw badField(event, 'event', 'the captured event object');
  }
  const hashId = stringField(event, 'hashId');
  const action = nullableStringField(event, 'action');
  const epcs = idsField(event, 'epcs');
  const epcClasses = idsField(event, 'epcClasses');
  const statements: CypherStatement[] = [
    {
      text: `MERGE (e:EpcisEvent {hashId: $hashId})
${stampNode('e')}, e.eventType = $eventType, e.eventTimeMs = $eventTimeMs, e.eventTime = $eventTime, e.eventTimeZoneOffset = $eventTimeZoneOffset,
  e.recordTimeMs = $ledgerTimeMs, e.bizStep = $bizStep, e.disposition = $disposition, e.bizLocation = $bizLocation, e.readPoint = $readPoint,
  e.action = $action, e.epcs = $epcs, e.epcClasses = $epcClasses, e.parentId = $parentId, e.capturedBy = $capturedBy,
  e.delegationId = $delegationId, e.json = $json
WITH e
CALL {
  WITH e
  UNWIND $epcs AS serial
  MERGE (p:Product {serial: serial})
  ${stampReferencedNode('p')}
  CREATE (e)-[:OBSERVED ${relationshipStamp}]->(p)
}
CALL {
  WITH e
  UNWIND $epcClasses AS lot
  MERGE (l:Lot {lot: lot})
  ${stampReferencedNode('l')}
  CREATE (e)-[:OBSERVED ${relationshipStamp}]->(l)
}`,
      parameters: {
        ...stampParameters(context),
        hashId,
        eventType,
        eventTimeMs: countField(event, 'eventTimeMs'),
        eventTime: stringField(event, 'eventTime'),
        eventTimeZoneOffset: nullableStringField(event, 'eventTimeZoneOffset'),
        bizStep: nullableStringField(event, 'bizStep'),
        disposition: nullableStringField(event, 'disposition'),
        bizLocation: nullableStringField(event, 'bizLocation'),
        readPoint: nullableStringField(event, 'readPoint'),
        action,
        epcs,
        epcClasses,
        parentId: nullableStringField(event, 'parentId'),
        capturedBy: stringField(event, 'capturedBy'),
        delegationId: nullableStringField(event, 'delegationId'),
        json: canonicalize(event['event']),
      },
    },
  ];
  if (eventType === 'TransformationEvent') statements.push(...transformation(event, context));
  if (eventType === 'AggregationEvent') statements.push(...aggregation(event, context, action));
  return statements;
}

function transformation(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const parameters = {
    ...stampParameters(context),
    inputSerials: idsField(event, 'inputEpcs'),
    inputLots: idsField(event, 'inputClasses'),
    outputSerials: idsField(event, 'outputEpcs'),
    outputLots: idsField(event, 'outputClasses'),
  };
  const inputs = parameters.inputSerials.length + parameters.inputLots.length;
  const outputs = parameters.outputSerials.length + parameters.outputLots.length;
  if (inputs === 0 || outputs === 0) return [];
  return [
    {
      // Every output from every input: the event says the outputs came of the inputs as a whole.
      text: `${itemsOf('$outputSerials', '$outputLots')}
WITH collect(n) AS outputs
${itemsOf('$inputSerials', '$inputLots')}
WITH outputs, collect(n) AS inputs
UNWIND outputs AS output
UNWIND inputs AS input
WITH output, input WHERE output <> input
CREATE (output)-[:MADE_FROM ${relationshipStamp}]->(input)`,
      parameters,
    },
  ];
}

function aggregation(event: LedgerEvent, context: ProjectionContext, action: string | null): CypherStatement[] {
  const parentId = nullableStringField(event, 'parentId');
  const childSerials = idsField(event, 'childEpcs');
  const childLots = idsField(event, 'childClasses');
  if (parentId === null || (action !== 'ADD' && action !== 'DELETE')) return [];
  const parameters = { ...stampParameters(context), parentId, childSerials, childLots };
  if (action === 'ADD') {
    if (childSerials.length + childLots.length === 0) return [];
    return [
      {
        text: `MATCH (parent:Product {serial: $parentId})
${itemsOf('$childSerials', '$childLots')}
WITH parent, n WHERE n <> parent
CREATE (parent)-[:CONTAINS ${relationshipStamp}]->(n)`,
        parameters,
      },
    ];
  }
  // A DELETE without children empties the parent (EPCIS 2.0 §7.4.3).
  return [
    {
      text: `MATCH (parent:Product {serial: $parentId})-[c:CONTAINS]->(n)
WHERE c.endedTxId IS NULL AND (size($childSerials) + size($childLots) = 0 OR n.serial IN $childSerials OR n.lot IN $childLots)
SET c.endedTxId = $txId, c.endedHeight = $height`,
      parameters,
    },
  ];
}

export const epcisHandlers: HandlerTable = {
  EpcisEventCaptured: captured,
};
