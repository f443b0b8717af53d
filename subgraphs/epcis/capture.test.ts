/**
 * The capture orchestration without services: a stand-in commands queue records what is signed and
 * answers receipts, and a stand-in graph reports a projection that has reached every height. Shown: a
 * document is answered with its hash IDs in document order however the submissions finish; each
 * distinct event is one `epcis.capture` transaction `{event}` signed with the caller organisation's
 * custodial key; an event the ledger refuses as EVENT_EXISTS is answered as captured; a read-only role,
 * an invalid document or a service without a commands queue signs nothing; a ledger that stops
 * answering half way is 503 saying how many events are stored; a ledger refusal other than
 * EVENT_EXISTS is a 4xx carrying the ledger's code and transaction; an organisation without a custodial
 * key is 403. The submissions run concurrently, never more than the limit at once.
 */
import { randomBytes } from 'node:crypto';
import type { Identity, IdentityRole } from '@twinledger/gateway';
import { transactionId, verifyTransaction, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { transactionSigner, type Receipt } from '@twinledger/ledger-core/client';
import { CommandError } from '@twinledger/workers';
import neo4j, { type Driver } from 'neo4j-driver';
import { emptyRecord, recordingWritePath, type RecordedWrites, type SubmitAnswer } from '../shared/testing/recording-write-path.js';
import { scriptedDriver } from '../shared/testing/scripted-driver.js';
import { captureDocument, captureSubmitConcurrencyMax, type CaptureAnswer } from './capture.js';
import { planCapture } from './prepare.js';
import { EpcisProblem, type Problem } from './problem.js';
import { compileEpcisSchema } from './validate.js';

const check = compileEpcisSchema();
const organizationSigner = transactionSigner(new Uint8Array(randomBytes(32)));

/** A graph whose projection checkpoint is always far ahead: read-your-writes waits return at once. */
const projectedGraph = scriptedDriver(async () => ({ records: [{ keys: ['height'], get: () => neo4j.int(1_000_000) }] }));

function epcisDocument(count: number, repeatFirstAtEnd = false): Record<string, unknown> {
  const events = Array.from({ length: count }, (_, index) => ({
    type: 'ObjectEvent',
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    eventTimeZoneOffset: '+00:00',
    epcList: [`urn:epc:id:sgtin:4012345.011111.${index}`],
    action: 'OBSERVE',
  }));
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-01-01T00:00:00Z',
    epcisBody: { eventList: repeatFirstAtEnd ? [...events, events[0]] : events },
  };
}

type Answer = SubmitAnswer;

function receipt(signed: SignedTransaction, height: number, rejection?: { code: string; reason: string }): Receipt {
  const fields = { txId: transactionId(signed.tx), height, position: 0, leafIndex: height, blockHash: '00'.repeat(32) };
  return rejection === undefined ? { ...fields, status: 'accepted' } : { ...fields, status: 'rejected', ...rejection };
}

/** Accepted after a delay that makes later submissions finish first. */
const acceptedOutOfOrder: Answer = async (signed, index) => {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20 - index)));
  return receipt(signed, index + 1);
};


async function run(document: unknown, answer: Answer, options: { role?: IdentityRole; withoutQueue?: boolean; custodyHasKey?: boolean } = {}): Promise<{ outcome: CaptureAnswer | Problem; recorded: RecordedWrites }> {
  const recorded = emptyRecord();
  const identity: Identity = { organizationId: 'alpha-industries', role: options.role ?? 'partner', subject: 'test' };
  const write = options.withoutQueue === true ? undefined : recordingWritePath(organizationSigner, answer, recorded, { custodyHasKey: options.custodyHasKey ?? true });
  try {
    return { outcome: await captureDocument({ identity, driver: projectedGraph, write, check }, document), recorded };
  } catch (error: unknown) {
    if (error instanceof EpcisProblem) return { outcome: error.problem, recorded };
    throw error;
  }
}

test('hash IDs come back in document order however the submissions finish; each distinct event is one signed epcis.capture', async () => {
  const document = epcisDocument(12, true);
  const plan = planCapture(document, check);
  const { outcome, recorded } = await run(document, acceptedOutOfOrder);
  expect(outcome).toEqual({ eventIds: plan.eventIds });
  expect(plan.eventIds).toHaveLength(13);
  expect(recorded.signersAsked).toEqual(['alpha-industries']);
  expect(recorded.signed).toHaveLength(12);
  for (const signed of recorded.signed) {
    expect(verifyTransaction(signed).ok).toBe(true);
    expect(signed.tx.type).toBe('epcis.capture');
    expect(signed.tx.signer).toBe(organizationSigner.did);
  }
  expect(new Set(recorded.signed.map((signed) => JSON.stringify(signed.tx.payload)))).toEqual(new Set(plan.events.map((event) => JSON.stringify(event.payload))));
});

test('an event already on the ledger (EVENT_EXISTS) is answered as captured, with the same ID', async () => {
  const document = epcisDocument(3);
  const { outcome } = await run(document, async (signed, index) => receipt(signed, index + 1, index === 1 ? { code: 'EVENT_EXISTS', reason: 'captured before' } : undefined));
  expect(outcome).toEqual({ eventIds: planCapture(document, check).eventIds });
});

test('submissions run concurrently, never more than the limit at once', async () => {
  const { outcome, recorded } = await run(epcisDocument(captureSubmitConcurrencyMax * 2), async (signed, index) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return receipt(signed, index + 1);
  });
  expect('eventIds' in outcome).toBe(true);
  expect(recorded.inFlightMax).toBe(captureSubmitConcurrencyMax);
});

test('nothing is signed for a read-only role, an invalid document, or a service without a commands queue', async () => {
  const never: Answer = () => Promise.reject(new Error('nothing should be submitted'));
  for (const role of ['analyst', 'regulator'] as const) {
    const { outcome, recorded } = await run(epcisDocument(2), never, { role });
    expect(outcome).toMatchObject({ status: 403, type: 'epcisException:SecurityException', detail: `the ${role} role reads only; partners and admins capture for their own organisation` });
    expect(recorded.signed).toEqual([]);
  }
  const invalid = epcisDocument(2);
  ((invalid['epcisBody'] as { eventList: Array<Record<string, unknown>> }).eventList[1] as Record<string, unknown>)['action'] = 'CREATE';
  const refused = await run(invalid, never);
  expect(refused.outcome).toMatchObject({ status: 400, errors: [{ pointer: '/epcisBody/eventList/1/action' }] });
  expect(refused.recorded).toEqual(emptyRecord());
  expect((await run(epcisDocument(2), never, { withoutQueue: true })).outcome).toMatchObject({ status: 503, title: 'Capture is unavailable' });
});

test('an organisation without a custodial key is 403 and nothing is submitted', async () => {
  const { outcome, recorded } = await run(epcisDocument(2), () => Promise.reject(new Error('nothing should be submitted')), { custodyHasKey: false });
  expect(outcome).toMatchObject({ status: 403, type: 'epcisException:SecurityException', detail: expect.stringMatching(/holds no key for organisation alpha-industries/) });
  expect(recorded.signed).toEqual([]);
});

test('a ledger that stops answering half way is 503 saying how much is stored; sending again is safe', async () => {
  const { outcome } = await run(epcisDocument(4), async (signed, index) => {
    if (index >= 2) throw new CommandError('COMMAND_TIMEOUT', transactionId(signed.tx), 'no receipt in time');
    return receipt(signed, index + 1);
  });
  expect(outcome).toMatchObject({
    status: 503,
    type: 'epcisException:ServiceUnavailableException',
    detail: expect.stringMatching(/COMMAND_TIMEOUT.*; 2 of 4 distinct events are stored; sending the same document again stores the rest and answers the same IDs$/),
    txId: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
});

test('a ledger refusal other than EVENT_EXISTS carries the contract\'s code and transaction', async () => {
  const badPayload = await run(epcisDocument(1), async (signed) => receipt(signed, 7, { code: 'BAD_PAYLOAD', reason: 'event: eventTime must be …' }));
  expect(badPayload.outcome).toMatchObject({ status: 400, type: 'epcisException:ValidationException', ledgerCode: 'BAD_PAYLOAD', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  const inactive = await run(epcisDocument(1), async (signed) => receipt(signed, 7, { code: 'ORGANIZATION_INACTIVE', reason: 'the organisation is suspended' }));
  expect(inactive.outcome).toMatchObject({ status: 409, ledgerCode: 'ORGANIZATION_INACTIVE', detail: expect.stringMatching(/^the organisation is suspended \(ORGANIZATION_INACTIVE, transaction [0-9a-f]{64}\); 0 of 1 distinct events are stored/) });
});

test('an empty event list is captured as nothing, and nothing is signed', async () => {
  const { outcome, recorded } = await run(epcisDocument(0), () => Promise.reject(new Error('nothing should be submitted')));
  expect(outcome).toEqual({ eventIds: [] });
  expect(recorded.signersAsked).toEqual([]);
});
