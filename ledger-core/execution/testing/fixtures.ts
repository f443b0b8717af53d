/**
 * Parties, a genesis and signed transactions for tests, scenario scripts and benchmarks. Keys come
 * from seeds (a name's hash, or bytes the caller generated), so this module reads no randomness and a
 * script's output, DIDs included, is the same on every run.
 */
import { sha256 } from '@noble/hashes/sha2';
import { base64 } from '@scure/base';
import { didKeyFromPublicKey } from '../../chain/did-key.js';
import { createPortableSigner, type Ed25519Signer } from '../../chain/ed25519.js';
import type { JsonValue } from '../../chain/json-value.js';
import { signTransaction, type SignedTransaction } from '../../chain/transaction.js';
import { parseGenesis, type Genesis } from '../../contracts/genesis.js';

/** Someone who signs: an organisation, a person or a node. */
export interface TestParty {
  readonly name: string;
  readonly did: string;
  readonly signer: Ed25519Signer;
}

export type SignerFactory = (privateKey: Uint8Array) => Ed25519Signer;

/** A party whose key is derived from its name: the same DID on every run. */
export function seededParty(name: string, createSigner: SignerFactory = createPortableSigner): TestParty {
  return partyFromKey(name, sha256(new TextEncoder().encode(`twinledger test key ${name}`)), createSigner);
}

/** A party with the given 32-byte private key (for instance one `generatePrivateKey` made). */
export function partyFromKey(name: string, privateKey: Uint8Array, createSigner: SignerFactory = createPortableSigner): TestParty {
  const signer = createSigner(privateKey);
  return { name, did: didKeyFromPublicKey(signer.publicKey), signer };
}

export interface TestGenesisOptions {
  readonly origin?: string;
  readonly timeMs?: number;
  readonly txTimePastMs?: number;
  readonly txTimeFutureMs?: number;
}

/** The ledger time of a test genesis: 2026-01-01T00:00:00Z. */
export const testGenesisTimeMs = 1_767_225_600_000;

/**
 * A parsed genesis whose members are `members`: each one's organisation id is its name, its
 * organisation signs with its DID, and its node key is derived from `<name>-node`.
 */
export function testGenesis(members: readonly TestParty[], options: TestGenesisOptions = {}): Genesis {
  return parseGenesis({
    v: 1,
    origin: options.origin ?? 'test.twinledger.example/ledger',
    timeMs: options.timeMs ?? testGenesisTimeMs,
    members: members.map((member) => ({
      name: `${member.name}-node`,
      nodePublicKey: base64.encode(seededParty(`${member.name}-node`).signer.publicKey),
      organizationId: member.name,
      organizationDid: member.did,
      organizationName: `${member.name.slice(0, 1).toUpperCase()}${member.name.slice(1)}`,
    })),
    parameters: { txTimePastMs: options.txTimePastMs ?? 60_000, txTimeFutureMs: options.txTimeFutureMs ?? 5_000 },
  });
}

/** `party`'s signed transaction of `type` with `payload`, made at `timeMs` with `nonce`. */
export function signedTransaction(party: TestParty, type: string, payload: JsonValue, timeMs: number, nonce: string): SignedTransaction {
  return signTransaction({ v: 1, type, payload, signer: party.did, nonce, time: timeMs }, party.signer);
}
