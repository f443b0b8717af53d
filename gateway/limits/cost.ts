/**
 * Cost limit. Each field costs 1; a field with a `first` or `last` argument (a Relay connection
 * page) multiplies the cost of its selection by the page size: a literal is taken as given (capped
 * at `connectionPageSizeMax`), a variable is assumed to be the worst case, `connectionPageSizeMax`.
 * A bulk mutation's `inputs` list does the same: each input is one more write answered with the
 * selection, so a literal list counts its length and a variable the most a subgraph takes,
 * `connectionPageSizeMax`. Refuses with `QUERY_TOO_COSTLY`. Introspection is not counted.
 */
import type { FieldNode, ValidationRule } from 'graphql';
import { foldSelections, isIntrospectionRoot } from './fragments.js';
import { LimitRefusal } from './limit-refusal.js';

export const queryCostMaxDefault = 5_000;
/** The largest page a subgraph serves; requests for more are clamped by the subgraph. */
export const connectionPageSizeMax = 100;

/** How many times a field's selection is answered: its page size, or its bulk inputs' count. */
function repetitions(field: FieldNode): number {
  for (const argument of field.arguments ?? []) {
    const name = argument.name.value;
    if (name === 'first' || name === 'last') {
      if (argument.value.kind === 'IntValue') {
        const size = Number.parseInt(argument.value.value, 10);
        return Number.isFinite(size) ? Math.max(1, Math.min(size, connectionPageSizeMax)) : connectionPageSizeMax;
      }
      if (argument.value.kind === 'Variable') return connectionPageSizeMax;
    }
    if (name === 'inputs') {
      if (argument.value.kind === 'ListValue') return Math.max(1, Math.min(argument.value.values.length, connectionPageSizeMax));
      return connectionPageSizeMax;
    }
  }
  return 1;
}

/** Requires: `queryCostMax` ≥ 1. */
export function queryCostRule(queryCostMax: number): ValidationRule {
  if (!Number.isInteger(queryCostMax) || queryCostMax < 1) throw new RangeError('queryCostMax must be an integer ≥ 1');
  const saturation = queryCostMax + 1;
  return (context) => ({
    OperationDefinition(node) {
      const cost = foldSelections<number>(node.selectionSet, (name) => context.getFragment(name), {
        empty: 0,
        field: (field, inner) => (isIntrospectionRoot(field) ? 0 : Math.min(saturation, 1 + repetitions(field) * inner)),
        combine: (left, right) => Math.min(saturation, left + right),
      });
      if (cost > queryCostMax) {
        context.reportError(new LimitRefusal('cost', `Query cost exceeds the limit of ${queryCostMax}.`, node));
      }
    },
  });
}
