/**
 * What a resolver's field selects, so that a reference whose selection the parent row already answers
 * is not read from the graph again: `owner { id }` names the id the device row holds.
 */
import { Kind, type FieldNode } from 'graphql';

/**
 * Whether every selection of the field (in all its `fieldNodes`) is a plain field named in `answered`
 * or `__typename`. A fragment or a field without a selection set answers false: the caller reads.
 */
export function selectsOnly(fieldNodes: readonly FieldNode[], answered: ReadonlySet<string>): boolean {
  return fieldNodes.every(
    (node) =>
      node.selectionSet !== undefined &&
      node.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && (selection.name.value === '__typename' || answered.has(selection.name.value))),
  );
}
