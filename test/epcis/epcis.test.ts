/**
 * EPCIS 2.0 capture and query end to end through the gateway's HTTP port, on a platform of this test's
 * own (every process `npm start` runs). Partners of two member organisations and an analyst hold API
 * keys. The first partner captures a document with one event of each EPCIS 2.0 type; the answer lists
 * the CBV 2.0 hash IDs in document order, equal to `eventHashId` of each prepared event, and the events
 * are queryable at once. Capturing the document again answers the same IDs and stores nothing new. An
 * invalid document, and a document with one good and one bad event, are refused with 400 problem JSON
 * naming the pointer, and nothing of them is stored. Every standard query parameter selects what the
 * standard says, pages follow the `Link` header in (eventTime, hash ID) order, an unknown parameter is
 * refused by name, and each answer is an EPCISQueryDocument GS1's schema accepts. The
 * TransformationEvent links its outputs to its inputs in the graph with MADE_FROM. The other
 * organisation's partner does not see the first one's events, the analyst sees everyone's and may not
 * capture, and a request without credentials is 401. Last, seeded random events of every type and
 * seeded random queries over them: every query, followed page by page, answers exactly what a naive
 * filter of the captured events, written from the standard's definitions, answers (the seed is printed
 * on failure; EPCIS_QUERY_SEED replays one).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import neo4j, { type Driver } from 'neo4j-driver';
import { dateTimeMs, eventHashId, namespacesOf, prepareEvent } from '@twinledger/ledger-core/epcis';
import type { JsonObject, JsonValue } from '@twinledger/ledger-core/chain';
import { seededRandom } from '@twinledger/ledger-core/chain/testing/seeded-random';
import { repositoryRoot } from '@twinledger/tools';
import { startPlatformWithApiKeys, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(240_000);

const root = repositoryRoot();
const ownerOrganization = 'alpha-industries';
const otherOrganization = 'beta-logistics';
const requestTimeoutMs = 90_000;
const vectorsDir = path.resolve(root, '..', 'shared', 'vectors', 'epcis');

let started: PlatformWithApiKeys;
let epcisUrl: string;
let driver: Driver;
let ownerKey: string;
let otherKey: string;
let analystKey: string;
const validateSchema = (() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'graph-schema', 'epcis', 'EPCIS-JSON-Schema.json'), 'utf8')) as object);
})();

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly link: string | null;
  readonly body: Record<string, unknown>;
}

async function request(method: 'GET' | 'POST', pathAndQuery: string, apiKey: string | undefined, body?: unknown): Promise<Answer> {
  const response = await fetch(`${epcisUrl}${pathAndQuery}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/ld+json' }), ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), link: response.headers.get('link'), body: (await response.json()) as Record<string, unknown> };
}

function capture(apiKey: string | undefined, document: unknown): Promise<Answer> {
  return request('POST', '/capture', apiKey, document);
}

function eventListOf(answer: Answer): Array<Record<string, unknown>> {
  const body = answer.body as { epcisBody?: { queryResults?: { resultsBody?: { eventList?: Array<Record<string, unknown>> } } } };
  const list = body.epcisBody?.queryResults?.resultsBody?.eventList;
  if (list === undefined) throw new Error(`not an EPCISQueryDocument: ${JSON.stringify(answer.body).slice(0, 500)}`);
  return list;
}

/** The hash IDs of the events a query answers, checking the answer is a valid EPCISQueryDocument. */
async function query(apiKey: string, search: string): Promise<string[]> {
  const answer = await request('GET', `/events${search === '' ? '' : `?${search}`}`, apiKey);
  expect({ search, status: answer.status }).toEqual({ search, status: 200 });
  expect(validateSchema(answer.body)).toBe(true);
  return eventListOf(answer).map((event) => eventHashId(event as never));
}

const serial = randomBytes(4).toString('hex');
const epc = (item: string): string => `urn:epc:id:sgtin:4012345.011111.${item}-${serial}`;
const pallet = `urn:epc:id:sscc:4012345.${serial}`;
const lot = `urn:epc:class:lgtin:4012345.022222.L-${serial}`;
const tool = `urn:epc:id:grai:4012345.55555.${serial}`;
const readPoint = 'urn:epc:id:sgln:4012345.00001.0';
const bizLocation = 'urn:epc:id:sgln:4012345.00002.0';
const documentContext: JsonValue = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { example: 'https://example.com/epcis/' }];
const hour = (offset: number): string => new Date(Date.UTC(2026, 10, 2, 8 + offset)).toISOString();

function epcisDocument(events: readonly unknown[]): Record<string, unknown> {
  return { '@context': documentContext, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-11-02T12:00:00Z', epcisBody: { eventList: events } };
}

/** One event of each EPCIS 2.0 type, an hour apart, in document order. */
const events: readonly JsonObject[] = [
  {
    type: 'ObjectEvent',
    eventTime: hour(0),
    eventTimeZoneOffset: '+00:00',
    epcList: [epc('A1'), epc('A2')],
    action: 'ADD',
    bizStep: 'commissioning',
    disposition: 'active',
    readPoint: { id: readPoint },
    bizLocation: { id: bizLocation },
    'example:line': 'L7',
  },
  { type: 'AggregationEvent', eventTime: hour(1), eventTimeZoneOffset: '+00:00', parentID: pallet, childEPCs: [epc('A1'), epc('A2')], action: 'ADD', bizStep: 'packing', disposition: 'in_progress' },
  {
    type: 'TransformationEvent',
    eventTime: hour(2),
    eventTimeZoneOffset: '+00:00',
    inputEPCList: [epc('A1')],
    inputQuantityList: [{ epcClass: lot, quantity: 10, uom: 'KGM' }],
    outputEPCList: [epc('B1')],
    bizStep: 'https://ref.gs1.org/cbv/BizStep-repairing',
  },
  { type: 'AssociationEvent', eventTime: hour(3), eventTimeZoneOffset: '+00:00', parentID: tool, childEPCs: [epc('B1')], action: 'ADD', bizStep: 'assembling' },
  {
    type: 'TransactionEvent',
    eventTime: hour(4),
    eventTimeZoneOffset: '+00:00',
    bizTransactionList: [{ type: 'po', bizTransaction: `urn:epcglobal:cbv:bt:4012345000009:${serial}` }],
    epcList: [epc('B1')],
    action: 'ADD',
    bizStep: 'shipping',
    disposition: 'in_transit',
  },
];
const document = epcisDocument(events);
const expectedIds = events.map((event) => eventHashId(prepareEvent(event, namespacesOf(documentContext))));
const [objectId, aggregationId, transformationId, associationId, transactionId] = expectedIds as [string, string, string, string, string];

beforeAll(async () => {
  started = await startPlatformWithApiKeys('twinledger-epcis-', [
    { name: 'owner', organizationId: ownerOrganization, role: 'partner', label: `test key of ${ownerOrganization}` },
    { name: 'other', organizationId: otherOrganization, role: 'partner', label: `test key of ${otherOrganization}` },
    { name: 'analyst', organizationId: ownerOrganization, role: 'analyst', label: 'test analyst' },
  ]);
  ownerKey = started.apiKeyOf('owner');
  otherKey = started.apiKeyOf('other');
  analystKey = started.apiKeyOf('analyst');
  epcisUrl = started.platform.endpoints.epcisUrl ?? '';
  expect(epcisUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/epcis$/);
  driver = neo4j.driver(started.platform.endpoints.neo4jUri);
});

afterAll(async () => {
  await driver?.close();
  await started?.stop();
});

test('without credentials, capture and query are 401 problem JSON', async () => {
  for (const answer of [await capture(undefined, document), await request('GET', '/events', undefined)]) {
    expect(answer.status).toBe(401);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: 'epcisException:SecurityException', status: 401 });
  }
});

test('a document of every event type is captured: hash IDs in document order, the events as captured, and the same again stores nothing', async () => {
  expect(validateSchema(document)).toBe(true);
  const captured = await capture(ownerKey, document);
  expect(captured).toMatchObject({ status: 200, body: { eventIds: expectedIds } });

  const answer = await request('GET', '/events', ownerKey);
  expect(answer.status).toBe(200);
  expect(answer.contentType).toMatch(/^application\/ld\+json/);
  expect(answer.body).toMatchObject({ type: 'EPCISQueryDocument', schemaVersion: '2.0', epcisBody: { queryResults: { queryName: 'SimpleEventQuery' } } });
  expect(validateSchema(answer.body)).toBe(true);
  const stored = eventListOf(answer);
  // As captured, with the record time the ledger gave each (the capturing block's time, just now).
  expect(stored).toEqual(events.map((event) => ({ ...prepareEvent(event, namespacesOf(documentContext)), recordTime: expect.any(String) })));
  for (const event of stored) expect(Math.abs(Date.parse(String(event['recordTime'])) - Date.now())).toBeLessThan(120_000);
  expect(stored[0]?.['https://example.com/epcis/line']).toBe('L7');

  const again = await capture(ownerKey, document);
  expect(again).toMatchObject({ status: 200, body: { eventIds: expectedIds } });
  // Reordered and re-serialised, it is still the same events.
  const reordered = await capture(ownerKey, epcisDocument([...events].reverse()));
  expect(reordered).toMatchObject({ status: 200, body: { eventIds: [...expectedIds].reverse() } });
  expect(await query(analystKey, '')).toEqual(expectedIds);
});

test('an invalid document is 400 naming the problem, and a document with one bad event stores none of its events', async () => {
  const before = await query(analystKey, '');
  const invalid = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'capture-invalid', 'ObjectEvent_with_invalid_action.json'), 'utf8')) as unknown;
  const refused = await capture(ownerKey, invalid);
  expect(refused.status).toBe(400);
  expect(refused.contentType).toMatch(/^application\/problem\+json/);
  expect(refused.body).toMatchObject({
    type: 'epcisException:ValidationException',
    title: 'The EPCIS document is not valid',
    status: 400,
    errors: [{ pointer: '/epcisBody/eventList/0/action', message: '/epcisBody/eventList/0/action: "CREATE" must be one of OBSERVE, ADD, DELETE' }],
  });

  const good = { ...(events[0] as JsonObject), epcList: [epc('C1')], eventTime: hour(6) };
  const bad = { ...(events[0] as JsonObject), epcList: [epc('C2')], eventTime: hour(7), 'undeclared:field': 1 };
  const mixed = await capture(ownerKey, epcisDocument([good, bad]));
  expect(mixed.status).toBe(400);
  expect(mixed.body['errors']).toEqual([{ pointer: '/epcisBody/eventList/1', message: expect.stringContaining('undeclared') }]);
  const lenient = await capture(ownerKey, JSON.parse(fs.readFileSync(path.join(vectorsDir, 'capture-lenient', 'TransactionEvent_with_userExtensions.json'), 'utf8')));
  expect(lenient.status).toBe(400);
  expect(await query(analystKey, '')).toEqual(before);
  expect(await query(ownerKey, `MATCH_epc=${encodeURIComponent(epc('C1'))}`)).toEqual([]);
});

test('each query parameter selects what the standard says', async () => {
  const cases: Array<[string, string[]]> = [
    ['eventType=AggregationEvent', [aggregationId]],
    ['eventType=ObjectEvent,TransactionEvent', [objectId, transactionId]],
    [`GE_eventTime=${hour(1)}&LT_eventTime=${hour(3)}`, [aggregationId, transformationId]],
    [`GE_eventTime=${encodeURIComponent('2026-11-02T10:00:00+01:00')}`, [aggregationId, transformationId, associationId, transactionId]],
    [`MATCH_epc=${encodeURIComponent(epc('A1'))}`, [objectId, aggregationId, transformationId]],
    [`MATCH_epc=${encodeURIComponent(pallet)}`, []],
    [`MATCH_anyEPC=${encodeURIComponent(pallet)}`, [aggregationId]],
    [`MATCH_anyEPC=${encodeURIComponent(`${tool},${epc('A2')}`)}`, [objectId, aggregationId, associationId]],
    [`MATCH_epcClass=${encodeURIComponent(lot)}`, [transformationId]],
    ['EQ_bizStep=commissioning', [objectId]],
    ['EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping,urn:epcglobal:cbv:bizstep:packing', [aggregationId, transactionId]],
    ['EQ_bizStep=repairing', [transformationId]],
    [`EQ_bizLocation=${encodeURIComponent(bizLocation)}`, [objectId]],
    [`EQ_readPoint=${encodeURIComponent(readPoint)}`, [objectId]],
    ['EQ_disposition=in_transit', [transactionId]],
    ['EQ_action=ADD&eventType=AssociationEvent,AggregationEvent', [aggregationId, associationId]],
    [`GE_recordTime=${encodeURIComponent('2000-01-01T00:00:00Z')}&LT_recordTime=${encodeURIComponent('2999-01-01T00:00:00Z')}`, expectedIds],
    [`LT_recordTime=${encodeURIComponent('2000-01-01T00:00:00Z')}`, []],
  ];
  const mismatches: string[] = [];
  for (const [search, expected] of cases) {
    const got = await query(ownerKey, search);
    if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${search}: got ${got.length} events ${JSON.stringify(got.map((id) => expectedIds.indexOf(id)))}, expected ${JSON.stringify(expected.map((id) => expectedIds.indexOf(id)))}`);
  }
  expect(mismatches).toEqual([]);

  const unknown = await request('GET', '/events?EQ_bizStep=shipping&GE_eventDate=2026-01-01T00:00:00Z', ownerKey);
  expect(unknown.status).toBe(400);
  expect(unknown.body).toMatchObject({ type: 'epcisException:QueryParameterException', errors: [{ parameter: 'GE_eventDate', message: expect.stringMatching(/^GE_eventDate: is not a query parameter/) }] });
});

test('pages of perPage events follow the Link header in event-time order, and a token serves only its own query', async () => {
  const pages: string[][] = [];
  let next: string | undefined = '/events?perPage=2&EQ_action=ADD,OBSERVE';
  let token = '';
  while (next !== undefined && pages.length < 10) {
    const answer = await request('GET', next, ownerKey);
    expect(answer.status).toBe(200);
    pages.push(eventListOf(answer).map((event) => eventHashId(event as never)));
    const link: string | null = answer.link;
    if (link === null) {
      next = undefined;
    } else {
      const match = /^<\/epcis(\/events\?[^>]+)>; rel="next"$/.exec(link);
      expect(match).not.toBeNull();
      next = match?.[1];
      token = new URLSearchParams(next?.split('?')[1] ?? '').get('nextPageToken') ?? '';
    }
  }
  // The TransformationEvent has no action, so EQ_action leaves it out.
  expect(pages).toEqual([[objectId, aggregationId], [associationId, transactionId]]);
  const foreign = await request('GET', `/events?perPage=2&nextPageToken=${token}`, ownerKey);
  expect(foreign.status).toBe(400);
  expect(foreign.body).toMatchObject({ errors: [{ parameter: 'nextPageToken' }] });
});

test('the TransformationEvent links its outputs to its inputs in the graph', async () => {
  const result = await driver.executeQuery(
    'MATCH (output:Product {serial: $output})-[:MADE_FROM]->(input) RETURN coalesce(input.serial, input.lot) AS id ORDER BY id',
    { output: epc('B1') },
    { routing: 'READ' },
  );
  expect(result.records.map((record) => record.get('id') as string)).toEqual([epc('A1'), lot].sort());
});

test('another organisation\'s partner sees only its own events; the analyst sees all and may not capture', async () => {
  expect(await query(otherKey, '')).toEqual([]);
  const theirs = { ...(events[0] as JsonObject), epcList: [epc('D1')], eventTime: hour(9) };
  const captured = await capture(otherKey, epcisDocument([theirs]));
  expect(captured.status).toBe(200);
  const [theirId] = captured.body['eventIds'] as string[];
  expect(await query(otherKey, '')).toEqual([theirId]);
  expect(await query(ownerKey, '')).toEqual(expectedIds);
  expect(await query(analystKey, '')).toEqual([...expectedIds, theirId]);
  const analystCapture = await capture(analystKey, epcisDocument([{ ...theirs, eventTime: hour(10) }]));
  expect(analystCapture.status).toBe(403);
  expect(analystCapture.body).toMatchObject({ type: 'epcisException:SecurityException' });
});

interface ReferenceEvent {
  readonly hashId: string;
  readonly event: Record<string, unknown>;
  readonly eventTimeMs: number;
}

const cbvWeb = (kind: 'BizStep' | 'Disp', value: string): string => {
  const urn = kind === 'BizStep' ? 'urn:epcglobal:cbv:bizstep:' : 'urn:epcglobal:cbv:disp:';
  const word = value.startsWith(urn) ? value.slice(urn.length) : value.startsWith('https://') ? undefined : value;
  return word === undefined ? value : `https://ref.gs1.org/cbv/${kind}-${word}`;
};
const strings = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);
const classes = (value: unknown): string[] => (Array.isArray(value) ? (value as Array<{ epcClass: string }>).map((element) => element.epcClass) : []);

/** What the standard says a query selects, written from its definitions rather than from the Cypher. */
function referenceMatches(event: ReferenceEvent, params: URLSearchParams): boolean {
  const e = event.event;
  const list = (name: string): string[] | undefined => (params.has(name) ? (params.get(name) ?? '').split(',') : undefined);
  const time = (name: string): number | undefined => (params.has(name) ? Date.parse(params.get(name) ?? '') : undefined);
  const subjects = [...strings(e['epcList']), ...strings(e['childEPCs']), ...strings(e['inputEPCList']), ...strings(e['outputEPCList'])];
  const everything = [...subjects, ...(typeof e['parentID'] === 'string' ? [e['parentID']] : [])];
  const allClasses = [...classes(e['quantityList']), ...classes(e['childQuantityList']), ...classes(e['inputQuantityList']), ...classes(e['outputQuantityList'])];
  const idOf = (field: string): string | undefined => (e[field] as { id?: string } | undefined)?.id;
  const checks: Array<boolean | undefined> = [
    list('eventType')?.includes(String(e['type'])),
    time('GE_eventTime') === undefined ? undefined : event.eventTimeMs >= (time('GE_eventTime') as number),
    time('LT_eventTime') === undefined ? undefined : event.eventTimeMs < (time('LT_eventTime') as number),
    list('EQ_action') === undefined ? undefined : typeof e['action'] === 'string' && (list('EQ_action') as string[]).includes(e['action']),
    list('EQ_bizStep') === undefined ? undefined : typeof e['bizStep'] === 'string' && (list('EQ_bizStep') as string[]).some((value) => cbvWeb('BizStep', value) === cbvWeb('BizStep', e['bizStep'] as string)),
    list('EQ_disposition') === undefined ? undefined : typeof e['disposition'] === 'string' && (list('EQ_disposition') as string[]).some((value) => cbvWeb('Disp', value) === cbvWeb('Disp', e['disposition'] as string)),
    list('EQ_bizLocation') === undefined ? undefined : (list('EQ_bizLocation') as string[]).includes(idOf('bizLocation') ?? ''),
    list('EQ_readPoint') === undefined ? undefined : (list('EQ_readPoint') as string[]).includes(idOf('readPoint') ?? ''),
    list('MATCH_epc') === undefined ? undefined : (list('MATCH_epc') as string[]).some((epc) => subjects.includes(epc) && e['parentID'] !== epc),
    list('MATCH_anyEPC') === undefined ? undefined : (list('MATCH_anyEPC') as string[]).some((epc) => everything.includes(epc)),
    list('MATCH_epcClass') === undefined ? undefined : (list('MATCH_epcClass') as string[]).some((epcClass) => allClasses.includes(epcClass)),
  ];
  return checks.every((check) => check !== false);
}

test('seeded random events and queries: every query, page by page, answers what a naive filter of the captured events answers', async () => {
  const seed = Number(process.env['EPCIS_QUERY_SEED'] ?? 20_261_124);
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const some = <T>(values: readonly T[], most: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(random() * most) }, () => pick(values)))];
  const maybe = <T>(value: T): T | undefined => (random() < 0.6 ? value : undefined);
  const epcs = Array.from({ length: 8 }, (_, index) => `urn:epc:id:sgtin:4012345.033333.R${index}-${serial}`);
  const parents = Array.from({ length: 3 }, (_, index) => `urn:epc:id:sscc:4012345.9${index}${serial}`);
  const lots = Array.from({ length: 3 }, (_, index) => `urn:epc:class:lgtin:4012345.033333.LR${index}-${serial}`);
  const places = ['urn:epc:id:sgln:4012345.00010.0', 'urn:epc:id:sgln:4012345.00011.0'];
  // EPCIS 2.0 JSON writes CBV values as bare words or Web URIs (GS1's schema refuses CBV 1.x URNs in
  // documents); queries may still use the URNs.
  const steps = ['shipping', 'receiving', 'https://ref.gs1.org/cbv/BizStep-packing'];
  const dispositions = ['in_transit', 'active', 'https://ref.gs1.org/cbv/Disp-in_transit'];
  const actions = ['ADD', 'OBSERVE', 'DELETE'];
  const types = ['ObjectEvent', 'AggregationEvent', 'TransformationEvent', 'AssociationEvent', 'TransactionEvent'];
  // Thirty instants for forty events, so some share an event time and the hash ID orders them.
  const instants = Array.from({ length: 30 }, (_, index) => Date.UTC(2031, 0, 1) + index * 60_000);
  const generated = Array.from({ length: 40 }, (): Record<string, unknown> => {
    const type = pick(types);
    const common = {
      type,
      eventTime: new Date(pick(instants)).toISOString(),
      eventTimeZoneOffset: '+00:00',
      ...(maybe(true) === undefined ? {} : { bizStep: pick(steps) }),
      ...(maybe(true) === undefined ? {} : { disposition: pick(dispositions) }),
      ...(maybe(true) === undefined ? {} : { readPoint: { id: pick(places) } }),
      ...(maybe(true) === undefined ? {} : { bizLocation: { id: pick(places) } }),
    };
    const quantities = random() < 0.4 ? [{ epcClass: pick(lots), quantity: 5 }] : undefined;
    switch (type) {
      case 'ObjectEvent':
        return { ...common, action: pick(actions), epcList: some(epcs, 3), ...(quantities === undefined ? {} : { quantityList: quantities }) };
      case 'TransactionEvent':
        return { ...common, action: pick(actions), bizTransactionList: [{ type: 'po', bizTransaction: `urn:epcglobal:cbv:bt:4012345000009:R${serial}` }], epcList: some(epcs, 2) };
      case 'AggregationEvent':
      case 'AssociationEvent':
        return { ...common, action: pick(actions), parentID: pick(parents), childEPCs: some(epcs, 2), ...(quantities === undefined ? {} : { childQuantityList: quantities }) };
      default:
        return { ...common, inputEPCList: some(epcs, 2), outputEPCList: [pick(epcs)], ...(quantities === undefined ? {} : { inputQuantityList: quantities }) };
    }
  });
  const captured: ReferenceEvent[] = [];
  for (const part of [generated.slice(0, 20), generated.slice(20)]) {
    const answer = await capture(ownerKey, epcisDocument(part));
    expect({ seed, status: answer.status, detail: answer.body['detail'] }).toEqual({ seed, status: 200, detail: undefined });
    for (const [index, hashId] of (answer.body['eventIds'] as string[]).entries()) {
      const event = part[index] as Record<string, unknown>;
      if (!captured.some((known) => known.hashId === hashId)) captured.push({ hashId, event, eventTimeMs: dateTimeMs(String(event['eventTime'])) as number });
    }
  }
  captured.sort((a, b) => a.eventTimeMs - b.eventTimeMs || (a.hashId < b.hashId ? -1 : a.hashId > b.hashId ? 1 : 0));

  const mismatches: string[] = [];
  let answeredSome = 0;
  let pagedQueries = 0;
  for (let round = 0; round < 40; round++) {
    const params = new URLSearchParams();
    // Every query stays within this test's events: no earlier test captured anything in 2031.
    params.set('GE_eventTime', new Date(random() < 0.5 ? Date.UTC(2031, 0, 1) : pick(instants)).toISOString());
    if (random() < 0.3) params.set('LT_eventTime', new Date(pick(instants) + 1).toISOString());
    if (random() < 0.3) params.set('eventType', some(types, 2).join(','));
    if (random() < 0.3) params.set('EQ_action', some(actions, 2).join(','));
    if (random() < 0.3) params.set('EQ_bizStep', some(['shipping', 'packing', 'urn:epcglobal:cbv:bizstep:receiving'], 2).join(','));
    if (random() < 0.3) params.set('EQ_disposition', some(['in_transit', 'https://ref.gs1.org/cbv/Disp-active'], 1).join(','));
    if (random() < 0.2) params.set('EQ_bizLocation', pick(places));
    if (random() < 0.2) params.set('EQ_readPoint', pick(places));
    if (random() < 0.3) params.set('MATCH_epc', some([...epcs, ...parents], 2).join(','));
    if (random() < 0.3) params.set('MATCH_anyEPC', some([...epcs, ...parents], 2).join(','));
    if (random() < 0.2) params.set('MATCH_epcClass', pick(lots));
    const perPage = 1 + Math.floor(random() * 7);
    params.set('perPage', String(perPage));
    const expected = captured.filter((event) => referenceMatches(event, params)).map((event) => event.hashId);
    const got: string[] = [];
    let next: string | undefined = `/events?${params.toString()}`;
    let pages = 0;
    while (next !== undefined && pages <= expected.length + 1) {
      const answer = await request('GET', next, ownerKey);
      if (answer.status !== 200) {
        mismatches.push(`${params.toString()}: status ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        break;
      }
      const page = eventListOf(answer).map((event) => eventHashId(event as never));
      if (page.length > perPage || (answer.link !== null && page.length !== perPage)) mismatches.push(`${params.toString()}: a page of ${page.length} with perPage ${perPage}`);
      got.push(...page);
      pages += 1;
      next = answer.link === null ? undefined : /^<\/epcis(\/events\?[^>]+)>; rel="next"$/.exec(answer.link)?.[1];
    }
    if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${params.toString()}: got ${got.length}, expected ${expected.length}`);
    if (expected.length > 0) answeredSome += 1;
    if (pages > 1) pagedQueries += 1;
  }
  expect({ seed, mismatches }).toEqual({ seed, mismatches: [] });
  // The comparison means something only if the queries select events, and across pages.
  expect({ seed, answeredSome: answeredSome >= 12, pagedQueries: pagedQueries >= 8 }).toEqual({ seed, answeredSome: true, pagedQueries: true });
});
