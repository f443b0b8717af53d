/**
 * The events query's Cypher, tested as data: each filter becomes one WHERE conjunct over the projected
 * EpcisEvent properties with its values in parameters (never in the statement text), a partner's
 * statement is narrowed to its organisation's captures, pages continue strictly after the last
 * (eventTimeMs, hashId) seen, and one row more than the page is asked for. Pure.
 */
import fc from 'fast-check';
import { eventsStatement } from './query-cypher.js';
import { parseEventQuery, type EventQuery } from './query-params.js';

function query(search: string): EventQuery {
  const parsed = parseEventQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => problem.message).join('; '));
  return parsed.query;
}

const all = { kind: 'all' } as const;

test('no filter: every event, ordered by event time then hash ID, one row past the page', () => {
  expect(eventsStatement(query('perPage=5'), all)).toEqual({
    cypher: 'MATCH (e:EpcisEvent)\nRETURN e.hashId AS hashId, e.eventTimeMs AS eventTimeMs, e.recordTimeMs AS recordTimeMs, e.json AS json\nORDER BY e.eventTimeMs, e.hashId\nLIMIT $limit',
    parameters: { limit: 6 },
  });
});

test('a partner sees its own organisation\'s captures only; analysts and regulators are not narrowed', () => {
  const statement = eventsStatement(query(''), { kind: 'organization', organizationId: 'alpha-industries' });
  expect(statement.cypher).toContain('WHERE e.capturedBy = $organizationId');
  expect(statement.parameters['organizationId']).toBe('alpha-industries');
  expect(eventsStatement(query(''), all).cypher).not.toContain('capturedBy');
});

test('each parameter is one conjunct over its property, with its values as a parameter', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['eventType=ObjectEvent,TransformationEvent', 'e.eventType IN $eventTypes', { eventTypes: ['ObjectEvent', 'TransformationEvent'] }],
    ['EQ_action=ADD', 'e.action IN $actions', { actions: ['ADD'] }],
    ['EQ_bizStep=shipping', 'e.bizStep IN $bizSteps', { bizSteps: ['shipping', 'https://ref.gs1.org/cbv/BizStep-shipping', 'urn:epcglobal:cbv:bizstep:shipping'] }],
    ['EQ_disposition=in_transit', 'e.disposition IN $dispositions', { dispositions: ['in_transit', 'https://ref.gs1.org/cbv/Disp-in_transit', 'urn:epcglobal:cbv:disp:in_transit'] }],
    ['EQ_bizLocation=urn:epc:id:sgln:1.2.0', 'e.bizLocation IN $bizLocations', { bizLocations: ['urn:epc:id:sgln:1.2.0'] }],
    ['EQ_readPoint=urn:epc:id:sgln:1.2.7', 'e.readPoint IN $readPoints', { readPoints: ['urn:epc:id:sgln:1.2.7'] }],
    ['GE_eventTime=2026-01-01T00:00:00Z', 'e.eventTimeMs >= $eventTimeMsFrom', { eventTimeMsFrom: Date.UTC(2026, 0, 1) }],
    ['LT_eventTime=2026-01-01T00:00:00Z', 'e.eventTimeMs < $eventTimeMsBefore', { eventTimeMsBefore: Date.UTC(2026, 0, 1) }],
    ['GE_recordTime=2026-01-01T00:00:00Z', 'e.recordTimeMs >= $recordTimeMsFrom', { recordTimeMsFrom: Date.UTC(2026, 0, 1) }],
    ['LT_recordTime=2026-01-01T00:00:00Z', 'e.recordTimeMs < $recordTimeMsBefore', { recordTimeMsBefore: Date.UTC(2026, 0, 1) }],
    ['MATCH_epcClass=urn:epc:class:lgtin:1.2.L1', 'any(epcClass IN $epcClasses WHERE epcClass IN e.epcClasses)', { epcClasses: ['urn:epc:class:lgtin:1.2.L1'] }],
    ['MATCH_epc=urn:epc:id:sgtin:1.2.3', 'any(epc IN $epcs WHERE epc IN e.epcs AND (e.parentId IS NULL OR epc <> e.parentId))', { epcs: ['urn:epc:id:sgtin:1.2.3'] }],
    ['MATCH_anyEPC=urn:epc:id:sscc:1.9', 'any(epc IN $anyEpcs WHERE epc IN e.epcs)', { anyEpcs: ['urn:epc:id:sscc:1.9'] }],
  ];
  for (const [search, conjunct, parameters] of cases) {
    const statement = eventsStatement(query(search), all);
    expect(statement.cypher).toContain(`WHERE ${conjunct}\nRETURN`);
    expect(statement.parameters).toEqual({ limit: 31, ...parameters });
  }
});

test('filters combine with AND, and a page continues strictly after the last event seen', () => {
  const base = query('eventType=ObjectEvent&EQ_action=ADD');
  const statement = eventsStatement({ ...base, after: { eventTimeMs: 42, hashId: 'ni:///sha-256;00?ver=CBV2.0' } }, { kind: 'organization', organizationId: 'beta-logistics' });
  expect(statement.cypher).toContain(
    'WHERE e.capturedBy = $organizationId\n  AND e.eventType IN $eventTypes\n  AND e.action IN $actions\n  AND (e.eventTimeMs > $afterEventTimeMs OR (e.eventTimeMs = $afterEventTimeMs AND e.hashId > $afterHashId))',
  );
  expect(statement.parameters).toMatchObject({ afterEventTimeMs: 42, afterHashId: 'ni:///sha-256;00?ver=CBV2.0' });
});

test('a query naming items starts from their key indexes and the events that OBSERVED them', () => {
  const start = (search: string): string => eventsStatement(query(search), all).cypher.split('\nWHERE')[0] ?? '';
  expect(start('MATCH_epc=a&MATCH_anyEPC=b&MATCH_epcClass=c')).toBe('MATCH (item:Product) WHERE item.serial IN $epcs\nMATCH (item)<-[:OBSERVED]-(e:EpcisEvent)\nWITH DISTINCT e');
  expect(start('MATCH_anyEPC=b&MATCH_epcClass=c')).toBe('MATCH (item:Product) WHERE item.serial IN $anyEpcs\nMATCH (item)<-[:OBSERVED]-(e:EpcisEvent)\nWITH DISTINCT e');
  expect(start('MATCH_epcClass=c&eventType=ObjectEvent')).toBe('MATCH (item:Lot) WHERE item.lot IN $epcClasses\nMATCH (item)<-[:OBSERVED]-(e:EpcisEvent)\nWITH DISTINCT e');
  expect(start('eventType=ObjectEvent')).toBe('MATCH (e:EpcisEvent)');
  // The exact conditions still decide, whichever items the statement started from.
  expect(eventsStatement(query('MATCH_epc=a&MATCH_epcClass=c'), all).cypher).toContain('any(epcClass IN $epcClasses WHERE epcClass IN e.epcClasses)');
});

test('no value a client sends ever reaches the statement text', () => {
  // Prefixed so no value can be a word the statement itself uses.
  const value = fc.stringMatching(/^[\x21-\x2b\x2d-\x7e]{1,40}$/).map((text) => `urn:value:${text}`);
  fc.assert(
    fc.property(value, value, (epc, location) => {
      const search = new URLSearchParams({ MATCH_epc: epc, MATCH_anyEPC: epc, EQ_bizLocation: location, EQ_readPoint: location, MATCH_epcClass: epc });
      const parsed = parseEventQuery(search);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const statement = eventsStatement(parsed.query, { kind: 'organization', organizationId: location });
      for (const token of [epc, location]) expect(statement.cypher.includes(token)).toBe(false);
      expect(statement.parameters).toMatchObject({ epcs: [epc], anyEpcs: [epc], epcClasses: [epc], bizLocations: [location], readPoints: [location], organizationId: location });
    }),
  );
});
