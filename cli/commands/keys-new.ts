/**
 * `twinledger keys new [--name <name>] [--out <file>]`: makes an Ed25519 key for a ledger node, an
 * organisation or a device. Prints what others need (the did:key, the base64 public key that goes into
 * a consortium file, the signed-note verifier key) and keeps the secret in the standard signed-note
 * signer key text, `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`, which a ledger node reads with
 * `parseSignerKey` and other note tooling reads too.
 */
import {
  didKeyFromPublicKey,
  formatSignerKey,
  formatVerifierKey,
  generatePrivateKey,
  isValidKeyName,
  noteVerifierKey,
  publicKeyFromPrivateKey,
} from '@twinledger/ledger-core';
import { UsageError } from '../args.js';
import { ExitCode, type CliIo } from '../io.js';
import { describeFileError, errorCode, FileError } from './files.js';

/** Owner read and write only: the file holds a private key. */
export const privateKeyFileMode = 0o600;

export interface KeysNewInput {
  /** The key name in signed notes; the did:key when not given. */
  readonly name: string | undefined;
  /** Where to write the signer key; printed on standard output when not given. */
  readonly outPath: string | undefined;
}

/**
 * Makes the key and prints four lines. Requires a valid key name if one is given (UsageError
 * otherwise); throws FileError if `outPath` exists or cannot be written, and then prints nothing.
 */
export async function keysNew(input: KeysNewInput, io: CliIo): Promise<ExitCode> {
  if (input.name !== undefined && !isValidKeyName(input.name)) {
    throw new UsageError('keys new: --name must be a signed-note key name: non-empty, without white space or "+"');
  }
  const privateKey = generatePrivateKey();
  try {
    const publicKey = publicKeyFromPrivateKey(privateKey);
    const did = didKeyFromPublicKey(publicKey);
    const name = input.name ?? did;
    const signerKey = formatSignerKey(name, privateKey);
    if (input.outPath !== undefined) {
      try {
        await io.writeNewFile(input.outPath, `${signerKey}\n`, privateKeyFileMode);
      } catch (error: unknown) {
        throw new FileError(errorCode(error) === 'EEXIST' ? `${input.outPath} already exists; not overwriting it` : `cannot write ${input.outPath}: ${describeFileError(error)}`);
      }
    }
    io.stdout(
      [
        `did: ${did}`,
        `public key: ${Buffer.from(publicKey).toString('base64')}`,
        `verifier key: ${formatVerifierKey(noteVerifierKey(name, publicKey))}`,
        input.outPath === undefined ? `private key: ${signerKey}` : `private key: written to ${input.outPath} (mode 0600)`,
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
    return ExitCode.ok;
  } finally {
    // The seed is no longer needed; do not leave it in memory longer than the process must.
    privateKey.fill(0);
  }
}
