/**
 * Read-your-writes for a mutation: wait until the projector's checkpoint in Neo4j reaches the height of
 * the block that holds the mutation's transaction, so the entity read next includes it. The projector
 * advances its checkpoint in the same Neo4j transaction as the block's writes, so a checkpoint at or
 * past the height means every write of that block is visible.
 */
import { projectionCheckpointId } from '@twinledger/graph-schema';
import type { Driver } from 'neo4j-driver';
import { numberOf, readRows } from './neo4j.js';

/** How often the checkpoint is read while waiting, in milliseconds. */
export const projectionPollMs = 50;
/** Longest wait accepted, in milliseconds. */
export const projectionWaitMsMax = 120_000;

/** The projection did not reach the height in time: the transaction is on the ledger, the graph is behind. */
export class ProjectionBehindError extends Error {
  override readonly name = 'ProjectionBehindError';
  readonly code = 'PROJECTION_BEHIND';
  constructor(
    readonly height: number,
    readonly projectedHeight: number,
  ) {
    super(`the graph is projected to height ${projectedHeight}, not yet ${height}`);
  }
}

/** The projector's checkpoint height; 0 before the first block. */
export async function projectedHeight(driver: Driver): Promise<number> {
  const rows = await readRows(driver, 'MATCH (c:ProjectionCheckpoint {id: $id}) RETURN c.height AS height', { id: projectionCheckpointId });
  return numberOf(rows[0]?.['height']) ?? 0;
}

/**
 * Resolves once the projection is at `height` or later. Requires 1 ≤ height and 1 ≤ timeoutMs ≤
 * `projectionWaitMsMax` (RangeError otherwise); throws ProjectionBehindError after `timeoutMs`, and
 * the signal's reason when it aborts first.
 */
export async function awaitProjectedHeight(driver: Driver, height: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError('height must be a positive integer');
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > projectionWaitMsMax) {
    throw new RangeError(`timeoutMs must be an integer from 1 to ${projectionWaitMsMax}`);
  }
  const deadline = Date.now() + options.timeoutMs;
  const pollsMax = Math.ceil(options.timeoutMs / projectionPollMs) + 1;
  let projected = 0;
  for (let poll = 0; poll < pollsMax; poll += 1) {
    options.signal?.throwIfAborted();
    projected = await projectedHeight(driver);
    if (projected >= height) return;
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(projectionPollMs, left)));
  }
  throw new ProjectionBehindError(height, projected);
}
