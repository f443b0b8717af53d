/**
 * Relay cursor pages: `first` bounded to 1..`pageSizeMax`, cursors opaque (base64url of a JSON array of
 * the sort key), and one extra row read to know whether there is a next page.
 */
import { badUserInput } from './errors.js';

export const pageSizeMax = 100;

export interface Page<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** `first` checked against 1..`max`; throws BAD_USER_INPUT otherwise. */
export function pageSize(first: number | null | undefined, max: number = pageSizeMax): number {
  const size = first ?? 20;
  if (!Number.isSafeInteger(size) || size < 1 || size > max) throw badUserInput(`first must be 1 to ${max}`);
  return size;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key in `cursor`, checked against `shape` ('s' string, 'n' whole number); BAD_USER_INPUT otherwise. */
export function decodeCursor(cursor: string, shape: readonly ('s' | 'n')[]): (string | number)[] {
  let key: unknown;
  try {
    if (cursor.length > 512) throw new RangeError('long');
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badUserInput('malformed cursor');
  }
  const fits =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((item: unknown, index) => (shape[index] === 's' ? typeof item === 'string' : typeof item === 'number' && Number.isSafeInteger(item)));
  if (!fits) throw badUserInput('malformed cursor');
  return key as (string | number)[];
}

/** The page of `rows` (read with `size + 1` as the limit), each row's cursor from `keyOf`. */
export function pageOf<T>(rows: readonly T[], size: number, keyOf: (row: T) => readonly (string | number)[]): Page<T> {
  const nodes = rows.slice(0, size);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges[edges.length - 1]?.cursor ?? null } };
}
