/**
 * What the node's HTTP API answers when it refuses a request: a stable code (the public contract, in
 * docs/ledger.md) and an HTTP status. The class stays separate from the wire shape `{error: {code,
 * message}}`, which `errorBody` makes, so no stack or cause can leak into a response.
 */
export const ApiErrorCode = {
  malformedJson: 'MALFORMED_JSON',
  txBadField: 'TX_BAD_FIELD',
  txTooLarge: 'TX_TOO_LARGE',
  txTooDeep: 'TX_TOO_DEEP',
  badSigner: 'BAD_SIGNER',
  badSignature: 'BAD_SIGNATURE',
  unknownType: 'UNKNOWN_TYPE',
  staleTime: 'STALE_TIME',
  futureTime: 'FUTURE_TIME',
  badRequest: 'BAD_REQUEST',
  notFound: 'NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  unavailable: 'UNAVAILABLE',
  backpressure: 'BACKPRESSURE',
  internal: 'INTERNAL',
} as const;

export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** A refused request: bad input (4xx) or a condition the client should retry later (503). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** Seconds the client should wait before retrying; sent as `Retry-After` with 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

export function errorBody(error: ApiError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}
