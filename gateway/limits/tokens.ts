/**
 * Token limit, checked on the raw query text before it is parsed, so a huge document is refused
 * after at most `queryTokenCountMax + 1` tokens of lexing. Refuses with `QUERY_TOO_MANY_TOKENS`.
 */
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { LimitRefusal } from './limit-refusal.js';

export const queryTokenCountMaxDefault = 2_000;

/**
 * Counts lexical tokens up to `countMax + 1`. A lexing error ends the count early: the parser
 * reports it. Requires: `countMax` ≥ 0.
 */
export function countTokensUpTo(query: string, countMax: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (count <= countMax && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return count;
}

/** Returns a refusal when `query` holds more than `queryTokenCountMax` tokens. */
export function checkTokenLimit(query: string, queryTokenCountMax: number): LimitRefusal | null {
  return countTokensUpTo(query, queryTokenCountMax) > queryTokenCountMax
    ? new LimitRefusal('tokens', `Query has more than ${queryTokenCountMax} tokens (limit ${queryTokenCountMax}).`)
    : null;
}
