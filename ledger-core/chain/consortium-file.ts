/**
 * The consortium file: what a partner holds to check quorum certificates and proof bundles offline.
 * It names the ledger (the checkpoint origin) and every member's node key, and nothing else:
 *
 *   {
 *     "origin": "twinledger.example/consortium",
 *     "members": [
 *       { "name": "acme.example/node", "publicKey": "<standard padded base64 of the 32-byte Ed25519 key>" },
 *       "bolt.example/node+1f2e3d4c+AQ...="
 *     ]
 *   }
 *
 * A member is either an object with its name and base64 key, or the signed-note verifier key text
 * `<name>+<hex key ID>+<base64(0x01 || key)>` that the member's operator publishes; the text form
 * carries a key ID derived from the name and the key, so a copy-paste slip in either is caught.
 *
 * The parser is strict because this file is the partner's whole root of trust: unknown fields, keys
 * that are not usable under the pinned Ed25519 rule, and two members sharing a name or a key (which
 * would let one node count twice towards a quorum) are all refused with a code and a sentence.
 * Portable: no `node:` imports, so the web console reads the same file the CLI does.
 */
import { base64 } from '@scure/base';
import { publicKeyBytes, publicKeyFault } from './ed25519-rule.js';
import { originLengthMax } from './checkpoint.js';
import type { Consortium, ConsortiumMember } from './quorum.js';
import { formatVerifierKey, isValidKeyName, noteVerifierKey, noteSignaturesMax, parseVerifierKey, SignedNoteError } from './signed-note.js';

/** Largest consortium file accepted, in UTF-8 bytes; 100 members in the longer text form take about 20 KiB. */
export const consortiumFileBytesMax = 262_144;
/**
 * Most members accepted. A quorum certificate is one signed note, which carries at most
 * `noteSignaturesMax` signatures; a larger consortium could not be shown all its members' signatures.
 */
export const consortiumMembersMax = noteSignaturesMax;

export type ConsortiumFileErrorCode =
  /** Longer than `consortiumFileBytesMax`. */
  | 'CONSORTIUM_TOO_LARGE'
  /** Not UTF-8 JSON, or not an object with exactly `origin` and `members`. */
  | 'CONSORTIUM_MALFORMED'
  /** `origin` is not a valid checkpoint origin. */
  | 'CONSORTIUM_BAD_ORIGIN'
  /** `members` is empty, not an array, or longer than `consortiumMembersMax`. */
  | 'CONSORTIUM_BAD_MEMBERS'
  /** One member entry is not an object `{name, publicKey}` or verifier key text, or its name is invalid. */
  | 'CONSORTIUM_BAD_MEMBER'
  /** A member's key is not 32 bytes of canonical base64, or not usable under the pinned Ed25519 rule. */
  | 'CONSORTIUM_BAD_KEY'
  /** Two members share a name or a key. */
  | 'CONSORTIUM_DUPLICATE_MEMBER';

/** A consortium file refused; `code` is stable, the message says which entry and why. */
export class ConsortiumFileError extends Error {
  override readonly name = 'ConsortiumFileError';
  constructor(
    readonly code: ConsortiumFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const base64KeyPattern = /^[A-Za-z0-9+/]{43}=$/;
const fileFields = ['origin', 'members'];
const memberFields = ['name', 'publicKey'];

/**
 * The consortium a file describes. Requires nothing: text or bytes that are not a valid consortium
 * file throw `ConsortiumFileError`. The answer is safe to pass to `verifyQuorumCertificate`.
 */
export function parseConsortiumFile(file: string | Uint8Array): Consortium {
  const byteLength = typeof file === 'string' ? (file.length > consortiumFileBytesMax ? file.length : utf8Encoder.encode(file).length) : file.length;
  if (byteLength > consortiumFileBytesMax) {
    throw new ConsortiumFileError('CONSORTIUM_TOO_LARGE', `a consortium file is at most ${consortiumFileBytesMax} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof file === 'string' ? file : utf8Decoder.decode(file));
  } catch {
    throw new ConsortiumFileError('CONSORTIUM_MALFORMED', 'the consortium file is not UTF-8 JSON');
  }
  return checkConsortium(value);
}

/**
 * `value` (parsed JSON) as a consortium, checked as `parseConsortiumFile` checks a file. Requires
 * nothing; throws `ConsortiumFileError`.
 */
export function checkConsortium(value: unknown): Consortium {
  if (!isRecord(value)) throw new ConsortiumFileError('CONSORTIUM_MALFORMED', 'a consortium file is a JSON object with "origin" and "members"');
  const extra = Object.keys(value).find((key) => !fileFields.includes(key));
  if (extra !== undefined) throw new ConsortiumFileError('CONSORTIUM_MALFORMED', `unknown field ${quote(extra)}; a consortium file has only "origin" and "members"`);
  const { origin, members } = value;
  if (typeof origin !== 'string' || !isValidOrigin(origin)) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_ORIGIN', `"origin" must be the checkpoint origin: 1 to ${originLengthMax} characters without spaces, "+" or control characters`);
  }
  if (!Array.isArray(members) || members.length === 0) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_MEMBERS', '"members" must be a non-empty array');
  }
  if (members.length > consortiumMembersMax) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_MEMBERS', `a consortium has at most ${consortiumMembersMax} members, this file lists ${members.length}`);
  }
  const checked: ConsortiumMember[] = [];
  members.forEach((entry: unknown, index) => {
    const member = checkMember(entry, index);
    const clash = checked.find((other) => other.name === member.name || sameBytes(other.publicKey, member.publicKey));
    if (clash !== undefined) {
      const what = clash.name === member.name ? `the name ${quote(member.name)}` : 'one key';
      throw new ConsortiumFileError('CONSORTIUM_DUPLICATE_MEMBER', `members ${quote(clash.name)} and ${quote(member.name)} share ${what}; each member counts once towards a quorum`);
    }
    checked.push(member);
  });
  return { origin, members: checked };
}

/**
 * The file text for `consortium`, members as `{name, publicKey}` objects, two-space indented with a
 * final newline. Requires a consortium `checkConsortium` accepts (valid names, usable 32-byte keys).
 */
export function formatConsortiumFile(consortium: Consortium): string {
  const file = {
    origin: consortium.origin,
    members: consortium.members.map((member) => ({ name: member.name, publicKey: base64.encode(member.publicKey) })),
  };
  checkConsortium(file);
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The member as signed-note verifier key text, the alternative entry form. Requires a valid name and a 32-byte key. */
export function memberVerifierKey(member: ConsortiumMember): string {
  return formatVerifierKey(noteVerifierKey(member.name, member.publicKey));
}

function checkMember(entry: unknown, index: number): ConsortiumMember {
  const where = `member ${index + 1}`;
  if (typeof entry === 'string') return memberFromVerifierKey(entry, where);
  if (!isRecord(entry)) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_MEMBER', `${where} must be an object {"name", "publicKey"} or verifier key text "<name>+<key id>+<key>"`);
  }
  const extra = Object.keys(entry).find((key) => !memberFields.includes(key));
  if (extra !== undefined) throw new ConsortiumFileError('CONSORTIUM_BAD_MEMBER', `${where} has unknown field ${quote(extra)}; a member has only "name" and "publicKey"`);
  const { name, publicKey } = entry;
  if (typeof name !== 'string' || !isValidKeyName(name)) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_MEMBER', `${where}: "name" must be a signed-note key name: non-empty, without white space or "+"`);
  }
  const label = `member ${quote(name)}`;
  if (typeof publicKey !== 'string' || !base64KeyPattern.test(publicKey)) {
    throw new ConsortiumFileError('CONSORTIUM_BAD_KEY', `${label}: "publicKey" must be the standard padded base64 of ${publicKeyBytes} bytes (44 characters)`);
  }
  const key = decodeCanonicalBase64(publicKey);
  if (key === undefined) throw new ConsortiumFileError('CONSORTIUM_BAD_KEY', `${label}: "publicKey" is not canonical base64 (the unused low bits of its last character must be zero)`);
  const fault = publicKeyFault(key);
  if (fault !== undefined) throw new ConsortiumFileError('CONSORTIUM_BAD_KEY', `${label}: the key is not a usable Ed25519 public key (${fault})`);
  return { name, publicKey: key };
}

function memberFromVerifierKey(text: string, where: string): ConsortiumMember {
  try {
    const key = parseVerifierKey(text);
    return { name: key.keyName, publicKey: key.publicKey };
  } catch (error: unknown) {
    if (!(error instanceof SignedNoteError)) throw error;
    const code = error.code === 'NOTE_KEY_NAME_INVALID' ? 'CONSORTIUM_BAD_MEMBER' : 'CONSORTIUM_BAD_KEY';
    throw new ConsortiumFileError(code, `${where} is not a valid verifier key: ${error.message}`);
  }
}

/** The bytes, or undefined unless `text` is the one spelling they encode to (one key, one spelling). */
function decodeCanonicalBase64(text: string): Uint8Array | undefined {
  try {
    const bytes = base64.decode(text);
    return base64.encode(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function isValidOrigin(origin: string): boolean {
  // The checkpoint parser's own rule, so a file can never name an origin no checkpoint could carry.
  return origin.length > 0 && origin.length <= originLengthMax && !/[\s+\u0000-\u001f]/u.test(origin);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}
