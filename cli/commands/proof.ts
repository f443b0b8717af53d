/**
 * `twinledger proof <txId> --node <url>[,...] --out <bundle.json>`: saves a transaction's proof bundle
 * as a node serves it, for `twinledger verify` (or anyone else) to check offline against the
 * consortium file. Nothing in the bundle is trusted here; the file is refused later if it is wrong.
 */
import { UsageError } from '../args.js';
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';
import { describeFileError, errorCode, FileError } from './files.js';
import { clientForNodes, LedgerRequestError, reportLedgerError } from './ledger-client.js';

/** Readable by all: a proof bundle is public evidence, not a secret. */
export const bundleFileMode = 0o644;

const txIdPattern = /^[0-9a-f]{64}$/;

/**
 * Prints `saved: proof of tx <id> to <file>; …` (exit 0) or `not found: tx <id>` (exit 1,
 * no node has it). Throws UsageError for a bad id, FileError when `outPath` exists or cannot be
 * written; no node answering is exit 3.
 */
export async function proof(txId: string, nodes: string, outPath: string, io: CliIo): Promise<ExitCode> {
  if (!txIdPattern.test(txId)) throw new UsageError('proof: a transaction id is 64 lowercase hex digits');
  const client = clientForNodes('proof', nodes);
  let bundle: Awaited<ReturnType<typeof client.fetchProofBundle>>;
  try {
    bundle = await client.fetchProofBundle(txId);
  } catch (error: unknown) {
    if (error instanceof LedgerRequestError && error.status === 404) {
      io.stdout(`not found: tx ${txId}\n`);
      return ExitCode.invalid;
    }
    return reportLedgerError(io, error, `the proof of tx ${txId}`);
  } finally {
    client.close();
  }
  try {
    await io.writeNewFile(outPath, `${JSON.stringify(bundle, null, 2)}\n`, bundleFileMode);
  } catch (error: unknown) {
    throw new FileError(errorCode(error) === 'EEXIST' ? `${outPath} already exists; not overwriting it` : `cannot write ${outPath}: ${describeFileError(error)}`);
  }
  // Nothing from the bundle is printed: it is unverified until `twinledger verify` checks it.
  io.stdout(`${oneLine(`saved: proof of tx ${txId} to ${outPath}; check it with twinledger verify`)}\n`);
  return ExitCode.ok;
}
