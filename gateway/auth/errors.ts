/**
 * Why a request was not authenticated. Each reason is a metrics label and stays inside the gateway:
 * the client only ever sees `UNAUTHENTICATED` with a message that does not say which check failed
 * beyond "missing" versus "invalid".
 */
export type AuthFailureReason =
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'unknown_api_key'
  | 'invalid_jwt'
  | 'expired_jwt'
  | 'jwt_not_configured';

export const authFailureReasons: readonly AuthFailureReason[] = [
  'missing_credentials',
  'malformed_credentials',
  'unknown_api_key',
  'invalid_jwt',
  'expired_jwt',
  'jwt_not_configured',
];
