/**
 * Making a signed transaction from what a writer wants done (`{type, payload}`) and a signing key:
 * the I/O side every writer shares. It reads the clock and the random source, which the pure chain
 * layer never does: `time` is now, and `nonce` is fresh randomness so that two equal requests are two
 * transactions, while a retry of the same signed transaction stays one (same bytes, same id).
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { base64urlnopad } from '@scure/base';
import { didKeyFromPublicKey } from '../chain/did-key.js';
import { createNodeCryptoSigner } from '../chain/ed25519-node.js';
import { isSigner, type Ed25519Signer } from '../chain/ed25519.js';
import type { JsonValue } from '../chain/json-value.js';
import { parseSignerKey, SignedNoteError, type NoteSignerKey } from '../chain/signed-note.js';
import { signTransaction, transactionId, type SignedTransaction } from '../chain/transaction.js';

/** Random bytes in a nonce: 128 bits, so two nonces never meet by chance. */
export const nonceBytes = 16;
/** Largest key file read, in bytes; signer key text is under 200. */
export const signingKeyFileBytesMax = 4_096;

export type SigningKeyErrorCode =
  /** A raw private key that is not 32 bytes. */
  | 'SIGNING_KEY_LENGTH'
  /** Text that is not signed-note signer key text `PRIVATE+KEY+<name>+<id>+<key>`. */
  | 'SIGNING_KEY_MALFORMED'
  /** The key file cannot be read, or is larger than `signingKeyFileBytesMax`. */
  | 'SIGNING_KEY_FILE';

/** A signing key the builder cannot use; bad input, reported with a stable code. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
  constructor(
    readonly code: SigningKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A key ready to sign: the signer and the did:key that transactions name as their `signer`. */
export interface TransactionSigner {
  readonly did: string;
  readonly signer: Ed25519Signer;
}

/**
 * What a signing key may be given as: a 32-byte Ed25519 seed, signed-note signer key text (what
 * `twinledger keys new` writes), a parsed signer key, or a signer.
 */
export type SigningKeyInput = Uint8Array | string | NoteSignerKey | Ed25519Signer | TransactionSigner;

/** What a writer wants done: the contract operation and its input. */
export interface TransactionDraft {
  readonly type: string;
  readonly payload: JsonValue;
}

export interface BuildOptions {
  /** The transaction's time, in milliseconds since the Unix epoch. Default: now. */
  readonly timeMs?: number;
  /** The nonce. Default: `newNonce()`. Give one only to rebuild a known transaction. */
  readonly nonce?: string;
}

export interface BuiltTransaction {
  readonly txId: string;
  readonly signed: SignedTransaction;
}

/**
 * The signer for `key`. Requires nothing: a seed of another length or text that is not signer key
 * text throws SigningKeyError. A seed is signed with node:crypto, the fastest signer here.
 */
export function transactionSigner(key: SigningKeyInput): TransactionSigner {
  if (typeof key === 'string') return fromSigner(parseKeyText(key).signer);
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new SigningKeyError('SIGNING_KEY_LENGTH', `an Ed25519 private key is 32 bytes, got ${key.length}`);
    return fromSigner(createNodeCryptoSigner(key));
  }
  if ('keyName' in key) return fromSigner(key.signer);
  if ('did' in key) return key;
  if (isSigner(key)) return fromSigner(key);
  throw new SigningKeyError('SIGNING_KEY_MALFORMED', 'not a signing key');
}

/**
 * The signer in the key file at `path`: signed-note signer key text, surrounding white space
 * ignored. Requires nothing; throws SigningKeyError if the file cannot be read or holds no key.
 */
export async function readSigningKeyFile(path: string): Promise<TransactionSigner> {
  let bytes: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = new Uint8Array(signingKeyFileBytesMax + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    throw new SigningKeyError('SIGNING_KEY_FILE', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return signingKeyFromFileBytes(bytes, path);
}

/** The signer in key file contents read elsewhere (the CLI reads through its own I/O). Throws SigningKeyError. */
export function signingKeyFromFileBytes(bytes: Uint8Array, path: string): TransactionSigner {
  if (bytes.length > signingKeyFileBytesMax) throw new SigningKeyError('SIGNING_KEY_FILE', `${path} is larger than ${signingKeyFileBytesMax} bytes; a key file holds one key`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SigningKeyError('SIGNING_KEY_MALFORMED', `${path} is not UTF-8 text`);
  }
  return transactionSigner(text);
}

/** A fresh nonce: `nonceBytes` random bytes in unpadded base64url (22 printable characters). */
export function newNonce(): string {
  return base64urlnopad.encode(randomBytes(nonceBytes));
}

/**
 * Builds and signs `{v: 1, type, payload, signer, nonce, time}`. Requires a draft the chain accepts:
 * a bad type, payload or limit throws TransactionShapeError; a bad key throws SigningKeyError.
 */
export function buildTransaction(draft: TransactionDraft, key: SigningKeyInput, options: BuildOptions = {}): BuiltTransaction {
  const { did, signer } = transactionSigner(key);
  const tx = { v: 1 as const, type: draft.type, payload: draft.payload, signer: did, nonce: options.nonce ?? newNonce(), time: options.timeMs ?? Date.now() };
  const signed = signTransaction(tx, signer);
  return { txId: transactionId(signed.tx), signed };
}

function fromSigner(signer: Ed25519Signer): TransactionSigner {
  return { did: didKeyFromPublicKey(signer.publicKey), signer };
}

function parseKeyText(text: string): NoteSignerKey {
  try {
    return parseSignerKey(text.trim());
  } catch (error: unknown) {
    if (error instanceof SignedNoteError) throw new SigningKeyError('SIGNING_KEY_MALFORMED', `not signer key text PRIVATE+KEY+<name>+<id>+<key>: ${error.message}`);
    throw error;
  }
}
