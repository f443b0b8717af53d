/**
 * Stops on a broken invariant inside a contract: a world-state record that does not have the shape its
 * own contract wrote, or an `apply` asked to run on a call its `validate` refused. Every node runs the
 * same contracts over the same state, so either one means this node's state or code is not what the
 * consortium agreed on; execution turns the throw into a stop rather than a silently different block.
 */
export class ContractInvariantError extends Error {
  override readonly name = 'ContractInvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ContractInvariantError(`contract invariant violated: ${message}`);
}

/** For a `switch` over a union: the compiler proves every case is handled. */
export function unreachable(value: never): never {
  throw new ContractInvariantError(`unreachable: ${JSON.stringify(value)}`);
}
