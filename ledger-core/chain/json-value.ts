/**
 * A value that JSON (RFC 8259, I-JSON subset) can carry: what transaction payloads, events and
 * canonical encodings are made of. Numbers must be finite and strings well-formed UTF-16; the type
 * cannot say so, so `canonicalize` checks it at run time.
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

export interface JsonObject {
  readonly [key: string]: JsonValue;
}
