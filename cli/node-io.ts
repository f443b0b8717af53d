/**
 * The real `CliIo`: the process's standard streams and the local file system.
 */
import { open, unlink } from 'node:fs/promises';
import type { CliIo } from './io.js';

/** How much of a file one read call asks for, in bytes. */
const readChunkBytes = 65_536;

/** `CliIo` over `process.stdout`, `process.stderr` and `node:fs`. Requires Node. */
export function nodeIo(): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: readFilePrefix,
    writeNewFile,
  };
}

/** Up to `bytesMax + 1` bytes from the start of the file; stops there however large the file is. */
async function readFilePrefix(path: string, bytesMax: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(bytesMax + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, Math.min(readChunkBytes, buffer.length - filled), null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Creates the file exclusively ("wx": fails with EEXIST rather than replacing anything) with `mode`;
 * the process umask can only clear bits, never add them, so a 0600 file is never readable by others.
 * Removes the file again if writing fails, so no partial key is left behind.
 */
async function writeNewFile(path: string, data: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error: unknown) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}
