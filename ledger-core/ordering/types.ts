/**
 * The shapes that flow through ordering. Items are opaque: `T` is whatever JSON value the node submits
 * (a signed transaction); ordering only counts them and their bytes.
 */

/** The value of `P/cut/<height>`: it closes block `height` at `revisionLast`. */
export interface CutRecord {
  /** The block this cut closes; 1 for the first block. */
  readonly height: number;
  /** Block `height` holds every batch with revision in (previous cut's revisionLast, revisionLast]. */
  readonly revisionLast: number;
  /** The proposer's clock when it proposed, in milliseconds since the Unix epoch. */
  readonly proposalTimeMs: number;
  /** The node name that won the compare-and-swap. */
  readonly proposer: string;
}

/** One batch of the ordering log, as every node reads it. */
export interface OrderedBatch<T> {
  /** The etcd revision of the batch's put: its place in the order. */
  readonly revision: number;
  /** Its key, `P/log/<node>/<bootId>/<counter>`. */
  readonly key: string;
  /** Items in array order. */
  readonly items: readonly T[];
}

/** A block as ordering hands it to execution: which batches, in which order, closed by which cut. */
export interface OrderedBlock<T> {
  readonly height: number;
  /** The previous cut's revisionLast + 1 (1 for the first block): the block covers [revisionFirst, revisionLast]. */
  readonly revisionFirst: number;
  readonly revisionLast: number;
  /** The revision at which the cut record itself was written; always above `revisionLast`. */
  readonly cutRevision: number;
  /** Carried from the cut; execution takes max(proposalTimeMs, previous block's time) as the ledger time. */
  readonly proposalTimeMs: number;
  readonly proposer: string;
  /** Every batch in [revisionFirst, revisionLast], in revision order. */
  readonly batches: readonly OrderedBatch<T>[];
}

/** A batch put, as the log watcher decodes it. */
export interface BatchEvent<T> {
  readonly kind: 'batch';
  readonly revision: number;
  readonly key: string;
  /** The node whose batcher wrote it (from the key). */
  readonly node: string;
  readonly items: readonly T[];
  /** Bytes of the etcd value (the JSON array): what the block byte limit counts. */
  readonly bytes: number;
}

/** A cut record put. */
export interface CutEvent {
  readonly kind: 'cut';
  readonly revision: number;
  readonly key: string;
  readonly cut: CutRecord;
}

/** A node's signature line over block `height`'s checkpoint. */
export interface SignatureEvent {
  readonly kind: 'signature';
  readonly revision: number;
  readonly key: string;
  readonly height: number;
  readonly node: string;
  /** The signed-note signature line, without its trailing newline. */
  readonly line: string;
}

export type OrderingEvent<T> = BatchEvent<T> | CutEvent | SignatureEvent;

/** For a `switch` over a union: the compiler proves every case is handled. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
