/**
 * `GET /epcis/events` query parameters as the EPCIS 2.0 REST binding names them, parsed into one
 * typed query. Pure: no clock, no I/O.
 *
 * Repeatable values are comma lists (`eventType=ObjectEvent,AggregationEvent`); a parameter given twice
 * adds to its list. Times are RFC 3339 date-times with a time zone. A parameter this service does not
 * answer is refused by name rather than ignored: a client that filters on it would otherwise get events
 * it asked not to see. The page token is opaque to clients: base64url of the sort key of the last event
 * of the previous page and a digest of the filter, so a token cannot continue a different query.
 */
import { createHash } from 'node:crypto';
import { dateTimeMs } from '@twinledger/ledger-core/epcis';

/** Events per page when `perPage` is not given. */
export const perPageDefault = 30;
/** Most events one page may hold. */
export const perPageMax = 500;
/** Most values one list parameter may hold. */
export const parameterValueCountMax = 100;
/** Longest single value, in characters (an item id is at most 256). */
export const parameterValueLengthMax = 1_024;
/** Longest page token accepted, in characters. */
export const pageTokenLengthMax = 512;

export const epcisEventTypes = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'] as const;
export const epcisActions = ['OBSERVE', 'ADD', 'DELETE'] as const;

/** Where the next page starts: after this event in (eventTimeMs, hashId) order. */
export interface PagePosition {
  readonly eventTimeMs: number;
  readonly hashId: string;
}

export interface EventQueryFilter {
  readonly eventTypes?: readonly string[];
  readonly eventTimeMsFrom?: number;
  readonly eventTimeMsBefore?: number;
  readonly recordTimeMsFrom?: number;
  readonly recordTimeMsBefore?: number;
  readonly actions?: readonly string[];
  /** Instance EPCs an event lists as its subject (epcList, childEPCs, inputs, outputs): MATCH_epc. */
  readonly epcs?: readonly string[];
  /** Instance EPCs anywhere in the event, parentID included: MATCH_anyEPC. */
  readonly anyEpcs?: readonly string[];
  /** Class-level identifiers in quantity lists: MATCH_epcClass. */
  readonly epcClasses?: readonly string[];
  /** Each value with its equivalent spellings (bare CBV word, GS1 Web URI, CBV 1.x URN). */
  readonly bizSteps?: readonly string[];
  readonly dispositions?: readonly string[];
  readonly bizLocations?: readonly string[];
  readonly readPoints?: readonly string[];
}

export interface EventQuery {
  readonly filter: EventQueryFilter;
  readonly perPage: number;
  readonly after: PagePosition | undefined;
}

export interface QueryParameterProblem {
  readonly parameter: string;
  readonly message: string;
}

export type EventQueryParse = { readonly ok: true; readonly query: EventQuery } | { readonly ok: false; readonly problems: readonly QueryParameterProblem[] };

type ListKey = 'eventTypes' | 'actions' | 'epcs' | 'anyEpcs' | 'epcClasses' | 'bizSteps' | 'dispositions' | 'bizLocations' | 'readPoints';
type TimeKey = 'eventTimeMsFrom' | 'eventTimeMsBefore' | 'recordTimeMsFrom' | 'recordTimeMsBefore';

const listParameters: Readonly<Record<string, ListKey>> = {
  eventType: 'eventTypes',
  EQ_action: 'actions',
  MATCH_epc: 'epcs',
  MATCH_anyEPC: 'anyEpcs',
  MATCH_epcClass: 'epcClasses',
  EQ_bizStep: 'bizSteps',
  EQ_disposition: 'dispositions',
  EQ_bizLocation: 'bizLocations',
  EQ_readPoint: 'readPoints',
};

const timeParameters: Readonly<Record<string, TimeKey>> = {
  GE_eventTime: 'eventTimeMsFrom',
  LT_eventTime: 'eventTimeMsBefore',
  GE_recordTime: 'recordTimeMsFrom',
  LT_recordTime: 'recordTimeMsBefore',
};

/** Every parameter this service answers. */
export const knownQueryParameters: readonly string[] = [...Object.keys(listParameters), ...Object.keys(timeParameters), 'perPage', 'nextPageToken'];

/** CBV vocabularies whose values have three spellings: the bare word, the GS1 Web URI and the CBV 1.x URN. */
const vocabularySpellings = {
  bizSteps: { web: 'https://ref.gs1.org/cbv/BizStep-', urn: 'urn:epcglobal:cbv:bizstep:' },
  dispositions: { web: 'https://ref.gs1.org/cbv/Disp-', urn: 'urn:epcglobal:cbv:disp:' },
} as const;

/** `value` with its other spellings when it is a CBV word in any of them; a private URI stands alone. */
export function cbvSpellings(value: string, vocabulary: keyof typeof vocabularySpellings): string[] {
  const { web, urn } = vocabularySpellings[vocabulary];
  const word = value.startsWith(web) ? value.slice(web.length) : value.startsWith(urn) ? value.slice(urn.length) : /^[a-z_]+$/.test(value) ? value : undefined;
  return word === undefined || !/^[a-z_]+$/.test(word) ? [value] : [word, `${web}${word}`, `${urn}${word}`];
}

/**
 * Milliseconds since the epoch of an RFC 3339 date-time with a zone, or undefined. The same reading
 * the captured events' `eventTimeMs` was made with (fractions beyond milliseconds rounded as the event
 * hash rounds them), so a bound and an event time compare like for like.
 */
export function parseDateTimeMs(text: string): number | undefined {
  return text.length > 64 ? undefined : dateTimeMs(text);
}

/** The digest a page token carries: the filter in a fixed order, so equal filters give equal digests. */
export function filterDigest(filter: EventQueryFilter, perPage: number): string {
  const ordered = Object.keys(filter)
    .sort()
    .map((key) => [key, filter[key as keyof EventQueryFilter]]);
  return createHash('sha256').update(JSON.stringify([ordered, perPage])).digest('base64url').slice(0, 16);
}

export function encodePageToken(position: PagePosition, digest: string): string {
  return Buffer.from(JSON.stringify([position.eventTimeMs, position.hashId, digest]), 'utf8').toString('base64url');
}

/** The position in `token`, or a message saying why it is not one for this query. */
export function decodePageToken(token: string, digest: string): PagePosition | string {
  if (token.length > pageTokenLengthMax || !/^[A-Za-z0-9_-]+$/.test(token)) return 'nextPageToken is not a token this service issued';
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return 'nextPageToken is not a token this service issued';
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) return 'nextPageToken is not a token this service issued';
  const [eventTimeMs, hashId, tokenDigest] = decoded as unknown[];
  if (typeof eventTimeMs !== 'number' || !Number.isSafeInteger(eventTimeMs) || typeof hashId !== 'string' || hashId.length === 0 || typeof tokenDigest !== 'string') {
    return 'nextPageToken is not a token this service issued';
  }
  if (tokenDigest !== digest) return 'nextPageToken belongs to a query with other parameters: send the same parameters as for the first page';
  return { eventTimeMs, hashId };
}

function listValues(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((value) => value.trim());
}

/** Parses the query string of `GET /epcis/events`. Pure; every problem is reported, each naming its parameter. */
export function parseEventQuery(params: URLSearchParams): EventQueryParse {
  const problems: QueryParameterProblem[] = [];
  const refuse = (parameter: string, message: string): void => {
    problems.push({ parameter, message: `${parameter}: ${message}` });
  };
  const names = [...new Set(params.keys())];
  for (const name of names) {
    if (!knownQueryParameters.includes(name)) refuse(name, `is not a query parameter this service answers (it answers ${knownQueryParameters.join(', ')})`);
  }
  const filter: { -readonly [K in keyof EventQueryFilter]: EventQueryFilter[K] } = {};
  for (const [parameter, key] of Object.entries(listParameters)) {
    if (!params.has(parameter)) continue;
    const values = listValues(params.getAll(parameter));
    if (values.some((value) => value === '')) {
      refuse(parameter, 'has an empty value');
      continue;
    }
    if (values.length > parameterValueCountMax) {
      refuse(parameter, `has more than ${parameterValueCountMax} values`);
      continue;
    }
    const tooLong = values.find((value) => value.length > parameterValueLengthMax || /[\x00-\x20\x7f]/.test(value));
    if (tooLong !== undefined) {
      refuse(parameter, `value ${JSON.stringify(tooLong.slice(0, 80))} is longer than ${parameterValueLengthMax} characters or holds a space or control character`);
      continue;
    }
    if (key === 'eventTypes') {
      const unknown = values.filter((value) => !(epcisEventTypes as readonly string[]).includes(value));
      if (unknown.length > 0) {
        refuse(parameter, `${unknown.map((value) => JSON.stringify(value)).join(', ')} is not an EPCIS event type (${epcisEventTypes.join(', ')})`);
        continue;
      }
    }
    if (key === 'actions') {
      const unknown = values.filter((value) => !(epcisActions as readonly string[]).includes(value));
      if (unknown.length > 0) {
        refuse(parameter, `${unknown.map((value) => JSON.stringify(value)).join(', ')} is not an action (${epcisActions.join(', ')})`);
        continue;
      }
    }
    const spelled = key === 'bizSteps' || key === 'dispositions' ? values.flatMap((value) => cbvSpellings(value, key)) : values;
    filter[key] = [...new Set(spelled)];
  }
  for (const [parameter, key] of Object.entries(timeParameters)) {
    const values = params.getAll(parameter);
    if (values.length === 0) continue;
    if (values.length > 1) {
      refuse(parameter, 'is given more than once');
      continue;
    }
    const ms = parseDateTimeMs(values[0] ?? '');
    if (ms === undefined) {
      refuse(parameter, `${JSON.stringify((values[0] ?? '').slice(0, 80))} is not an RFC 3339 date-time with a time zone, such as 2026-01-01T00:00:00Z`);
      continue;
    }
    filter[key] = ms;
  }
  let perPage = perPageDefault;
  const perPageValues = params.getAll('perPage');
  if (perPageValues.length > 0) {
    const text = perPageValues[0] ?? '';
    perPage = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
    if (perPageValues.length > 1 || !Number.isSafeInteger(perPage) || perPage < 1 || perPage > perPageMax) {
      refuse('perPage', `must be one whole number from 1 to ${perPageMax}`);
    }
  }
  let after: PagePosition | undefined;
  const tokens = params.getAll('nextPageToken');
  if (tokens.length > 1) refuse('nextPageToken', 'is given more than once');
  else if (tokens.length === 1 && problems.length === 0) {
    const position = decodePageToken(tokens[0] ?? '', filterDigest(filter, perPage));
    if (typeof position === 'string') refuse('nextPageToken', position.replace(/^nextPageToken /, ''));
    else after = position;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, query: { filter, perPage, after } };
}
