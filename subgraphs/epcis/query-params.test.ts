/**
 * The events query's parameters: each standard parameter parsed into the filter (comma lists, repeats
 * added, CBV words in all three spellings), times as RFC 3339 with a zone, perPage bounded, unknown
 * parameters refused by name, and page tokens that round-trip for the same query and are refused for
 * another one or when forged. Pure.
 */
import fc from 'fast-check';
import {
  cbvSpellings,
  decodePageToken,
  encodePageToken,
  filterDigest,
  parseDateTimeMs,
  parseEventQuery,
  perPageDefault,
  perPageMax,
  type EventQuery,
  type EventQueryParse,
} from './query-params.js';

function parsed(search: string): EventQueryParse {
  return parseEventQuery(new URLSearchParams(search));
}

function query(search: string): EventQuery {
  const result = parsed(search);
  if (!result.ok) throw new Error(`expected ${search} to parse: ${result.problems.map((problem) => problem.message).join('; ')}`);
  return result.query;
}

function problems(search: string): string[] {
  const result = parsed(search);
  return result.ok ? [] : result.problems.map((problem) => problem.message);
}

test('no parameters: everything, first page of the default size', () => {
  expect(query('')).toEqual({ filter: {}, perPage: perPageDefault, after: undefined });
});

test('each list parameter lands in its filter field; comma lists and repeats add up, duplicates once', () => {
  const { filter } = query(
    'eventType=ObjectEvent,AggregationEvent&eventType=ObjectEvent&EQ_action=ADD&MATCH_epc=urn:epc:id:sgtin:1.2.3,urn:epc:id:sgtin:1.2.4&MATCH_anyEPC=urn:epc:id:sscc:1.9' +
      '&MATCH_epcClass=urn:epc:class:lgtin:1.2.L1&EQ_bizLocation=urn:epc:id:sgln:1.2.0&EQ_readPoint=urn:epc:id:sgln:1.2.7',
  );
  expect(filter).toEqual({
    eventTypes: ['ObjectEvent', 'AggregationEvent'],
    actions: ['ADD'],
    epcs: ['urn:epc:id:sgtin:1.2.3', 'urn:epc:id:sgtin:1.2.4'],
    anyEpcs: ['urn:epc:id:sscc:1.9'],
    epcClasses: ['urn:epc:class:lgtin:1.2.L1'],
    bizLocations: ['urn:epc:id:sgln:1.2.0'],
    readPoints: ['urn:epc:id:sgln:1.2.7'],
  });
});

test('bizStep and disposition match whichever of the three CBV spellings an event used', () => {
  const expected = ['shipping', 'https://ref.gs1.org/cbv/BizStep-shipping', 'urn:epcglobal:cbv:bizstep:shipping'];
  expect(query('EQ_bizStep=shipping').filter.bizSteps).toEqual(expected);
  expect(query('EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping').filter.bizSteps).toEqual(expected);
  expect(query('EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping').filter.bizSteps).toEqual(expected);
  expect(query('EQ_disposition=in_transit').filter.dispositions).toEqual(['in_transit', 'https://ref.gs1.org/cbv/Disp-in_transit', 'urn:epcglobal:cbv:disp:in_transit']);
  // A private vocabulary's URI stands for itself only.
  expect(cbvSpellings('https://example.com/steps/Refurbishing', 'bizSteps')).toEqual(['https://example.com/steps/Refurbishing']);
});

test('times are RFC 3339 with a zone, bounds are GE (inclusive) and LT (exclusive)', () => {
  const { filter } = query('GE_eventTime=2026-01-01T00:00:00Z&LT_eventTime=2026-01-01T01:00:00%2B01:00&GE_recordTime=2026-02-01T00:00:00.250Z&LT_recordTime=2026-03-01T00:00:00-00:30');
  expect(filter).toEqual({
    eventTimeMsFrom: Date.UTC(2026, 0, 1),
    eventTimeMsBefore: Date.UTC(2026, 0, 1),
    recordTimeMsFrom: Date.UTC(2026, 1, 1) + 250,
    recordTimeMsBefore: Date.UTC(2026, 2, 1, 0, 30),
  });
  expect(parseDateTimeMs('2026-01-01T00:00:00')).toBeUndefined();
  expect(parseDateTimeMs('2026-13-01T00:00:00Z')).toBeUndefined();
  expect(parseDateTimeMs('1 Jan 2026')).toBeUndefined();
  // Sub-millisecond digits round as the events' own times were rounded.
  expect(parseDateTimeMs('2026-01-01T00:00:00.1415Z')).toBe(Date.UTC(2026, 0, 1) + 142);
  expect(parseDateTimeMs('2026-01-01T00:00:00.1414Z')).toBe(Date.UTC(2026, 0, 1) + 141);
});

test('every bad parameter is refused by name, all at once', () => {
  expect(problems('GE_eventDate=2026-01-01T00:00:00Z')).toEqual([expect.stringMatching(/^GE_eventDate: is not a query parameter this service answers/)]);
  expect(problems('eventType=ObjectEvent&GE_eventTime=not-a-date&EQ_action=SHIPPED&orderDirection=SIDEWAYS')).toEqual([
    expect.stringMatching(/^orderDirection: is not a query parameter/),
    expect.stringMatching(/^EQ_action: "SHIPPED" is not an action/),
    expect.stringMatching(/^GE_eventTime: "not-a-date" is not an RFC 3339 date-time/),
  ]);
  expect(problems('eventType=QuantityEvent')).toEqual([expect.stringMatching(/^eventType: "QuantityEvent" is not an EPCIS event type/)]);
  expect(problems('MATCH_epc=a,,b')).toEqual(['MATCH_epc: has an empty value']);
  expect(problems('MATCH_epc=a%20b')).toEqual([expect.stringMatching(/^MATCH_epc: value "a b" is longer than .* or holds a space or control character$/)]);
  expect(problems(`MATCH_epc=${Array.from({ length: 101 }, (_, index) => `e${index}`).join(',')}`)).toEqual(['MATCH_epc: has more than 100 values']);
  expect(problems('GE_eventTime=2026-01-01T00:00:00Z&GE_eventTime=2026-01-02T00:00:00Z')).toEqual(['GE_eventTime: is given more than once']);
  for (const perPage of ['0', `${perPageMax + 1}`, '-1', '2.5', 'ten']) expect(problems(`perPage=${perPage}`)).toEqual([`perPage: must be one whole number from 1 to ${perPageMax}`]);
  expect(query(`perPage=${perPageMax}`).perPage).toBe(perPageMax);
});

test('a page token continues the query that issued it, and no other', () => {
  const first = query('eventType=ObjectEvent&perPage=2');
  const token = encodePageToken({ eventTimeMs: 1_700_000_000_000, hashId: 'ni:///sha-256;ab?ver=CBV2.0' }, filterDigest(first.filter, first.perPage));
  expect(query(`eventType=ObjectEvent&perPage=2&nextPageToken=${token}`).after).toEqual({ eventTimeMs: 1_700_000_000_000, hashId: 'ni:///sha-256;ab?ver=CBV2.0' });
  expect(problems(`eventType=AggregationEvent&perPage=2&nextPageToken=${token}`)).toEqual([expect.stringMatching(/^nextPageToken: belongs to a query with other parameters/)]);
  expect(problems(`eventType=ObjectEvent&perPage=3&nextPageToken=${token}`)).toEqual([expect.stringMatching(/^nextPageToken: belongs to a query with other parameters/)]);
  expect(problems('nextPageToken=not*a*token')).toEqual(['nextPageToken: is not a token this service issued']);
  expect(problems(`nextPageToken=${Buffer.from('{"x":1}').toString('base64url')}`)).toEqual(['nextPageToken: is not a token this service issued']);
});

test('page tokens round-trip any position, and any other string is refused rather than misread', () => {
  const digest = filterDigest({ eventTypes: ['ObjectEvent'] }, 10);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.string({ minLength: 1, maxLength: 200 }), (eventTimeMs, hashId) => {
      expect(decodePageToken(encodePageToken({ eventTimeMs, hashId }, digest), digest)).toEqual({ eventTimeMs, hashId });
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (text) => {
      const decoded = decodePageToken(text, digest);
      if (typeof decoded !== 'string') expect(encodePageToken(decoded, digest)).toBe(text);
    }),
  );
});

test('the filter digest ignores the order parameters came in', () => {
  const a = query('eventType=ObjectEvent&EQ_action=ADD');
  const b = query('EQ_action=ADD&eventType=ObjectEvent');
  expect(filterDigest(a.filter, a.perPage)).toBe(filterDigest(b.filter, b.perPage));
});
