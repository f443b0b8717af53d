/**
 * Production events (ledger-core/contracts/production.ts) as graph writes, in the shared traceability
 * model (docs/traceability.md): a material lot or batch is `(:Lot {lot})` with the label `:MaterialLot`
 * or `:Batch` added (the Lot is MERGEd first, since EPCIS may have named it already), a material lot
 * points at its supplier by `[:SUPPLIED_BY]`, a batch at the lots it was made from by
 * `[:MADE_FROM {quantity, unit}]`, a product at its batch by `[:OF_BATCH]`; a process step is
 * `(:ProcessStep {id})` that its subject points at by `[:PROCESSED_IN]`, standing at its station
 * `[:AT_STATION]->(:Device)` and `[:CONSUMED {quantity, unit}]` from lots; a quality check is
 * `(:QualityCheck {id})-[:CHECKS]->(subject)`. Nodes hold `supplier` / `producer` organisation ids, and
 * every consumption sets the consumed lot's `remaining` to what the ledger says it has left. Process
 * parameters and measurements are stored as canonical JSON text (Neo4j properties hold no maps).
 */
import { canonicalize, type JsonValue } from '@twinledger/ledger-core/chain';
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

/** One consumption as the events carry it. */
interface ConsumedInput {
  readonly lot: string;
  readonly quantity: number;
  readonly unit: string;
  readonly remaining: number;
}

function quantityField(event: LedgerEvent, field: string): number {
  const value = countField(event, field);
  if (value < 1) throw badField(event, field, 'a whole number of at least 1');
  return value;
}

function inputsField(event: LedgerEvent): ConsumedInput[] {
  const value = event['inputs'];
  if (!Array.isArray(value)) throw badField(event, 'inputs', 'a list of {lot, quantity, unit, remaining}');
  return value.map((entry: JsonValue) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badField(event, 'inputs', 'a list of {lot, quantity, unit, remaining}');
    const { lot, quantity, unit, remaining } = entry as { readonly [name: string]: JsonValue };
    const fits =
      typeof lot === 'string' &&
      lot.length > 0 &&
      typeof unit === 'string' &&
      unit.length > 0 &&
      typeof quantity === 'number' &&
      Number.isSafeInteger(quantity) &&
      quantity >= 1 &&
      typeof remaining === 'number' &&
      Number.isSafeInteger(remaining) &&
      remaining >= 0;
    if (!fits) throw badField(event, 'inputs', 'a list of {lot, quantity, unit, remaining}');
    return { lot, quantity, unit, remaining };
  });
}

function objectJsonField(event: LedgerEvent, field: string): string {
  const value = event[field];
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) throw badField(event, field, 'an object');
  return canonicalize(value);
}

/** The subject's label and key property, from the event's `subjectKind`. */
function subjectMerge(event: LedgerEvent, variable: string): string {
  const kind = stringField(event, 'subjectKind');
  if (kind === 'product') return `MERGE (${variable}:Product {serial: $subject})\n${stampReferencedNode(variable)}`;
  if (kind === 'lot') return `MERGE (${variable}:Lot {lot: $subject})\n${stampReferencedNode(variable)}`;
  throw badField(event, 'subjectKind', '"product" or "lot"');
}

/**
 * The statement that records `inputs` as relationships `relationship` from the node matched by
 * `match` (as `n`) to each consumed lot, setting each lot's `remaining`; none without inputs.
 */
function consumptionStatements(match: string, relationship: 'MADE_FROM' | 'CONSUMED', inputs: readonly ConsumedInput[], parameters: Record<string, string>, context: ProjectionContext): CypherStatement[] {
  if (inputs.length === 0) return [];
  return [
    {
      text: `${match}
UNWIND $inputs AS input
MERGE (i:Lot {lot: input.lot})
${stampNode('i')}, i.remaining = input.remaining
CREATE (n)-[:${relationship} {txId: $txId, height: $height, quantity: input.quantity, unit: input.unit}]->(i)`,
      parameters: { ...stampParameters(context), ...parameters, inputs: inputs.map((input) => ({ ...input })) },
    },
  ];
}

function materialLotRegistered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (l:Lot {lot: $lot})
${stampNode('l')}, l:MaterialLot, l.material = $material, l.quantity = $quantity, l.remaining = $quantity, l.unit = $unit,
  l.supplier = $supplier, l.registeredAtMs = $ledgerTimeMs, l.delegationId = $delegationId
MERGE (o:Organization {id: $supplier})
${stampReferencedNode('o')}
CREATE (l)-[:SUPPLIED_BY ${relationshipStamp}]->(o)`,
      parameters: {
        ...stampParameters(context),
        lot: stringField(event, 'lot'),
        material: stringField(event, 'material'),
        quantity: quantityField(event, 'quantity'),
        unit: stringField(event, 'unit'),
        supplier: stringField(event, 'supplier'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function batchCreated(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const lot = stringField(event, 'lot');
  const inputs = inputsField(event);
  return [
    {
      text: `MERGE (l:Lot {lot: $lot})
${stampNode('l')}, l:Batch, l.model = $model, l.quantity = $quantity, l.remaining = $quantity, l.unit = $unit,
  l.producer = $producer, l.registeredAtMs = $ledgerTimeMs, l.delegationId = $delegationId`,
      parameters: {
        ...stampParameters(context),
        lot,
        model: stringField(event, 'model'),
        quantity: quantityField(event, 'quantity'),
        unit: stringField(event, 'unit'),
        producer: stringField(event, 'producer'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
    ...consumptionStatements('MATCH (n:Lot {lot: $lot})', 'MADE_FROM', inputs, { lot }, context),
  ];
}

function productRegistered(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  return [
    {
      text: `MERGE (p:Product {serial: $serial})
${stampNode('p')}, p.model = $model, p.batch = $batch, p.producer = $producer, p.registeredAtMs = $ledgerTimeMs, p.delegationId = $delegationId
MERGE (b:Lot {lot: $batch})
${stampReferencedNode('b')}
CREATE (p)-[:OF_BATCH ${relationshipStamp}]->(b)`,
      parameters: {
        ...stampParameters(context),
        serial: stringField(event, 'serial'),
        model: stringField(event, 'model'),
        batch: stringField(event, 'batch'),
        producer: stringField(event, 'producer'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

function processStepRecorded(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const id = stringField(event, 'id');
  const signedBy = stringField(event, 'signedBy');
  if (signedBy !== 'organization' && signedBy !== 'device') throw badField(event, 'signedBy', '"organization" or "device"');
  const grantTxId = nullableStringField(event, 'grantTxId');
  if ((signedBy === 'device') !== (grantTxId !== null)) throw badField(event, 'grantTxId', 'the grant a device step rests on, and null for an organisation step');
  const inputs = inputsField(event);
  return [
    {
      text: `MERGE (s:ProcessStep {id: $id})
${stampNode('s')}, s.name = $name, s.parametersJson = $parametersJson, s.operator = $operator, s.producer = $producer,
  s.subjectKind = $subjectKind, s.subject = $subject, s.station = $station, s.signedBy = $signedBy, s.grantTxId = $grantTxId,
  s.delegationId = $delegationId, s.recordedAtMs = $ledgerTimeMs
MERGE (d:Device {did: $station})
${stampReferencedNode('d')}
CREATE (s)-[:AT_STATION ${relationshipStamp}]->(d)
WITH s
${subjectMerge(event, 'x')}
CREATE (x)-[:PROCESSED_IN ${relationshipStamp}]->(s)`,
      parameters: {
        ...stampParameters(context),
        id,
        name: stringField(event, 'name'),
        parametersJson: objectJsonField(event, 'parameters'),
        operator: stringField(event, 'operator'),
        producer: stringField(event, 'producer'),
        subjectKind: stringField(event, 'subjectKind'),
        subject: stringField(event, 'subject'),
        station: stringField(event, 'station'),
        signedBy,
        grantTxId,
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
    ...consumptionStatements('MATCH (n:ProcessStep {id: $id})', 'CONSUMED', inputs, { id }, context),
  ];
}

function qualityCheckRecorded(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const result = stringField(event, 'result');
  if (result !== 'pass' && result !== 'fail') throw badField(event, 'result', '"pass" or "fail"');
  return [
    {
      text: `MERGE (q:QualityCheck {id: $id})
${stampNode('q')}, q.result = $result, q.measurementsJson = $measurementsJson, q.inspector = $inspector, q.producer = $producer,
  q.subjectKind = $subjectKind, q.subject = $subject, q.delegationId = $delegationId, q.recordedAtMs = $ledgerTimeMs
WITH q
${subjectMerge(event, 'x')}
CREATE (q)-[:CHECKS ${relationshipStamp}]->(x)`,
      parameters: {
        ...stampParameters(context),
        id: stringField(event, 'id'),
        result,
        measurementsJson: objectJsonField(event, 'measurements'),
        inspector: stringField(event, 'inspector'),
        producer: stringField(event, 'producer'),
        subjectKind: stringField(event, 'subjectKind'),
        subject: stringField(event, 'subject'),
        delegationId: nullableStringField(event, 'delegationId'),
      },
    },
  ];
}

export const productionHandlers: HandlerTable = {
  MaterialLotRegistered: materialLotRegistered,
  BatchCreated: batchCreated,
  ProductRegistered: productRegistered,
  ProcessStepRecorded: processStepRecorded,
  QualityCheckRecorded: qualityCheckRecorded,
};
