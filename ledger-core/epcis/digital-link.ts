/**
 * GS1 identifiers in the one form the event hash uses (CBV 2.0 §8.9, rules 17 and 18): EPC URIs
 * (`urn:epc:id:`), EPC class URIs (`urn:epc:class:`) and EPC pattern URIs (`urn:epc:idpat:`) become
 * canonical GS1 Digital Link URIs, and a Digital Link URI is constrained: the `https://id.gs1.org`
 * domain, no query string, and only the finest level of identification (a serial beats a lot, which
 * beats the bare GTIN). Conversions follow the GS1 EPC Tag Data Standard (company prefix + reference
 * + GS1 check digit) and GS1 Digital Link 1.2 (primary keys, key qualifiers, short-name aliases).
 * Anything else is left alone: `gs1DigitalLinkOf` answers undefined.
 */

const canonicalDomain = 'https://id.gs1.org';

/** The GS1 mod-10 check digit of `body` (digits only): weights 3, 1, 3, … from the right. */
export function gs1CheckDigit(body: string): string {
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    const digit = body.charCodeAt(body.length - 1 - index) - 48;
    sum += index % 2 === 0 ? digit * 3 : digit;
  }
  return String((10 - (sum % 10)) % 10);
}

function withCheckDigit(body: string): string {
  return body + gs1CheckDigit(body);
}

/**
 * Characters GS1 Digital Link requires percent-encoded in a path value that EPC URIs leave bare. The
 * EPC URI's own escapes (`%22`, `%2F`, …) are kept as they are, so the two escapings compose.
 */
function percentEncodeForDigitalLink(value: string): string {
  return value.replace(/[!()*+,:]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

// One character of an EPC URI component: GS1's 82-character set, with the ones URIs reserve escaped.
const componentPattern = /^(?:%[0-9A-Fa-f]{2}|[!'()*+,\-.0-9:;=A-Z_a-z])+$/;

/** A GS1 company prefix and the reference that follows it in an EPC URI. */
interface Split {
  readonly companyPrefix: string;
  readonly reference: string;
}

/** The company prefix and reference of `prefix.reference` when they are digits totalling `total`. */
function splitKey(companyPrefix: string | undefined, reference: string | undefined, total: number): Split | undefined {
  if (companyPrefix === undefined || reference === undefined) return undefined;
  if (!/^\d{6,12}$/.test(companyPrefix) || !/^\d*$/.test(reference)) return undefined;
  if (companyPrefix.length + reference.length !== total) return undefined;
  return { companyPrefix, reference };
}

/**
 * The key whose first digit leads the reference in the EPC URI, check digit appended: a GTIN-14
 * (indicator digit first) or, from 17 digits, an 18-digit SSCC (extension digit first).
 */
function gtinOf(key: Split): string {
  return withCheckDigit(key.reference.slice(0, 1) + key.companyPrefix + key.reference.slice(1));
}

function decodedLength(value: string): number {
  return value.replace(/%[0-9A-Fa-f]{2}/g, '_').length;
}

function isComponent(value: string | undefined, lengthMax: number): value is string {
  return value !== undefined && componentPattern.test(value) && decodedLength(value) <= lengthMax;
}

const cpiComponent = /^(?:%2[3dfDF]|[0-9A-Z-])+$/;

/** The parts of an EPC URI body split on the first `count - 1` dots; the last part keeps any dots. */
function parts(body: string, count: number): string[] {
  const out: string[] = [];
  let rest = body;
  for (let index = 0; index < count - 1; index++) {
    const dot = rest.indexOf('.');
    if (dot < 0) return [];
    out.push(rest.slice(0, dot));
    rest = rest.slice(dot + 1);
  }
  out.push(rest);
  return out;
}

type Converter = (body: string) => string | undefined;

// EPC Tag Data Standard 2.x, §6 (EPC URIs), with the Digital Link key each scheme maps to.
const instanceConverters: Readonly<Record<string, Converter>> = {
  sgtin: (body) => {
    const [companyPrefix, reference, serial] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 13);
    return key && isComponent(serial, 20) ? `/01/${gtinOf(key)}/21/${percentEncodeForDigitalLink(serial)}` : undefined;
  },
  sscc: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    const key = splitKey(companyPrefix, reference, 17);
    return key ? `/00/${gtinOf(key)}` : undefined;
  },
  sgln: (body) => {
    const [companyPrefix, reference, extension] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    if (!key || !isComponent(extension, 20)) return undefined;
    const gln = withCheckDigit(key.companyPrefix + key.reference);
    return extension === '0' ? `/414/${gln}` : `/414/${gln}/254/${percentEncodeForDigitalLink(extension)}`;
  },
  grai: (body) => {
    const [companyPrefix, reference, serial] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && isComponent(serial, 16) ? `/8003/${withCheckDigit('0' + key.companyPrefix + key.reference)}${percentEncodeForDigitalLink(serial)}` : undefined;
  },
  giai: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    if (companyPrefix === undefined || !/^\d{6,12}$/.test(companyPrefix) || !isComponent(reference, 30 - companyPrefix.length)) return undefined;
    return `/8004/${companyPrefix}${percentEncodeForDigitalLink(reference)}`;
  },
  gsrn: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    const key = splitKey(companyPrefix, reference, 17);
    return key ? `/8018/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
  gsrnp: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    const key = splitKey(companyPrefix, reference, 17);
    return key ? `/8017/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
  gdti: (body) => {
    const [companyPrefix, reference, serial] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && isComponent(serial, 17) ? `/253/${withCheckDigit(key.companyPrefix + key.reference)}${percentEncodeForDigitalLink(serial)}` : undefined;
  },
  cpi: (body) => {
    const dot = body.indexOf('.');
    const lastDot = body.lastIndexOf('.');
    if (dot < 0 || lastDot === dot) return undefined;
    const companyPrefix = body.slice(0, dot);
    const reference = body.slice(dot + 1, lastDot);
    const serial = body.slice(lastDot + 1);
    if (!/^\d{6,12}$/.test(companyPrefix) || !cpiComponent.test(reference) || decodedLength(reference) > 30 - companyPrefix.length) return undefined;
    if (!/^\d{1,12}$/.test(serial)) return undefined;
    return `/8010/${percentEncodeForDigitalLink(companyPrefix + reference)}/8011/${serial}`;
  },
  sgcn: (body) => {
    const [companyPrefix, reference, serial] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && serial !== undefined && /^\d{1,12}$/.test(serial) ? `/255/${withCheckDigit(key.companyPrefix + key.reference)}${serial}` : undefined;
  },
  ginc: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    if (companyPrefix === undefined || !/^\d{6,12}$/.test(companyPrefix) || !isComponent(reference, 30 - companyPrefix.length)) return undefined;
    return `/401/${companyPrefix}${percentEncodeForDigitalLink(reference)}`;
  },
  gsin: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    const key = splitKey(companyPrefix, reference, 16);
    return key ? `/402/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
  itip: (body) => {
    const [companyPrefix, reference, piece, total, serial] = parts(body, 5);
    const key = splitKey(companyPrefix, reference, 13);
    if (!key || piece === undefined || total === undefined || !/^\d{2}$/.test(piece) || !/^\d{2}$/.test(total) || !isComponent(serial, 20)) return undefined;
    return `/8006/${gtinOf(key)}${piece}${total}/21/${percentEncodeForDigitalLink(serial)}`;
  },
  upui: (body) => {
    const [companyPrefix, reference, thirdParty] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 13);
    return key && isComponent(thirdParty, 28) ? `/01/${gtinOf(key)}/235/${percentEncodeForDigitalLink(thirdParty)}` : undefined;
  },
  pgln: (body) => {
    const [companyPrefix, reference] = parts(body, 2);
    const key = splitKey(companyPrefix, reference, 12);
    return key ? `/417/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
};

const classConverters: Readonly<Record<string, Converter>> = {
  lgtin: (body) => {
    const [companyPrefix, reference, lot] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 13);
    return key && isComponent(lot, 20) ? `/01/${gtinOf(key)}/10/${percentEncodeForDigitalLink(lot)}` : undefined;
  },
};

// Pattern URIs name a class of instances; the hash keeps the key the pattern fixes.
const patternConverters: Readonly<Record<string, Converter>> = {
  sgtin: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 13);
    return key && star === '*' ? `/01/${gtinOf(key)}` : undefined;
  },
  upui: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 13);
    return key && star === '*' ? `/01/${gtinOf(key)}` : undefined;
  },
  grai: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && star === '*' ? `/8003/${withCheckDigit('0' + key.companyPrefix + key.reference)}` : undefined;
  },
  gdti: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && star === '*' ? `/253/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
  sgcn: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    const key = splitKey(companyPrefix, reference, 12);
    return key && star === '*' ? `/255/${withCheckDigit(key.companyPrefix + key.reference)}` : undefined;
  },
  cpi: (body) => {
    const [companyPrefix, reference, star] = parts(body, 3);
    if (companyPrefix === undefined || !/^\d{6,12}$/.test(companyPrefix) || reference === undefined || !cpiComponent.test(reference) || star !== '*') return undefined;
    return `/8010/${percentEncodeForDigitalLink(companyPrefix + reference)}`;
  },
  itip: (body) => {
    const [companyPrefix, reference, piece, total, star] = parts(body, 5);
    const key = splitKey(companyPrefix, reference, 13);
    if (!key || piece === undefined || total === undefined || !/^\d{2}$/.test(piece) || !/^\d{2}$/.test(total) || star !== '*') return undefined;
    return `/8006/${gtinOf(key)}${piece}${total}`;
  },
};

const epcUriPattern = /^urn:epc:(id|class|idpat):([a-z]+):(.+)$/;

/** The canonical Digital Link URI of an EPC (class, pattern) URI, or undefined for any other string. */
export function digitalLinkOfEpcUri(uri: string): string | undefined {
  const match = epcUriPattern.exec(uri);
  if (match === null) return undefined;
  const [, kind, scheme, body] = match as unknown as [string, string, string, string];
  const table = kind === 'id' ? instanceConverters : kind === 'class' ? classConverters : patternConverters;
  const convert = Object.prototype.hasOwnProperty.call(table, scheme) ? table[scheme] : undefined;
  const path = convert?.(body);
  return path === undefined ? undefined : canonicalDomain + path;
}

interface PrimaryKey {
  /** The value's syntax. */
  readonly value: RegExp;
  /** Qualifier AIs allowed after it, in Digital Link order. */
  readonly qualifiers: readonly string[];
  /** The qualifiers the hash keeps, finest first: the first one present is kept, the others dropped. */
  readonly kept: readonly string[];
}

// GS1 Digital Link 1.2 primary keys with their qualifier paths; values are checked for shape only.
const primaryKeys: Readonly<Record<string, PrimaryKey>> = {
  '01': { value: /^(?:\d{8}|\d{12,14})$/, qualifiers: ['22', '10', '21', '235'], kept: ['21', '235', '10'] },
  '00': { value: /^\d{18}$/, qualifiers: [], kept: [] },
  '253': { value: /^\d{13}[\x21-\x7e]{0,17}$/, qualifiers: [], kept: [] },
  '255': { value: /^\d{13,25}$/, qualifiers: [], kept: [] },
  '401': { value: /^[\x21-\x7e]{1,90}$/, qualifiers: [], kept: [] },
  '402': { value: /^\d{17}$/, qualifiers: [], kept: [] },
  '414': { value: /^\d{13}$/, qualifiers: ['254', '7040'], kept: ['254'] },
  '417': { value: /^\d{13}$/, qualifiers: ['7040'], kept: [] },
  '8003': { value: /^\d{14}[\x21-\x7e]{0,48}$/, qualifiers: [], kept: [] },
  '8004': { value: /^[\x21-\x7e]{1,90}$/, qualifiers: ['7040'], kept: [] },
  '8006': { value: /^\d{18}$/, qualifiers: ['22', '10', '21'], kept: ['21', '10'] },
  '8010': { value: /^[\x21-\x7e]{1,90}$/, qualifiers: ['8011'], kept: ['8011'] },
  '8017': { value: /^\d{18}$/, qualifiers: ['8019'], kept: [] },
  '8018': { value: /^\d{18}$/, qualifiers: ['8019'], kept: [] },
};

// Digital Link short names for the keys and qualifiers above.
const aliases: Readonly<Record<string, string>> = {
  gtin: '01', sscc: '00', gdti: '253', gcn: '255', ginc: '401', gsin: '402', gln: '414', party: '417', grai: '8003', giai: '8004',
  itip: '8006', cpid: '8010', gsrnp: '8017', gsrn: '8018', cpv: '22', lot: '10', ser: '21', tpx: '235', glnx: '254', cpsn: '8011', srin: '8019',
};

function aiOf(segment: string): string {
  return Object.prototype.hasOwnProperty.call(aliases, segment) ? (aliases[segment] as string) : segment;
}

const httpUriPattern = /^https?:\/\/[^/?#]+(\/[^?#]*)(?:\?[^#]*)?(?:#.*)?$/;

/**
 * The constrained canonical form of a GS1 Digital Link URI: any domain and path prefix replaced by
 * `https://id.gs1.org`, the query string and fragment dropped, a GTIN padded to 14 digits, and only
 * the finest key qualifier kept. Undefined when `uri` is not a Digital Link URI.
 */
export function constrainedDigitalLink(uri: string): string | undefined {
  const match = httpUriPattern.exec(uri);
  if (match === null) return undefined;
  const segments = (match[1] ?? '').split('/').slice(1);
  // A Digital Link may sit under a path prefix of the resolver's choosing: the key is the first
  // segment from which the rest of the path reads as a key with its qualifiers.
  for (let start = 0; start + 1 < segments.length; start++) {
    const constrained = constrainFrom(segments.slice(start));
    if (constrained !== undefined) return canonicalDomain + constrained;
  }
  return undefined;
}

function constrainFrom(segments: readonly string[]): string | undefined {
  const ai = aiOf(segments[0] ?? '');
  const key = Object.prototype.hasOwnProperty.call(primaryKeys, ai) ? primaryKeys[ai] : undefined;
  const value = segments[1];
  if (key === undefined || value === undefined || !key.value.test(value)) return undefined;
  if (segments.length % 2 !== 0) return undefined;
  const qualifierValues = new Map<string, string>();
  let lastPosition = -1;
  for (let index = 2; index < segments.length; index += 2) {
    const qualifier = aiOf(segments[index] ?? '');
    const position = key.qualifiers.indexOf(qualifier);
    const qualifierValue = segments[index + 1] ?? '';
    if (position <= lastPosition || qualifierValue.length === 0) return undefined;
    lastPosition = position;
    qualifierValues.set(qualifier, qualifierValue);
  }
  const keyValue = ai === '01' ? value.padStart(14, '0') : value;
  const kept = key.kept.find((qualifier) => qualifierValues.has(qualifier));
  return kept === undefined ? `/${ai}/${keyValue}` : `/${ai}/${keyValue}/${kept}/${qualifierValues.get(kept) ?? ''}`;
}

/**
 * The form the event hash gives a GS1 identifier: the constrained canonical Digital Link URI of an EPC
 * URI, EPC class or pattern URI, or Digital Link URI; undefined for any other value.
 */
export function gs1DigitalLinkOf(value: string): string | undefined {
  return value.startsWith('urn:epc:') ? digitalLinkOfEpcUri(value) : constrainedDigitalLink(value);
}
