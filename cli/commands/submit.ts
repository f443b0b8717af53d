/**
 * `twinledger submit`: sends a transaction to the ledger and says, on one line, what the ledger
 * decided. Either builds and signs one from `--key`, `--type` and `--payload`, or sends an already
 * signed transaction from a file (checked locally first, so a bad signature never leaves the machine).
 */
import { TransactionShapeError, transactionBytesMax, verifyTransaction, type Ed25519Verifier, type JsonValue, type SignedTransaction } from '@twinledger/ledger-core';
import { UsageError } from '../args.js';
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';
import { readInputFile } from './files.js';
import {
  buildTransaction,
  clientForNodes,
  reportLedgerError,
  signingKeyFileBytesMax,
  signingKeyFromFileBytes,
  SigningKeyError,
  type Pending,
  type Receipt,
} from './ledger-client.js';

/** Largest signed transaction file read, in bytes: the canonical limit, with room for white space and the signature. */
export const signedTransactionFileBytesMax = 4 * transactionBytesMax;

export type SubmitInput =
  | { readonly kind: 'signed'; readonly nodes: string; readonly signedPath: string; readonly wait: boolean }
  | { readonly kind: 'build'; readonly nodes: string; readonly keyPath: string; readonly type: string; readonly payload: string; readonly wait: boolean };

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Prints `accepted: …` (exit 0), `rejected: …` (exit 1) or `pending: tx <id>` (exit 0); bad input is
 * one `twinledger: …` line on standard error with exit 2, no node answering exit 3. Requires nothing
 * of the files; throws FileError (exit 2) when one cannot be read.
 */
export async function submit(input: SubmitInput, io: CliIo, verifier: Ed25519Verifier): Promise<ExitCode> {
  let signed: SignedTransaction;
  let txId: string;
  if (input.kind === 'signed') {
    const bytes = await readInputFile(io, input.signedPath, signedTransactionFileBytesMax);
    const value = parseJson(bytes, signedTransactionFileBytesMax);
    if (value === undefined) return badInput(io, `${input.signedPath} is not a signed transaction: not UTF-8 JSON of at most ${signedTransactionFileBytesMax} bytes`);
    const verification = verifyTransaction(value, verifier);
    if (!verification.ok) return badInput(io, `${input.signedPath} is not a valid signed transaction: ${verification.code}: ${verification.reason}`);
    signed = value as SignedTransaction;
    txId = verification.id;
  } else {
    const payload = await readPayload(io, input.payload);
    if (payload === undefined) return badInput(io, 'submit: --payload is not JSON (give JSON text, or @<file> holding JSON)');
    try {
      const key = signingKeyFromFileBytes(await readInputFile(io, input.keyPath, signingKeyFileBytesMax), input.keyPath);
      ({ signed, txId } = buildTransaction({ type: input.type, payload }, key));
    } catch (error: unknown) {
      if (error instanceof SigningKeyError || error instanceof TransactionShapeError) return badInput(io, `submit: ${error.code}: ${error.message}`);
      throw error;
    }
  }
  const client = clientForNodes('submit', input.nodes);
  try {
    const answer = await client.submit(signed, { waitMs: input.wait ? undefined : 0 });
    io.stdout(`${oneLine(describe(answer))}\n`);
    return answer.status === 'rejected' ? ExitCode.invalid : ExitCode.ok;
  } catch (error: unknown) {
    return reportLedgerError(io, error, `tx ${txId}`);
  } finally {
    client.close();
  }
}

/** The checked arguments of `submit`. Requires parsed arguments; throws UsageError for a mix of the two forms. */
export function submitInput(positionals: readonly string[], options: ReadonlyMap<string, string>): SubmitInput {
  const nodes = options.get('node') as string;
  const wait = !options.has('no-wait');
  const building = ['key', 'type', 'payload'].filter((name) => options.has(name));
  const signedPath = positionals[0];
  if (signedPath !== undefined) {
    if (building.length > 0) throw new UsageError(`submit: give a signed transaction file or --key, --type and --payload, not both`);
    return { kind: 'signed', nodes, signedPath, wait };
  }
  const missing = ['key', 'type', 'payload'].find((name) => !options.has(name));
  if (missing !== undefined) throw new UsageError(`submit: --${missing} is required unless a signed transaction file is given`);
  return { kind: 'build', nodes, keyPath: options.get('key') as string, type: options.get('type') as string, payload: options.get('payload') as string, wait };
}

function describe(answer: Receipt | Pending): string {
  switch (answer.status) {
    case 'accepted':
      return `accepted: tx ${answer.txId} at height ${answer.height} position ${answer.position}`;
    case 'rejected':
      return `rejected: tx ${answer.txId} at height ${answer.height}: ${answer.code}: ${answer.reason}`;
    case 'pending':
      return `pending: tx ${answer.txId}`;
    default:
      return unknownStatus(answer);
  }
}

/** The payload: JSON text, or `@<file>` naming a file of JSON. Undefined when it is not JSON. */
async function readPayload(io: CliIo, option: string): Promise<JsonValue | undefined> {
  if (option.startsWith('@')) return parseJson(await readInputFile(io, option.slice(1), transactionBytesMax), transactionBytesMax) as JsonValue | undefined;
  return parseJson(new TextEncoder().encode(option), transactionBytesMax) as JsonValue | undefined;
}

function parseJson(bytes: Uint8Array, bytesMax: number): unknown {
  if (bytes.length > bytesMax) return undefined;
  try {
    return JSON.parse(utf8Decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function badInput(io: CliIo, message: string): ExitCode {
  io.stderr(`${oneLine(`twinledger: ${message}`)}\n`);
  return ExitCode.usage;
}

function unknownStatus(answer: never): never {
  throw new Error(`unknown answer status ${JSON.stringify(answer)}`);
}
