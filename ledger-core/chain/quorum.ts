/**
 * Quorum certificates: a block is final when a strict majority of the consortium's members have
 * signed the same checkpoint. A QC is an ordinary signed checkpoint note carrying those signatures,
 * so any C2SP note verifier can read it; this module adds the counting.
 *
 * Unknown signatures are ignored, not refused. The signed-note spec requires verifiers to ignore them
 * (it is how witnesses cosign and keys rotate), and refusing would let anyone who can append a line
 * to a relayed note veto a valid QC. They can never help a QC either: only a signature whose key name
 * and key ID both match a member is counted, once. Anything that could inflate the count is refused
 * outright: the same member signing twice, two members sharing a name or a key, and any member
 * signature that fails to verify (the spec says a failing known signature SHOULD reject the note).
 */
import { portableVerifier, type Ed25519Verifier } from './ed25519.js';
import { publicKeyFault } from './ed25519-rule.js';
import { CheckpointError, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { describeKey, isValidKeyName, noteVerifierKey, parseNote, SignedNoteError, type Note, type NoteVerifierKey } from './signed-note.js';

export interface ConsortiumMember {
  /** The member's key name in signature lines; also how a QC reports who signed. */
  readonly name: string;
  /** The 32-byte Ed25519 public key of the member's ledger node. */
  readonly publicKey: Uint8Array;
}

export interface Consortium {
  /** The checkpoint origin every member signs under; the ledger's name. */
  readonly origin: string;
  readonly members: readonly ConsortiumMember[];
}

export type QuorumRefusalCode =
  /** The consortium itself is unusable: empty, an invalid name or key, or two members share a name or key. */
  | 'QC_BAD_CONSORTIUM'
  /** Not a signed note. */
  | 'QC_MALFORMED'
  /** The note text is not a Twinledger checkpoint. */
  | 'QC_BAD_CHECKPOINT'
  /** The checkpoint names another ledger. */
  | 'QC_WRONG_ORIGIN'
  /** One member's key signed more than once. */
  | 'QC_DUPLICATE_SIGNER'
  /** A member's signature does not verify over this text. */
  | 'QC_BAD_SIGNATURE'
  /** Fewer valid member signatures than a strict majority. */
  | 'QC_MINORITY';

export type QuorumVerification =
  | {
      readonly ok: true;
      readonly checkpoint: Checkpoint;
      /** Names of the members whose signatures verified, in note order. */
      readonly signers: readonly string[];
      readonly quorumSize: number;
    }
  | { readonly ok: false; readonly code: QuorumRefusalCode; readonly reason: string };

/** Signatures needed out of `memberCount`: a strict majority, floor(n / 2) + 1. Requires n ≥ 1. */
export function quorumSize(memberCount: number): number {
  if (!Number.isSafeInteger(memberCount) || memberCount < 1) throw new RangeError(`a consortium has at least one member, got ${memberCount}`);
  return Math.floor(memberCount / 2) + 1;
}

/**
 * Checks that `note` is a checkpoint of `consortium.origin` signed by a strict majority of its members.
 * Requires nothing; never throws for bad input. `verifier` defaults to the portable one.
 */
export function verifyQuorumCertificate(
  note: string | Uint8Array,
  consortium: Consortium,
  verifier: Ed25519Verifier = portableVerifier,
): QuorumVerification {
  const members = memberKeys(consortium);
  if (typeof members === 'string') return reject('QC_BAD_CONSORTIUM', members);
  let parsed: Note;
  let checkpoint: Checkpoint;
  try {
    parsed = parseNote(note);
    checkpoint = parseCheckpoint(parsed.text);
  } catch (error: unknown) {
    if (error instanceof SignedNoteError) return reject('QC_MALFORMED', error.message);
    if (error instanceof CheckpointError) return reject('QC_BAD_CHECKPOINT', error.message);
    throw error;
  }
  if (checkpoint.origin !== consortium.origin) {
    return reject('QC_WRONG_ORIGIN', `the checkpoint is for ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(consortium.origin)}`);
  }
  // Match and de-duplicate first, verify second: no curve arithmetic is spent on a note that cannot pass.
  const signed = new Map<NoteVerifierKey, Uint8Array>();
  for (const entry of parsed.signatures) {
    const member = members.find((key) => key.keyName === entry.keyName && key.keyId === entry.keyId);
    if (member === undefined) continue;
    if (signed.has(member)) return reject('QC_DUPLICATE_SIGNER', `${describeKey(member)} signed more than once`);
    signed.set(member, entry.signature);
  }
  const needed = quorumSize(members.length);
  if (signed.size < needed) {
    return reject('QC_MINORITY', `${signed.size} of ${members.length} members signed; a quorum is ${needed}`);
  }
  const text = new TextEncoder().encode(parsed.text);
  for (const [member, signature] of signed) {
    if (!verifier.verify(signature, text, member.publicKey)) {
      return reject('QC_BAD_SIGNATURE', `the signature by ${describeKey(member)} does not verify`);
    }
  }
  return { ok: true, checkpoint, signers: [...signed.keys()].map((key) => key.keyName), quorumSize: needed };
}

/** The members as note verifier keys, or why the consortium cannot be used. */
function memberKeys(consortium: Consortium): NoteVerifierKey[] | string {
  if (consortium.members.length === 0) return 'the consortium has no members';
  const keys: NoteVerifierKey[] = [];
  for (const member of consortium.members) {
    if (!isValidKeyName(member.name)) return `member name ${JSON.stringify(member.name)} is not a valid key name`;
    const fault = publicKeyFault(member.publicKey);
    if (fault !== undefined) return `member ${member.name} has an unusable key: ${fault}`;
    const key = noteVerifierKey(member.name, member.publicKey);
    // One key under two names would be counted twice; a name must single out one member.
    const clash = keys.find((other) => other.keyName === key.keyName || sameBytes(other.publicKey, key.publicKey));
    if (clash !== undefined) return `members ${clash.keyName} and ${key.keyName} share a name or a key`;
    keys.push(key);
  }
  return keys;
}

function reject(code: QuorumRefusalCode, reason: string): QuorumVerification {
  return { ok: false, code, reason };
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}
