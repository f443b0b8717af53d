/**
 * Stops on a broken invariant of the tree itself (a store that lost or gained nodes, a hash of the wrong
 * length read back): continuing would hand out roots and proofs that no honest tree has.
 */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`merkle invariant violated: ${message}`);
}
