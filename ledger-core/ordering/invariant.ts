/**
 * Stops on a broken invariant of ordering (a height going backwards, a cut naming a revision above its
 * own, events out of revision order). Every node reads the same log, so continuing past one of these
 * would build blocks no honest node agrees with; stopping turns a safety bug into a liveness bug.
 */
export class OrderingInvariantError extends Error {
  override readonly name = 'OrderingInvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new OrderingInvariantError(`ordering invariant violated: ${message}`);
}
