/**
 * JSON-LD prefixes: what an EPCIS document's `@context` declares, the prefixes the standard EPCIS
 * context declares for every document, and the expansion of a compact IRI (`example:foo`) with them.
 * Remote contexts (string entries) are not fetched: the ledger never does I/O, and the one remote
 * context EPCIS documents name is the standard one, whose prefixes are built in here.
 */
import type { JsonValue } from '../chain/json-value.js';

/** Prefixes the standard EPCIS 2.0 JSON-LD context declares; a document's own declarations win. */
export const standardNamespaces: Readonly<Record<string, string>> = Object.freeze({
  epcis: 'https://ref.gs1.org/epcis/',
  cbv: 'https://ref.gs1.org/cbv/',
  cbvmda: 'urn:epcglobal:cbv:mda:',
  gs1: 'https://gs1.org/voc/',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  owl: 'http://www.w3.org/2002/07/owl#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcterms: 'http://purl.org/dc/terms/',
});

// A JSON-LD prefix: an NCName-like word (no colon, no slash).
const prefixPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * The prefix declarations of a JSON-LD `@context`: object entries map prefix → IRI (string values
 * only; term definitions that are objects with an `@id` count too). String entries are remote contexts
 * and are ignored; later entries override earlier ones, as in JSON-LD.
 */
export function namespacesOf(context: JsonValue | undefined): Record<string, string> {
  const namespaces: Record<string, string> = {};
  const entries = Array.isArray(context) ? (context as readonly JsonValue[]) : context === undefined ? [] : [context];
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
    for (const [prefix, definition] of Object.entries(entry as { readonly [key: string]: JsonValue })) {
      if (!prefixPattern.test(prefix)) continue;
      const iri = typeof definition === 'string' ? definition : idOf(definition);
      if (iri !== undefined && isAbsoluteIri(iri)) namespaces[prefix] = iri;
    }
  }
  return namespaces;
}

function idOf(definition: JsonValue): string | undefined {
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return undefined;
  const id = (definition as { readonly [key: string]: JsonValue })['@id'];
  return typeof id === 'string' ? id : undefined;
}

// A scheme (RFC 3986) and something after its colon.
const absoluteIriPattern = /^[A-Za-z][A-Za-z0-9+.-]*:./;

/** True when `value` has the shape of an absolute IRI: a scheme, a colon and more. */
export function isAbsoluteIri(value: string): boolean {
  return absoluteIriPattern.test(value);
}

/** What `expandCompactIri` made of a string. */
export type Expansion =
  /** It was a compact IRI with a declared prefix; `iri` is the expansion. */
  | { readonly kind: 'expanded'; readonly iri: string }
  /** It has no prefix part (no colon, or a colon that cannot end a prefix): it stands as it is. */
  | { readonly kind: 'plain' }
  /** It is prefix:suffix with an undeclared prefix: an IRI in its own scheme, or a missing declaration. */
  | { readonly kind: 'undeclared'; readonly prefix: string };

/**
 * Expands `value` when it is `prefix:suffix` with `prefix` in `namespaces`. A suffix starting with
 * `//` is never a compact IRI (`https://…`), as in JSON-LD.
 */
export function expandCompactIri(value: string, namespaces: Readonly<Record<string, string>>): Expansion {
  const colon = value.indexOf(':');
  if (colon <= 0) return { kind: 'plain' };
  const prefix = value.slice(0, colon);
  const suffix = value.slice(colon + 1);
  if (!prefixPattern.test(prefix) || suffix.startsWith('//')) return { kind: 'plain' };
  const iri = Object.prototype.hasOwnProperty.call(namespaces, prefix) ? namespaces[prefix] : undefined;
  return iri === undefined ? { kind: 'undeclared', prefix } : { kind: 'expanded', iri: iri + suffix };
}
