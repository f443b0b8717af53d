/**
 * The genesis: what every node of one ledger must agree on before block 1. It names the ledger (the
 * checkpoint origin), the consortium members (each one's ledger-node key and its own organisation) and
 * the ledger parameters contracts and execution read. Two nodes with different genesis files would
 * build different chains from the same log, so the parser refuses anything it does not fully
 * understand, and `genesisHash` gives operators one value to compare.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { base64 } from '@scure/base';
import { canonicalBytes } from '../chain/canonical.js';
import { CheckpointError, formatCheckpointBody } from '../chain/checkpoint.js';
import { DidKeyError, publicKeyFromDidKey } from '../chain/did-key.js';
import { publicKeyBytes, publicKeyFault } from '../chain/ed25519-rule.js';
import { timeMsMax } from '../chain/limits.js';
import type { Consortium } from '../chain/quorum.js';
import { isValidKeyName } from '../chain/signed-note.js';
import { isOrganizationId, isOrganizationName } from './identifiers.js';

export interface GenesisMember {
  /** The key name the member's ledger node signs checkpoints under (a C2SP signed-note key name). */
  readonly name: string;
  /**
   * The member's ledger-node Ed25519 public key: 32 bytes in standard padded base64 (RFC 4648 section 4),
   * the encoding C2SP verifier keys use, so the value can be compared with a note verifier key by eye.
   */
  readonly nodePublicKey: string;
  /** The id of the member's own organisation, active from genesis. */
  readonly organizationId: string;
  /** The did:key the member's organisation signs transactions with (its approvals among them). */
  readonly organizationDid: string;
  readonly organizationName: string;
}

export interface LedgerParameters {
  /** How far a transaction's `time` may lie before the ledger time of its block, in milliseconds. */
  readonly txTimePastMs: number;
  /** How far a transaction's `time` may lie after the ledger time of its block, in milliseconds. */
  readonly txTimeFutureMs: number;
}

export interface Genesis {
  /** Format version; only 1 exists. */
  readonly v: 1;
  /** The checkpoint origin: the ledger's name, on the first line of every checkpoint it signs. */
  readonly origin: string;
  /** The ledger time before block 1, in milliseconds since the Unix epoch; block 1's time is at least this. */
  readonly timeMs: number;
  /** The consortium, in a fixed order; a strict majority of them is a quorum. */
  readonly members: readonly GenesisMember[];
  readonly parameters: LedgerParameters;
}

/** Most consortium members; bounds every loop over members and keeps a QC a few kilobytes. */
export const genesisMembersMax = 64;
/** Widest transaction time window on either side of the ledger time: 7 days, in milliseconds. */
export const txTimeWindowMsMax = 7 * 24 * 60 * 60 * 1000;

export const GenesisErrorCode = {
  /** A field is missing, extra, of the wrong type or outside its syntax or bounds. */
  badField: 'GENESIS_BAD_FIELD',
  /** A member's node key or organisation DID is not a usable Ed25519 key. */
  badKey: 'GENESIS_BAD_KEY',
  /** Two members share a name, a node key, an organisation id or an organisation DID. */
  duplicateMember: 'GENESIS_DUPLICATE_MEMBER',
} as const;

export type GenesisErrorCode = (typeof GenesisErrorCode)[keyof typeof GenesisErrorCode];

/** A genesis refused by `parseGenesis`: bad input from the operator, never a broken invariant. */
export class GenesisError extends Error {
  override readonly name = 'GenesisError';
  constructor(
    readonly code: GenesisErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const genesisFields = ['v', 'origin', 'timeMs', 'members', 'parameters'] as const;
const memberFields = ['name', 'nodePublicKey', 'organizationId', 'organizationDid', 'organizationName'] as const;
const parameterFields = ['txTimePastMs', 'txTimeFutureMs'] as const;

/**
 * `value` (decoded JSON) as a Genesis, or a GenesisError naming the first thing that is wrong.
 * Requires nothing. Refuses unknown fields at every level: a node that ignored a parameter it does not
 * know would run a different ledger from one that applies it.
 */
export function parseGenesis(value: unknown): Genesis {
  const record = expectRecord(value, 'genesis', genesisFields);
  if (record['v'] !== 1) fail(GenesisErrorCode.badField, 'genesis v must be 1');
  const origin = record['origin'];
  if (typeof origin !== 'string' || !isCheckpointOrigin(origin)) {
    fail(GenesisErrorCode.badField, 'genesis origin must be a checkpoint origin: 1 to 256 characters without spaces, "+" or control characters');
  }
  const timeMs = expectInteger(record['timeMs'], 'genesis timeMs', timeMsMax);
  const membersValue = record['members'];
  if (!Array.isArray(membersValue) || membersValue.length === 0 || membersValue.length > genesisMembersMax) {
    fail(GenesisErrorCode.badField, `genesis members must be an array of 1 to ${genesisMembersMax} members`);
  }
  const members: GenesisMember[] = [];
  for (let index = 0; index < membersValue.length; index++) {
    const member = parseMember(membersValue[index], index);
    const clash = members.find(
      (other) =>
        other.name === member.name ||
        other.nodePublicKey === member.nodePublicKey ||
        other.organizationId === member.organizationId ||
        other.organizationDid === member.organizationDid,
    );
    if (clash !== undefined) {
      fail(GenesisErrorCode.duplicateMember, `members ${clash.name} and ${member.name} share a name, node key, organisation id or DID`);
    }
    members.push(member);
  }
  const parametersRecord = expectRecord(record['parameters'], 'genesis parameters', parameterFields);
  const parameters: LedgerParameters = {
    txTimePastMs: expectInteger(parametersRecord['txTimePastMs'], 'parameters txTimePastMs', txTimeWindowMsMax),
    txTimeFutureMs: expectInteger(parametersRecord['txTimeFutureMs'], 'parameters txTimeFutureMs', txTimeWindowMsMax),
  };
  return { v: 1, origin, timeMs, members, parameters };
}

/**
 * Hex SHA-256 of the genesis's canonical JSON: equal on two nodes exactly when they run the same ledger.
 * Requires a genesis that passed `parseGenesis`.
 */
export function genesisHash(genesis: Genesis): string {
  return bytesToHex(sha256(canonicalBytes(genesis)));
}

/** The consortium as quorum certificates count it. Requires a genesis that passed `parseGenesis`. */
export function consortiumOf(genesis: Genesis): Consortium {
  return {
    origin: genesis.origin,
    members: genesis.members.map((member) => ({ name: member.name, publicKey: base64.decode(member.nodePublicKey) })),
  };
}

/** The member whose organisation signs with `did`, if any. Requires a parsed genesis. */
export function memberByOrganizationDid(genesis: Genesis, did: string): GenesisMember | undefined {
  return genesis.members.find((member) => member.organizationDid === did);
}

function parseMember(value: unknown, index: number): GenesisMember {
  const where = `genesis members[${index}]`;
  const record = expectRecord(value, where, memberFields);
  const name = record['name'];
  if (typeof name !== 'string' || !isValidKeyName(name) || name.length > 64) {
    fail(GenesisErrorCode.badField, `${where} name must be a signed-note key name of 1 to 64 characters`);
  }
  const nodePublicKey = record['nodePublicKey'];
  if (typeof nodePublicKey !== 'string' || nodePublicKey.length !== 44) {
    fail(GenesisErrorCode.badKey, `${where} nodePublicKey must be ${publicKeyBytes} bytes in padded base64 (44 characters)`);
  }
  let nodeKeyBytes: Uint8Array;
  try {
    nodeKeyBytes = base64.decode(nodePublicKey);
  } catch {
    return fail(GenesisErrorCode.badKey, `${where} nodePublicKey is not padded base64`);
  }
  // One key, one spelling: otherwise the duplicate check below could be passed with a second encoding.
  if (base64.encode(nodeKeyBytes) !== nodePublicKey) fail(GenesisErrorCode.badKey, `${where} nodePublicKey is not canonical base64`);
  const nodeKeyFault = publicKeyFault(nodeKeyBytes);
  if (nodeKeyFault !== undefined) fail(GenesisErrorCode.badKey, `${where} nodePublicKey is not usable: ${nodeKeyFault}`);
  const organizationId = record['organizationId'];
  if (!isOrganizationId(organizationId)) {
    fail(GenesisErrorCode.badField, `${where} organizationId must be 2 to 64 lowercase letters, digits and inner hyphens`);
  }
  const organizationDid = record['organizationDid'];
  if (typeof organizationDid !== 'string') fail(GenesisErrorCode.badField, `${where} organizationDid must be a did:key`);
  try {
    const didKeyFault = publicKeyFault(publicKeyFromDidKey(organizationDid));
    if (didKeyFault !== undefined) fail(GenesisErrorCode.badKey, `${where} organizationDid names an unusable key: ${didKeyFault}`);
  } catch (error: unknown) {
    if (error instanceof DidKeyError) fail(GenesisErrorCode.badKey, `${where} organizationDid: ${error.message}`);
    throw error;
  }
  const organizationName = record['organizationName'];
  if (!isOrganizationName(organizationName)) {
    fail(GenesisErrorCode.badField, `${where} organizationName must be 1 to 128 characters, trimmed, without control characters`);
  }
  return { name, nodePublicKey, organizationId, organizationDid, organizationName };
}

/** True when a checkpoint could carry `origin` on its first line; asks the checkpoint format itself. */
function isCheckpointOrigin(origin: string): boolean {
  try {
    formatCheckpointBody({ origin, treeSize: 0, rootHash: new Uint8Array(32), extensionLines: [] });
    return true;
  } catch (error: unknown) {
    if (error instanceof CheckpointError) return false;
    throw error;
  }
}

function expectRecord(value: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(GenesisErrorCode.badField, `${where} must be a JSON object`);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) fail(GenesisErrorCode.badField, `${where} must be a plain JSON object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!fields.includes(key)) fail(GenesisErrorCode.badField, `${where} has an unknown field ${JSON.stringify(key.slice(0, 64))}`);
  }
  for (const field of fields) {
    if (!(field in record)) fail(GenesisErrorCode.badField, `${where} is missing ${field}`);
  }
  return record;
}

function expectInteger(value: unknown, where: string, valueMax: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > valueMax) {
    fail(GenesisErrorCode.badField, `${where} must be an integer from 0 to ${valueMax}`);
  }
  return value;
}

function fail(code: GenesisErrorCode, message: string): never {
  throw new GenesisError(code, message);
}
