/**
 * `twinledger verify <bundle.json> --consortium <file>`: checks a proof bundle offline against the
 * consortium's keys and says, on one line, what it proves or why it proves nothing.
 */
import { proofBundleBytesMax, verifyProofBundleJson, type Ed25519Verifier, type TransactionOutcome } from '@twinledger/ledger-core';
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';
import { readConsortium, readInputFile } from './files.js';

export interface VerifyBundleInput {
  readonly bundlePath: string;
  readonly consortiumPath: string;
}

/**
 * Prints `valid: …` (exit 0) or `invalid: <code>: <reason>` (exit 1). Requires nothing of the files;
 * throws FileError (exit 2) when one cannot be read or the consortium file is malformed.
 */
export async function verifyBundle(input: VerifyBundleInput, io: CliIo, verifier: Ed25519Verifier): Promise<ExitCode> {
  const bundle = await readInputFile(io, input.bundlePath, proofBundleBytesMax);
  const consortium = await readConsortium(io, input.consortiumPath);
  const result = verifyProofBundleJson(bundle, consortium, verifier);
  if (!result.ok) {
    io.stdout(`${oneLine(`invalid: ${result.code}: ${result.reason}`)}\n`);
    return ExitCode.invalid;
  }
  const line =
    `valid: tx ${result.txId} at height ${result.height}, leaf ${result.leafIndex} of ${result.treeSize}, ` +
    `${describeOutcome(result.outcome)}, signed by ${result.signers.join(', ')}`;
  io.stdout(`${oneLine(line)}\n`);
  return ExitCode.ok;
}

function describeOutcome(outcome: TransactionOutcome): string {
  return outcome.status === 'accepted' ? 'accepted' : `rejected ${outcome.code}`;
}
