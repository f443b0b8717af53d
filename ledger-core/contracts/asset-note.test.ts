/**
 * asset.note. Proves: the behaviour in testdata/asset-note.txt (only active organisations write;
 * expectedVersion must match, VERSION_MISMATCH otherwise, and a refused write changes nothing; versions
 * count writes; a block's later transactions see its earlier writes; the ledger's time window and
 * unknown types are decided before any contract; entries that are not signed transactions are skipped;
 * the ledger time never goes back), run through the real pipeline; the key and value bounds accept
 * their exact limit and refuse one more; a stored note of the wrong shape stops execution.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue } from '../chain/json-value.js';
import { runScenario } from '../execution/testing/scenario.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import { assetNoteContract, assetNoteType, findNote, noteKeyLengthMax, noteStateKey, noteValueBytesMax } from './asset-note.js';
import type { ContractCall, StateView } from './contract.js';
import { ContractInvariantError } from './invariant.js';

describe('testdata/asset-note.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'asset-note.txt');
    const run = runScenario(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});

describe('bounds', () => {
  const alpha = seededParty('alpha');
  const genesis = testGenesis([alpha]);
  const empty: StateView = { get: () => undefined };
  const validate = (payload: JsonValue) =>
    assetNoteContract.validate(
      { type: assetNoteType, payload, context: { txId: '0'.repeat(64), signer: alpha.did, ledgerTimeMs: genesis.timeMs, height: 1, position: 0, genesis } },
      empty,
    );
  // A JSON string of n bytes: the quotes and n - 2 ASCII characters.
  const valueOfBytes = (bytes: number): string => 'v'.repeat(bytes - 2);

  it('accepts a key of the longest length and refuses one more character', () => {
    expect(validate({ key: 'k'.repeat(noteKeyLengthMax), value: 1 })).toBeUndefined();
    expect(validate({ key: 'k'.repeat(noteKeyLengthMax + 1), value: 1 })?.code).toBe('BAD_PAYLOAD');
  });

  it('accepts a value of the largest size and refuses one more byte', () => {
    expect(validate({ key: 'k', value: valueOfBytes(noteValueBytesMax) })).toBeUndefined();
    expect(validate({ key: 'k', value: valueOfBytes(noteValueBytesMax + 1) })?.code).toBe('BAD_PAYLOAD');
  });

  it('versions start at 1 and expectedVersion 0 means absent', () => {
    const call: ContractCall = {
      type: assetNoteType,
      payload: { key: 'k', value: null, expectedVersion: 0 },
      context: { txId: '0'.repeat(64), signer: alpha.did, ledgerTimeMs: genesis.timeMs, height: 1, position: 0, genesis },
    };
    expect(assetNoteContract.validate(call, empty)).toBeUndefined();
    expect(assetNoteContract.apply(call, empty)).toEqual({
      writes: [[noteStateKey('k'), { value: null, version: 1, writer: 'alpha' }]],
      events: [{ type: 'NoteWritten', key: 'k', value: null, version: 1, writer: 'alpha' }],
    });
  });
});

describe('stored state of the wrong shape', () => {
  it.each<[string, JsonValue]>([
    ['not an object', 3],
    ['without a version', { value: 1, writer: 'alpha' }],
    ['at version 0', { value: 1, version: 0, writer: 'alpha' }],
    ['without a writer', { value: 1, version: 1 }],
  ])('stops on a note that is %s', (_, stored) => {
    const state: StateView = { get: (key) => (key === noteStateKey('k') ? stored : undefined) };
    expect(() => findNote(state, 'k')).toThrow(ContractInvariantError);
  });
});
