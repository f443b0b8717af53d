/**
 * Every event type the projection knows, gathered from the domain tables. Adding an event type is one
 * handler in its domain's file; adding a domain is one file and one line in `domainTables`.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { accessHandlers } from './access.js';
import { delegationHandlers } from './delegation.js';
import { deviceHandlers } from './device.js';
import { epcisHandlers } from './epcis.js';
import { noteHandlers } from './note.js';
import { organizationHandlers } from './organization.js';
import { productionHandlers } from './production.js';
import { recyclingHandlers } from './recycling.js';
import { supplyHandlers } from './supply.js';
import { ProjectionError, ProjectionErrorCode, type CypherStatement, type EventHandler, type HandlerTable, type ProjectionContext } from './types.js';

const domainTables: readonly HandlerTable[] = [organizationHandlers, noteHandlers, deviceHandlers, accessHandlers, delegationHandlers, productionHandlers, supplyHandlers, recyclingHandlers, epcisHandlers];

/** One table of every handler; throws ProjectionError when two domains claim the same event type. */
export function mergeHandlerTables(tables: readonly HandlerTable[]): ReadonlyMap<string, EventHandler> {
  const merged = new Map<string, EventHandler>();
  for (const table of tables) {
    for (const [eventType, handler] of Object.entries(table)) {
      if (merged.has(eventType)) throw new ProjectionError(ProjectionErrorCode.duplicateHandler, eventType, `two projection tables handle ${eventType}`);
      merged.set(eventType, handler);
    }
  }
  return merged;
}

export const projectionHandlers: ReadonlyMap<string, EventHandler> = mergeHandlerTables(domainTables);

/**
 * The statements that apply `event`. Throws ProjectionError for an event type without a handler: the
 * projector must stop there, not skip it. A skipped event would leave the graph silently different from
 * the ledger from that height on, and the checkpoint would record it as projected, so no later run
 * would ever repair it; stopping turns a missing handler into a visible outage that a release fixes,
 * after which projection resumes exactly where it stopped.
 */
export function projectEvent(event: LedgerEvent, context: ProjectionContext, handlers: ReadonlyMap<string, EventHandler> = projectionHandlers): readonly CypherStatement[] {
  const handler = handlers.get(event.type);
  if (handler === undefined) {
    throw new ProjectionError(ProjectionErrorCode.unknownEventType, event.type, `no projection for event type ${JSON.stringify(event.type)} (tx ${context.txId} at height ${context.height})`);
  }
  return handler(event, context);
}
