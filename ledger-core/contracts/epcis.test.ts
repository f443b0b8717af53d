/**
 * EPCIS capture. Proves: the behaviour in testdata/epcis.txt (an event is keyed by the hash ID the
 * ledger computes from it; the same event in another serialisation, with another eventID or
 * recordTime, is refused as EVENT_EXISTS, and any change to what happened is a new event; only
 * active organisations and their delegates capture; malformed, unprepared and non-item-id events are
 * BAD_PAYLOAD), run through the real pipeline; and, directly over every event of the capture corpus:
 * each is accepted once with the reference hash ID and its facts, and refused the second time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { eventHashId, prepareDocumentEvents } from '../epcis/index.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import type { ContractCall, StateView } from './contract.js';
import { epcisContract, epcisEventKey, EpcisRejectionCode, EpcisTransactionType, findEpcisEvent, transformationLinksMax } from './epcis.js';
import { ContractInvariantError } from './invariant.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/epcis.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'epcis.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThanOrEqual(8);
  });
});

const alpha = seededParty('alpha');
const genesis = testGenesis([alpha, seededParty('beta')]);
const vectors = path.resolve(__dirname, '../../../shared/vectors/epcis');

function corpusEvents(): Array<{ name: string; event: JsonObject }> {
  return ['capture-valid', 'gs1/examples', 'event-hash'].flatMap((folder) =>
    fs
      .readdirSync(path.join(vectors, folder))
      .filter((name) => /\.json(?:ld)?$/.test(name))
      .sort()
      .flatMap((name) => prepareDocumentEvents(JSON.parse(fs.readFileSync(path.join(vectors, folder, name), 'utf8')) as JsonValue).map((event, index) => ({ name: `${folder}/${name}#${index}`, event }))),
  );
}

describe('epcis.capture over the capture corpus', () => {
  it('accepts each distinct event once, keyed by its hash ID, and refuses it again as EVENT_EXISTS', () => {
    const entries = new Map<string, JsonValue>();
    const view: StateView = { get: (key) => entries.get(key) };
    let count = 0;
    const outcomes = { accepted: 0, duplicate: 0 };
    for (const { name, event } of corpusEvents()) {
      count++;
      const txId = count.toString(16).padStart(64, '0');
      const call: ContractCall = { type: EpcisTransactionType.capture, payload: { event }, context: { txId, signer: alpha.did, ledgerTimeMs: genesis.timeMs, height: count, position: 0, genesis } };
      const hashId = eventHashId(event);
      const seenBefore = findEpcisEvent(view, hashId);
      const refusal = epcisContract.validate(call, view);
      if (seenBefore !== undefined) {
        expect({ name, code: refusal?.code }).toEqual({ name, code: EpcisRejectionCode.eventExists });
        outcomes.duplicate++;
        continue;
      }
      expect({ name, refusal }).toEqual({ name, refusal: undefined });
      const effects = epcisContract.apply(call, view);
      expect(effects.writes).toEqual([[epcisEventKey(hashId), { hashId, capturedBy: 'alpha', txId }]]);
      expect(effects.events).toHaveLength(1);
      expect(effects.events[0]).toMatchObject({ type: 'EpcisEventCaptured', hashId, capturedBy: 'alpha', delegationId: null, event, eventType: event['type'] });
      for (const [key, value] of effects.writes) if (value !== null) entries.set(key, value);
      expect(epcisContract.validate(call, view)?.code).toBe(EpcisRejectionCode.eventExists);
      outcomes.accepted++;
    }
    // The corpus repeats a few events (the hash vectors use the same event in two documents).
    expect(outcomes.accepted).toBeGreaterThanOrEqual(60);
    expect(outcomes.duplicate).toBeGreaterThan(0);
  });

  it('never reads a stored record of another shape as an event', () => {
    const hashId = eventHashId({ type: 'ObjectEvent', eventTime: '2020-01-01T00:00:00Z' });
    expect(() => findEpcisEvent({ get: () => ({ hashId: 'other', capturedBy: 'alpha', txId: '00' }) }, hashId)).toThrow(ContractInvariantError);
    expect(() => findEpcisEvent({ get: () => 'text' }, hashId)).toThrow(ContractInvariantError);
    expect(findEpcisEvent({ get: () => undefined }, hashId)).toBeUndefined();
  });
});

describe('epcis.capture on arbitrary input', () => {
  const view: StateView = { get: () => undefined };
  const call = (payload: JsonValue): ContractCall => ({
    type: EpcisTransactionType.capture,
    payload,
    context: { txId: '00'.repeat(32), signer: alpha.did, ledgerTimeMs: genesis.timeMs, height: 1, position: 0, genesis },
  });
  const events = corpusEvents().map(({ event }) => event);

  /** `value` with the subtree at a path chosen by `choices` replaced by `replacement`. */
  function mutated(value: JsonValue, choices: readonly number[], replacement: JsonValue): JsonValue {
    const [choice, ...rest] = choices;
    if (choice === undefined || value === null || typeof value !== 'object') return replacement;
    if (Array.isArray(value)) {
      if (value.length === 0) return replacement;
      const index = choice % value.length;
      return value.map((item, at) => (at === index ? mutated(item, rest, replacement) : item));
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return replacement;
    const key = keys[choice % keys.length] as string;
    return { ...(value as JsonObject), [key]: mutated((value as JsonObject)[key] as JsonValue, rest, replacement) };
  }

  it('keeps every rejection reason within the ledger limit, whole characters only', () => {
    const longPrefix = `${'x'.repeat(3_000)}:field`;
    // Three alignments of two-unit characters against the cut, so one of them falls inside a pair.
    const emojiKeys = ['', 'a', 'ab'].map((lead) => lead + '\u{1F600}'.repeat(1_000));
    const base = { type: 'ObjectEvent', eventTime: '2024-01-01T00:00:00Z', action: 'OBSERVE' };
    const events = [{ ...base, [longPrefix]: 1 }, ...emojiKeys.map((key) => ({ ...base, [key]: { 'undeclared:x': 1 } })), { ...base, epcList: [`urn:epc:id:sgtin:1.2.${'9'.repeat(400)} `] }];
    for (const event of events) {
      const refusal = epcisContract.validate(call({ event }), view);
      expect(refusal?.code).toBe(EpcisRejectionCode.badPayload);
      expect(refusal?.reason.length).toBeLessThanOrEqual(1024);
      expect(() => encodeURIComponent(refusal?.reason ?? '')).not.toThrow();
    }
  });

  it('bounds the MADE_FROM links one transformation makes', () => {
    const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `urn:epc:id:sgtin:4012345.011111.${prefix}${index}`);
    const transformation = (inputs: number, outputs: number): JsonObject => ({
      type: 'TransformationEvent',
      eventTime: '2024-01-01T00:00:00Z',
      inputEPCList: ids('i', inputs),
      outputEPCList: ids('o', outputs),
    });
    expect(epcisContract.validate(call({ event: transformation(100, 100) }), view)).toBeUndefined();
    const refusal = epcisContract.validate(call({ event: transformation(101, 100) }), view);
    expect(refusal).toEqual({ code: EpcisRejectionCode.badPayload, reason: `the transformation links 10100 output-input pairs, more than ${transformationLinksMax}` });
  });

  it('answers a rejection or acceptance, never a throw, for any JSON event', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (event) => {
        const refusal = epcisContract.validate(call({ event: event as JsonValue }), view);
        expect(refusal === undefined || refusal.code === EpcisRejectionCode.badPayload).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses or accepts, never throws, for corpus events with any part replaced', () => {
    fc.assert(
      fc.property(fc.nat({ max: events.length - 1 }), fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), (index, choices, replacement) => {
        const event = mutated(events[index] as JsonObject, choices, replacement as JsonValue);
        const refusal = epcisContract.validate(call({ event }), view);
        if (refusal === undefined) {
          const effects = epcisContract.apply(call({ event }), view);
          expect(effects.writes).toHaveLength(1);
        } else {
          expect(refusal.code).toBe(EpcisRejectionCode.badPayload);
          expect(refusal.reason.length).toBeLessThanOrEqual(1024);
        }
      }),
      { numRuns: 500 },
    );
  });
});
