/**
 * The subgraphs' errors: a stable `extensions.code` on every refusal, never a stack trace. The codes are
 * public (clients branch on them); the constructors are how resolvers raise them.
 */
import { GraphQLError } from 'graphql';

export const SubgraphErrorCode = {
  badUserInput: 'BAD_USER_INPUT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  ledgerRejected: 'LEDGER_REJECTED',
  ledgerUnavailable: 'LEDGER_UNAVAILABLE',
  /** A mutation's transaction is accepted, but the graph did not reach its block in time. */
  projectionBehind: 'PROJECTION_BEHIND',
} as const;

export type SubgraphErrorCode = (typeof SubgraphErrorCode)[keyof typeof SubgraphErrorCode];

const httpStatusByCode: Partial<Record<SubgraphErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** A GraphQL error with `extensions.code` (and an HTTP status where the code implies one). */
export function subgraphError(code: SubgraphErrorCode, message: string, extensions: Record<string, string | number | boolean> = {}): GraphQLError {
  const status = httpStatusByCode[code];
  return new GraphQLError(message, { extensions: { ...extensions, code, ...(status === undefined ? {} : { http: { status } }) } });
}

export function badUserInput(message: string): GraphQLError {
  return subgraphError(SubgraphErrorCode.badUserInput, message);
}

export function forbidden(message: string): GraphQLError {
  return subgraphError(SubgraphErrorCode.forbidden, message);
}
