/**
 * The contracts every Twinledger node registers, in registration order. A node builds its registry from
 * this list so that every member runs the same set; adding a contract here is a protocol change that
 * every member must deploy before the first transaction of its types is ordered.
 */
import type { Contract } from './contract.js';
import { accessContract } from './access.js';
import { assetNoteContract } from './asset-note.js';
import { delegationContract } from './delegation.js';
import { deviceContract } from './device.js';
import { epcisContract } from './epcis.js';
import { organizationContract } from './organization.js';
import { productionContract } from './production.js';
import { recyclingContract } from './recycling.js';
import { supplyContract } from './supply.js';
import { createContractRegistry, type ContractRegistry } from './registry.js';

export const standardContracts: readonly Contract[] = [organizationContract, assetNoteContract, delegationContract, deviceContract, accessContract, supplyContract, productionContract, recyclingContract, epcisContract];

/** A fresh registry holding `standardContracts`. */
export function createStandardRegistry(): ContractRegistry {
  return createContractRegistry(standardContracts);
}
