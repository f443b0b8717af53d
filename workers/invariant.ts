/** Broken invariants in the workers: thrown, never caught by retry logic, and the process stops. */
export class WorkerInvariantError extends Error {
  override readonly name = 'WorkerInvariantError';
}

/** Throws WorkerInvariantError with `message` unless `condition` holds. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new WorkerInvariantError(message);
}
