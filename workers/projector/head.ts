/**
 * The projected head: how far the graph is, as the `:ProjectionCheckpoint` node records it. Besides the
 * height and block hash it keeps the block header and the Merkle frontier after it, so that a restarted
 * projector checks the next block's entries against its QC'd root without trusting any node for the
 * past.
 */
import { blockHash, canonicalize, checkBlockHeader, genesisPrevHash, type BlockHeader } from '@twinledger/ledger-core/chain';
import { MerkleFrontier, nodeTreeHasher } from '@twinledger/ledger-core/chain/merkle';
import { numberFromNeo4j, projectionCheckpointId, stringFromNeo4j, stringsFromNeo4j, type Parameters } from '@twinledger/graph-schema';
import type { ManagedTransaction, Record as Neo4jRecord, Transaction } from 'neo4j-driver';
import { invariant } from '../invariant.js';

export interface ProjectedHead {
  /** The last projected block, 0 before block 1. */
  readonly height: number;
  /** Its hash; the genesis predecessor hash at height 0. */
  readonly blockHash: string;
  /** Its header; null at height 0. */
  readonly header: BlockHeader | null;
  /** The ledger-wide tree after it. */
  readonly frontier: MerkleFrontier;
}

export class CheckpointMissingError extends Error {
  override readonly name = 'CheckpointMissingError';
  constructor() {
    super('the graph has no :ProjectionCheckpoint; apply the migrations first');
  }
}

/** The head before block 1. */
export function genesisHead(): ProjectedHead {
  return { height: 0, blockHash: genesisPrevHash, header: null, frontier: new MerkleFrontier(nodeTreeHasher) };
}

export const readHeadCypher = `MATCH (c:ProjectionCheckpoint {id: $id})
RETURN c.height AS height, c.blockHash AS blockHash, c.headerJson AS headerJson, c.treeSize AS treeSize, c.frontier AS frontier`;

/** Takes the checkpoint's write lock: concurrent projectors serialize here and the later one sees the move. */
export const lockHeadCypher = 'MATCH (c:ProjectionCheckpoint {id: $id}) SET c.height = c.height RETURN c.height AS height';

/**
 * The head in `record` (a row of `readHeadCypher`). A checkpoint whose parts disagree (a hash that is
 * not its header's, a frontier of the wrong size) is a broken invariant: only the projector writes it.
 */
export function headFromRecord(record: Neo4jRecord): ProjectedHead {
  const height = numberFromNeo4j(record.get('height'), 'checkpoint height');
  const hash = stringFromNeo4j(record.get('blockHash'), 'checkpoint blockHash');
  const treeSize = numberFromNeo4j(record.get('treeSize'), 'checkpoint treeSize');
  const frontier = MerkleFrontier.fromSubtreeHashes(
    treeSize,
    stringsFromNeo4j(record.get('frontier'), 'checkpoint frontier').map((hex) => new Uint8Array(Buffer.from(hex, 'hex'))),
    nodeTreeHasher,
  );
  const headerJson: unknown = record.get('headerJson');
  if (height === 0) {
    invariant(hash === genesisPrevHash && headerJson === null && treeSize === 0, 'the checkpoint at height 0 is not the genesis head');
    return genesisHead();
  }
  invariant(typeof headerJson === 'string', `the checkpoint at height ${height} has no header`);
  const header = checkBlockHeader(JSON.parse(headerJson));
  invariant(header.height === height && blockHash(header) === hash, `the checkpoint's header is not block ${height} ${hash}`);
  invariant(header.treeSize === treeSize && Buffer.from(frontier.root()).toString('hex') === header.rootHash, `the checkpoint's frontier is not block ${height}'s tree`);
  return { height, blockHash: hash, header, frontier };
}

/** Reads the head in `tx`; throws CheckpointMissingError when the migrations have not run. */
export async function readHead(tx: Transaction | ManagedTransaction): Promise<ProjectedHead> {
  const result = await tx.run(readHeadCypher, { id: projectionCheckpointId });
  const record = result.records[0];
  if (record === undefined) throw new CheckpointMissingError();
  return headFromRecord(record);
}

/** The statement that moves the checkpoint to `head`. */
export function writeHeadStatement(head: ProjectedHead): { text: string; parameters: Parameters } {
  invariant(head.header !== null && head.height >= 1, 'the checkpoint moves only to a projected block');
  return {
    text: `MATCH (c:ProjectionCheckpoint {id: $id})
SET c.height = $height, c.blockHash = $blockHash, c.headerJson = $headerJson, c.treeSize = $treeSize, c.frontier = $frontier`,
    parameters: {
      id: projectionCheckpointId,
      height: head.height,
      blockHash: head.blockHash,
      headerJson: canonicalize(head.header),
      treeSize: head.frontier.treeSize,
      frontier: head.frontier.subtreeHashes().map((hash) => Buffer.from(hash).toString('hex')),
    },
  };
}
