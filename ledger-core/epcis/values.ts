/**
 * How the event hash writes one value (CBV 2.0 §8.9): timestamps in UTC at millisecond precision,
 * numbers without trailing zeros, CBV vocabulary as Web URIs, GS1 identifiers as constrained Digital
 * Link URIs. Each rule is one function so the pre-hash builder and the captured-event facts agree.
 */
import { gs1DigitalLinkOf } from './digital-link.js';

const cbv = 'https://ref.gs1.org/cbv/';
const gs1Vocabulary = 'https://gs1.org/voc/';

// ISO 8601 date-time with seconds, optional fraction and a UTC offset (the EPCIS 2.0 schema's form).
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Milliseconds since the Unix epoch of an ISO 8601 date-time with an offset, the fraction rounded half
 * up at the fourth digit (.1415 → .142, as the reference implementation does); undefined when `text`
 * is not one or names an impossible date.
 */
export function dateTimeMs(text: string): number | undefined {
  const match = dateTimePattern.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match as unknown as string[];
  const numbers = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = numbers;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const dayStartMs = Date.UTC(y, mo - 1, d);
  const check = new Date(dayStartMs);
  // Date.UTC maps years 0-99 to 1900-1999 and rolls impossible days over: both are refused here.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  const millis = Number((fraction + '000').slice(0, 3)) + (fraction.length > 3 && (fraction[3] ?? '0') >= '5' ? 1 : 0);
  let offsetMs = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const digits = offset.replace(':', '');
    const offsetHours = Number(digits.slice(1, 3));
    const offsetMinutes = Number(digits.slice(3, 5));
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return dayStartMs + ((h * 60 + mi) * 60 + s) * 1000 + millis - offsetMs;
}

/** `text` as a UTC timestamp with milliseconds (`2020-03-04T10:00:30.000Z`), or unchanged when it is not a date-time. */
export function hashTimestamp(text: string): string {
  const ms = dateTimeMs(text);
  if (ms === undefined) return text;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

// What Python's float() accepts as a finite decimal: the reference implementation's test of "numeric".
const decimalPattern = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;

/**
 * A number as the hash writes it: an integral value as an integer (`452.0` → `452`, exactly, also
 * beyond 2^53), any other as the shortest round-trip decimal, in exponent form (`1e-05`) below 1e-4.
 */
export function hashNumber(value: number): string {
  if (Number.isInteger(value)) return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  if (Math.abs(value) >= 1e-4) return String(value);
  // Shortest digits, exponent written with a sign and at least two digits.
  return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

/** `text` rewritten as a number when the whole of it is a finite decimal number; otherwise unchanged. */
export function hashNumericText(text: string): string {
  if (!decimalPattern.test(text)) return text;
  const value = Number(text.replace(/_/g, ''));
  return Number.isFinite(value) ? hashNumber(value) : text;
}

/** The CBV vocabulary a field's bare-word values belong to, with the prefix a word expands with. */
export const vocabularyPrefixes = {
  bizStep: `${cbv}BizStep-`,
  disposition: `${cbv}Disp-`,
  bizTransactionType: `${cbv}BTT-`,
  sourceDestinationType: `${cbv}SDT-`,
  errorReason: `${cbv}ER-`,
  measurementType: gs1Vocabulary,
  sensorAlertType: gs1Vocabulary,
  component: `${cbv}Comp-`,
} as const;

export type Vocabulary = keyof typeof vocabularyPrefixes;

// A bare vocabulary word as the EPCIS JSON-LD context defines its terms (`in_transit`, `Temperature`).
const bareWordPattern = /^[A-Za-z][A-Za-z0-9_]*$/;

// CBV 1.x URNs of the standard vocabularies and their CBV 2.0 Web URI prefixes.
const cbvUrnPrefixes: ReadonlyArray<readonly [string, string]> = [
  ['urn:epcglobal:cbv:bizstep:', `${cbv}BizStep-`],
  ['urn:epcglobal:cbv:disp:', `${cbv}Disp-`],
  ['urn:epcglobal:cbv:btt:', `${cbv}BTT-`],
  ['urn:epcglobal:cbv:sdt:', `${cbv}SDT-`],
  ['urn:epcglobal:cbv:er:', `${cbv}ER-`],
];

/** A CBV 1.x vocabulary URN as its CBV 2.0 Web URI; any other text unchanged. */
export function cbvWebUri(text: string): string {
  for (const [urn, web] of cbvUrnPrefixes) if (text.startsWith(urn)) return web + text.slice(urn.length);
  return text;
}

/**
 * A vocabulary value in its one canonical form: a bare word of the field's vocabulary (`shipping`) or
 * a CBV 1.x URN becomes the Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`); a URI stays. Query
 * filters use this so that every spelling of the same step finds the same events.
 */
export function vocabularyUri(vocabulary: Vocabulary, value: string): string {
  const trimmed = value.trim();
  return bareWordPattern.test(trimmed) ? vocabularyPrefixes[vocabulary] + trimmed : cbvWebUri(trimmed);
}

/** Any value in the pre-hash: trimmed, CBV URNs as Web URIs, numbers normalised, GS1 identifiers as Digital Link. */
export function hashValue(text: string): string {
  const numeric = hashNumericText(cbvWebUri(text.trim()));
  return gs1DigitalLinkOf(numeric) ?? numeric;
}
