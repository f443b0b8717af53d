/**
 * What queries and traces need from a captured event, read once when it is captured: its type and
 * time, business step and disposition (as CBV Web URIs, so every spelling of a step is one value),
 * where it happened, its action, and the items it names. Instance-level EPCs (`urn:epc:id:…`, Digital
 * Link serials) are products; class-level ids (`epcClass` in quantity lists) are lots. Item ids are
 * kept as captured: docs/traceability.md takes GS1 identifiers as they stand, so an EPC here is the
 * same node as the same EPC recorded by the production API.
 */
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { EpcisEventError, EpcisEventErrorCode } from './errors.js';
import { isEpcisEventType, type EpcisEventType } from './prepare.js';
import { dateTimeMs, hashTimestamp, vocabularyUri } from './values.js';

export interface CapturedEventFacts extends JsonObject {
  readonly eventType: EpcisEventType;
  /** `eventTime` in milliseconds since the Unix epoch (rounded as the hash rounds it). */
  readonly eventTimeMs: number;
  /** `eventTime` in UTC with milliseconds, as the hash writes it. */
  readonly eventTime: string;
  readonly eventTimeZoneOffset: string | null;
  /** CBV Web URI, or the URI given. */
  readonly bizStep: string | null;
  readonly disposition: string | null;
  readonly bizLocation: string | null;
  readonly readPoint: string | null;
  /** ADD, OBSERVE or DELETE; null for a TransformationEvent. */
  readonly action: string | null;
  /** Every instance-level id the event names, once each, in the order first named. */
  readonly epcs: readonly string[];
  /** Every class-level id (quantity lists' `epcClass`), once each. */
  readonly epcClasses: readonly string[];
  /** Aggregation and association: the parent, and the children by instance and by class. */
  readonly parentId: string | null;
  readonly childEpcs: readonly string[];
  readonly childClasses: readonly string[];
  /** Transformation: what went in and what came out, by instance and by class. */
  readonly inputEpcs: readonly string[];
  readonly inputClasses: readonly string[];
  readonly outputEpcs: readonly string[];
  readonly outputClasses: readonly string[];
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(event: JsonObject, field: string): string | null {
  const value = event[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') throw new EpcisEventError(EpcisEventErrorCode.badField, `${field} must be a non-empty string`);
  return value.trim();
}

function locationId(event: JsonObject, field: string): string | null {
  const value = event[field];
  if (value === undefined || value === null) return null;
  const id = isObject(value) ? value['id'] : undefined;
  if (typeof id !== 'string' || id.trim() === '') throw new EpcisEventError(EpcisEventErrorCode.badField, `${field}.id must be a non-empty string`);
  return id.trim();
}

function idList(event: JsonObject, field: string): string[] {
  const value = event[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw new EpcisEventError(EpcisEventErrorCode.badField, `${field} must be a list of identifiers`);
  }
  return (value as readonly string[]).map((item) => item.trim());
}

function classList(event: JsonObject, field: string): string[] {
  const value = event[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new EpcisEventError(EpcisEventErrorCode.badField, `${field} must be a list of quantity elements`);
  return (value as readonly JsonValue[]).map((element, index) => {
    const epcClass = isObject(element) ? element['epcClass'] : undefined;
    if (typeof epcClass !== 'string' || epcClass.trim() === '') throw new EpcisEventError(EpcisEventErrorCode.badField, `${field}[${index}].epcClass must be a non-empty string`);
    return epcClass.trim();
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The facts of a prepared event; throws EpcisEventError naming the field that does not have its EPCIS shape. */
export function capturedEventFacts(prepared: JsonObject): CapturedEventFacts {
  const eventType = prepared['type'];
  if (!isEpcisEventType(eventType)) throw new EpcisEventError(EpcisEventErrorCode.unknownEventType, `type ${JSON.stringify(eventType)} is not an EPCIS 2.0 event type`);
  const eventTimeText = prepared['eventTime'];
  const eventTimeMs = typeof eventTimeText === 'string' ? dateTimeMs(eventTimeText) : undefined;
  if (eventTimeMs === undefined || typeof eventTimeText !== 'string') {
    throw new EpcisEventError(EpcisEventErrorCode.badEventTime, 'eventTime must be an ISO 8601 date-time with a UTC offset');
  }
  const bizStep = optionalString(prepared, 'bizStep');
  const disposition = optionalString(prepared, 'disposition');
  const parentId = optionalString(prepared, 'parentID');
  const childEpcs = idList(prepared, 'childEPCs');
  const inputEpcs = idList(prepared, 'inputEPCList');
  const outputEpcs = idList(prepared, 'outputEPCList');
  const childClasses = classList(prepared, 'childQuantityList');
  const inputClasses = classList(prepared, 'inputQuantityList');
  const outputClasses = classList(prepared, 'outputQuantityList');
  const listed = idList(prepared, 'epcList');
  const quantities = classList(prepared, 'quantityList');
  return {
    eventType,
    eventTimeMs,
    eventTime: hashTimestamp(eventTimeText),
    eventTimeZoneOffset: optionalString(prepared, 'eventTimeZoneOffset'),
    bizStep: bizStep === null ? null : vocabularyUri('bizStep', bizStep),
    disposition: disposition === null ? null : vocabularyUri('disposition', disposition),
    bizLocation: locationId(prepared, 'bizLocation'),
    readPoint: locationId(prepared, 'readPoint'),
    action: optionalString(prepared, 'action'),
    epcs: unique([...listed, ...(parentId === null ? [] : [parentId]), ...childEpcs, ...inputEpcs, ...outputEpcs]),
    epcClasses: unique([...quantities, ...childClasses, ...inputClasses, ...outputClasses]),
    parentId,
    childEpcs: unique(childEpcs),
    childClasses: unique(childClasses),
    inputEpcs: unique(inputEpcs),
    inputClasses: unique(inputClasses),
    outputEpcs: unique(outputEpcs),
    outputClasses: unique(outputClasses),
  };
}
