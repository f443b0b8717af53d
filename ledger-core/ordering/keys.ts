/**
 * The etcd key layout of docs/ledger.md under `P = /twinledger/<origin>/`:
 *
 *   P/log/<node>/<bootId>/<counter>   one batch of submissions (JSON array)
 *   P/cut/<height>                    the cut record that closes block `height`
 *   P/sig/<height>/<node>             a node's signature line over block `height`'s checkpoint
 *   P/applied/<node>                  the revision a node has applied through
 *
 * Heights and counters are 12-digit zero-padded decimals so that etcd's byte order is numeric order: a
 * range over `P/cut/` lists cuts by height, and "every cut at or above h" is one key range.
 */
import { OrderingError, OrderingErrorCode } from './errors.js';

/** Highest height (and batch counter) a 12-digit key segment can carry. */
export const heightMax = 999_999_999_999;
const numberDigits = 12;

/**
 * Node names and boot ids become single key segments: letters, digits, `_` and `-`, at most 64
 * characters, so no name can contain `/` and shift another key's segments.
 */
const segmentPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest origin accepted, in characters before encoding. */
export const originLengthMax = 256;

export type OrderingSection = 'log' | 'cut' | 'sig' | 'applied';

/** Key prefixes of one ordering log, computed once. */
export interface OrderingKeys {
  /** `P`, ending in `/`. */
  readonly prefix: string;
  readonly logPrefix: string;
  readonly cutPrefix: string;
  readonly sigPrefix: string;
  readonly appliedPrefix: string;
}

/**
 * The prefix of one origin's ordering log. The origin (a checkpoint origin line, which may contain `/`)
 * is percent-encoded into one segment, so two origins can never share or nest each other's keys.
 * Requires a non-empty origin of at most `originLengthMax` characters.
 */
export function orderingPrefix(origin: string): string {
  if (origin.length === 0 || origin.length > originLengthMax) {
    throw new OrderingError(OrderingErrorCode.config, `origin must be 1..${originLengthMax} characters`);
  }
  return `/twinledger/${encodeURIComponent(origin)}/`;
}

/** Requires `prefix` to end in `/` (as `orderingPrefix` returns). */
export function orderingKeys(prefix: string): OrderingKeys {
  if (!prefix.endsWith('/') || prefix.length < 2) {
    throw new OrderingError(OrderingErrorCode.config, `ordering prefix must end in "/": ${JSON.stringify(prefix)}`);
  }
  return {
    prefix,
    logPrefix: `${prefix}log/`,
    cutPrefix: `${prefix}cut/`,
    sigPrefix: `${prefix}sig/`,
    appliedPrefix: `${prefix}applied/`,
  };
}

/** Whether `value` can be a node name or boot id: one key segment. */
export function isSegment(value: string): boolean {
  return segmentPattern.test(value);
}

/** Refuses a node name or boot id that cannot be one key segment. */
export function checkSegment(what: string, value: string): void {
  if (!segmentPattern.test(value)) {
    throw new OrderingError(OrderingErrorCode.config, `${what} must match ${segmentPattern.source}: ${JSON.stringify(value)}`);
  }
}

function paddedNumber(what: string, value: number, minimum: number): string {
  if (!Number.isSafeInteger(value) || value < minimum || value > heightMax) {
    throw new OrderingError(OrderingErrorCode.config, `${what} must be a whole number in ${minimum}..${heightMax}: ${value}`);
  }
  return value.toString().padStart(numberDigits, '0');
}

/** Requires valid node and boot id segments and 0 ≤ counter ≤ heightMax. */
export function logKey(keys: OrderingKeys, node: string, bootId: string, counter: number): string {
  checkSegment('node', node);
  checkSegment('boot id', bootId);
  return `${keys.logPrefix}${node}/${bootId}/${paddedNumber('batch counter', counter, 0)}`;
}

/** Requires 1 ≤ height ≤ heightMax. */
export function cutKey(keys: OrderingKeys, height: number): string {
  return `${keys.cutPrefix}${paddedNumber('height', height, 1)}`;
}

/** Requires 1 ≤ height ≤ heightMax and a valid node segment. */
export function sigKey(keys: OrderingKeys, height: number, node: string): string {
  checkSegment('node', node);
  return `${keys.sigPrefix}${paddedNumber('height', height, 1)}/${node}`;
}

/** Requires a valid node segment. */
export function appliedKey(keys: OrderingKeys, node: string): string {
  checkSegment('node', node);
  return `${keys.appliedPrefix}${node}`;
}

/**
 * The first key after every key that starts with `prefix` (etcd's range end for a prefix): the prefix
 * with its last byte incremented. Requires a prefix ending in `/`, whose successor `0` is one byte.
 */
export function prefixRangeEnd(prefix: string): string {
  if (!prefix.endsWith('/')) {
    throw new OrderingError(OrderingErrorCode.config, `range prefix must end in "/": ${JSON.stringify(prefix)}`);
  }
  return `${prefix.slice(0, -1)}0`;
}

export type ParsedOrderingKey =
  | { section: 'log'; node: string; bootId: string; counter: number }
  | { section: 'cut'; height: number }
  | { section: 'sig'; height: number; node: string }
  | { section: 'applied'; node: string };

const numberPattern = /^[0-9]{12}$/;

function parseNumber(text: string | undefined, minimum: number): number | undefined {
  if (text === undefined || !numberPattern.test(text)) return undefined;
  const value = Number(text);
  return value >= minimum ? value : undefined;
}

function parseSegment(text: string | undefined): string | undefined {
  return text !== undefined && segmentPattern.test(text) ? text : undefined;
}

/**
 * Reads a key of the layout back, or `undefined` when the key is not exactly one of its four shapes
 * (another origin, a foreign key, a malformed segment). Pure: every node parses the same key alike.
 */
export function parseOrderingKey(keys: OrderingKeys, key: string): ParsedOrderingKey | undefined {
  if (!key.startsWith(keys.prefix)) return undefined;
  const parts = key.slice(keys.prefix.length).split('/');
  switch (parts[0]) {
    case 'log': {
      if (parts.length !== 4) return undefined;
      const node = parseSegment(parts[1]);
      const bootId = parseSegment(parts[2]);
      const counter = parseNumber(parts[3], 0);
      if (node === undefined || bootId === undefined || counter === undefined) return undefined;
      return { section: 'log', node, bootId, counter };
    }
    case 'cut': {
      if (parts.length !== 2) return undefined;
      const height = parseNumber(parts[1], 1);
      return height === undefined ? undefined : { section: 'cut', height };
    }
    case 'sig': {
      if (parts.length !== 3) return undefined;
      const height = parseNumber(parts[1], 1);
      const node = parseSegment(parts[2]);
      if (height === undefined || node === undefined) return undefined;
      return { section: 'sig', height, node };
    }
    case 'applied': {
      if (parts.length !== 2) return undefined;
      const node = parseSegment(parts[1]);
      return node === undefined ? undefined : { section: 'applied', node };
    }
    default:
      return undefined;
  }
}
