/**
 * Helpers shared by this folder's tests: temporary folders on local disk, deterministic payloads, and
 * a way to run a body that must throw and get its error back typed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh, empty folder under the system temporary folder. */
export function temporaryDirectory(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `twinledger-${label}-`));
}

export function removeDirectory(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Distinct payload bytes for `height`, `bytes` long (default varies with height). */
export function payloadFor(height: number, bytes = 50 + ((height * 37) % 200)): Uint8Array {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (height * 31 + i * 7) & 0xff;
  return payload;
}

/** The error `run` throws; fails the test if it returns. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Sizes of every file in `dir`, by name, to show that a refused call wrote nothing. */
export function fileSizes(dir: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const name of fs.readdirSync(dir).sort()) sizes[name] = fs.statSync(path.join(dir, name)).size;
  return sizes;
}

/** SHA-256 hex of `text`: a stand-in block hash or transaction id. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
