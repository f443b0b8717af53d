/**
 * Stops on a broken invariant of the tree itself (a store that lost or gained nodes, a hash of the wrong
 * length read back): continuing would hand out roots and proofs that no honest tree has.
 */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) invariantBroken(message);
}

/**
 * The same stop, for hot paths: `if (!condition) invariantBroken(\`…\`)` builds its message only when the
 * invariant is broken, where `invariant(condition, \`…\`)` would format it on every call.
 */
export function invariantBroken(message: string): never {
  throw new Error(`merkle invariant violated: ${message}`);
}
