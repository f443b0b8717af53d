/**
 * Named fault points in the projector's commit path. Inert in production (the default does nothing);
 * fault tests pass an injector that throws at a chosen point, which is what a crash there looks like
 * to Neo4j: an uncommitted transaction is rolled back, a committed one stays.
 */
export const projectorFaultPoints = [
  /** Inside the write transaction, the checkpoint locked and checked, no event written yet. */
  'projector.after-checkpoint-lock',
  /** Inside the write transaction, after each block's events and before the next block's. */
  'projector.after-block-events',
  /** Every event and the checkpoint written, the transaction not yet committed. */
  'projector.before-commit',
  /** The transaction committed, the projector's own head not yet advanced. */
  'projector.after-commit',
] as const;

export type ProjectorFaultPoint = (typeof projectorFaultPoints)[number];

export interface FaultInjector {
  /** Called when the projector passes `point`; throws to simulate a crash there. */
  hit(point: ProjectorFaultPoint): void;
}

export const noFaults: FaultInjector = { hit: () => undefined };

/** The error a test injector throws, so a test can tell an injected crash from a real failure. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
  constructor(readonly point: ProjectorFaultPoint) {
    super(`injected fault at ${point}`);
  }
}

/** An injector that throws InjectedFaultError on the `hitNumber`-th pass (from 1) of `point`, once. */
export function faultAt(point: ProjectorFaultPoint, hitNumber: number): FaultInjector {
  let hits = 0;
  return {
    hit(passed) {
      if (passed !== point) return;
      hits++;
      if (hits === hitNumber) throw new InjectedFaultError(point);
    },
  };
}
