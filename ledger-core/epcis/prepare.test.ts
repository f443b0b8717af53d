/**
 * Preparing events. Proves: every event of every capture-valid, capture-lenient and GS1 example
 * document prepares without error, the same way twice, hashes and yields its facts, and a prepared
 * event prepares to itself (what the contract relies on); prefixes in keys and values are expanded
 * from the document's and the event's contexts, an undeclared one is refused by name; and, as
 * properties over those events, neither key order, list order of EPCs, JSON whitespace nor blanks
 * around values change the hash ID, while changing an identifier does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { canonicalize } from '../chain/canonical.js';
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { EpcisEventError, EpcisEventErrorCode } from './errors.js';
import { seededRandom } from '../chain/testing/seeded-random.js';
import { capturedEventFacts } from './facts.js';
import { namespacesOf } from './namespaces.js';
import { eventHashId, eventPreHash } from './pre-hash.js';
import { prepareDocumentEvents, prepareEvent } from './prepare.js';

const vectors = path.resolve(__dirname, '../../../shared/vectors/epcis');
const folders = ['capture-valid', 'capture-lenient', 'gs1/examples'];
const documents = folders.flatMap((folder) =>
  fs
    .readdirSync(path.join(vectors, folder))
    .filter((name) => name.endsWith('.json') || name.endsWith('.jsonld'))
    .sort()
    .map((name) => ({ name: `${folder}/${name}`, text: fs.readFileSync(path.join(vectors, folder, name), 'utf8') })),
);
const allEvents = documents.flatMap((document) => prepareDocumentEvents(JSON.parse(document.text) as JsonValue).map((event, index) => ({ name: `${document.name}#${index}`, event })));

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof EpcisEventError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

describe('prepareDocumentEvents on the capture documents', () => {
  it('reads every document and event', () => {
    expect(documents.length).toBe(35 + 3 + 9);
    expect(allEvents.length).toBeGreaterThan(60);
  });

  it('prepares each the same way twice, to an event that prepares to itself, hashes, and has facts', () => {
    const failures: string[] = [];
    for (const document of documents) {
      const first = prepareDocumentEvents(JSON.parse(document.text) as JsonValue);
      const second = prepareDocumentEvents(JSON.parse(document.text) as JsonValue);
      if (canonicalize(first) !== canonicalize(second)) failures.push(`${document.name}: two preparations differ`);
      first.forEach((event, index) => {
        if (canonicalize(prepareEvent(event, {})) !== canonicalize(event)) failures.push(`${document.name}#${index}: preparing again changes it`);
        if (JSON.stringify(event).includes('"@context"')) failures.push(`${document.name}#${index}: keeps an @context`);
        if (!/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/.test(eventHashId(event))) failures.push(`${document.name}#${index}: no hash ID`);
        const facts = capturedEventFacts(event);
        if (!Number.isSafeInteger(facts.eventTimeMs)) failures.push(`${document.name}#${index}: no event time`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('gives distinct hash IDs to the distinct events of the corpus', () => {
    const byHash = new Map<string, string>();
    for (const { event } of allEvents) byHash.set(eventHashId(event), eventPreHash(event));
    const distinctPreHashes = new Set(allEvents.map(({ event }) => eventPreHash(event)));
    expect(byHash.size).toBe(distinctPreHashes.size);
    expect(distinctPreHashes.size).toBeGreaterThan(50);
  });
});

describe('prepareEvent', () => {
  const event: JsonObject = {
    type: 'ObjectEvent',
    eventTime: '2024-05-01T10:00:00+02:00',
    eventTimeZoneOffset: '+02:00',
    epcList: ['urn:epc:id:sgtin:4012345.011111.1'],
    action: 'OBSERVE',
    readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0', 'ex:door': 'ex:north' },
    'ex:batch': { 'ex:line': '7' },
    sensorElementList: [{ sensorReport: [{ type: 'gs1:Temperature', value: 21 }] }],
  };

  it('expands declared prefixes in keys and values, with the event context over the document one', () => {
    const prepared = prepareEvent({ ...event, '@context': [{ ex: 'https://event.example/' }] }, { ex: 'https://document.example/' });
    expect(prepared).toEqual({
      type: 'ObjectEvent',
      eventTime: '2024-05-01T10:00:00+02:00',
      eventTimeZoneOffset: '+02:00',
      epcList: ['urn:epc:id:sgtin:4012345.011111.1'],
      action: 'OBSERVE',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0', 'https://event.example/door': 'https://event.example/north' },
      'https://event.example/batch': { 'https://event.example/line': '7' },
      sensorElementList: [{ sensorReport: [{ type: 'https://gs1.org/voc/Temperature', value: 21 }] }],
    });
    expect(eventPreHash(prepared)).toContain('readPointid=https://id.gs1.org/414/4012345000016{https://event.example/}door=https://event.example/north');
  });

  it('hashes the same whatever the prefix is called', () => {
    const renamed = JSON.parse(JSON.stringify(event).replace(/"ex:/g, '"other:')) as JsonObject;
    expect(eventHashId(prepareEvent(renamed, { other: 'https://ns.example/' }))).toBe(eventHashId(prepareEvent(event, { ex: 'https://ns.example/' })));
  });

  it('leaves out the fields a document says to ignore', () => {
    const withBookkeeping = { ...event, 'repo:hash': 'ni:///sha-256;00?ver=CBV2.0' };
    const namespaces = { ex: 'https://ns.example/', repo: 'https://repo.example/' };
    const prepared = prepareEvent(withBookkeeping, namespaces, { ignoreFields: ['repo:hash'] });
    expect(prepared).not.toHaveProperty(['https://repo.example/hash']);
    expect(eventHashId(prepared)).toBe(eventHashId(prepareEvent(event, namespaces)));
  });

  it('refuses what it cannot prepare, by code and field', () => {
    expect(codeOf(() => prepareEvent(event, {}))).toBe(EpcisEventErrorCode.unknownPrefix);
    expect(() => prepareEvent(event, {})).toThrow(/ObjectEvent\.readPoint\.ex:door: no @context declares the prefix of "ex:door"/);
    expect(codeOf(() => prepareEvent([event], {}))).toBe(EpcisEventErrorCode.notAnObject);
    expect(codeOf(() => prepareEvent('ObjectEvent', {}))).toBe(EpcisEventErrorCode.notAnObject);
    expect(codeOf(() => prepareEvent({ ...event, type: undefined } as unknown as JsonObject, { ex: 'https://e/' }))).toBe(EpcisEventErrorCode.noType);
    expect(codeOf(() => prepareEvent({ ...event, type: 'PartyEvent' }, { ex: 'https://e/' }))).toBe(EpcisEventErrorCode.unknownEventType);
    expect(codeOf(() => prepareEvent({ ...event, eventTime: '2024-05-01T10:00:00' }, { ex: 'https://e/' }))).toBe(EpcisEventErrorCode.badEventTime);
    expect(codeOf(() => prepareEvent({ ...event, eventTime: '2024-02-30T10:00:00Z' }, { ex: 'https://e/' }))).toBe(EpcisEventErrorCode.badEventTime);
    expect(codeOf(() => prepareEvent({ ...event, 'ex:a': 1, 'ey:a': 2 }, { ex: 'https://e/', ey: 'https://e/' }))).toBe(EpcisEventErrorCode.duplicateKey);
  });

  it('refuses a namespace that would make an expanded key read as a compact IRI again', () => {
    expect(codeOf(() => prepareEvent({ ...event, 'ex:batch': 1 }, { ex: 'example:ns/' }))).toBe(EpcisEventErrorCode.badNamespace);
    expect(codeOf(() => prepareEvent({ ...event, readPoint: { id: 'ex:a' } }, { ex: 'cbv:' }))).toBe(EpcisEventErrorCode.badNamespace);
    const tagged = prepareEvent(event, { ex: 'tag:example.com,2024:' });
    expect(tagged['tag:example.com,2024:batch']).toEqual({ 'tag:example.com,2024:line': '7' });
    expect(prepareEvent(tagged, {})).toEqual(tagged);
  });

  it('keeps URN keys and absolute IRIs as they are', () => {
    const prepared = prepareEvent({ ...event, readPoint: { id: 'geo:47.5,11.1' }, 'urn:example:field': 'https://x.example/a:b', 'ex:batch': 'urn:epc:id:sgtin:1234567.012345.9' }, { ex: 'https://e/' });
    expect(prepared['urn:example:field']).toBe('https://x.example/a:b');
    expect(prepared['https://e/batch']).toBe('urn:epc:id:sgtin:1234567.012345.9');
    expect(prepared['readPoint']).toEqual({ id: 'geo:47.5,11.1' });
  });
});

describe('namespacesOf', () => {
  it('reads object entries, later over earlier, and ignores remote contexts and non-prefixes', () => {
    expect(
      namespacesOf(['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { ex: 'https://a/', term: { '@id': 'https://t/' } }, { ex: 'https://b/', '@vocab': 'https://v/', bad: 'not an iri' }]),
    ).toEqual({ ex: 'https://b/', term: 'https://t/' });
    expect(namespacesOf(undefined)).toEqual({});
    expect(namespacesOf('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld')).toEqual({});
    expect(namespacesOf({ ex: 'https://a/' })).toEqual({ ex: 'https://a/' });
  });
});

/** `value` with every object's keys reordered and every list of strings (EPC lists) permuted by `random`. */
function reordered(value: JsonValue, random: () => number): JsonValue {
  if (Array.isArray(value)) {
    const items = (value as readonly JsonValue[]).map((item) => reordered(item, random));
    // Lists whose items the hash sorts: all of them except ordered structures, which the hash sorts too.
    return shuffle(items, random);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = shuffle(Object.entries(value), random).map(([key, child]) => [key, reordered(child, random)] as const);
  return Object.fromEntries(entries) as JsonObject;
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

/** `value` with blanks around every string that is not a key. */
function padded(value: JsonValue, pad: string): JsonValue {
  if (typeof value === 'string') return `${pad}${value}${pad}`;
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((item) => padded(item, pad));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, padded(child, pad)])) as JsonObject;
}

describe('hash invariance (properties over the corpus events)', () => {
  const eventIndex = fc.nat({ max: allEvents.length - 1 });

  it('key order, list order and JSON whitespace do not change the hash ID', () => {
    fc.assert(
      fc.property(eventIndex, fc.integer(), fc.constantFrom(0, 1, 2, 4, '\t'), (index, seed, indent) => {
        const { event } = allEvents[index] as { event: JsonObject };
        const text = JSON.stringify(reordered(event, seededRandom(seed)), null, indent);
        expect(eventHashId(JSON.parse(text) as JsonObject)).toBe(eventHashId(event));
      }),
      { numRuns: 300 },
    );
  });

  it('blanks around values do not change the hash ID', () => {
    fc.assert(
      fc.property(eventIndex, fc.constantFrom(' ', '  ', '\t', '\n '), (index, pad) => {
        const { event } = allEvents[index] as { event: JsonObject };
        expect(eventHashId(padded(event, pad) as JsonObject)).toBe(eventHashId(event));
      }),
      { numRuns: 200 },
    );
  });

  it('another serial number gives another hash ID', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), (serialA, serialB) => {
        fc.pre(serialA !== serialB);
        const base = { type: 'ObjectEvent', eventTime: '2024-01-01T00:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE' };
        const a = eventHashId({ ...base, epcList: [`urn:epc:id:sgtin:4012345.011111.${serialA}`] });
        const b = eventHashId({ ...base, epcList: [`urn:epc:id:sgtin:4012345.011111.${serialB}`] });
        expect(a).not.toBe(b);
      }),
      { numRuns: 200 },
    );
  });
});
