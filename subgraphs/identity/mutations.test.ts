/**
 * The identity mutations' refusals, without services: malformed input is BAD_USER_INPUT and nothing
 * is signed or queued; a read-only role is FORBIDDEN; a subgraph without a commands queue answers
 * LEDGER_UNAVAILABLE; a rejected receipt is LEDGER_REJECTED carrying the contract's code, the
 * transaction id and the height in `extensions` (and in the message, which is all a gateway that
 * passes on only `extensions.code` leaves); a commands queue timeout is LEDGER_UNAVAILABLE naming the
 * transaction. The graph is never read in these cases, so the driver is a stand-in that fails if used.
 */
import { randomBytes } from 'node:crypto';
import type { Identity, IdentityRole } from '@twinledger/gateway';
import { transactionId, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { transactionSigner, type Receipt } from '@twinledger/ledger-core/client';
import { CommandError, CommandErrorCode } from '@twinledger/workers';
import { execute, parse, type ExecutionResult } from 'graphql';
import { emptyRecord, recordingWritePath, unusedDriver, type RecordedWrites, type SubmitAnswer } from '../shared/testing/recording-write-path.js';
import { registerDevicesInputsMax, type WritePath } from './mutations.js';
import { identityContext, identitySchema } from './schema.js';

const schema = identitySchema();
const organizationSigner = transactionSigner(new Uint8Array(randomBytes(32)));
const deviceDid = transactionSigner(new Uint8Array(randomBytes(32))).did;
const inAnHour = new Date(Date.now() + 3_600_000).toISOString();

function writePath(answer: SubmitAnswer, recorded: RecordedWrites): WritePath {
  return recordingWritePath(organizationSigner, answer, recorded);
}

async function run(source: string, variables: Record<string, unknown>, options: { role?: IdentityRole; write?: WritePath | null } = {}): Promise<ExecutionResult & { recorded: RecordedWrites }> {
  const recorded: RecordedWrites = emptyRecord();
  const identity: Identity = { organizationId: 'alpha-industries', role: options.role ?? 'partner', subject: 'test' };
  const write = options.write === null ? undefined : (options.write ?? writePath(() => Promise.reject(new Error('nothing should be submitted')), recorded));
  const result = await execute({ schema, document: parse(source), variableValues: variables, contextValue: identityContext(unusedDriver, identity, write) });
  return { ...result, recorded };
}

const registerDevice = 'mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { receipt { txId } } }';
const grantAccess = 'mutation($i: GrantAccessInput!) { grantAccess(input: $i) { receipt { txId } } }';
const goodDevice = { did: deviceDid, model: 'PX-200', serial: 'SN-1', category: 'press' };
const goodGrant = { device: deviceDid, grantee: 'beta-logistics', actions: ['read'], expiresAt: inAnHour };

describe('malformed input is refused before anything is signed', () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['a did that is no Ed25519 did:key', registerDevice, { i: { ...goodDevice, did: 'did:key:z1111' } }, /did must be an Ed25519 did:key/],
    ['a model with a space', registerDevice, { i: { ...goodDevice, model: 'PX 200' } }, /model/],
    ['an empty serial', registerDevice, { i: { ...goodDevice, serial: '' } }, /serial/],
    ['an uppercase category', registerDevice, { i: { ...goodDevice, category: 'Press' } }, /category/],
    ['no actions', grantAccess, { i: { ...goodGrant, actions: [] } }, /at least one action/],
    ['a repeated action', grantAccess, { i: { ...goodGrant, actions: ['read', 'read'] } }, /repeat/],
    ['a past expiry', grantAccess, { i: { ...goodGrant, expiresAt: '2020-01-01T00:00:00.000Z' } }, /future/],
    ['an expiry beyond the grant lifetime', grantAccess, { i: { ...goodGrant, expiresAt: '2999-01-01T00:00:00.000Z' } }, /at most/],
    ['a grantee that is neither id nor did', grantAccess, { i: { ...goodGrant, grantee: 'Beta Logistics' } }, /grantee/],
    ['a revocation of no transaction id', 'mutation($g: Hex!) { revokeAccess(grantId: $g) { receipt { txId } } }', { g: 'abcd' }, /grantId/],
    ['a signed transaction that is not one', 'mutation($t: JSON!) { submitSignedTransaction(signedTransaction: $t) { receipt { txId } } }', { t: { tx: 1 } }, /signedTransaction/],
  ];
  test.each(cases)('%s', async (_name, source, variables, message) => {
    const result = await run(source, variables);
    expect(result.errors?.map((error) => [error.extensions['code'], error.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(message)]]);
    expect(result.recorded).toEqual(emptyRecord());
  });
});

test('a read-only role may not write', async () => {
  const result = await run(registerDevice, { i: goodDevice }, { role: 'analyst' });
  expect(result.errors?.map((error) => error.extensions['code'])).toEqual(['FORBIDDEN']);
  expect(result.recorded.signed).toEqual([]);
});

test('a subgraph without a commands queue answers LEDGER_UNAVAILABLE', async () => {
  const result = await run(registerDevice, { i: goodDevice }, { write: null });
  expect(result.errors?.map((error) => error.extensions['code'])).toEqual(['LEDGER_UNAVAILABLE']);
});

test("a rejected receipt is LEDGER_REJECTED with the contract's code, the transaction and the height", async () => {
  const recorded: RecordedWrites = emptyRecord();
  const rejected = async (signed: SignedTransaction): Promise<Receipt> => ({
    status: 'rejected',
    code: 'DEVICE_EXISTS',
    reason: `device ${deviceDid} is registered already`,
    txId: transactionId(signed.tx),
    height: 7,
    position: 0,
    leafIndex: 3,
    blockHash: 'ab'.repeat(32),
  });
  const result = await run(registerDevice, { i: goodDevice }, { write: writePath(rejected, recorded) });
  expect(recorded.signersAsked).toEqual(['alpha-industries']);
  expect(recorded.signed).toHaveLength(1);
  const signed = recorded.signed[0] as SignedTransaction;
  expect(signed.tx).toMatchObject({ type: 'device.register', signer: organizationSigner.did, payload: goodDevice });
  const txId = transactionId(signed.tx);
  const error = result.errors?.[0];
  expect(error?.extensions).toEqual({ code: 'LEDGER_REJECTED', ledgerCode: 'DEVICE_EXISTS', txId, height: 7 });
  expect(error?.message).toBe(`device ${deviceDid} is registered already (DEVICE_EXISTS, transaction ${txId})`);
});

test('no receipt in time is LEDGER_UNAVAILABLE naming the transaction, which may still land', async () => {
  const recorded: RecordedWrites = emptyRecord();
  const result = await run(registerDevice, { i: goodDevice }, {
    write: writePath((signed) => Promise.reject(new CommandError(CommandErrorCode.timeout, `tx-of-${signed.tx.nonce}`, 'no outcome in time')), recorded),
  });
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_UNAVAILABLE', commandCode: 'COMMAND_TIMEOUT', txId: `tx-of-${recorded.signed[0]?.tx.nonce}` });
});

describe('registerDevices', () => {
  const registerDevices = 'mutation($i: [RegisterDeviceInput!]!) { registerDevices(inputs: $i) { receipt { txId } } }';
  const newDid = (): string => transactionSigner(new Uint8Array(randomBytes(32))).did;
  const devices = (count: number): Array<typeof goodDevice> => Array.from({ length: count }, (_unused, index) => ({ ...goodDevice, did: newDid(), serial: `SN-${index}` }));

  const refusals: Array<[string, () => Array<Record<string, unknown>>, RegExp]> = [
    ['no inputs', () => [], /at least one device/],
    ['more inputs than one request takes', () => devices(registerDevicesInputsMax + 1), new RegExp(`at most ${registerDevicesInputsMax} devices`)],
    ['one malformed input among good ones, named by its index', () => [...devices(2), { ...goodDevice, model: 'PX 200' }], /^inputs\[2\]\.model must be/],
    ['a did named twice', () => {
      const named = devices(3);
      return [...named, { ...goodDevice, did: (named[1] as typeof goodDevice).did }];
    }, /^inputs\[3\]\.did repeats inputs\[1\]\.did/],
  ];
  test.each(refusals)('%s: BAD_USER_INPUT and nothing signed', async (_name, inputs, message) => {
    const result = await run(registerDevices, { i: inputs() });
    expect(result.errors?.map((error) => [error.extensions['code'], error.message])).toEqual([['BAD_USER_INPUT', expect.stringMatching(message)]]);
    expect(result.recorded).toEqual(emptyRecord());
  });

  test('a read-only role may not write, whatever it sends', async () => {
    const result = await run(registerDevices, { i: devices(2) }, { role: 'regulator' });
    expect(result.errors?.map((error) => error.extensions['code'])).toEqual(['FORBIDDEN']);
    expect(result.recorded.signed).toEqual([]);
  });

  test('every device is signed with one key lookup and submitted at once; each answers on its own, at its index', async () => {
    const recorded: RecordedWrites = emptyRecord();
    const inputs = devices(3);
    const answer = async (signed: SignedTransaction, index: number): Promise<Receipt> => {
      // The second waits in vain; the first and third are refused by the contract.
      if (index === 1) throw new CommandError(CommandErrorCode.timeout, transactionId(signed.tx), 'no outcome in time');
      return { status: 'rejected', code: 'DEVICE_EXISTS', reason: 'taken', txId: transactionId(signed.tx), height: 9, position: index, leafIndex: index, blockHash: 'cd'.repeat(32) };
    };
    const result = await run(registerDevices, { i: inputs }, { write: writePath(answer, recorded) });
    expect(recorded.signersAsked).toEqual(['alpha-industries']);
    expect(recorded.signed.map((signed) => signed.tx.payload)).toEqual(inputs);
    expect(recorded.inFlightMax).toBe(3);
    expect(result.data).toEqual({ registerDevices: [null, null, null] });
    const txIds = recorded.signed.map((signed) => transactionId(signed.tx));
    expect(result.errors?.map((error) => [error.path, error.extensions['code'], error.extensions['txId']])).toEqual([
      [['registerDevices', 0], 'LEDGER_REJECTED', txIds[0]],
      [['registerDevices', 1], 'LEDGER_UNAVAILABLE', txIds[1]],
      [['registerDevices', 2], 'LEDGER_REJECTED', txIds[2]],
    ]);
  });
});
