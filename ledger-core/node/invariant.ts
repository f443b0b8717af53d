/**
 * Stops on a broken invariant of the node: a height going backwards, a block whose hash differs from
 * the one the state recorded, a QC over a body the node did not sign. Carrying on would serve or sign a
 * chain no honest node has; crashing turns that safety bug into a liveness bug.
 */
export class NodeInvariantError extends Error {
  override readonly name = 'NodeInvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) invariantBroken(message);
}

/** The same stop for hot paths: formats its message only when the invariant is broken. */
export function invariantBroken(message: string): never {
  throw new NodeInvariantError(`node invariant violated: ${message}`);
}

/** For a `switch` over a union: the compiler proves every case is handled. */
export function unreachable(value: never): never {
  throw new NodeInvariantError(`unreachable: ${JSON.stringify(value)}`);
}
