/**
 * Depth limit: `{ a }` has depth 1, `{ a { b } }` depth 2, fragments count where they are spread.
 * Refuses with `QUERY_TOO_DEEP`. Introspection fields are not counted.
 */
import type { ValidationRule } from 'graphql';
import { foldSelections, isIntrospectionRoot } from './fragments.js';
import { LimitRefusal } from './limit-refusal.js';

export const queryDepthMaxDefault = 10;

/** Requires: `queryDepthMax` ≥ 1. */
export function queryDepthRule(queryDepthMax: number): ValidationRule {
  if (!Number.isInteger(queryDepthMax) || queryDepthMax < 1) throw new RangeError('queryDepthMax must be an integer ≥ 1');
  return (context) => ({
    OperationDefinition(node) {
      const depth = foldSelections<number>(node.selectionSet, (name) => context.getFragment(name), {
        empty: 0,
        field: (field, inner) => (isIntrospectionRoot(field) ? 0 : 1 + inner),
        combine: Math.max,
      });
      if (depth > queryDepthMax) {
        context.reportError(new LimitRefusal('depth', `Query depth ${depth} exceeds the limit of ${queryDepthMax}.`, node));
      }
    },
  });
}
