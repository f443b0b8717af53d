/**
 * The EPCIS service's HTTP surface in process, with a stand-in graph: every request under /epcis needs
 * the gateway's identity header for audience `epcis` (none, or one for another subgraph, is 401);
 * unknown paths are 404 and wrong methods 405 with `Allow`; a capture body that is not JSON, not sent as
 * JSON, or too large is refused before validation; a bad query parameter is 400 naming it; a query
 * answers an EPCISQueryDocument of the rows the graph gave, with the next page in a relative `Link`.
 * Every refusal is problem JSON.
 */
import { generateKeyPairSync } from 'node:crypto';
import { signIdentityHeader, type Identity } from '@twinledger/gateway';
import { scriptedDriver } from '../shared/testing/scripted-driver.js';
import { captureBodyBytesMax, startEpcisServer, type RunningEpcisServer } from './server.js';
import { compileEpcisSchema } from './validate.js';

const keys = generateKeyPairSync('ed25519');
const partner: Identity = { organizationId: 'alpha-industries', role: 'partner', subject: 'test' };
const statements: Array<{ cypher: string; parameters: Record<string, unknown> }> = [];

function row(hashId: string, eventTimeMs: number): { keys: string[]; get: (key: string) => unknown } {
  const values: Record<string, unknown> = { hashId, eventTimeMs, recordTimeMs: eventTimeMs + 500, json: JSON.stringify({ type: 'ObjectEvent', eventTime: new Date(eventTimeMs).toISOString(), eventTimeZoneOffset: '+00:00', epcList: [], action: 'OBSERVE', 'https://example.com/id': hashId }) };
  return { keys: Object.keys(values), get: (key) => values[key] };
}

/** Answers every read with three events, as a graph would for a page of two plus one. */
const graph = scriptedDriver(async (cypher, parameters) => {
  statements.push({ cypher, parameters });
  return { records: [row('ni:///sha-256;01?ver=CBV2.0', 1_000), row('ni:///sha-256;02?ver=CBV2.0', 2_000), row('ni:///sha-256;03?ver=CBV2.0', 3_000)] };
});

let server: RunningEpcisServer;

beforeAll(async () => {
  server = await startEpcisServer({ driver: graph, identityVerifyKey: keys.publicKey, write: undefined, port: 0, check: compileEpcisSchema() });
});

afterAll(async () => {
  await server?.stop();
});

async function call(path: string, init: { method?: string; body?: string; contentType?: string; audience?: string | null } = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (init.audience !== null) headers['x-twinledger-identity'] = await signIdentityHeader(partner, keys.privateKey, init.audience ?? 'epcis');
  if (init.contentType !== undefined) headers['content-type'] = init.contentType;
  const response = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

test('without the gateway\'s identity header for audience epcis, 401', async () => {
  for (const audience of [null, 'identity']) {
    const answer = await call('/epcis/events', { audience });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: 'epcisException:SecurityException', title: 'Unauthenticated', status: 401 });
  }
});

test('unknown paths are 404, wrong methods 405 with Allow', async () => {
  expect(await call('/epcis/queries')).toMatchObject({ status: 404, body: { type: 'epcisException:NoSuchResourceException' } });
  const wrong = await call('/epcis/capture');
  expect(wrong).toMatchObject({ status: 405, body: { detail: '/epcis/capture answers POST only' } });
  expect(wrong.headers.get('allow')).toBe('POST');
  expect((await call('/epcis/events', { method: 'POST', body: '{}', contentType: 'application/json' })).headers.get('allow')).toBe('GET');
});

test('a capture body that is not JSON, not sent as JSON, or too large is refused before validation', async () => {
  expect(await call('/epcis/capture', { method: 'POST', body: '{"type":', contentType: 'application/ld+json' })).toMatchObject({ status: 400, body: { title: 'The body is not JSON' } });
  expect(await call('/epcis/capture', { method: 'POST', body: '{}', contentType: 'text/plain' })).toMatchObject({ status: 415 });
  expect(await call('/epcis/capture', { method: 'POST', body: ' '.repeat(captureBodyBytesMax + 1), contentType: 'application/json' })).toMatchObject({
    status: 413,
    body: { type: 'epcisException:CaptureLimitExceededException' },
  });
  // Valid JSON that is no EPCIS document reaches the schema and is refused there.
  expect(await call('/epcis/capture', { method: 'POST', body: '{"type":"EPCISDocument"}', contentType: 'application/json' })).toMatchObject({
    status: 400,
    body: { type: 'epcisException:ValidationException', errors: expect.arrayContaining([{ pointer: '', message: '(document): the member "@context" is required' }]) },
  });
});

test('a bad query parameter is 400 naming it, before the graph is read', async () => {
  const before = statements.length;
  const answer = await call('/epcis/events?orderBy=eventTime&perPage=0');
  expect(answer).toMatchObject({
    status: 400,
    body: { type: 'epcisException:QueryParameterException', errors: [{ parameter: 'orderBy' }, { parameter: 'perPage' }] },
  });
  expect(statements.length).toBe(before);
});

test('a query answers an EPCISQueryDocument of the page, with a relative Link to the next one', async () => {
  const answer = await call('/epcis/events?eventType=ObjectEvent&perPage=2');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/ld\+json/);
  expect(answer.body).toMatchObject({ type: 'EPCISQueryDocument', schemaVersion: '2.0', epcisBody: { queryResults: { queryName: 'SimpleEventQuery' } } });
  const events = (answer.body as { epcisBody: { queryResults: { resultsBody: { eventList: Array<Record<string, unknown>> } } } }).epcisBody.queryResults.resultsBody.eventList;
  expect(events.map((event) => event['https://example.com/id'])).toEqual(['ni:///sha-256;01?ver=CBV2.0', 'ni:///sha-256;02?ver=CBV2.0']);
  // The repository's record time, the capturing block's ledger time.
  expect(events.map((event) => event['recordTime'])).toEqual(['1970-01-01T00:00:01.500Z', '1970-01-01T00:00:02.500Z']);
  expect(compileEpcisSchema()(answer.body)).toEqual({ ok: true });
  expect(answer.headers.get('link')).toMatch(/^<\/epcis\/events\?eventType=ObjectEvent&perPage=2&nextPageToken=[A-Za-z0-9_-]+>; rel="next"$/);
  expect(statements[statements.length - 1]?.parameters).toMatchObject({ organizationId: 'alpha-industries' });
});
