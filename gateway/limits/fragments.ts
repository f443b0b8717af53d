/**
 * A memoised fold over an operation's selections with fragments expanded, shared by the depth,
 * alias and cost limits. Each fragment is folded once, so a document that spreads fragments into
 * each other many times costs time linear in its size, not in its expansion. A fragment cycle folds
 * to the empty value; graphql-js's NoFragmentCyclesRule reports the cycle itself.
 */
import type { FieldNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';

export interface SelectionFold<T> {
  empty: T;
  /** The value of one field, given the value of its sub-selection (or `empty` for a leaf). */
  field(node: FieldNode, inner: T): T;
  /** Combines sibling values. */
  combine(left: T, right: T): T;
}

export function foldSelections<T>(
  selectionSet: SelectionSetNode,
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined,
  fold: SelectionFold<T>,
): T {
  const memo = new Map<string, T>();
  const inProgress = new Set<string>();
  const visit = (set: SelectionSetNode): T => {
    let value = fold.empty;
    for (const selection of set.selections) {
      switch (selection.kind) {
        case 'Field':
          value = fold.combine(value, fold.field(selection, selection.selectionSet ? visit(selection.selectionSet) : fold.empty));
          break;
        case 'InlineFragment':
          value = fold.combine(value, visit(selection.selectionSet));
          break;
        case 'FragmentSpread': {
          const name = selection.name.value;
          let fragmentValue = memo.get(name);
          if (fragmentValue === undefined) {
            const fragment = getFragment(name);
            if (fragment === null || fragment === undefined || inProgress.has(name)) {
              fragmentValue = fold.empty;
            } else {
              inProgress.add(name);
              fragmentValue = visit(fragment.selectionSet);
              inProgress.delete(name);
              memo.set(name, fragmentValue);
            }
          }
          value = fold.combine(value, fragmentValue);
          break;
        }
      }
    }
    return value;
  };
  return visit(selectionSet);
}

/** Introspection is bounded by the schema itself, so the limits do not count it. */
export function isIntrospectionRoot(node: FieldNode): boolean {
  return node.name.value === '__schema' || node.name.value === '__type';
}
