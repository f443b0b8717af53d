/**
 * What a projection handler is: a pure function from one ledger event and where it sits on the ledger
 * to the parameterised Cypher statements that apply it. Handlers never touch a driver, so they are unit
 * tested as data, and the projector decides transactions and order.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import type { Parameters } from '../neo4j-values.js';

/** Where an event sits on the ledger; every projected node and relationship is stamped from it. */
export interface ProjectionContext {
  /** Hex id of the accepted transaction that emitted the event. */
  readonly txId: string;
  /** Height of its block, from 1. */
  readonly height: number;
  /** The transaction's place in its block, from 0. */
  readonly position: number;
  /** The event's place among its transaction's events, from 0. */
  readonly eventIndex: number;
  /** The block's ledger time, milliseconds since the Unix epoch: the only clock a projection may read. */
  readonly ledgerTimeMs: number;
  /** Hex hash of the block. */
  readonly blockHash: string;
}

export interface CypherStatement {
  readonly text: string;
  readonly parameters: Parameters;
}

/**
 * Applies one event type. Requires an event whose `type` is the one the handler is registered for;
 * returns the statements in the order they must run, or throws ProjectionError when a field is not what
 * the contract emits. Deterministic: the same event and context give the same statements.
 */
export type EventHandler = (event: LedgerEvent, context: ProjectionContext) => readonly CypherStatement[];

/** One domain's handlers, by event type. */
export type HandlerTable = { readonly [eventType: string]: EventHandler };

export const ProjectionErrorCode = {
  /** No handler is registered for the event's type. */
  unknownEventType: 'UNKNOWN_EVENT_TYPE',
  /** An event field is missing or not of the type the contract emits. */
  badEventField: 'BAD_EVENT_FIELD',
  /** Two domain tables register the same event type. */
  duplicateHandler: 'DUPLICATE_HANDLER',
} as const;

export type ProjectionErrorCode = (typeof ProjectionErrorCode)[keyof typeof ProjectionErrorCode];

/** An event the projection cannot apply. The projector stops on it rather than skip it. */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  constructor(
    readonly code: ProjectionErrorCode,
    readonly eventType: string,
    message: string,
  ) {
    super(message);
  }
}

/** The stamp parameters every handler passes: who made a node or relationship, and when on the ledger. */
export function stampParameters(context: ProjectionContext): { txId: string; height: number; ledgerTimeMs: number } {
  return { txId: context.txId, height: context.height, ledgerTimeMs: context.ledgerTimeMs };
}

/**
 * Cypher that stamps node `variable` as written by this transaction: `txId`/`height` are the last
 * writer's, `createdTxId`/`createdHeight` the first's. Use after a MERGE on the node's key.
 */
export function stampNode(variable: string): string {
  return `ON CREATE SET ${variable}.createdTxId = $txId, ${variable}.createdHeight = $height
SET ${variable}.txId = $txId, ${variable}.height = $height`;
}

/**
 * Cypher for a node merged only as the other end of a relationship (an organisation named by an event
 * but not changed by it): stamped with the transaction that first made it, never restamped.
 */
export function stampReferencedNode(variable: string): string {
  return `ON CREATE SET ${variable}.createdTxId = $txId, ${variable}.createdHeight = $height, ${variable}.txId = $txId, ${variable}.height = $height`;
}

/** Properties of a relationship created by this transaction. */
export const relationshipStamp = '{txId: $txId, height: $height}';

/** The error for an event whose `field` is not what the contract emits: `expected` says what it must be. */
export function badField(event: LedgerEvent, field: string, expected: string): ProjectionError {
  return new ProjectionError(ProjectionErrorCode.badEventField, event.type, `${event.type}.${field} must be ${expected}`);
}

/** `event[field]` as a non-empty string; throws ProjectionError otherwise. */
export function stringField(event: LedgerEvent, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value.length === 0) throw badField(event, field, 'a non-empty string');
  return value;
}

/** `event[field]` as a whole number ≥ 0; throws ProjectionError otherwise. */
export function countField(event: LedgerEvent, field: string): number {
  const value = event[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badField(event, field, 'a whole number of at least 0');
  return value;
}

/** `event[field]` as a list of non-empty strings; throws ProjectionError otherwise. */
export function stringsField(event: LedgerEvent, field: string): string[] {
  const value = event[field];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.length > 0)) throw badField(event, field, 'a list of non-empty strings');
  return value as string[];
}
