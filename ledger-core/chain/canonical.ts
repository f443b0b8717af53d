/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte string a JSON value hashes and signs as.
 * Numbers use ECMAScript's Number-to-String (what `String(n)` does), strings the minimal JSON
 * escaping of ECMAScript's JSON.stringify, and object keys sort by UTF-16 code units (what the
 * default `Array.prototype.sort` compares). Values JCS cannot represent are refused, never coerced:
 * JSON.stringify would silently drop `undefined`, turn NaN into null and call `toJSON`.
 */
import type { JsonValue } from './json-value.js';
import { canonicalDepthMax } from './limits.js';

export type CanonicalizationErrorCode =
  /** NaN or ±Infinity: I-JSON has no such numbers. */
  | 'JCS_NUMBER_NOT_FINITE'
  /** A string or key holds a lone UTF-16 surrogate, which has no UTF-8 encoding. */
  | 'JCS_STRING_NOT_WELL_FORMED'
  /** undefined, a function, a symbol, a bigint, an array hole or a symbol-keyed property. */
  | 'JCS_UNSUPPORTED_TYPE'
  /** An object whose prototype is neither Object.prototype nor null (Date, Map, class instance). */
  | 'JCS_NOT_PLAIN_OBJECT'
  /** An object or array that contains itself. */
  | 'JCS_CYCLE'
  /** Nesting deeper than `canonicalDepthMax`. */
  | 'JCS_TOO_DEEP';

/** A value refused by `canonicalize`; `path` is a JSON Pointer (RFC 6901) to the offending part. */
export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError';
  constructor(
    readonly code: CanonicalizationErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${message} at ${path === '' ? 'the root' : path}`);
  }
}

// Unpaired high surrogate, or a low surrogate with no high surrogate before it. Without the `u`
// flag the pattern sees UTF-16 code units, which is what a lone surrogate is.
const loneSurrogatePattern = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The RFC 8785 canonical form of `value`, as a string.
 * Requires nothing: anything that is not JSON throws `CanonicalizationError` with a stable code.
 * Shared references that are not cycles are fine and serialize once per occurrence.
 */
export function canonicalize(value: unknown): string {
  const path: string[] = [];
  return serialize(value, path, new Set<object>());
}

/** The UTF-8 bytes of `canonicalize(value)`: the input to every hash and signature over JSON. Throws like it. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}

/** Narrows `value` to `JsonValue` by canonicalizing it; throws `CanonicalizationError` if it is not JSON. */
export function assertJsonValue(value: unknown): asserts value is JsonValue {
  canonicalize(value);
}

function serialize(value: unknown, path: string[], ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail('JCS_NUMBER_NOT_FINITE', path, `${String(value)} is not a finite number`);
      // ECMAScript Number::toString, which RFC 8785 section 3.2.2.3 adopts; it prints -0 as "0".
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, path, ancestors);
    case 'undefined':
    case 'function':
    case 'symbol':
    case 'bigint':
      return fail('JCS_UNSUPPORTED_TYPE', path, `a ${typeof value} is not JSON`);
  }
}

function serializeString(text: string, path: string[]): string {
  if (loneSurrogatePattern.test(text)) fail('JCS_STRING_NOT_WELL_FORMED', path, 'string holds a lone surrogate');
  // Once well-formed, JSON.stringify's escaping is exactly RFC 8785 section 3.2.2.2: \" \\ \b \f \n
  // \r \t, other controls as lowercase \u00xx, everything else (including U+2028) verbatim.
  return JSON.stringify(text);
}

function serializeContainer(value: object, path: string[], ancestors: Set<object>): string {
  if (ancestors.has(value)) fail('JCS_CYCLE', path, 'value contains itself');
  if (ancestors.size >= canonicalDepthMax) fail('JCS_TOO_DEEP', path, `value nests deeper than ${canonicalDepthMax} levels`);
  ancestors.add(value);
  const text = Array.isArray(value) ? serializeArray(value, path, ancestors) : serializeObject(value, path, ancestors);
  ancestors.delete(value);
  return text;
}

function serializeArray(items: readonly unknown[], path: string[], ancestors: Set<object>): string {
  const parts: string[] = [];
  for (let index = 0; index < items.length; index++) {
    path.push(String(index));
    if (!(index in items)) fail('JCS_UNSUPPORTED_TYPE', path, 'array has a hole');
    parts.push(serialize(items[index], path, ancestors));
    path.pop();
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(record: object, path: string[], ancestors: Set<object>): string {
  const prototype: unknown = Object.getPrototypeOf(record);
  if (prototype !== Object.prototype && prototype !== null) {
    const kind = (record as { constructor?: { name?: unknown } }).constructor?.name;
    fail('JCS_NOT_PLAIN_OBJECT', path, `a ${typeof kind === 'string' ? kind : 'non-plain object'} is not JSON`);
  }
  if (Object.getOwnPropertySymbols(record).length > 0) fail('JCS_UNSUPPORTED_TYPE', path, 'object has symbol keys');
  // Default sort compares UTF-16 code units, the order RFC 8785 section 3.2.3 requires.
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    path.push(key);
    const keyText = serializeString(key, path);
    parts.push(`${keyText}:${serialize((record as Record<string, unknown>)[key], path, ancestors)}`);
    path.pop();
  }
  return `{${parts.join(',')}}`;
}

function fail(code: CanonicalizationErrorCode, path: readonly string[], message: string): never {
  const pointer = path.map((segment) => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  throw new CanonicalizationError(code, pointer, message);
}
