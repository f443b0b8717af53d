/**
 * The production mutations without services: malformed input is BAD_USER_INPUT and nothing is signed
 * or queued; a read-only role is FORBIDDEN; a well-formed call is signed by the caller organisation's
 * custodial key with exactly the payload the contract takes (enum and defaults translated); a rejected
 * receipt is LEDGER_REJECTED with the contract's code; a device-signed step of another transaction
 * type is refused before the graph is read. The graph is never read in these cases, so the driver is a
 * stand-in that fails if used.
 */
import { randomBytes } from 'node:crypto';
import type { Identity, IdentityRole } from '@twinledger/gateway';
import { transactionId, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { buildTransaction, transactionSigner, type Receipt } from '@twinledger/ledger-core/client';
import { execute, parse, type ExecutionResult } from 'graphql';
import type { WritePath } from '../shared/commit.js';
import { emptyRecord, recordingWritePath, unusedDriver, type RecordedWrites } from '../shared/testing/recording-write-path.js';
import { productionContext, productionSchema } from './schema.js';

const schema = productionSchema();
const organizationSigner = transactionSigner(new Uint8Array(randomBytes(32)));
const stationSeed = new Uint8Array(randomBytes(32));
const station = transactionSigner(stationSeed).did;

function writePath(answer: (signed: SignedTransaction) => Promise<Receipt>, recorded: RecordedWrites): WritePath {
  return recordingWritePath(organizationSigner, answer, recorded);
}

/** A receipt that rejects every transaction with `code`, so the graph is never waited for or read. */
function rejectingWith(code: string): (signed: SignedTransaction) => Promise<Receipt> {
  return async (signed) => ({ status: 'rejected', code, reason: 'refused', txId: transactionId(signed.tx), height: 5, position: 0, leafIndex: 9, blockHash: 'ab'.repeat(32) });
}

async function run(source: string, variables: Record<string, unknown>, options: { role?: IdentityRole; write?: WritePath } = {}): Promise<ExecutionResult & { recorded: RecordedWrites }> {
  const recorded: RecordedWrites = emptyRecord();
  const identity: Identity = { organizationId: 'beta-logistics', role: options.role ?? 'partner', subject: 'test' };
  const write = options.write ?? writePath(() => Promise.reject(new Error('nothing should be submitted')), recorded);
  const result = await execute({ schema, document: parse(source), variableValues: variables, contextValue: productionContext(unusedDriver, identity, write) });
  return { ...result, recorded };
}

const registerLot = 'mutation($i: RegisterMaterialLotInput!) { registerMaterialLot(input: $i) { receipt { txId } } }';
const createBatch = 'mutation($i: CreateBatchInput!) { createBatch(input: $i) { receipt { txId } } }';
const registerProduct = 'mutation($i: RegisterProductInput!) { registerProduct(input: $i) { receipt { txId } } }';
const recordStep = 'mutation($i: RecordProcessStepInput!) { recordProcessStep(input: $i) { receipt { txId } } }';
const recordCheck = 'mutation($i: RecordQualityCheckInput!) { recordQualityCheck(input: $i) { receipt { txId } } }';
const deviceStep = 'mutation($t: JSON!) { submitDeviceSignedStep(signedTransaction: $t) { receipt { txId } } }';

const goodLot = { lot: 'steel-1', material: 'Steel', quantity: 10, unit: 'kg' };
const goodBatch = { lot: 'B-1', model: 'Gearbox', quantity: 2, unit: 'pcs', inputs: [{ lot: 'steel-1', quantity: 5 }] };
const goodStep = { id: 'step-1', station, subject: { serial: 'P-1' }, name: 'Pressing', operator: 'badge-1' };
const goodCheck = { id: 'qc-1', subject: { lot: 'B-1' }, result: 'PASS', inspector: 'badge-2' };

describe('malformed input is refused before anything is signed', () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['a lot id with a space', registerLot, { i: { ...goodLot, lot: 'steel 1' } }, /lot must be an item id/],
    ['a blank material', registerLot, { i: { ...goodLot, material: ' ' } }, /material/],
    ['a zero quantity', registerLot, { i: { ...goodLot, quantity: 0 } }, /quantity must be a whole number/],
    ['a unit starting with a digit', registerLot, { i: { ...goodLot, unit: '1kg' } }, /unit/],
    ['a batch without inputs', createBatch, { i: { ...goodBatch, inputs: [] } }, /inputs must list 1 to 32/],
    ['a lot named twice', createBatch, { i: { ...goodBatch, inputs: [goodBatch.inputs[0], goodBatch.inputs[0]] } }, /each lot once/],
    ['a serial with a space', registerProduct, { i: { serial: 'P 1', model: 'G', batch: 'B-1' } }, /serial/],
    ['a station that is no did:key', recordStep, { i: { ...goodStep, station: 'did:key:z1111' } }, /station/],
    ['a subject with both serial and lot', recordStep, { i: { ...goodStep, subject: { serial: 'P-1', lot: 'B-1' } } }, /exactly one of serial and lot/],
    ['a subject with neither', recordStep, { i: { ...goodStep, subject: {} } }, /exactly one of serial and lot/],
    ['nested parameters', recordStep, { i: { ...goodStep, parameters: { a: { b: 1 } } } }, /parameters/],
    ['an operator with a space', recordStep, { i: { ...goodStep, operator: 'J Doe' } }, /operator/],
    ['a measurement that is no number', recordCheck, { i: { ...goodCheck, measurements: { colour: 'red' } } }, /measurements/],
    ['a signed transaction that is not one', deviceStep, { t: { tx: 1 } }, /signedTransaction/],
    ['a device-signed transaction of another type', deviceStep, { t: buildTransaction({ type: 'device.report', payload: { kind: 'x', data: 1 } }, stationSeed).signed }, /production\.recordStep/],
  ];
  test.each(cases)('%s', async (_name, source, variables, message) => {
    const result = await run(source, variables);
    expect(result.errors?.map((error) => [error.extensions['code'], error.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(message)]]);
    expect(result.recorded).toEqual(emptyRecord());
  });
});

test.each(['analyst', 'regulator'] as const)('the %s role reads only', async (role) => {
  const result = await run(registerLot, { i: goodLot }, { role });
  expect(result.errors?.map((error) => error.extensions['code'])).toEqual(['FORBIDDEN']);
  expect(result.recorded.signed).toEqual([]);
});

test.each<[string, string, Record<string, unknown>, string, unknown]>([
  ['a material lot', registerLot, { i: goodLot }, 'production.registerMaterialLot', goodLot],
  ['a batch', createBatch, { i: goodBatch }, 'production.createBatch', goodBatch],
  ['a product', registerProduct, { i: { serial: 'P-1', model: 'G', batch: 'B-1' } }, 'production.registerProduct', { serial: 'P-1', model: 'G', batch: 'B-1' }],
  ['a step, with empty parameters and inputs by default', recordStep, { i: goodStep }, 'production.recordStep', { ...goodStep, parameters: {}, inputs: [] }],
  ['a check, its result in the contract spelling', recordCheck, { i: goodCheck }, 'production.recordQualityCheck', { ...goodCheck, result: 'pass', measurements: {} }],
])("%s is signed by the caller organisation's key with the contract's payload; a rejection carries its code", async (_name, source, variables, type, payload) => {
  const recorded: RecordedWrites = emptyRecord();
  const result = await run(source, variables, { write: writePath(rejectingWith('LOT_EXISTS'), recorded) });
  expect(recorded.signersAsked).toEqual(['beta-logistics']);
  expect(recorded.signed.map((signed) => signed.tx)).toEqual([expect.objectContaining({ type, signer: organizationSigner.did, payload })]);
  expect(result.errors?.[0]?.extensions).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'LOT_EXISTS', txId: transactionId((recorded.signed[0] as SignedTransaction).tx), height: 5 });
});
