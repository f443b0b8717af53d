/**
 * Rebuilding the graph from the ledger: drop every projected node and relationship (migrations and
 * schema stay), reset the checkpoint to before block 1, and replay. Because the projection is a pure
 * function of the blocks, the rebuilt graph equals the one it replaces, node for node.
 */
import { bookkeepingLabels, projectionCheckpointId } from '@twinledger/graph-schema';
import { genesisPrevHash } from '@twinledger/ledger-core/chain';
import neo4j, { type Driver } from 'neo4j-driver';
import { invariant } from '../invariant.js';
import { Projector, type ProjectorOptions } from '../projector/projector.js';

/** Nodes deleted per transaction: bounds the memory one delete transaction takes. */
export const dropBatchNodesMax = 5_000;
/** Most delete rounds: a graph of up to dropBatchNodesMax × dropRoundsMax nodes. */
export const dropRoundsMax = 100_000;

/**
 * Deletes every node that is not bookkeeping and resets `:ProjectionCheckpoint` to height 0. Requires
 * that no projector runs (the caller stops it); the checkpoint is reset last, so an interrupted drop is
 * finished by running it again.
 */
export async function dropProjectedGraph(driver: Driver): Promise<{ deletedNodeCount: number }> {
  const keep = bookkeepingLabels.map((label) => `n:${label}`).join(' OR ');
  let deletedNodeCount = 0;
  for (let round = 0; ; round++) {
    invariant(round < dropRoundsMax, `the graph did not empty in ${dropRoundsMax} rounds`);
    const result = await driver.executeQuery(
      `MATCH (n) WHERE NOT (${keep}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted`,
      { limit: neo4j.int(dropBatchNodesMax) },
      { routing: 'WRITE' },
    );
    const deleted: unknown = result.records[0]?.get('deleted');
    invariant(neo4j.isInt(deleted), 'count(*) is not an integer');
    deletedNodeCount += deleted.toNumber();
    if (deleted.toNumber() === 0) break;
  }
  await driver.executeQuery(
    `MATCH (c:ProjectionCheckpoint {id: $id})
     SET c.height = 0, c.blockHash = $genesisPrevHash, c.headerJson = null, c.treeSize = 0, c.frontier = []`,
    { id: projectionCheckpointId, genesisPrevHash },
    { routing: 'WRITE' },
  );
  return { deletedNodeCount };
}

export interface RebuildOptions extends Omit<ProjectorOptions, 'heightStop'> {
  /** Replays blocks 1 to this height. */
  readonly heightStop: number;
}

/** Drops the projected graph and replays the ledger to `heightStop`. Requires applied migrations and no running projector. */
export async function rebuildGraph(options: RebuildOptions): Promise<{ deletedNodeCount: number; height: number; durationMs: number }> {
  const startedMs = performance.now();
  const { deletedNodeCount } = await dropProjectedGraph(options.driver);
  const projector = new Projector(options);
  try {
    const height = await projector.run();
    return { deletedNodeCount, height, durationMs: performance.now() - startedMs };
  } finally {
    projector.close();
  }
}
