/**
 * Argument checks every subgraph makes the same way, so an id is refused with the same BAD_USER_INPUT
 * message whichever subgraph is asked; the syntax itself is the contracts' (ledger-core identifiers).
 */
import { isItemId, isOrganizationId, itemIdLengthMax } from '@twinledger/ledger-core/contracts';
import { badUserInput } from './errors.js';

/** `value` when it is an item id (a lot, serial, order, shipment…); BAD_USER_INPUT naming `what` otherwise. */
export function itemIdArgument(value: string, what: string): string {
  if (!isItemId(value)) throw badUserInput(`${what} must be an item id: 1 to ${itemIdLengthMax} printable ASCII characters without spaces`);
  return value;
}

/** `value` when it is an organisation id; BAD_USER_INPUT naming `what` otherwise. */
export function organizationIdArgument(value: string, what: string): string {
  if (!isOrganizationId(value)) throw badUserInput(`${what} must be an organisation id`);
  return value;
}
