/**
 * `GET /epcis/events`: the standard query parameters (query-params.ts) answered from the projected
 * `(:EpcisEvent)` nodes with one Cypher read (query-cypher.ts), as an EPCISQueryDocument whose
 * `epcisBody.queryResults.resultsBody.eventList` holds the events as captured (the prepared event the
 * ledger stored: prefixes expanded, so it reads the same without the sender's `@context`), each with
 * the `recordTime` this repository gives it: the ledger time of the block that captured it, as EPCIS
 * has the repository, not the sender, set it (a sender's own recordTime is replaced; the hash ID never
 * includes it).
 *
 * Visibility: a partner or admin sees the events its own organisation captured; the analyst and
 * regulator roles see every organisation's. An event someone else captured is simply not in a
 * partner's results, as the query is over what the caller may see.
 *
 * Paging: `perPage` events per page in (eventTime, hash ID) order; when more follow, the answer carries
 * `Link: <…&nextPageToken=…>; rel="next"` (relative to this path, with the same parameters), as the
 * EPCIS REST binding pages.
 */
import type { Identity } from '@twinledger/gateway';
import type { JsonValue } from '@twinledger/ledger-core/chain';
import type { Driver } from 'neo4j-driver';
import { readRows } from '../shared/neo4j.js';
import { EpcisProblemType, problem } from './problem.js';
import { eventsStatement, type EventScope } from './query-cypher.js';
import { encodePageToken, filterDigest, parseEventQuery } from './query-params.js';

export const epcisContextUrl = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
const readAcrossRoles: ReadonlySet<string> = new Set(['analyst', 'regulator']);

export interface QueryAnswer {
  readonly document: JsonValue;
  /** The `Link` header for the next page, when there is one. */
  readonly link: string | undefined;
  readonly nextPageToken: string | undefined;
}

/** Whose events `identity` may read. */
export function scopeOf(identity: Identity): EventScope {
  return readAcrossRoles.has(identity.role) ? { kind: 'all' } : { kind: 'organization', organizationId: identity.organizationId };
}

/** The query-string of the next page: the same parameters, the page token replaced. */
export function nextPageSearch(params: URLSearchParams, token: string): string {
  const next = new URLSearchParams();
  for (const [name, value] of params) if (name !== 'nextPageToken') next.append(name, value);
  next.set('nextPageToken', token);
  return next.toString();
}

/**
 * Answers the query in `params` for `identity`. `path` is the request path, for the next page's link;
 * `nowMs` stamps the document's creationDate. Throws EpcisProblem on a bad parameter.
 */
export async function queryEvents(driver: Driver, identity: Identity, params: URLSearchParams, path: string, nowMs: number): Promise<QueryAnswer> {
  const parsed = parseEventQuery(params);
  if (!parsed.ok) {
    const first = parsed.problems[0]?.message ?? '';
    throw problem(EpcisProblemType.queryParameter, 400, 'Bad query parameter', parsed.problems.length === 1 ? first : `${parsed.problems.length} problems, first ${first}`, {
      errors: parsed.problems.map((entry) => ({ parameter: entry.parameter, message: entry.message })),
    });
  }
  const { query } = parsed;
  const statement = eventsStatement(query, scopeOf(identity));
  const rows = await readRows(driver, statement.cypher, statement.parameters);
  const page = rows.slice(0, query.perPage);
  const events = page.map((row): JsonValue => ({ ...(JSON.parse(String(row['json'])) as { [key: string]: JsonValue }), recordTime: new Date(Number(row['recordTimeMs'])).toISOString() }));
  const last = page[page.length - 1];
  let nextPageToken: string | undefined;
  if (rows.length > query.perPage && last !== undefined) {
    nextPageToken = encodePageToken({ eventTimeMs: Number(last['eventTimeMs']), hashId: String(last['hashId']) }, filterDigest(query.filter, query.perPage));
  }
  const document: JsonValue = {
    '@context': [epcisContextUrl],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: new Date(nowMs).toISOString(),
    epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: events } } },
  };
  const link = nextPageToken === undefined ? undefined : `<${path}?${nextPageSearch(params, nextPageToken)}>; rel="next"`;
  return { document, link, nextPageToken };
}
