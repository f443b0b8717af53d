/**
 * Reading a command's input files, with the failures every command reports the same way: a file that
 * cannot be read, and a consortium file that is not one, end the command with exit code 2 and one line.
 */
import { ConsortiumFileError, consortiumFileBytesMax, parseConsortiumFile, type Consortium } from '@twinledger/ledger-core';
import type { CliIo } from '../io.js';

/** A file the command cannot use; the message names it and says why, on one line. */
export class FileError extends Error {
  override readonly name = 'FileError';
}

/**
 * Up to `bytesMax + 1` bytes of the file (a parser that sees more than `bytesMax` refuses it as too
 * large). Requires nothing; throws FileError if the file cannot be read.
 */
export async function readInputFile(io: CliIo, path: string, bytesMax: number): Promise<Uint8Array> {
  try {
    return await io.readFile(path, bytesMax);
  } catch (error: unknown) {
    throw new FileError(`cannot read ${path}: ${describeFileError(error)}`);
  }
}

/** The consortium in the file at `path`. Requires nothing; throws FileError if unreadable or malformed. */
export async function readConsortium(io: CliIo, path: string): Promise<Consortium> {
  const bytes = await readInputFile(io, path, consortiumFileBytesMax);
  try {
    return parseConsortiumFile(bytes);
  } catch (error: unknown) {
    if (error instanceof ConsortiumFileError) throw new FileError(`consortium file ${path}: ${error.code}: ${error.message}`);
    throw error;
  }
}

const errnoTexts: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a folder on its path is not a directory',
  EEXIST: 'it already exists',
};

/** A short reason for a file-system error, without the stack or the repeated path. */
export function describeFileError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined && Object.hasOwn(errnoTexts, code)) return errnoTexts[code] as string;
  return error instanceof Error ? error.message : String(error);
}

/** The `code` of a Node-style system error ("ENOENT", ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
