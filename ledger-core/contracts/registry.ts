/**
 * The contract registry: which contract handles each transaction type. Every node must hold the same
 * registry (a type one node knows and another does not would be accepted on one and rejected
 * `UNKNOWN_TYPE` on the other), so registration is strict: every type is `<name>.<operation>`, so a
 * name owns its types and its state-key prefix, and a second registration of a name is refused rather
 * than replacing the first.
 */
import { typeLengthMax } from '../chain/limits.js';
import type { Contract } from './contract.js';

/** Most contracts and most types per contract; bounds the registry's loops. */
export const registryContractsMax = 256;
export const contractTypesMax = 64;

export const ContractRegistryErrorCode = {
  /** Another contract already has this name, and so these types and this state-key prefix. */
  nameTaken: 'CONTRACT_NAME_TAKEN',
  /** A name or type with the wrong syntax, a type outside the contract's name, or too many of either. */
  badDefinition: 'CONTRACT_BAD_DEFINITION',
} as const;

export type ContractRegistryErrorCode = (typeof ContractRegistryErrorCode)[keyof typeof ContractRegistryErrorCode];

export class ContractRegistryError extends Error {
  override readonly name = 'ContractRegistryError';
  constructor(
    readonly code: ContractRegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const contractNamePattern = /^[a-z][A-Za-z0-9]*$/;
const operationPattern = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/;

export class ContractRegistry {
  private readonly contractsByType = new Map<string, Contract>();
  private readonly contractsByName = new Map<string, Contract>();

  /**
   * Adds `contract`. Requires nothing: a bad definition or a clash with a registered contract throws
   * ContractRegistryError and leaves the registry as it was.
   */
  register(contract: Contract): void {
    if (!contractNamePattern.test(contract.name)) {
      throw new ContractRegistryError(ContractRegistryErrorCode.badDefinition, `contract name ${JSON.stringify(contract.name)} is not one lowerCamel segment`);
    }
    if (this.contractsByName.has(contract.name)) {
      throw new ContractRegistryError(ContractRegistryErrorCode.nameTaken, `a contract named ${contract.name} is already registered`);
    }
    if (this.contractsByName.size >= registryContractsMax) {
      throw new ContractRegistryError(ContractRegistryErrorCode.badDefinition, `a registry holds at most ${registryContractsMax} contracts`);
    }
    if (contract.types.length === 0 || contract.types.length > contractTypesMax) {
      throw new ContractRegistryError(ContractRegistryErrorCode.badDefinition, `contract ${contract.name} must handle 1 to ${contractTypesMax} types`);
    }
    const prefix = `${contract.name}.`;
    const seen = new Set<string>();
    for (const type of contract.types) {
      const operation = type.startsWith(prefix) ? type.slice(prefix.length) : '';
      if (type.length > typeLengthMax || !operationPattern.test(operation)) {
        throw new ContractRegistryError(
          ContractRegistryErrorCode.badDefinition,
          `contract ${contract.name} type ${JSON.stringify(type)} is not "${prefix}<dotted lowerCamel>" within ${typeLengthMax} characters`,
        );
      }
      if (seen.has(type)) throw new ContractRegistryError(ContractRegistryErrorCode.badDefinition, `contract ${contract.name} lists ${type} twice`);
      seen.add(type);
    }
    this.contractsByName.set(contract.name, contract);
    for (const type of contract.types) this.contractsByType.set(type, contract);
  }

  /** The contract that handles `type`, or undefined: the transaction is then rejected `UNKNOWN_TYPE`. */
  contractFor(type: string): Contract | undefined {
    return this.contractsByType.get(type);
  }

  /** Every registered type, sorted: what a node can report so operators can compare registries. */
  types(): string[] {
    return [...this.contractsByType.keys()].sort();
  }
}

/** A registry holding `contracts`, registered in order. Throws like `register`. */
export function createContractRegistry(contracts: readonly Contract[]): ContractRegistry {
  const registry = new ContractRegistry();
  for (const contract of contracts) registry.register(contract);
  return registry;
}
