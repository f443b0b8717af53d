/**
 * What a client may see of an error: message, locations, path and `extensions.code` (with the ledger's
 * `ledgerCode`, `txId` and `height` on ledger errors). Nothing else
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

/**
 * The ledger's own answer travels with these codes, so a partner can act on it without parsing the
 * message: the contract's rejection code, the transaction id (to fetch its proof or retry the same
 * transaction) and the height. Each is passed on only when it has the expected form.
 */
const ledgerErrorCodes = new Set(['LEDGER_REJECTED', 'LEDGER_UNAVAILABLE', 'PROJECTION_BEHIND']);
const ledgerExtensionChecks: Readonly<Record<string, (value: unknown) => boolean>> = {
  ledgerCode: (value) => typeof value === 'string' && codePattern.test(value),
  txId: (value) => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value),
  height: (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
};

function ledgerExtensions(code: string, extensions: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (!ledgerErrorCodes.has(code) || extensions === undefined) return {};
  const passed: Record<string, unknown> = {};
  for (const [name, isValid] of Object.entries(ledgerExtensionChecks)) {
    if (isValid(extensions[name])) passed[name] = extensions[name];
  }
  return passed;
}

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
    extensions: { code, ...ledgerExtensions(code, formatted.extensions) },
  };
}

/** The body of an error answered before Apollo Server sees the request. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}
