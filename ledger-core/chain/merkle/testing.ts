/**
 * Helpers shared by this folder's tests: deterministic leaves, byte comparison, and the RFC recursion
 * written once more as "shapes" (which side each proof element sits on), independent of `tree-math.ts`.
 */

/** Distinct leaf data for leaf `index`: its index in 4 bytes plus a tag, varying in length. */
export function leafDataFor(index: number, tag = 0x5a): Uint8Array {
  const length = 4 + (index % 7);
  const bytes = new Uint8Array(length).fill(tag);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

export function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, i) => byte === right[i]);
}

export function proofsEqual(left: readonly Uint8Array[], right: readonly Uint8Array[]): boolean {
  return (
    left.length === right.length &&
    left.every((hash, i) => {
      const other = right[i];
      return other !== undefined && bytesEqual(hash, other);
    })
  );
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A copy of `bytes` with bit `bit` (0 = most significant bit of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice();
  const byteIndex = Math.floor(bit / 8);
  flipped[byteIndex] = (flipped[byteIndex] ?? 0) ^ (0x80 >> bit % 8);
  return flipped;
}

function split(size: number): number {
  let power = 1;
  while (power * 2 < size) power *= 2;
  return power;
}

/**
 * Top-down sides of the siblings in PATH(index, D[treeSize]): 'R' when the sibling is to the right.
 * Two (index, treeSize) pairs with the same shape hash a proof identically, so a proof made for one
 * verifies for the other: the proof alone does not bind the tree size.
 */
export function inclusionShape(index: number, treeSize: number): string {
  if (treeSize === 1) return '';
  const k = split(treeSize);
  return index < k ? `R${inclusionShape(index, k)}` : `L${inclusionShape(index - k, treeSize - k)}`;
}

/** Top-down decisions of SUBPROOF(size1, D[size2], true), ending '.' when the old subtree is sent. */
export function consistencyShape(size1: number, size2: number, isOldRoot = true): string {
  if (size1 === size2) return isOldRoot ? '' : '.';
  const k = split(size2);
  return size1 <= k
    ? `R${consistencyShape(size1, k, isOldRoot)}`
    : `L${consistencyShape(size1 - k, size2 - k, false)}`;
}

/** A small seeded generator (xorshift32) so sampled cases are the same on every run. */
export function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
}

/**
 * Collects failures of a many-case test and fails once at the end with "N out of M failed" and the first
 * few cases, so one run shows how widespread a fault is.
 */
export class FailureLog {
  private readonly shown: string[] = [];
  private failed = 0;
  private checked = 0;

  constructor(private readonly shownMax = 20) {}

  /** Counts one case; records `describe()` when `ok` is false. */
  check(ok: boolean, describe: () => string): void {
    this.checked++;
    if (ok) return;
    this.failed++;
    if (this.shown.length < this.shownMax) this.shown.push(describe());
  }

  get checkedCount(): number {
    return this.checked;
  }

  /** Throws if any case failed. */
  report(): void {
    if (this.failed === 0) return;
    const more = this.failed > this.shown.length ? `\n… and ${this.failed - this.shown.length} more` : '';
    throw new Error(`${this.failed} out of ${this.checked} failed:\n${this.shown.join('\n')}${more}`);
  }
}
