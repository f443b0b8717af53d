/**
 * What the storage layer refuses and what it finds broken. Bad input (a payload over the limit, a state
 * key that LMDB cannot hold, a malformed transaction id) gets a `StorageRequestError` with a stable code
 * and never a partial effect. A damaged record found where no crash can have torn it gets a
 * `StorageCorruptionError`: the node must stop rather than serve or extend a damaged chain.
 */
export const StorageErrorCode = {
  /** Options out of range: sizes that are not positive integers, a segment smaller than one block. */
  badOptions: 'STORAGE_BAD_OPTIONS',
  /** A block payload that is not a Uint8Array. */
  payloadNotBytes: 'STORAGE_PAYLOAD_NOT_BYTES',
  /** A block payload larger than `blockBytesMax`. */
  blockTooLarge: 'STORAGE_BLOCK_TOO_LARGE',
  /** A height that is not a safe integer, or past the 12 digits segment names hold. */
  heightOutOfRange: 'STORAGE_HEIGHT_OUT_OF_RANGE',
  /** A state or entity key that is empty, holds U+0000 or a lone surrogate, or is over `stateKeyBytesMax`. */
  stateKeyInvalid: 'STORAGE_STATE_KEY_INVALID',
  /** A state value that JSON cannot carry (NaN, undefined, a Date, a cycle, ...). */
  stateValueNotJson: 'STORAGE_STATE_VALUE_NOT_JSON',
  /** A transaction id that is not 64 lowercase hex digits, or repeated within one block. */
  transactionIdInvalid: 'STORAGE_TRANSACTION_ID_INVALID',
  /** A transaction position that is not an integer in [0, 2^32), or not increasing within the block. */
  transactionPositionInvalid: 'STORAGE_TRANSACTION_POSITION_INVALID',
  /** A block hash that is not 64 lowercase hex digits. */
  blockHashInvalid: 'STORAGE_BLOCK_HASH_INVALID',
  /** A revision or tree size that is not a safe non-negative integer. */
  counterInvalid: 'STORAGE_COUNTER_INVALID',
  /** A count limit on a listing that is not an integer in [1, its maximum]. */
  listingLimitInvalid: 'STORAGE_LISTING_LIMIT_INVALID',
  /** A sealed record or segment failed its checks; see `StorageCorruptionError`. */
  corruption: 'STORAGE_CORRUPTION',
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export type StorageRequestErrorCode = Exclude<StorageErrorCode, typeof StorageErrorCode.corruption>;

/** Input the storage layer refuses before changing anything. */
export class StorageRequestError extends RangeError {
  override readonly name = 'StorageRequestError';

  constructor(
    readonly code: StorageRequestErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A record that fails its checks where a crash cannot explain it: inside a sealed segment, before a
 * valid record, or on a read after open. `file` and `offsetBytes` locate the record, `height` is the
 * height that belongs there.
 */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  readonly code = StorageErrorCode.corruption;

  constructor(
    readonly file: string,
    readonly offsetBytes: number,
    readonly height: number,
    readonly detail: string,
  ) {
    super(`block store corrupt in ${file} at offset ${offsetBytes} (height ${height}): ${detail}`);
  }
}
