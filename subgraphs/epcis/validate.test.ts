/**
 * GS1's EPCIS 2.0 JSON schema as the capture service compiles it, against the shared vectors
 * (`../shared/vectors/epcis/`): every capture-valid document and every example of the standard is
 * accepted; every capture-invalid document is refused with one message per problem that names the
 * JSON pointer and says what is wrong; the capture-lenient documents are refused too (the service's
 * decision, see capture.ts), each naming the member or value outside the standard. Across all refused
 * vectors the report is collected before asserting, so one run lists every document that misbehaves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { compileEpcisSchema, epcisSchemaPath, schemaProblems, valueAt, type SchemaProblem } from './validate.js';

const vectorsDir = path.resolve(__dirname, '..', '..', '..', 'shared', 'vectors', 'epcis');
const check = compileEpcisSchema();

function documentsIn(folder: string): Array<[string, unknown]> {
  const dir = path.join(vectorsDir, folder);
  return fs
    .readdirSync(dir)
    .filter((name) => /\.json(ld)?$/.test(name))
    .sort()
    .map((name) => [name, JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as unknown]);
}

function problemsOf(document: unknown): readonly SchemaProblem[] {
  const result = check(document);
  return result.ok ? [] : result.problems;
}

test('the schema in graph-schema/epcis is GS1 draft-07 schema, byte for byte the vectors copy', () => {
  expect(fs.readFileSync(epcisSchemaPath(), 'utf8')).toBe(fs.readFileSync(path.join(vectorsDir, 'gs1', 'EPCIS-JSON-Schema.json'), 'utf8'));
});

test('every capture-valid document and every GS1 example is accepted', () => {
  const documents = [...documentsIn('capture-valid'), ...documentsIn('gs1/examples')];
  expect(documents.length).toBeGreaterThanOrEqual(44);
  const refused = documents.filter(([, document]) => !check(document).ok).map(([name, document]) => `${name}: ${problemsOf(document).map((problem) => problem.message).join('; ')}`);
  expect(refused).toEqual([]);
});

/** For each capture-invalid vector: the pointers and message fragments its problems must show, in order. */
const expectedProblems: Readonly<Record<string, ReadonlyArray<readonly [string, RegExp]>>> = {
  'Combination_of_events_with_missing_mandatory_fields.json': [
    ['/epcisBody/eventList/0', /"action" is required/],
    ['/epcisBody/eventList/1', /"eventTimeZoneOffset" is required/],
    ['/epcisBody/eventList/1', /"action" is required/],
  ],
  'Combination_of_multiple_invalid_fields.json': [
    ['/epcisBody/eventList/0/bizStep', /"transforming" must be a URI, or one of the standard values \(accepting, /],
    ['/epcisBody/eventList/1/disposition', /"in_transport" must be a URI, or one of the standard values \(active, /],
    ['/epcisBody/eventList/2/sourceList/0/type', /"place" must be a URI, or one of owning_party, possessing_party, location$/],
    ['/epcisBody/eventList/3/ilmd', /member "materialType" is not allowed here: a member name here must be a URI$/],
    ['/epcisBody/eventList/4/eventTime', /"22-07-2026" must be an RFC 3339 date-time/],
    ['/epcisBody/eventList/4/action', /"CREATE" must be one of OBSERVE, ADD, DELETE$/],
  ],
  'Combination_of_non_standard_bizStep_and_disposition.json': [
    ['/epcisBody/eventList/0/bizStep', /"transforming" must be a URI/],
    ['/epcisBody/eventList/1/disposition', /"in_transport" must be a URI/],
  ],
  'EPCISDocument_without_context.json': [['', /^\(document\): the member "@context" is required$/]],
  'ObjectEvent_with_ilmd_field_without_namespace.json': [['/epcisBody/eventList/0/ilmd', /member "materialType" is not allowed here/]],
  'ObjectEvent_with_invalid_action.json': [['/epcisBody/eventList/0/action', /"CREATE" must be one of OBSERVE, ADD, DELETE$/]],
  'ObjectEvent_with_invalid_certificationInfo.json': [
    ['/epcisBody/eventList/0/certificationInfo/0', /must be of type string$/],
    ['/epcisBody/eventList/0/certificationInfo/1', /must be of type string$/],
  ],
  'ObjectEvent_with_invalid_eventTime_format.json': [['/epcisBody/eventList/0/eventTime', /"22-07-2026" must be an RFC 3339 date-time with a time zone$/]],
  'ObjectEvent_with_non_standard_bizStep.json': [['/epcisBody/eventList/0/bizStep', /"transforming" must be a URI, or one of the standard values/]],
  'ObjectEvent_with_non_standard_bizStep_in_second_event.json': [['/epcisBody/eventList/1/bizStep', /"transforming" must be a URI/]],
  'ObjectEvent_with_non_standard_disposition.json': [['/epcisBody/eventList/0/disposition', /"in_transport" must be a URI, or one of the standard values/]],
  'ObjectEvent_with_quantity_as_text.json': [['/epcisBody/eventList/0/quantityList/0/quantity', /"twenty" must be of type number$/]],
  'ObjectEvent_with_unknown_field_in_quantityList.json': [['/epcisBody/eventList/0/quantityList/0', /the member "weight" is not allowed here$/]],
  'ObjectEvent_without_action_and_eventTime.json': [
    ['/epcisBody/eventList/0', /"eventTime" is required/],
    ['/epcisBody/eventList/0', /"eventTimeZoneOffset" is required/],
    ['/epcisBody/eventList/0', /"action" is required/],
  ],
  'ObjectEvent_without_identifier_list.json': [
    ['/epcisBody/eventList/0', /must have a member "epcList", or a member "quantityList", or a member "sensorElementList" and a member "readPoint"$/],
  ],
};

test('every capture-invalid document is refused, one message per problem naming its JSON pointer', () => {
  const documents = documentsIn('capture-invalid');
  expect(documents.map(([name]) => name)).toEqual(Object.keys(expectedProblems).sort());
  const mismatches: string[] = [];
  for (const [name, document] of documents) {
    const problems = problemsOf(document);
    const expected = expectedProblems[name] ?? [];
    const matches =
      problems.length === expected.length &&
      expected.every(([pointer, pattern], index) => problems[index]?.pointer === pointer && pattern.test(problems[index]?.message ?? ''));
    if (!matches) mismatches.push(`${name}: got ${JSON.stringify(problems.map((problem) => problem.message))}`);
  }
  expect(mismatches).toEqual([]);
});

test('every message starts with its pointer, and the pointer names a place in the document', () => {
  for (const [, document] of [...documentsIn('capture-invalid'), ...documentsIn('capture-lenient')]) {
    for (const problem of problemsOf(document)) {
      expect(problem.message.startsWith(problem.pointer === '' ? '(document): ' : `${problem.pointer}: `)).toBe(true);
      expect(valueAt(document, problem.pointer)).not.toBeUndefined();
    }
  }
});

test('the capture-lenient documents are refused, naming what GS1 does not allow', () => {
  const problems = Object.fromEntries(documentsIn('capture-lenient').map(([name, document]) => [name, problemsOf(document).map((problem) => problem.message)]));
  expect(problems['AggregationEvent_with_persistentDisposition.json']).toEqual([expect.stringMatching(/^\/epcisBody\/eventList\/1: member "persistentDisposition" is not allowed here/)]);
  expect(problems['TransactionEvent_with_userExtensions.json']).toEqual([
    expect.stringMatching(/^\/epcisBody\/eventList\/0\/sensorElementList\/0\/sensorReport\/0\/type: "EffectiveDoseRate" must be a URI, or one of the standard values/),
  ]);
  expect(problems['SensorData_with_combined_events.json']).toEqual([
    expect.stringMatching(/^\/epcisBody\/eventList\/7\/sensorElementList\/0\/sensorReport\/1\/type: "Molar_concentration" must be a URI/),
    expect.stringMatching(/^\/epcisBody\/eventList\/7\/sensorElementList\/0\/sensorReport\/2\/type: "Molar_concentration" must be a URI/),
    expect.stringMatching(/^\/epcisBody\/eventList\/8\/sensorElementList\/0\/sensorReport\/0: the member "type" is required$/),
    expect.stringMatching(/^\/epcisBody\/eventList\/8\/sensorElementList\/0\/sensorReport\/1: the member "type" is required$/),
    expect.stringMatching(/^\/epcisBody\/eventList\/10\/sensorElementList\/0\/sensorReport\/0\/type: "EffectiveDoseRate" must be a URI/),
  ]);
});

test('a bizStep that is neither a CBV word nor a URI is exactly one problem at that event, wherever it is', () => {
  const [, base] = documentsIn('capture-valid').find(([name]) => name === 'Combination_of_different_event.json') ?? ['', {}];
  const eventCount = ((base as { epcisBody: { eventList: unknown[] } }).epcisBody.eventList).length;
  const standard = new Set(['accepting', 'arriving', 'shipping', 'receiving', 'other', 'holding', 'loading', 'packing', 'picking', 'storing']);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: eventCount - 1 }),
      fc.stringMatching(/^[a-z_]{1,20}$/).filter((word) => !standard.has(word) && word.length > 0),
      (index, word) => {
        const document = structuredClone(base) as { epcisBody: { eventList: Array<Record<string, unknown>> } };
        const event = document.epcisBody.eventList[index] as Record<string, unknown>;
        event['bizStep'] = word;
        const problems = problemsOf(document);
        // A CBV word the generator happened to hit is accepted; anything else is one problem.
        if (problems.length === 0) return;
        expect(problems).toEqual([{ pointer: `/epcisBody/eventList/${index}/bizStep`, message: expect.stringContaining(`"${word}" must be a URI, or one of the standard values`) }]);
      },
    ),
    { numRuns: 200 },
  );
});

test('a CBV 1.x URN where EPCIS 2.0 JSON wants a bare word or a Web URI says what is excluded', () => {
  const [, base] = documentsIn('capture-valid').find(([name]) => name === 'ObjectEvent.json') ?? ['', {}];
  const document = structuredClone(base) as { epcisBody: { eventList: Array<Record<string, unknown>> } };
  (document.epcisBody.eventList[0] as Record<string, unknown>)['bizStep'] = 'urn:epcglobal:cbv:bizstep:shipping';
  expect(problemsOf(document)).toEqual([
    {
      pointer: '/epcisBody/eventList/0/bizStep',
      message: expect.stringMatching(/^\/epcisBody\/eventList\/0\/bizStep: "urn:epcglobal:cbv:bizstep:shipping" must be a value that does not start with urn:epcglobal:cbv or https\?:\/\/ns\.gs1\.org\/cbv\/, or one of the standard values \(accepting, /),
    },
  ]);
});

test('schemaProblems drops if-errors, folds anyOf alternatives, and never answers an empty refusal', () => {
  const document = { a: 'x' };
  expect(
    schemaProblems(
      [
        { instancePath: '/a', schemaPath: '#/definitions/u/format', keyword: 'format', params: { format: 'uri' } },
        { instancePath: '/a', schemaPath: '#/anyOf/1/enum', keyword: 'enum', params: { allowedValues: ['y', 'z'] } },
        { instancePath: '/a', schemaPath: '#/anyOf', keyword: 'anyOf', params: {} },
        { instancePath: '', schemaPath: '#/allOf/0/if', keyword: 'if', params: { failingKeyword: 'then' } },
      ],
      document,
    ),
  ).toEqual([{ pointer: '/a', message: '/a: "x" must be a URI, or one of y, z' }]);
  expect(schemaProblems([{ instancePath: '', schemaPath: '#/allOf/0/if', keyword: 'if', params: { failingKeyword: 'then' } }], document)).toEqual([
    { pointer: '', message: '(document): does not match the EPCIS 2.0 JSON schema' },
  ]);
  expect(schemaProblems([], document)).toEqual([]);
});

test('valueAt follows RFC 6901 escapes', () => {
  expect(valueAt({ 'a/b': { '~c': 1 } }, '/a~1b/~0c')).toBe(1);
  expect(valueAt({ a: [5, 6] }, '/a/1')).toBe(6);
  expect(valueAt({ a: 1 }, '/a/b')).toBeUndefined();
  expect(valueAt(3, '')).toBe(3);
});
