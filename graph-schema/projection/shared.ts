/**
 * Field readers and ids that more than one domain's handlers use (device, access and delegation
 * events carry the same kinds of fields), kept in one place so the domains refuse a malformed event
 * with the same code and message.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { badField, stampNode, stampParameters, stringField, type CypherStatement, type ProjectionContext } from './types.js';

/** `event[field]` as a non-empty string or null; throws ProjectionError otherwise (also when absent). */
export function nullableStringField(event: LedgerEvent, field: string): string | null {
  const value = event[field];
  if (value === null) return null;
  if (typeof value !== 'string' || value.length === 0) {
    throw badField(event, field, 'a non-empty string or null');
  }
  return value;
}

/** `event[field]` as a boolean; throws ProjectionError otherwise. */
export function booleanField(event: LedgerEvent, field: string): boolean {
  const value = event[field];
  if (typeof value !== 'boolean') throw badField(event, field, 'a boolean');
  return value;
}

/**
 * `event[field]` when it names the transaction that emitted the event: a grant or a revocation is
 * identified by the transaction that made it, and the graph keys and stamps it with that transaction,
 * so an event naming another one is not what the contract emits. Throws ProjectionError otherwise.
 */
export function ownTransactionField(event: LedgerEvent, field: string, context: ProjectionContext): string {
  const value = stringField(event, field);
  if (value !== context.txId) throw badField(event, field, 'its own transaction');
  return value;
}

/**
 * The id of a node made by one event that has no key of its own (a report, an access event): its
 * transaction and its place among that transaction's events, unique on the ledger.
 */
export function eventNodeId(context: ProjectionContext): string {
  return `${context.txId}:${context.eventIndex}`;
}

/**
 * The statements that close the open offer an event replaces (`replacesOfferTxId`: a device transfer,
 * custody or recycling handover offer superseded by a new one from the same holder): none when it
 * replaces nothing. The offer node `label` keyed by its transaction is marked `replaced` by this one.
 */
export function replacedOfferStatements(label: string, replacesOfferTxId: string | null, context: ProjectionContext): CypherStatement[] {
  if (replacesOfferTxId === null) return [];
  return [
    {
      text: `MERGE (r:${label} {id: $replacesOfferTxId})
${stampNode('r')}, r.status = 'replaced', r.endedTxId = $txId`,
      parameters: { ...stampParameters(context), replacesOfferTxId },
    },
  ];
}
