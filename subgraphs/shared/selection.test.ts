/** `selectsOnly` answers true only for plain selections of the answered fields, in every field node. */
import { Kind, parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { selectsOnly } from './selection.js';

function ownerNodes(query: string): FieldNode[] {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const device = operation.selectionSet.selections[0] as FieldNode;
  return (device.selectionSet?.selections ?? []).filter((selection): selection is FieldNode => selection.kind === Kind.FIELD && selection.name.value === 'owner');
}

const id = new Set(['id']);

describe('selectsOnly', () => {
  it.each([
    ['{ device { owner { id } } }', true],
    ['{ device { owner { __typename id } } }', true],
    ['{ device { owner { id @include(if: true) } } }', true],
    ['{ device { owner { id } owner { id } } }', true],
    ['{ device { owner { id name } } }', false],
    ['{ device { owner { id } owner { name } } }', false],
    ['{ device { owner { ... on Organization { id } } } }', false],
    ['{ device { owner { ...O } } } fragment O on Organization { id }', false],
    ['{ device { owner } }', false],
  ])('%s → %s', (query, expected) => {
    expect(selectsOnly(ownerNodes(query), id)).toBe(expected);
  });
});
