/**
 * The syntax of organisation identifiers and names, shared by the genesis (which names the consortium
 * members' organisations) and the organisation contract (which registers the others), so an id the
 * genesis accepts is always one the contract could have registered.
 */

/** Longest organisation id, in characters (ASCII only). */
export const organizationIdLengthMax = 64;
/** Longest organisation name, in UTF-16 code units. */
export const organizationNameLengthMax = 128;

// Lowercase letters, digits and inner hyphens, starting with a letter: safe as a URL path segment, a
// Neo4j key and a world-state key segment (no "/"), and one spelling per id (no case folding needed).
const organizationIdPattern = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;
// No control characters and no lone surrogates; names are shown to people and hashed as JSON.
const controlOrLoneSurrogatePattern = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` is 2 to 64 characters: a lowercase letter, then letters, digits and inner hyphens. */
export function isOrganizationId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 2 &&
    value.length <= organizationIdLengthMax &&
    organizationIdPattern.test(value) &&
    !value.includes('--')
  );
}

/** True when `value` is 1 to 128 code units, not blank at either end, without control characters. */
export function isOrganizationName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= organizationNameLengthMax &&
    value.trim() === value &&
    !controlOrLoneSurrogatePattern.test(value)
  );
}

/** Longest item id (lot, serial, order, shipment, step…), in characters. */
export const itemIdLengthMax = 256;

// Printable ASCII without spaces: GS1 identifiers (EPC URNs, Digital Link URIs) are ids as they stand.
const itemIdPattern = new RegExp(`^[\\x21-\\x7e]{1,${itemIdLengthMax}}$`);

/** True when `value` is an item id: 1 to 256 printable ASCII characters without spaces. */
export function isItemId(value: unknown): value is string {
  return typeof value === 'string' && itemIdPattern.test(value);
}

/**
 * An item id as one world-state key segment: percent-encoded, so a "/" inside a GS1 URI never splits
 * the key into two and two different ids never share a key.
 */
export function itemKeySegment(id: string): string {
  return encodeURIComponent(id);
}
