/**
 * The CBV 2.0 event hash ID (§8.9): an event's pre-hash string, its fields in the canonical property
 * order, each `name=value` with values normalised (values.ts), list items and extension elements
 * sorted by code point, concatenated without separators; and its SHA-256 as an RFC 6920 `ni` URI
 * with `?ver=CBV2.0`. Any serialisation of the same event, in any key order, gives the same ID.
 *
 * Works on a prepared event (prepare.ts): user-extension keys are full IRIs, written here as
 * `{namespace}localName`. Fields that are not part of the event's identity are left out: `eventID`
 * and `recordTime` (a server assigns them), `errorDeclaration` (added later to the same event),
 * comments, and JSON-LD keywords and node ids. Where the published reference vectors and the prose
 * differ, the vectors win: `certificationInfo` follows `eventTimeZoneOffset`, and the business
 * transaction, source and destination lists sort with the extension elements after the ordered fields.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { EpcisEventError, EpcisEventErrorCode } from './errors.js';
import { hashNumber, hashTimestamp, hashValue, vocabularyUri, type Vocabulary } from './values.js';

/** One field of the canonical property order. */
interface OrderedField {
  readonly name: string;
  /** The field holds a list; each item is written under this name. */
  readonly items?: string;
  /** The field (or each item) is an object whose fields follow this order, extensions after them. */
  readonly children?: readonly OrderedField[];
  /** Values are timestamps. */
  readonly time?: true;
  /** Values are terms of this vocabulary. */
  readonly vocabulary?: Vocabulary;
}

const quantityElement: readonly OrderedField[] = [{ name: 'epcClass' }, { name: 'quantity' }, { name: 'uom' }];

const sensorMetadata: readonly OrderedField[] = [
  { name: 'time', time: true },
  { name: 'startTime', time: true },
  { name: 'endTime', time: true },
  { name: 'deviceID' },
  { name: 'deviceMetadata' },
  { name: 'rawData' },
  { name: 'dataProcessingMethod' },
  { name: 'bizRules' },
];

const sensorReport: readonly OrderedField[] = [
  { name: 'type', vocabulary: 'measurementType' },
  { name: 'exception', vocabulary: 'sensorAlertType' },
  { name: 'deviceID' },
  { name: 'deviceMetadata' },
  { name: 'rawData' },
  { name: 'dataProcessingMethod' },
  { name: 'time', time: true },
  { name: 'microorganism' },
  { name: 'chemicalSubstance' },
  { name: 'value' },
  { name: 'component', vocabulary: 'component' },
  { name: 'stringValue' },
  { name: 'booleanValue' },
  { name: 'hexBinaryValue' },
  { name: 'uriValue' },
  { name: 'minValue' },
  { name: 'maxValue' },
  { name: 'meanValue' },
  { name: 'sDev' },
  { name: 'percRank' },
  { name: 'percValue' },
  { name: 'uom' },
  { name: 'coordinateReferenceSystem' },
];

/** The canonical property order after `eventType`. */
const eventOrder: readonly OrderedField[] = [
  { name: 'eventTime', time: true },
  { name: 'eventTimeZoneOffset' },
  { name: 'certificationInfo' },
  { name: 'epcList', items: 'epc' },
  { name: 'parentID' },
  { name: 'inputEPCList', items: 'epc' },
  { name: 'childEPCs', items: 'epc' },
  { name: 'quantityList', items: 'quantityElement', children: quantityElement },
  { name: 'childQuantityList', items: 'quantityElement', children: quantityElement },
  { name: 'inputQuantityList', items: 'quantityElement', children: quantityElement },
  { name: 'outputEPCList', items: 'epc' },
  { name: 'outputQuantityList', items: 'quantityElement', children: quantityElement },
  { name: 'action' },
  { name: 'transformationID' },
  { name: 'bizStep', vocabulary: 'bizStep' },
  { name: 'disposition', vocabulary: 'disposition' },
  {
    name: 'persistentDisposition',
    children: [
      { name: 'set', vocabulary: 'disposition' },
      { name: 'unset', vocabulary: 'disposition' },
    ],
  },
  { name: 'readPoint', children: [{ name: 'id' }] },
  { name: 'bizLocation', children: [{ name: 'id' }] },
  {
    name: 'sensorElementList',
    items: 'sensorElement',
    children: [
      { name: 'sensorMetadata', children: sensorMetadata },
      { name: 'sensorReport', children: sensorReport },
    ],
  },
];

/** Typed lists written as `type=<type><item>=<id>` per entry, sorted with the unordered fields. */
const typedLists: Readonly<Record<string, { readonly item: string; readonly vocabulary: Vocabulary }>> = {
  bizTransactionList: { item: 'bizTransaction', vocabulary: 'bizTransactionType' },
  sourceList: { item: 'source', vocabulary: 'sourceDestinationType' },
  destinationList: { item: 'destination', vocabulary: 'sourceDestinationType' },
};

const rdfsComment = 'http://www.w3.org/2000/01/rdf-schema#comment';

/** Top-level fields that are not part of an event's identity. */
const excludedFields = new Set(['type', 'id', 'eventID', 'recordTime', 'errorDeclaration', 'comment', 'rdfs:comment', rdfsComment]);

/** Orders strings by Unicode code point, as the algorithm's "UTF-8/ASCII code values" (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    // UTF-16 order is code point order except that surrogates (U+D800-U+DFFF, astral characters)
    // sort below U+E000-U+FFFF; lift them above.
    const surrogateA = a >= 0xd800 && a <= 0xdfff;
    const surrogateB = b >= 0xd800 && b <= 0xdfff;
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return a - b;
  }
  return left.length - right.length;
}

function sortedJoin(strings: readonly string[]): string {
  return [...strings].sort(compareCodePoints).join('');
}

/** The element name of a key: a full IRI as `{namespace}localName`, any other key as it is. */
export function elementName(key: string): string {
  if (!key.includes(':')) return key;
  const schemeEnd = key.indexOf(':');
  const cut = Math.max(key.lastIndexOf('#'), key.lastIndexOf('/'));
  const at = cut > schemeEnd ? cut : key.lastIndexOf(':');
  return `{${key.slice(0, at + 1)}}${key.slice(at + 1)}`;
}

/** A scalar's text as the algorithm reads it; objects and lists have none. */
function scalarText(value: JsonValue): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return hashNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return '';
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function has(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function fieldValue(field: OrderedField, text: string): string {
  if (field.time !== undefined) return hashTimestamp(text);
  if (field.vocabulary !== undefined) return hashValue(vocabularyUri(field.vocabulary, text));
  return hashValue(text);
}

/** `name` with its value and ordered children, or '' when it carries nothing. */
function elementString(field: OrderedField, name: string, value: JsonValue): string {
  if (field.children !== undefined && isObject(value)) {
    const inner = orderedFields(value, field.children) + extensionFields(value, field.children);
    return inner === '' ? '' : name + inner;
  }
  const text = scalarText(value);
  return text === '' ? '' : `${name}=${fieldValue(field, text)}`;
}

function orderedField(object: JsonObject, field: OrderedField): string {
  if (!has(object, field.name)) return '';
  const value = object[field.name] as JsonValue;
  if (field.items !== undefined) {
    const items = Array.isArray(value) ? (value as readonly JsonValue[]) : [value];
    const strings = items.map((item) => elementString(field, field.items as string, item)).filter((text) => text !== '');
    return strings.length === 0 ? '' : field.name + sortedJoin(strings);
  }
  const values = Array.isArray(value) ? (value as readonly JsonValue[]) : [value];
  return sortedJoin(values.map((item) => elementString(field, field.name, item)));
}

function orderedFields(object: JsonObject, order: readonly OrderedField[]): string {
  return order.map((field) => orderedField(object, field)).join('');
}

/** A field outside the canonical order, generically: its name, `=value`, then its children sorted. */
function genericStrings(key: string, value: JsonValue): string[] {
  if (Array.isArray(value)) return (value as readonly JsonValue[]).flatMap((item) => genericStrings(key, item));
  const name = elementName(key);
  if (isObject(value)) {
    return [name + sortedJoin(Object.entries(value).flatMap(([childKey, child]) => (childKey.startsWith('@') ? [] : genericStrings(childKey, child))))];
  }
  const text = scalarText(value);
  return [text === '' ? name : `${name}=${hashValue(text)}`];
}

/** The fields of `object` outside `order` (extension elements), sorted. */
function extensionFields(object: JsonObject, order: readonly OrderedField[], excluded: ReadonlySet<string> = new Set()): string {
  const ordered = new Set(order.map((field) => field.name));
  const strings: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (ordered.has(key) || excluded.has(key) || key.startsWith('@')) continue;
    const typed = Object.prototype.hasOwnProperty.call(typedLists, key) ? typedLists[key] : undefined;
    strings.push(...(typed === undefined ? genericStrings(key, value) : [typedListString(key, typed, value)]));
  }
  return sortedJoin(strings);
}

function typedListString(key: string, typed: { readonly item: string; readonly vocabulary: Vocabulary }, value: JsonValue): string {
  const items = Array.isArray(value) ? (value as readonly JsonValue[]) : [value];
  const strings = items.map((item) => {
    if (!isObject(item)) throw new EpcisEventError(EpcisEventErrorCode.badField, `${key} must list objects with ${typed.item} and an optional type`);
    const id = scalarText(item[typed.item] ?? null);
    const type = scalarText(item['type'] ?? null);
    return (type === '' ? '' : `type=${hashValue(vocabularyUri(typed.vocabulary, type))}`) + (id === '' ? '' : `${typed.item}=${hashValue(id)}`);
  });
  return key + sortedJoin(strings);
}

/**
 * The pre-hash string of a prepared event. Requires an object with a string `type` (prepareEvent
 * guarantees it); throws EpcisEventError otherwise, or when a typed list holds something else than objects.
 */
export function eventPreHash(prepared: JsonObject): string {
  if (!isObject(prepared)) throw new EpcisEventError(EpcisEventErrorCode.notAnObject, 'an event must be a JSON object');
  const type = prepared['type'];
  if (typeof type !== 'string' || type.trim() === '') throw new EpcisEventError(EpcisEventErrorCode.noType, 'an event must have a type');
  return `eventType=${type.trim()}` + orderedFields(prepared, eventOrder) + extensionFields(prepared, eventOrder, excludedFields);
}

/** `ni:///sha-256;<hex>?ver=CBV2.0` of a pre-hash string. */
export function hashIdOfPreHash(preHash: string): string {
  return `ni:///sha-256;${bytesToHex(sha256(utf8ToBytes(preHash)))}?ver=CBV2.0`;
}

/** The CBV 2.0 event hash ID of a prepared event. */
export function eventHashId(prepared: JsonObject): string {
  return hashIdOfPreHash(eventPreHash(prepared));
}

const hashIdPattern = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;

/** True when `value` has the shape of an event hash ID made here. */
export function isEventHashId(value: unknown): value is string {
  return typeof value === 'string' && hashIdPattern.test(value);
}
