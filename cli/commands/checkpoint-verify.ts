/**
 * `twinledger checkpoint verify <note-file> --consortium <file>`: checks that a checkpoint note is a
 * quorum certificate of the consortium (its origin, signed by a strict majority of its members).
 */
import { noteBytesMax, verifyQuorumCertificate, type Ed25519Verifier } from '@twinledger/ledger-core';
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';
import { readConsortium, readInputFile } from './files.js';

export interface CheckpointVerifyInput {
  readonly notePath: string;
  readonly consortiumPath: string;
}

/**
 * Prints `valid: checkpoint …` (exit 0) or `invalid: <code>: <reason>` (exit 1). Requires nothing of
 * the files; throws FileError (exit 2) when one cannot be read or the consortium file is malformed.
 */
export async function verifyCheckpointNote(input: CheckpointVerifyInput, io: CliIo, verifier: Ed25519Verifier): Promise<ExitCode> {
  const note = await readInputFile(io, input.notePath, noteBytesMax);
  const consortium = await readConsortium(io, input.consortiumPath);
  const result = verifyQuorumCertificate(note, consortium, verifier);
  if (!result.ok) {
    io.stdout(`${oneLine(`invalid: ${result.code}: ${result.reason}`)}\n`);
    return ExitCode.invalid;
  }
  const { origin, treeSize, blockHeight } = result.checkpoint;
  io.stdout(`${oneLine(`valid: checkpoint ${origin} size ${treeSize} height ${blockHeight} signed by ${result.signers.join(', ')}`)}\n`);
  return ExitCode.ok;
}
