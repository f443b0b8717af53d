/**
 * What a client may see of an error: message, locations, path and `extensions.code`. Nothing else
 * leaves the gateway: no stack trace, no `exception`, no subgraph internals. An error without a code
 * (a bug, or a subgraph that threw a bare error) becomes `INTERNAL_SERVER_ERROR` with a fixed message.
 */
import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { findLimitRefusal } from './limits/limit-refusal.js';

export const internalErrorMessage = 'Internal server error';
export const errorMessageLengthMax = 1_000;

/** Codes a client may receive. Anything else a subgraph sends is kept only if it looks like a code. */
export const gatewayErrorCodes = {
  ...ApolloServerErrorCode,
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
} as const;

const codePattern = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Apollo Server's `formatError`: `error` is the thrown value behind `formatted`. */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const limitRefusal = findLimitRefusal(error);
  const rawCode = limitRefusal?.limitCode ?? formatted.extensions?.['code'];
  const code = typeof rawCode === 'string' && codePattern.test(rawCode) ? rawCode : ApolloServerErrorCode.INTERNAL_SERVER_ERROR;
  const message =
    code === ApolloServerErrorCode.INTERNAL_SERVER_ERROR ? internalErrorMessage : formatted.message.slice(0, errorMessageLengthMax);
  return {
    message,
    ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
    ...(formatted.path === undefined ? {} : { path: formatted.path }),
    extensions: { code },
  };
}

/** The body of an error answered before Apollo Server sees the request. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}
