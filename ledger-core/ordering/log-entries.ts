/**
 * How the bytes under `P/` become ordering events, and how a cut record is written. Pure: every node
 * decodes the same key/value identically, so a malformed batch is skipped by all of them alike and the
 * blocks stay the same.
 *
 * Batches are input from the consortium's nodes, so a batch that is not a JSON array (or whose key was
 * overwritten after its first put) is skipped, never fatal. Cut records are written only through the
 * proposer's compare-and-swap; one that does not decode, or disagrees with its key, is a broken
 * invariant.
 */
import { invariant } from './invariant.js';
import { isSegment, parseOrderingKey, type OrderingKeys } from './keys.js';
import { unreachable, type CutRecord, type OrderingEvent } from './types.js';

/** One key/value as etcd returns it, with revisions as numbers. */
export interface RawEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly modRevision: number;
  /** 1 when the key was just created; more when it was overwritten. */
  readonly version: number;
}

/**
 * Turns a parsed batch value into items, or `undefined` to skip the batch. Must be pure and the same on
 * every node. The default accepts any JSON array and types its elements as `T` unchecked: execution
 * verifies each transaction anyway.
 */
export type ItemsDecoder<T> = (value: unknown) => readonly T[] | undefined;

export function jsonArrayItems<T>(value: unknown): readonly T[] | undefined {
  return Array.isArray(value) ? (value as T[]) : undefined;
}

export type DecodedEntry<T> =
  | { readonly kind: 'event'; readonly event: OrderingEvent<T> }
  /** Under `P/` but carrying no event (an applied revision); nothing to report. */
  | { readonly kind: 'ignored' }
  /** Malformed input every node skips alike; `reason` is for the operator's log. */
  | { readonly kind: 'skipped'; readonly reason: string };

/** Longest signature line accepted, in characters: a signed-note line is about 100. */
export const signatureLineLengthMax = 1_024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(value: Uint8Array): string | undefined {
  try {
    return utf8.decode(value);
  } catch {
    return undefined;
  }
}

function decodeJson(value: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  const text = decodeText(value);
  if (text === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Whether a signature line can be published and read back: one line, printable, bounded. */
export function isSignatureLine(line: string): boolean {
  // No C0 control (so no newline: the line is one line of a signed note) and no DEL.
  return line.length > 0 && line.length <= signatureLineLengthMax && !/[\u0000-\u001f\u007f]/.test(line);
}

/**
 * Decodes one put under `P/`.
 * Requires `entry.modRevision` ≥ 1 and `entry.version` ≥ 1 as etcd reports them for a put.
 * Throws `OrderingInvariantError` for a cut record that does not decode or names another height.
 */
export function decodeEntry<T>(keys: OrderingKeys, entry: RawEntry, decodeItems: ItemsDecoder<T>): DecodedEntry<T> {
  const parsed = parseOrderingKey(keys, entry.key);
  if (parsed === undefined) return { kind: 'skipped', reason: `key ${JSON.stringify(entry.key)} is not in the ordering layout` };
  const revision = entry.modRevision;
  switch (parsed.section) {
    case 'log': {
      // A batch is ordered by its first put; a later put to the same key would reorder it, so none counts.
      if (entry.version !== 1) return { kind: 'skipped', reason: `batch ${entry.key} overwritten (version ${entry.version})` };
      const json = decodeJson(entry.value);
      if (!json.ok) return { kind: 'skipped', reason: `batch ${entry.key} is not JSON` };
      const items = decodeItems(json.value);
      if (items === undefined) return { kind: 'skipped', reason: `batch ${entry.key} is not a batch of items` };
      return { kind: 'event', event: { kind: 'batch', revision, key: entry.key, node: parsed.node, items, bytes: entry.value.length } };
    }
    case 'cut': {
      invariant(entry.version === 1, `cut ${entry.key} overwritten (version ${entry.version})`);
      const text = decodeText(entry.value);
      const cut = text === undefined ? undefined : decodeCutRecord(text);
      invariant(cut !== undefined, `cut ${entry.key} does not decode`);
      invariant(cut.height === parsed.height, `cut ${entry.key} holds height ${cut.height}`);
      return { kind: 'event', event: { kind: 'cut', revision, key: entry.key, cut } };
    }
    case 'sig': {
      const line = decodeText(entry.value);
      if (line === undefined || !isSignatureLine(line)) return { kind: 'skipped', reason: `signature ${entry.key} is not one printable line` };
      return { kind: 'event', event: { kind: 'signature', revision, key: entry.key, height: parsed.height, node: parsed.node, line } };
    }
    case 'applied':
      return { kind: 'ignored' };
    default:
      return unreachable(parsed);
  }
}

/** The cut record's value: a fixed field order, so equal records are equal bytes. */
export function encodeCutRecord(cut: CutRecord): string {
  return JSON.stringify({ height: cut.height, revisionLast: cut.revisionLast, proposalTimeMs: cut.proposalTimeMs, proposer: cut.proposer });
}

const cutFields = ['height', 'revisionLast', 'proposalTimeMs', 'proposer'] as const;

function isWhole(value: unknown, minimum: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;
}

/** Reads a cut record back, or `undefined` unless it has exactly the four fields with sound values. */
export function decodeCutRecord(text: string): CutRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  if (names.length !== cutFields.length || !cutFields.every((name) => names.includes(name))) return undefined;
  const { height, revisionLast, proposalTimeMs, proposer } = record;
  if (!isWhole(height, 1) || !isWhole(revisionLast, 0) || !isWhole(proposalTimeMs, 0)) return undefined;
  if (typeof proposer !== 'string' || !isSegment(proposer)) return undefined;
  return { height, revisionLast, proposalTimeMs, proposer };
}
