/**
 * The error every limit refuses with. Apollo Server files validation errors under
 * `GRAPHQL_VALIDATION_FAILED`; the gateway's `formatError` restores the limit's own code from
 * `limitCode`, so a client can tell "too deep" from "unknown field" without reading messages.
 */
import { GraphQLError, type ASTNode } from 'graphql';

export const limitCodes = {
  depth: 'QUERY_TOO_DEEP',
  aliases: 'QUERY_TOO_MANY_ALIASES',
  tokens: 'QUERY_TOO_MANY_TOKENS',
  cost: 'QUERY_TOO_COSTLY',
  bodySize: 'REQUEST_TOO_LARGE',
} as const;

export type LimitName = keyof typeof limitCodes;
export type LimitCode = (typeof limitCodes)[LimitName];

export const limitCodeList: readonly LimitCode[] = Object.values(limitCodes);

export function isLimitCode(value: unknown): value is LimitCode {
  return typeof value === 'string' && (limitCodeList as readonly string[]).includes(value);
}

export class LimitRefusal extends GraphQLError {
  readonly limit: LimitName;
  readonly limitCode: LimitCode;
  constructor(limit: LimitName, message: string, nodes?: ASTNode | readonly ASTNode[]) {
    super(message, { ...(nodes === undefined ? {} : { nodes }), extensions: { code: limitCodes[limit] } });
    this.name = 'LimitRefusal';
    this.limit = limit;
    this.limitCode = limitCodes[limit];
  }
}

/** Finds a LimitRefusal inside Apollo's wrappers (`originalError` chains, at most a few links). */
export function findLimitRefusal(error: unknown): LimitRefusal | null {
  let current: unknown = error;
  for (let link = 0; link < 4 && current !== undefined && current !== null; link++) {
    if (current instanceof LimitRefusal) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return null;
}
