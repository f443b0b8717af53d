/**
 * The capture plan, decided before anything is signed: every valid vector document is planned with one
 * CBV 2.0 hash ID per event in document order (the reference generator's IDs where the event-hash
 * vectors give them), each payload the prepared event; every refusal is all or nothing, names the
 * event's pointer and plans nothing: a document GS1's schema refuses, one that is not an
 * EPCISDocument, an undeclared prefix, an event larger than one transaction, too many events. An event
 * repeated in one document is planned once and answered at both places. Pure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventHashId, prepareEvent } from '@twinledger/ledger-core/epcis';
import { captureEventCountMax, eventPayloadBytesMax, planCapture, type CapturePlan } from './prepare.js';
import { EpcisProblem, type Problem } from './problem.js';
import { compileEpcisSchema } from './validate.js';

const vectorsDir = path.resolve(__dirname, '..', '..', '..', 'shared', 'vectors', 'epcis');
const check = compileEpcisSchema();

function documentsIn(folder: string, pattern = /\.json(ld)?$/): Array<[string, Record<string, unknown>]> {
  const dir = path.join(vectorsDir, folder);
  return fs
    .readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => [name, JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Record<string, unknown>]);
}

function refusal(document: unknown): Problem {
  try {
    planCapture(document, check);
  } catch (error: unknown) {
    if (error instanceof EpcisProblem) return error.problem;
    throw error;
  }
  throw new Error('expected the capture to be refused');
}

function eventsOf(document: Record<string, unknown>): Array<Record<string, unknown>> {
  return (document['epcisBody'] as { eventList: Array<Record<string, unknown>> }).eventList;
}

const minimalDocument = (events: unknown[]): Record<string, unknown> => ({
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { example: 'https://example.com/voc/' }],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-11-24T10:00:00Z',
  epcisBody: { eventList: events },
});

const objectEvent = (serial: string): Record<string, unknown> => ({
  type: 'ObjectEvent',
  eventTime: '2026-11-24T09:00:00.000+01:00',
  eventTimeZoneOffset: '+01:00',
  epcList: [`urn:epc:id:sgtin:4012345.011111.${serial}`],
  action: 'OBSERVE',
  bizStep: 'shipping',
});

test('every valid document is planned: one hash ID per event in document order, payload the prepared event', () => {
  const documents = [...documentsIn('capture-valid'), ...documentsIn('gs1/examples')];
  const failures: string[] = [];
  for (const [name, document] of documents) {
    let plan: CapturePlan;
    try {
      plan = planCapture(document, check);
    } catch (error: unknown) {
      failures.push(`${name}: ${error instanceof EpcisProblem ? JSON.stringify(error.problem.errors ?? error.problem.detail) : String(error)}`);
      continue;
    }
    expect(plan.eventIds).toHaveLength(eventsOf(document).length);
    for (const id of plan.eventIds) expect(id).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    expect(new Set(plan.events.map((event) => event.hashId))).toEqual(new Set(plan.eventIds));
    for (const event of plan.events) {
      const prepared = (event.payload as { event: Record<string, unknown> }).event;
      expect(eventHashId(prepared as Parameters<typeof eventHashId>[0])).toBe(event.hashId);
      expect(Object.keys(prepared)).not.toContain('@context');
    }
  }
  expect(failures).toEqual([]);
});

test('hash IDs are the reference generator\'s for the event-hash vectors that GS1\'s schema accepts', () => {
  let compared = 0;
  for (const [name, document] of documentsIn('event-hash', /\.jsonld$/)) {
    if (document['type'] !== 'EPCISDocument' || !check(document).ok) continue;
    const expected = fs.readFileSync(path.join(vectorsDir, 'event-hash', name.replace(/\.jsonld$/, '.hashes')), 'utf8').split('\n').filter((line) => line.trim() !== '');
    const ignoresFields = Object.keys(document).some((key) => key.endsWith('ignoreFields'));
    if (ignoresFields) continue;
    expect({ name, ids: planCapture(document, check).eventIds }).toEqual({ name, ids: expected });
    compared += 1;
  }
  expect(compared).toBeGreaterThanOrEqual(5);
});

test('a document the schema refuses is refused whole, every problem listed with its pointer', () => {
  for (const [name, document] of [...documentsIn('capture-invalid'), ...documentsIn('capture-lenient')]) {
    const problem = refusal(document);
    expect({ name, status: problem.status, type: problem.type }).toEqual({ name, status: 400, type: 'epcisException:ValidationException' });
    expect(problem.errors?.length).toBeGreaterThan(0);
    for (const entry of problem.errors ?? []) expect(entry.message.startsWith(entry.pointer === '' ? '(document)' : `${entry.pointer ?? '?'}:`)).toBe(true);
    expect(problem.detail).toContain(problem.errors?.[0]?.message ?? '');
  }
});

test('capture takes an EPCISDocument only: a bare event GS1\'s schema accepts is refused', () => {
  const [, example] = documentsIn('gs1/examples').find(([name]) => name === 'Example_9.6.1-ObjectEvent.jsonld') ?? ['', {}];
  const bare = { '@context': example['@context'], ...(eventsOf(example)[0] ?? {}) };
  expect(check(bare).ok).toBe(true);
  expect(refusal(bare)).toMatchObject({ status: 400, errors: [{ pointer: '/type', message: '/type: "ObjectEvent" must be "EPCISDocument"' }] });
});

test('an undeclared prefix refuses the whole document, naming the event; nothing is planned for the good ones', () => {
  const bad = { ...objectEvent('2'), 'undeclared:temperature': 21 };
  const problem = refusal(minimalDocument([objectEvent('1'), bad, objectEvent('3')]));
  expect(problem.status).toBe(400);
  expect(problem.errors).toEqual([{ pointer: '/epcisBody/eventList/1', message: expect.stringMatching(/^\/epcisBody\/eventList\/1: .*undeclared.*\(UNKNOWN_PREFIX\)$/) }]);
  expect(problem.detail).toMatch(/nothing was stored$/);
});

test('an identifier the ledger cannot key (longer than 256 characters) refuses the document, naming the event', () => {
  const long = { ...objectEvent('1'), epcList: [`urn:epc:id:sgtin:4012345.011111.${'9'.repeat(300)}`] };
  expect(refusal(minimalDocument([objectEvent('2'), long]))).toMatchObject({
    status: 400,
    errors: [{ pointer: '/epcisBody/eventList/1', message: expect.stringMatching(/^\/epcisBody\/eventList\/1: "urn:epc:id:sgtin:4012345\.011111\.9+" is not an identifier this ledger keeps/) }],
  });
});

test('a declared prefix is expanded in the payload, and the same event twice is planned once, answered twice', () => {
  const event = { ...objectEvent('7'), 'example:temperature': 21 };
  const plan = planCapture(minimalDocument([event, objectEvent('8'), event]), check);
  expect(plan.eventIds).toHaveLength(3);
  expect(plan.eventIds[0]).toBe(plan.eventIds[2]);
  expect(plan.eventIds[0]).not.toBe(plan.eventIds[1]);
  expect(plan.events.map((planned) => planned.hashId)).toEqual([plan.eventIds[0], plan.eventIds[1]]);
  const prepared = (plan.events[0]?.payload as { event: Record<string, unknown> }).event;
  expect(prepared['https://example.com/voc/temperature']).toBe(21);
  expect(eventHashId(prepareEvent(event as never, { example: 'https://example.com/voc/' }))).toBe(plan.eventIds[0]);
});

test('an event larger than one transaction is refused before anything is signed', () => {
  // Just over the payload bound left beside the transaction envelope, and well over the ledger's own limit.
  const justOver = { ...objectEvent('9'), 'example:notes': Array.from({ length: 16 }, (_, index) => `${index}`.padEnd(4_030, 'x')) };
  const farOver = { ...objectEvent('9'), 'example:notes': Array.from({ length: 20 }, (_, index) => `${index}`.padEnd(4_000, 'x')) };
  expect(refusal(minimalDocument([objectEvent('1'), justOver]))).toMatchObject({
    status: 400,
    errors: [{ pointer: '/epcisBody/eventList/1', message: expect.stringMatching(new RegExp(`^/epcisBody/eventList/1: the event is \\d+ bytes once prepared; one event is at most ${eventPayloadBytesMax} bytes$`)) }],
  });
  expect(refusal(minimalDocument([farOver, objectEvent('1')]))).toMatchObject({
    status: 400,
    errors: [{ pointer: '/epcisBody/eventList/0', message: expect.stringMatching(/^\/epcisBody\/eventList\/0: the event does not fit one ledger transaction: transaction is larger than 65536 bytes$/) }],
  });
});

test('more events than one capture holds is 413, split the document', () => {
  const events = Array.from({ length: captureEventCountMax + 1 }, (_, index) => objectEvent(String(index)));
  expect(refusal(minimalDocument(events))).toMatchObject({ status: 413, type: 'epcisException:CaptureLimitExceededException' });
  expect(planCapture(minimalDocument(events.slice(0, 3)), check).eventIds).toHaveLength(3);
});
