/**
 * A new consortium on disk: the genesis every node must share, the consortium file partners verify
 * against, and per member the node's checkpoint-signing key and its organisation's custodial key.
 *
 *   <dir>/genesis.json              the genesis (parseGenesis accepts it)
 *   <dir>/consortium.json           origin and node public keys (parseConsortiumFile accepts it)
 *   <dir>/<member>/node.key         signed-note signer key text, mode 0600
 *   <dir>/<member>/organization.key signer key text named after the organisation id; its did:key is
 *                                   the member's organizationDid in the genesis; mode 0600
 *
 * Nothing is ever overwritten: a second `createConsortium` on the same folder is refused, because new
 * keys would silently fork the ledger from the one the other members run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { base64 } from '@scure/base';
import { formatConsortiumFile, parseConsortiumFile } from '../chain/consortium-file.js';
import { didKeyFromPublicKey } from '../chain/did-key.js';
import { generatePrivateKey, publicKeyFromPrivateKey } from '../chain/ed25519.js';
import { createNodeCryptoSigner } from '../chain/ed25519-node.js';
import type { Consortium } from '../chain/quorum.js';
import { formatSignerKey, parseSignerKey, type NoteSignerKey } from '../chain/signed-note.js';
import { consortiumOf, parseGenesis, type Genesis } from '../contracts/genesis.js';
import { isSegment } from '../ordering/keys.js';

export interface ConsortiumMemberSpec {
  /** Node name: the etcd key segment and the checkpoint key name; letters, digits, `_` and `-`. */
  readonly name: string;
  readonly organizationId: string;
  readonly organizationName: string;
}

export interface CreateConsortiumInput {
  readonly dir: string;
  /** The checkpoint origin: the ledger's name. */
  readonly origin: string;
  readonly members: readonly ConsortiumMemberSpec[];
  /** The genesis time; default now. */
  readonly timeMs?: number;
  /** Default 10 minutes: how long a signed transaction may wait to be ordered. */
  readonly txTimePastMs?: number;
  /** Default 30 s: how far a signer's clock may run ahead of the ledger's. */
  readonly txTimeFutureMs?: number;
}

/** Everything one member's node needs from the consortium folder. */
export interface LoadedConsortium {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly consortium: Consortium;
  /** The consortium file text, served as is. */
  readonly consortiumFileText: string;
}

export interface MemberKeys {
  readonly nodeKey: NoteSignerKey;
  readonly organizationKey: NoteSignerKey;
  readonly organizationDid: string;
}

export const genesisFileName = 'genesis.json';
export const consortiumFileName = 'consortium.json';
export const nodeKeyFileName = 'node.key';
export const organizationKeyFileName = 'organization.key';
const privateKeyFileMode = 0o600;
const keyFileBytesMax = 4_096;
const genesisFileBytesMax = 1_048_576;

/** A consortium folder that cannot be created or read; `code` says why. */
export class ConsortiumSetupError extends Error {
  override readonly name = 'ConsortiumSetupError';
  constructor(
    readonly code: 'CONSORTIUM_EXISTS' | 'CONSORTIUM_BAD_INPUT' | 'CONSORTIUM_UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Writes a new consortium into `dir` (created if missing). Requires 1 to 64 members with distinct
 * names that are key segments, and a folder holding no genesis, consortium file or member folder of
 * the same names; otherwise throws ConsortiumSetupError and writes nothing.
 */
export function createConsortium(input: CreateConsortiumInput): LoadedConsortium {
  const { dir, members } = input;
  if (members.length === 0) throw new ConsortiumSetupError('CONSORTIUM_BAD_INPUT', 'a consortium has at least one member');
  const names = new Set<string>();
  for (const member of members) {
    if (!isSegment(member.name) || names.has(member.name)) {
      throw new ConsortiumSetupError('CONSORTIUM_BAD_INPUT', `member name ${JSON.stringify(member.name)} is not a distinct key segment [A-Za-z0-9_-]{1,64}`);
    }
    names.add(member.name);
  }
  const targets = [path.join(dir, genesisFileName), path.join(dir, consortiumFileName), ...members.map((member) => path.join(dir, member.name))];
  const existing = targets.find((target) => fs.existsSync(target));
  if (existing !== undefined) throw new ConsortiumSetupError('CONSORTIUM_EXISTS', `${existing} exists; a consortium is never overwritten`);

  const keys = members.map(() => ({ node: generatePrivateKey(), organization: generatePrivateKey() }));
  const genesisValue = {
    v: 1,
    origin: input.origin,
    timeMs: input.timeMs ?? Date.now(),
    members: members.map((member, index) => ({
      name: member.name,
      nodePublicKey: base64.encode(publicKeyFromPrivateKey(keys[index]!.node)),
      organizationId: member.organizationId,
      organizationDid: didKeyFromPublicKey(publicKeyFromPrivateKey(keys[index]!.organization)),
      organizationName: member.organizationName,
    })),
    parameters: { txTimePastMs: input.txTimePastMs ?? 600_000, txTimeFutureMs: input.txTimeFutureMs ?? 30_000 },
  };
  let genesis: Genesis;
  try {
    genesis = parseGenesis(genesisValue);
  } catch (error: unknown) {
    throw new ConsortiumSetupError('CONSORTIUM_BAD_INPUT', error instanceof Error ? error.message : String(error));
  }
  const consortium = consortiumOf(genesis);
  const consortiumFileText = formatConsortiumFile(consortium);
  fs.mkdirSync(dir, { recursive: true });
  members.forEach((member, index) => {
    const memberDir = path.join(dir, member.name);
    fs.mkdirSync(memberDir);
    writeNew(path.join(memberDir, nodeKeyFileName), `${formatSignerKey(member.name, keys[index]!.node)}\n`, privateKeyFileMode);
    writeNew(path.join(memberDir, organizationKeyFileName), `${formatSignerKey(member.organizationId, keys[index]!.organization)}\n`, privateKeyFileMode);
    keys[index]!.node.fill(0);
    keys[index]!.organization.fill(0);
  });
  writeNew(path.join(dir, consortiumFileName), consortiumFileText, 0o644);
  // The genesis last: a folder with a genesis is complete.
  writeNew(path.join(dir, genesisFileName), `${JSON.stringify(genesis, null, 2)}\n`, 0o644);
  return { dir, genesis, consortium, consortiumFileText };
}

/**
 * Reads the consortium in `dir`. Requires nothing; throws ConsortiumSetupError when the genesis or the
 * consortium file is missing, invalid, or the two disagree. Reading twice gives the same answer.
 */
export function loadConsortium(dir: string): LoadedConsortium {
  const genesisText = readBounded(path.join(dir, genesisFileName), genesisFileBytesMax);
  const consortiumFileText = readBounded(path.join(dir, consortiumFileName), genesisFileBytesMax);
  let genesis: Genesis;
  let consortium: Consortium;
  try {
    genesis = parseGenesis(JSON.parse(genesisText));
    consortium = parseConsortiumFile(consortiumFileText);
  } catch (error: unknown) {
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fromGenesis = formatConsortiumFile(consortiumOf(genesis));
  if (fromGenesis !== formatConsortiumFile(consortium)) {
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${dir}: the consortium file does not match the genesis`);
  }
  return { dir, genesis, consortium: consortiumOf(genesis), consortiumFileText };
}

/**
 * The keys of member `name`. Requires a member of the loaded genesis; throws ConsortiumSetupError when a
 * key file is missing or its key is not the one the genesis names.
 */
export function loadMemberKeys(loaded: LoadedConsortium, name: string): MemberKeys {
  const member = loaded.genesis.members.find((candidate) => candidate.name === name);
  if (member === undefined) throw new ConsortiumSetupError('CONSORTIUM_BAD_INPUT', `${name} is not a member of ${loaded.genesis.origin}`);
  const nodeKey = readSignerKey(path.join(loaded.dir, name, nodeKeyFileName));
  const organizationKey = readSignerKey(path.join(loaded.dir, name, organizationKeyFileName));
  if (nodeKey.keyName !== name || base64.encode(nodeKey.publicKey) !== member.nodePublicKey) {
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${name}/${nodeKeyFileName} is not the node key the genesis names`);
  }
  const organizationDid = didKeyFromPublicKey(organizationKey.publicKey);
  if (organizationDid !== member.organizationDid) {
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${name}/${organizationKeyFileName} is not the organisation key the genesis names`);
  }
  return { nodeKey, organizationKey, organizationDid };
}

/** A node signs a checkpoint per block with these keys, so they sign with node:crypto. */
function readSignerKey(file: string): NoteSignerKey {
  try {
    return parseSignerKey(readBounded(file, keyFileBytesMax).trim(), createNodeCryptoSigner);
  } catch (error: unknown) {
    if (error instanceof ConsortiumSetupError) throw error;
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readBounded(file: string, bytesMax: number): string {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > bytesMax) throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `${file} is larger than ${bytesMax} bytes`);
    bytes = fs.readFileSync(file);
  } catch (error: unknown) {
    if (error instanceof ConsortiumSetupError) throw error;
    throw new ConsortiumSetupError('CONSORTIUM_UNREADABLE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return bytes.toString('utf8');
}

function writeNew(file: string, contents: string, mode: number): void {
  fs.writeFileSync(file, contents, { flag: 'wx', mode });
}
