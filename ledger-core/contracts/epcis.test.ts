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
import type { JsonObject, JsonValue } from '../chain/json-value.js';
import { eventHashId, prepareDocumentEvents } from '../epcis/index.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import type { ContractCall, StateView } from './contract.js';
import { epcisContract, epcisEventKey, EpcisRejectionCode, EpcisTransactionType, findEpcisEvent } from './epcis.js';
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
