/**
 * Stops on a broken invariant of the node's own storage: a height going backwards, a tree size that
 * does not match the leaves stored, a store used after it failed. These are bugs, not bad input, and
 * continuing would sign or serve a chain no honest node has; crashing turns that safety bug into a
 * liveness bug, which the node survives by restarting and replaying blocks.
 */
export class StorageInvariantError extends Error {
  override readonly name = 'StorageInvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) invariantBroken(message);
}

/**
 * The same stop for hot paths: `if (!condition) invariantBroken(\`…\`)` formats its message only when
 * the invariant is broken, where `invariant(condition, \`…\`)` would format it on every call.
 */
export function invariantBroken(message: string): never {
  throw new StorageInvariantError(`storage invariant violated: ${message}`);
}
