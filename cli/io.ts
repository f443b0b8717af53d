/**
 * What a command may do to the world: write text, read a file, create a file. `run` reaches the
 * process only through this, so tests drive every command in-process and `main.ts` wires in the real
 * streams and file system.
 */

export interface CliIo {
  /** Writes `text` to standard output as given; every line ends in "\n". */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * At most `bytesMax + 1` bytes from the start of the file, so a caller can tell a file is too large
   * without reading all of it. Rejects with a Node-style error (with `code`) if it cannot read.
   */
  readFile(path: string, bytesMax: number): Promise<Uint8Array>;
  /**
   * Creates `path` with permission bits `mode` and writes `data` to it. Never replaces an existing
   * file: rejects with an error whose `code` is "EEXIST". Leaves no partial file behind on failure.
   */
  writeNewFile(path: string, data: string, mode: number): Promise<void>;
}

/** The exit codes of every command; scripts rely on them, so they never change meaning. */
export const ExitCode = {
  /** Done; for a check, the input is valid. */
  ok: 0,
  /** The check ran and the input is invalid. */
  invalid: 1,
  /** Wrong usage, or a file that cannot be read or written, or a consortium file that is not one. */
  usage: 2,
  /** No ledger node gave a usable answer (down, unreachable, or answering outside the node API). */
  unreachable: 3,
  /** A bug: an unexpected exception. */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
