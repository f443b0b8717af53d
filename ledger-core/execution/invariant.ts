/**
 * Stops on a broken invariant of execution: a contract that threw or returned effects outside its rules,
 * a block whose height or tree does not follow its predecessor, a state that no honest node could have.
 * Every node must build the same block from the same log; a node that carried on past one of these would
 * sign a block the others do not build, so it stops instead (a liveness bug rather than a safety bug).
 */
export class ExecutionInvariantError extends Error {
  override readonly name = 'ExecutionInvariantError';
}

export function invariant(condition: boolean, message: string, cause?: unknown): asserts condition {
  if (!condition) {
    throw new ExecutionInvariantError(`execution invariant violated: ${message}`, cause === undefined ? undefined : { cause });
  }
}

/** An invariant that is broken wherever this is reached, such as a contract that threw. */
export function invariantFailed(message: string, cause?: unknown): never {
  throw new ExecutionInvariantError(`execution invariant violated: ${message}`, cause === undefined ? undefined : { cause });
}

/** For a `switch` over a union: the compiler proves every case is handled. */
export function unreachable(value: never): never {
  throw new ExecutionInvariantError(`unreachable: ${JSON.stringify(value)}`);
}
