/**
 * Refusals of a request the tree cannot answer: a leaf index or tree size beyond what it holds, or a
 * compact range that does not fit its tree size. These reach the API as bad input, so each carries a
 * stable code; the message is for people and may change.
 */
export const MerkleErrorCode = {
  /** A leaf index not below the tree size asked about. */
  leafIndexOutOfRange: 'MERKLE_LEAF_INDEX_OUT_OF_RANGE',
  /** A tree size larger than the tree, negative, or not a whole number. */
  treeSizeOutOfRange: 'MERKLE_TREE_SIZE_OUT_OF_RANGE',
  /** A consistency proof asked between sizes out of order, or from the empty tree to a larger one. */
  consistencySizesOutOfRange: 'MERKLE_CONSISTENCY_SIZES_OUT_OF_RANGE',
  /** A hash that is not 32 bytes. */
  hashLength: 'MERKLE_HASH_LENGTH',
  /** A compact range whose hash count does not match its tree size. */
  frontierShape: 'MERKLE_FRONTIER_SHAPE',
  /** An append past treeSizeMax. */
  treeFull: 'MERKLE_TREE_FULL',
} as const;

export type MerkleErrorCode = (typeof MerkleErrorCode)[keyof typeof MerkleErrorCode];

export class MerkleRequestError extends RangeError {
  override readonly name = 'MerkleRequestError';

  constructor(
    readonly code: MerkleErrorCode,
    message: string,
  ) {
    super(message);
  }
}
