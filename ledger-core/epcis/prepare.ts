/**
 * Prepares a captured EPCIS event for the ledger: the event made self-contained, so that it hashes and
 * reads the same without the document it came in. Compact IRIs in keys and values (`example:foo`) are
 * expanded with the document's and the event's `@context` prefixes over the standard EPCIS ones, and
 * the event's own `@context` is dropped. Bare CBV words (`shipping`) stay as EPCIS JSON-LD writes them;
 * the hash expands those itself. Preparing a prepared event changes nothing, which is how the contract
 * checks that what it is given is prepared.
 */
import { canonicalize } from '../chain/canonical.js';
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { EpcisEventError, EpcisEventErrorCode } from './errors.js';
import { expandCompactIri, namespacesOf, standardNamespaces } from './namespaces.js';
import { dateTimeMs } from './values.js';

/** The EPCIS 2.0 event types. */
export const epcisEventTypes = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'] as const;

export type EpcisEventType = (typeof epcisEventTypes)[number];

export function isEpcisEventType(value: unknown): value is EpcisEventType {
  return typeof value === 'string' && (epcisEventTypes as readonly string[]).includes(value);
}

export interface PrepareOptions {
  /**
   * Top-level fields to leave out, compact or expanded (a repository's own bookkeeping a document
   * lists in `ignoreFields`, such as a stored hash): they are not part of the event.
   */
  readonly ignoreFields?: readonly string[];
}

// An own, enumerable field even for a key such as `__proto__`, which plain assignment would not create.
function defineField(object: Record<string, JsonValue>, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

// Bounds the walk: the transaction limits already cap nesting at 32 levels.
const depthMax = 64;

/** Schemes (besides http and https, whose `//` never reads as a prefix) that namespace IRIs use. */
const iriSchemes = new Set(['urn', 'tag', 'did']);

function expandKey(key: string, namespaces: Readonly<Record<string, string>>, path: string): string {
  if (key.startsWith('@')) return key;
  const expansion = expandCompactIri(key, namespaces);
  if (expansion.kind === 'expanded') return expansion.iri;
  // `example:foo` without a declaration is a missing namespace, not an IRI in an `example` scheme; a
  // key in a scheme namespaces are written in (what an expanded `cbvmda:` key is) stands as it is.
  if (expansion.kind === 'undeclared' && !iriSchemes.has(expansion.prefix)) {
    throw new EpcisEventError(EpcisEventErrorCode.unknownPrefix, `${path}: no @context declares the prefix of ${JSON.stringify(key)}`);
  }
  return key;
}

function expandValue(value: JsonValue, namespaces: Readonly<Record<string, string>>, path: string, depth: number): JsonValue {
  if (depth > depthMax) throw new EpcisEventError(EpcisEventErrorCode.badField, `${path} nests deeper than ${depthMax} levels`);
  if (typeof value === 'string') {
    const expansion = expandCompactIri(value, namespaces);
    return expansion.kind === 'expanded' ? expansion.iri : value;
  }
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((item, index) => expandValue(item, namespaces, `${path}[${index}]`, depth + 1));
  if (!isObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '@context') continue;
    const expanded = expandKey(key, namespaces, `${path}.${key}`);
    if (Object.prototype.hasOwnProperty.call(out, expanded)) {
      throw new EpcisEventError(EpcisEventErrorCode.duplicateKey, `${path}: ${JSON.stringify(key)} names ${expanded}, which another key names too`);
    }
    defineField(out, expanded, expandValue(child, namespaces, `${path}.${key}`, depth + 1));
  }
  return out;
}

/**
 * The event made self-contained. `namespaces` maps prefix → IRI (namespacesOf of the document's
 * `@context`); the event's own `@context` adds to it. Throws EpcisEventError for an event that is not
 * an object, has no `type` or an unknown one, has no valid `eventTime`, or uses an undeclared prefix.
 */
export function prepareEvent(event: JsonValue, namespaces: Readonly<Record<string, string>>, options: PrepareOptions = {}): JsonObject {
  if (!isObject(event)) throw new EpcisEventError(EpcisEventErrorCode.notAnObject, 'an event must be a JSON object');
  const type = event['type'];
  if (typeof type !== 'string') throw new EpcisEventError(EpcisEventErrorCode.noType, 'the event has no type');
  if (!isEpcisEventType(type)) throw new EpcisEventError(EpcisEventErrorCode.unknownEventType, `type ${JSON.stringify(type)} is not an EPCIS 2.0 event type`);
  const eventTime = event['eventTime'];
  if (typeof eventTime !== 'string' || dateTimeMs(eventTime) === undefined) {
    throw new EpcisEventError(EpcisEventErrorCode.badEventTime, 'eventTime must be an ISO 8601 date-time with a UTC offset');
  }
  const inScope = { ...standardNamespaces, ...namespaces, ...namespacesOf(event['@context']) };
  const ignored = new Set((options.ignoreFields ?? []).flatMap((field) => [field, ...expandedForm(field, inScope)]));
  const kept: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(event)) if (!ignored.has(key)) defineField(kept, key, value);
  const prepared = expandValue(kept, inScope, type, 0) as JsonObject;
  assertStable(prepared, type);
  return prepared;
}

/**
 * Refuses an event whose expansion would not survive a second preparation (a namespace such as
 * `example:ns/` makes `ex:foo` into `example:ns/foo`, itself a compact IRI): the contract re-prepares
 * what it is given and would refuse it, so it is refused here, before anything is signed.
 */
function assertStable(prepared: JsonObject, type: string): void {
  let again: JsonValue;
  try {
    again = expandValue(prepared, standardNamespaces, type, 0);
  } catch (error: unknown) {
    if (error instanceof EpcisEventError) throw new EpcisEventError(EpcisEventErrorCode.badNamespace, `a namespace expands to a compact IRI again: ${error.message}`);
    throw error;
  }
  if (canonicalize(again) !== canonicalize(prepared)) {
    throw new EpcisEventError(EpcisEventErrorCode.badNamespace, `${type}: a namespace or value expands to a compact IRI again; declare namespaces as http(s) or urn IRIs`);
  }
}

function expandedForm(field: string, namespaces: Readonly<Record<string, string>>): string[] {
  const expansion = expandCompactIri(field, namespaces);
  return expansion.kind === 'expanded' ? [expansion.iri] : [];
}

/**
 * Every event of an EPCIS document (`epcisBody.eventList`, or a query document's
 * `epcisBody.queryResults.resultsBody.eventList`), prepared with the document's `@context` and its
 * `ignoreFields` (any prefix). Throws EpcisEventError naming the event's index when one cannot be prepared.
 */
export function prepareDocumentEvents(document: JsonValue): JsonObject[] {
  if (!isObject(document)) throw new EpcisEventError(EpcisEventErrorCode.notAnObject, 'an EPCIS document must be a JSON object');
  const namespaces = namespacesOf(document['@context']);
  const body = document['epcisBody'];
  const queryResults = isObject(body) ? body['queryResults'] : undefined;
  const resultsBody = isObject(queryResults) ? queryResults['resultsBody'] : undefined;
  const list = isObject(resultsBody) ? resultsBody['eventList'] : isObject(body) ? body['eventList'] : undefined;
  if (!Array.isArray(list)) throw new EpcisEventError(EpcisEventErrorCode.badField, 'epcisBody.eventList must be a list of events');
  const ignoreFields = ignoreFieldsOf(document, { ...standardNamespaces, ...namespaces });
  return (list as readonly JsonValue[]).map((event, index) => {
    try {
      return prepareEvent(event, namespaces, { ignoreFields });
    } catch (error: unknown) {
      if (error instanceof EpcisEventError) throw new EpcisEventError(error.code, `eventList[${index}]: ${error.message}`);
      throw error;
    }
  });
}

/** The fields a document asks to leave out of its events: its `<any prefix>:ignoreFields` lists. */
function ignoreFieldsOf(document: JsonObject, namespaces: Readonly<Record<string, string>>): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (key !== 'ignoreFields' && !key.endsWith(':ignoreFields')) continue;
    if (!Array.isArray(value)) continue;
    for (const field of value as readonly JsonValue[]) {
      if (typeof field !== 'string') continue;
      fields.push(field);
      const expansion = expandCompactIri(field, namespaces);
      if (expansion.kind === 'expanded') fields.push(expansion.iri);
    }
  }
  return fields;
}
