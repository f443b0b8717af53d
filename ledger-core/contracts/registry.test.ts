/**
 * The contract registry. Proves: the standard contracts register and answer for exactly their types;
 * a second registration of a name (and so of its types) is refused and leaves the registry as it was;
 * names and types outside the syntax (a type outside its contract's name, a name with a dot) are refused.
 */
import type { Contract } from './contract.js';
import { ContractRegistry, ContractRegistryError, createContractRegistry, type ContractRegistryErrorCode } from './registry.js';
import { createStandardRegistry } from './standard.js';

function stubContract(name: string, types: readonly string[]): Contract {
  return { name, types, validate: () => undefined, apply: () => ({ writes: [], events: [] }) };
}

function codeOf(action: () => void): ContractRegistryErrorCode | 'none' {
  try {
    action();
    return 'none';
  } catch (error: unknown) {
    if (error instanceof ContractRegistryError) return error.code;
    throw error;
  }
}

describe('ContractRegistry', () => {
  it('holds the standard contracts', () => {
    const registry = createStandardRegistry();
    expect(registry.types()).toEqual([
      'access.event',
      'access.grant',
      'access.revoke',
      'asset.note',
      'delegation.grant',
      'delegation.revoke',
      'device.register',
      'device.report',
      'device.transferAccept',
      'device.transferOffer',
      'epcis.capture',
      'organization.approve',
      'organization.register',
      'production.createBatch',
      'production.recordQualityCheck',
      'production.recordStep',
      'production.registerMaterialLot',
      'production.registerProduct',
      'recycling.acceptHandover',
      'recycling.acceptRule',
      'recycling.offerHandover',
      'recycling.proposeRule',
      'recycling.recordSale',
      'recycling.recover',
      'supply.acceptHandover',
      'supply.advanceOrder',
      'supply.createOrder',
      'supply.createShipment',
      'supply.offerHandover',
      'supply.reportProgress',
      'supply.splitOrder',
    ]);
    expect(registry.contractFor('organization.approve')?.name).toBe('organization');
    expect(registry.contractFor('asset.erase')).toBeUndefined();
  });

  it('refuses a second contract with a name, whose types it would share, and keeps the first', () => {
    const first = stubContract('lease', ['lease.open', 'lease.close']);
    const registry = createContractRegistry([first]);
    expect(codeOf(() => registry.register(stubContract('lease', ['lease.open'])))).toBe('CONTRACT_NAME_TAKEN');
    expect(codeOf(() => registry.register(stubContract('lease', ['lease.extend'])))).toBe('CONTRACT_NAME_TAKEN');
    expect(registry.contractFor('lease.open')).toBe(first);
    expect(registry.contractFor('lease.extend')).toBeUndefined();
  });

  it('refuses a type another contract owns, since it lies outside the newcomer\'s name', () => {
    const registry = createContractRegistry([stubContract('device', ['device.register'])]);
    expect(codeOf(() => registry.register(stubContract('device2', ['device.register'])))).toBe('CONTRACT_BAD_DEFINITION');
    expect(registry.types()).toEqual(['device.register']);
  });

  it.each<[string, string, readonly string[]]>([
    ['a name with a dot', 'asset.note', ['asset.note.write']],
    ['a capitalised name', 'Asset', ['Asset.note']],
    ['a type outside the name', 'asset', ['organization.register']],
    ['a type that is only the name', 'asset', ['asset']],
    ['a type listed twice', 'asset', ['asset.note', 'asset.note']],
    ['no types', 'asset', []],
    ['a type longer than 64 characters', 'asset', [`asset.${'n'.repeat(59)}`]],
  ])('refuses %s', (_, name, types) => {
    expect(codeOf(() => new ContractRegistry().register(stubContract(name, types)))).toBe('CONTRACT_BAD_DEFINITION');
  });

  it('accepts dotted operations', () => {
    expect(codeOf(() => new ContractRegistry().register(stubContract('lease', ['lease.payment.record'])))).toBe('none');
  });
});
