/**
 * Alias limit: the number of aliased fields in an operation, fragments counted each time they are
 * spread. Aliases let one request repeat an expensive field many times over; refuses with
 * `QUERY_TOO_MANY_ALIASES`.
 */
import type { ValidationRule } from 'graphql';
import { foldSelections } from './fragments.js';
import { LimitRefusal } from './limit-refusal.js';

export const queryAliasCountMaxDefault = 30;

/** Requires: `queryAliasCountMax` ≥ 0. */
export function queryAliasRule(queryAliasCountMax: number): ValidationRule {
  if (!Number.isInteger(queryAliasCountMax) || queryAliasCountMax < 0) throw new RangeError('queryAliasCountMax must be an integer ≥ 0');
  // Counts saturate just past the limit, so a deep expansion cannot grow numbers without bound.
  const saturation = queryAliasCountMax + 1;
  return (context) => ({
    OperationDefinition(node) {
      const aliasCount = foldSelections<number>(node.selectionSet, (name) => context.getFragment(name), {
        empty: 0,
        field: (field, inner) => Math.min(saturation, inner + (field.alias === undefined ? 0 : 1)),
        combine: (left, right) => Math.min(saturation, left + right),
      });
      if (aliasCount > queryAliasCountMax) {
        context.reportError(
          new LimitRefusal('aliases', `Query uses more than ${queryAliasCountMax} aliases (limit ${queryAliasCountMax}).`, node),
        );
      }
    },
  });
}
