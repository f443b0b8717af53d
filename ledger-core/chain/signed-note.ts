/**
 * C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys (signature type 0x01): a UTF-8 text ending
 * in a newline, a blank line, then lines `— <key name> <base64(key ID || signature)>`. Existing
 * transparency-log tooling (golang.org/x/mod/sumdb/note and its ports) reads and writes the same bytes.
 */
import { sha256 } from '@noble/hashes/sha2';
import { base64 } from '@scure/base';
import { createPortableSigner, isSigner, portableVerifier, type Ed25519Signer, type Ed25519Verifier } from './ed25519.js';
import { privateKeyBytes, publicKeyBytes, publicKeyFault, signatureBytes } from './ed25519-rule.js';

/** Largest note accepted, in UTF-8 bytes; a checkpoint with 100 signatures is under 12 KiB. */
export const noteBytesMax = 65_536;
/** Most signature lines accepted in one note; the spec asks for at least 16, its Go reference allows 100. */
export const noteSignaturesMax = 100;
/** Signature type byte for Ed25519 in key IDs and encoded keys. */
export const ed25519SignatureType = 0x01;

export type SignedNoteErrorCode =
  | 'NOTE_MALFORMED'
  | 'NOTE_TOO_LARGE'
  | 'NOTE_TOO_MANY_SIGNATURES'
  | 'NOTE_KEY_NAME_INVALID'
  | 'NOTE_KEY_MALFORMED'
  | 'NOTE_KEY_ID_MISMATCH'
  | 'NOTE_KEY_ALGORITHM'
  | 'NOTE_TEXT_MISMATCH';

/** Bad note or key text from outside; `code` says which rule it breaks. */
export class SignedNoteError extends Error {
  override readonly name = 'SignedNoteError';
  constructor(
    readonly code: SignedNoteErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One signature line. `keyId` is the uint32 from the first four signature bytes. */
export interface NoteSignature {
  readonly keyName: string;
  readonly keyId: number;
  /** The bytes after the key ID: 64 for Ed25519, but other types may appear from unknown keys. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline and excluding the blank separator line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface NoteVerifierKey {
  readonly keyName: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

export interface NoteSignerKey extends NoteVerifierKey {
  readonly signer: Ed25519Signer;
}

const signaturePrefix = '\u2014 ';
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `keyName` may name a key: non-empty, without Unicode white space or "+" (so `name+id+key` splits unambiguously). */
export function isValidKeyName(keyName: string): boolean {
  return keyName.length > 0 && !/[\s+]/u.test(keyName) && isWellFormedText(keyName);
}

/**
 * The key ID of an Ed25519 key: the first four bytes, big-endian, of
 * SHA-256(key name || 0x0A || 0x01 || public key). Requires a valid key name and a 32-byte key.
 */
export function noteKeyId(keyName: string, publicKey: Uint8Array): number {
  assertKeyName(keyName);
  if (publicKey.length !== publicKeyBytes) throw new SignedNoteError('NOTE_KEY_MALFORMED', `an Ed25519 public key is ${publicKeyBytes} bytes`);
  const digest = sha256(concat(textEncoder.encode(`${keyName}\n`), Uint8Array.of(ed25519SignatureType), publicKey));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0, false);
}

/** A verifier key for an Ed25519 public key. Requires a valid key name and a 32-byte key. */
export function noteVerifierKey(keyName: string, publicKey: Uint8Array): NoteVerifierKey {
  return { keyName, keyId: noteKeyId(keyName, publicKey), publicKey: Uint8Array.from(publicKey) };
}

/** A signer key from a 32-byte private key or a signer. Requires a valid key name. */
export function noteSignerKey(keyName: string, key: Uint8Array | Ed25519Signer): NoteSignerKey {
  const signer = isSigner(key) ? key : createPortableSigner(key);
  return { ...noteVerifierKey(keyName, signer.publicKey), signer };
}

/** The standard verifier key text `<name>+<hex key ID>+<base64(0x01 || public key)>`. Requires a key made by `noteVerifierKey` or a parser. */
export function formatVerifierKey(key: NoteVerifierKey): string {
  return `${key.keyName}+${hexKeyId(key.keyId)}+${base64.encode(concat(Uint8Array.of(ed25519SignatureType), key.publicKey))}`;
}

/** Parses verifier key text, checking that its key ID matches its name and key. Throws `SignedNoteError`. */
export function parseVerifierKey(text: string): NoteVerifierKey {
  const parts = splitKeyText(text, 3);
  if (parts === undefined) throw new SignedNoteError('NOTE_KEY_MALFORMED', 'a verifier key is <name>+<key id>+<key>');
  const [keyName = '', idText = '', keyText = ''] = parts;
  const publicKey = decodeTypedKey(keyText, 'verifier');
  return checkedKey(keyName, idText, publicKey);
}

/** The signer key text `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`; keep it secret. Requires a valid name and a 32-byte seed. */
export function formatSignerKey(keyName: string, privateKey: Uint8Array): string {
  const key = noteSignerKey(keyName, privateKey);
  return `PRIVATE+KEY+${keyName}+${hexKeyId(key.keyId)}+${base64.encode(concat(Uint8Array.of(ed25519SignatureType), privateKey))}`;
}

/**
 * Parses signer key text, checking the key ID against the derived public key. Throws `SignedNoteError`.
 * `makeSigner` lets a Node process sign with node:crypto; the portable signer is the default.
 */
export function parseSignerKey(text: string, makeSigner: (privateKey: Uint8Array) => Ed25519Signer = createPortableSigner): NoteSignerKey {
  const parts = splitKeyText(text, 5);
  if (parts === undefined || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new SignedNoteError('NOTE_KEY_MALFORMED', 'a signer key is PRIVATE+KEY+<name>+<key id>+<key>');
  }
  const [, , keyName = '', idText = '', keyText = ''] = parts;
  const privateKey = decodeTypedKey(keyText, 'signer');
  const signer = makeSigner(privateKey);
  checkedKey(keyName, idText, signer.publicKey);
  return noteSignerKey(keyName, signer);
}

/**
 * Parses a signed note without verifying anything. Requires nothing; throws `SignedNoteError` if the
 * message is not valid UTF-8 without control characters other than newline, lacks the blank line
 * before the signatures, or has a signature line that is not `— <valid name> <base64 of 5+ bytes>`.
 */
export function parseNote(message: string | Uint8Array): Note {
  const text = typeof message === 'string' ? message : decodeUtf8(message);
  // A UTF-16 code unit never encodes to less than one UTF-8 byte, so the length check can go first.
  if (text.length > noteBytesMax || utf8Length(text) > noteBytesMax) {
    throw new SignedNoteError('NOTE_TOO_LARGE', `note is larger than ${noteBytesMax} bytes`);
  }
  if (!isWellFormedText(text)) throw new SignedNoteError('NOTE_MALFORMED', 'note is not valid Unicode text');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new SignedNoteError('NOTE_MALFORMED', 'note holds a control character other than newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw new SignedNoteError('NOTE_MALFORMED', 'note has no blank line before its signatures');
  const body = text.slice(0, split + 1);
  const signatureBlock = text.slice(split + 2);
  if (signatureBlock.length === 0 || !signatureBlock.endsWith('\n')) {
    throw new SignedNoteError('NOTE_MALFORMED', 'note must end with signature lines, each ending in a newline');
  }
  const lines = signatureBlock.slice(0, -1).split('\n');
  if (lines.length > noteSignaturesMax) {
    throw new SignedNoteError('NOTE_TOO_MANY_SIGNATURES', `note has more than ${noteSignaturesMax} signatures`);
  }
  return { text: body, signatures: lines.map(parseSignatureLine) };
}

/** The note's wire form. Requires text ending in a newline, valid key names and at least one signature. */
export function formatNote(note: Note): string {
  if (!note.text.endsWith('\n')) throw new SignedNoteError('NOTE_MALFORMED', 'note text must end with a newline');
  if (note.signatures.length === 0) throw new SignedNoteError('NOTE_MALFORMED', 'a signed note has at least one signature');
  const lines = note.signatures.map((entry) => {
    assertKeyName(entry.keyName);
    if (!Number.isInteger(entry.keyId) || entry.keyId < 0 || entry.keyId > 0xffffffff) {
      throw new SignedNoteError('NOTE_MALFORMED', `key ID ${entry.keyId} is not a uint32`);
    }
    const keyIdBytes = new Uint8Array(4);
    new DataView(keyIdBytes.buffer).setUint32(0, entry.keyId, false);
    return `${signaturePrefix}${entry.keyName} ${base64.encode(concat(keyIdBytes, entry.signature))}\n`;
  });
  return `${note.text}\n${lines.join('')}`;
}

/** This key's signature over `text`. Requires text ending in a newline with no other control characters. */
export function signNoteText(text: string, key: NoteSignerKey): NoteSignature {
  assertNoteText(text);
  return { keyName: key.keyName, keyId: key.keyId, signature: key.signer.sign(textEncoder.encode(text)) };
}

/**
 * Adds signatures by `keys` to a note (or to bare text), replacing any earlier signature by the same
 * key, and returns the wire form. Requires note text as `signNoteText` does.
 */
export function signNote(note: Note | string, keys: readonly NoteSignerKey[]): string {
  const base: Note = typeof note === 'string' ? { text: note, signatures: [] } : note;
  const added = keys.map((key) => signNoteText(base.text, key));
  const kept = base.signatures.filter((old) => !added.some((entry) => sameKey(entry, old)));
  return formatNote({ text: base.text, signatures: [...kept, ...added] });
}

/**
 * One note carrying every distinct signature line of `notes`, for collecting signatures that members
 * made separately. Requires every note to have the same text (else `NOTE_TEXT_MISMATCH`); identical
 * lines are kept once, and two different signatures by the same key are both kept for the verifier
 * to judge.
 */
export function mergeNotes(notes: readonly (string | Note)[]): string {
  const parsed = notes.map((note) => (typeof note === 'string' ? parseNote(note) : note));
  const first = parsed[0];
  if (first === undefined) throw new SignedNoteError('NOTE_MALFORMED', 'nothing to merge');
  const signatures: NoteSignature[] = [];
  for (const note of parsed) {
    if (note.text !== first.text) throw new SignedNoteError('NOTE_TEXT_MISMATCH', 'notes to merge must have the same text');
    for (const entry of note.signatures) {
      if (!signatures.some((seen) => sameKey(seen, entry) && sameBytes(seen.signature, entry.signature))) signatures.push(entry);
    }
  }
  if (signatures.length > noteSignaturesMax) {
    throw new SignedNoteError('NOTE_TOO_MANY_SIGNATURES', `merged note would have more than ${noteSignaturesMax} signatures`);
  }
  return formatNote({ text: first.text, signatures });
}

export type NoteVerification =
  | { readonly ok: true; readonly note: Note; readonly verifiedBy: readonly NoteVerifierKey[] }
  | {
      readonly ok: false;
      readonly code: 'NOTE_MALFORMED' | 'NOTE_TOO_LARGE' | 'NOTE_TOO_MANY_SIGNATURES' | 'NOTE_UNVERIFIED' | 'NOTE_BAD_SIGNATURE' | 'NOTE_AMBIGUOUS_KEY';
      readonly reason: string;
    };

/**
 * Verifies a note as the signed-note spec says: signatures from unknown keys (name and ID not both
 * known) are ignored; every signature from a known key must verify, or the note is refused; at least
 * one must. Requires nothing; never throws for bad input.
 */
export function verifyNote(
  message: string | Uint8Array,
  knownKeys: readonly NoteVerifierKey[],
  verifier: Ed25519Verifier = portableVerifier,
): NoteVerification {
  let note: Note;
  try {
    note = parseNote(message);
  } catch (error: unknown) {
    if (error instanceof SignedNoteError && (error.code === 'NOTE_TOO_LARGE' || error.code === 'NOTE_TOO_MANY_SIGNATURES')) {
      return { ok: false, code: error.code, reason: error.message };
    }
    if (error instanceof SignedNoteError) return { ok: false, code: 'NOTE_MALFORMED', reason: error.message };
    throw error;
  }
  const textBytes = textEncoder.encode(note.text);
  const verifiedBy: NoteVerifierKey[] = [];
  for (const entry of note.signatures) {
    const matches = knownKeys.filter((key) => sameKey(key, entry));
    if (matches.length > 1) return { ok: false, code: 'NOTE_AMBIGUOUS_KEY', reason: `two known keys are ${describeKey(entry)}` };
    const key = matches[0];
    if (key === undefined) continue;
    if (entry.signature.length !== signatureBytes || !verifier.verify(entry.signature, textBytes, key.publicKey)) {
      return { ok: false, code: 'NOTE_BAD_SIGNATURE', reason: `the signature by ${describeKey(entry)} does not verify` };
    }
    if (!verifiedBy.includes(key)) verifiedBy.push(key);
  }
  if (verifiedBy.length === 0) return { ok: false, code: 'NOTE_UNVERIFIED', reason: 'no signature from a known key' };
  return { ok: true, note, verifiedBy };
}

/** `name+xxxxxxxx`, how the spec's reference implementation names a key in messages. Requires a uint32 key ID. */
export function describeKey(key: { readonly keyName: string; readonly keyId: number }): string {
  return `${key.keyName}+${hexKeyId(key.keyId)}`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(signaturePrefix)) throw new SignedNoteError('NOTE_MALFORMED', 'signature lines start with an em dash and a space');
  const rest = line.slice(signaturePrefix.length);
  const space = rest.indexOf(' ');
  const keyName = space < 0 ? rest : rest.slice(0, space);
  const encoded = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(keyName)) throw new SignedNoteError('NOTE_KEY_NAME_INVALID', 'signature line has an invalid key name');
  const bytes = decodeBase64(encoded);
  if (bytes === undefined || bytes.length < 5) throw new SignedNoteError('NOTE_MALFORMED', `signature by ${keyName} is not base64 of a key ID and a signature`);
  return { keyName, keyId: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false), signature: bytes.slice(4) };
}

/** Splits at the first `fieldCount - 1` plus signs; the last field is base64 and may hold more of them. */
function splitKeyText(text: string, fieldCount: number): string[] | undefined {
  const fields: string[] = [];
  let rest = text;
  for (let index = 1; index < fieldCount; index++) {
    const plus = rest.indexOf('+');
    if (plus < 0) return undefined;
    fields.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  fields.push(rest);
  return fields;
}

function decodeTypedKey(keyText: string, role: 'verifier' | 'signer'): Uint8Array {
  const bytes = decodeBase64(keyText);
  if (bytes === undefined || bytes.length === 0) throw new SignedNoteError('NOTE_KEY_MALFORMED', `${role} key is not base64`);
  if (bytes[0] !== ed25519SignatureType) throw new SignedNoteError('NOTE_KEY_ALGORITHM', `${role} key type ${bytes[0] ?? 0} is not Ed25519 (1)`);
  const key = bytes.slice(1);
  const expectedBytes = role === 'verifier' ? publicKeyBytes : privateKeyBytes;
  if (key.length !== expectedBytes) throw new SignedNoteError('NOTE_KEY_MALFORMED', `Ed25519 ${role} key is ${expectedBytes} bytes, got ${key.length}`);
  if (role === 'verifier' && publicKeyFault(key) !== undefined) {
    throw new SignedNoteError('NOTE_KEY_MALFORMED', `verifier key is not a usable Ed25519 key: ${publicKeyFault(key) ?? ''}`);
  }
  return key;
}

function checkedKey(keyName: string, idText: string, publicKey: Uint8Array): NoteVerifierKey {
  assertKeyName(keyName);
  if (!/^[0-9a-f]{8}$/.test(idText)) throw new SignedNoteError('NOTE_KEY_MALFORMED', 'key ID is eight lowercase hex digits');
  const key = noteVerifierKey(keyName, publicKey);
  if (hexKeyId(key.keyId) !== idText) {
    throw new SignedNoteError('NOTE_KEY_ID_MISMATCH', `key ID ${idText} does not match ${keyName} and its key (${hexKeyId(key.keyId)})`);
  }
  return key;
}

function assertNoteText(text: string): void {
  if (!text.endsWith('\n') || /[\u0000-\u0009\u000b-\u001f]/.test(text) || !isWellFormedText(text)) {
    throw new SignedNoteError('NOTE_MALFORMED', 'note text ends with a newline and has no other control characters');
  }
}

function assertKeyName(keyName: string): void {
  if (!isValidKeyName(keyName)) throw new SignedNoteError('NOTE_KEY_NAME_INVALID', `invalid key name ${JSON.stringify(keyName)}`);
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length > noteBytesMax) throw new SignedNoteError('NOTE_TOO_LARGE', `note is larger than ${noteBytesMax} bytes`);
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new SignedNoteError('NOTE_MALFORMED', 'note is not valid UTF-8');
  }
}

function isWellFormedText(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function utf8Length(text: string): number {
  return textEncoder.encode(text).length;
}

function hexKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function sameKey(left: { keyName: string; keyId: number }, right: { keyName: string; keyId: number }): boolean {
  return left.keyName === right.keyName && left.keyId === right.keyId;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
