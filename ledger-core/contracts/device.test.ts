/**
 * Device identity. Proves: the lifecycle in testdata/device.txt (registration by active
 * organisations only, unique device DIDs and owner-independent model + serial, transfer by the
 * owner's offer and the recipient's acceptance before expiry, one open offer per device, the
 * ownership history as one key per owner, device-signed reports only under a `report` grant from the
 * current owner, delegates acting within scope), run through the real pipeline; a stored device
 * record of the wrong shape stops execution instead of being read as something else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue } from '../chain/json-value.js';
import { seededParty } from '../execution/testing/fixtures.js';
import type { StateView } from './contract.js';
import { deviceKey, findDevice, findOwnership, findTransferOffer, ownershipKey, transferOfferKey } from './device.js';
import { ContractInvariantError } from './invariant.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/device.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'device.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});

describe('stored state of the wrong shape', () => {
  const did = seededParty('press').did;
  const stateWith = (key: string, value: JsonValue): StateView => ({ get: (asked) => (asked === key ? value : undefined) });

  it.each<[string, JsonValue]>([
    ['not an object', 'alpha'],
    ['another did', { did: 'did:key:other', owner: 'alpha', model: 'M', serial: 'S', category: 'c', ownerCount: 1, registeredTxId: 'x' }],
    ['without owners', { did, owner: 'alpha', model: 'M', serial: 'S', category: 'c', ownerCount: 0, registeredTxId: 'x' }],
    ['without a model', { did, owner: 'alpha', serial: 'S', category: 'c', ownerCount: 1, registeredTxId: 'x' }],
  ])('stops on a device record that is %s', (_, record) => {
    expect(() => findDevice(stateWith(deviceKey(did), record), did)).toThrow(ContractInvariantError);
  });

  it('stops on an offer or a history entry of the wrong shape', () => {
    expect(() => findTransferOffer(stateWith(transferOfferKey(did), { offerTxId: 'x', from: 'alpha' }), did)).toThrow(ContractInvariantError);
    expect(() => findOwnership(stateWith(ownershipKey(did, 0), [1, 2]), did, 0)).toThrow(ContractInvariantError);
  });

  it('reads nothing where nothing is stored', () => {
    const empty: StateView = { get: () => undefined };
    expect(findDevice(empty, did)).toBeUndefined();
    expect(findTransferOffer(empty, did)).toBeUndefined();
    expect(findOwnership(empty, did, 0)).toBeUndefined();
  });
});
