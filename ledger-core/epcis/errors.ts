/**
 * Why an EPCIS event cannot be prepared or hashed. Callers branch on `code` (the capture endpoint
 * answers it as a client error, the contract as BAD_PAYLOAD); the message names the field.
 */

export const EpcisEventErrorCode = {
  /** The event is not a JSON object. */
  notAnObject: 'NOT_AN_OBJECT',
  /** The event has no `type`, or one that is not a string. */
  noType: 'NO_TYPE',
  /** `type` is not one of the five EPCIS 2.0 event types. */
  unknownEventType: 'UNKNOWN_EVENT_TYPE',
  /** A key or value uses a prefix (`example:foo`) no `@context` declares. */
  unknownPrefix: 'UNKNOWN_PREFIX',
  /** A namespace IRI would read as a compact IRI again once expanded (declare it as an http(s) or urn IRI). */
  badNamespace: 'BAD_NAMESPACE',
  /** Two keys of one object name the same field once their prefixes are expanded. */
  duplicateKey: 'DUPLICATE_KEY',
  /** `eventTime` is missing or not an ISO 8601 date-time with a UTC offset. */
  badEventTime: 'BAD_EVENT_TIME',
  /** A field does not have the shape EPCIS gives it (an id list that is not a list of strings, …). */
  badField: 'BAD_FIELD',
} as const;

export type EpcisEventErrorCode = (typeof EpcisEventErrorCode)[keyof typeof EpcisEventErrorCode];

/** An event this module refuses, with the field at fault in the message. */
export class EpcisEventError extends Error {
  override readonly name = 'EpcisEventError';
  constructor(
    readonly code: EpcisEventErrorCode,
    message: string,
  ) {
    super(message);
  }
}
