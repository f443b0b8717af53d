/**
 * EPCIS 2.0 documents checked against GS1's own JSON schema (draft-07, kept in
 * `graph-schema/epcis/EPCIS-JSON-Schema.json` with GS1's licence note), compiled once with ajv 8.
 *
 * Ajv reports every failed keyword, so one mistake arrives as several errors: the `if`/`then` of the
 * event-type dispatch, each failed `anyOf` alternative, the `anyOf` itself. `schemaProblems` folds them
 * into one message per problem, each naming the JSON pointer of the offending value:
 * - `if` errors only say that a `then` failed; the `then`'s own errors follow, so they are dropped;
 * - an `anyOf` with errors deeper inside the value is explained by those (the alternative that got
 *   furthest), so it and its alternatives at the same place are dropped; one without is rendered once
 *   from its alternatives
 *   ("must be one of the standard values (…) or a URI");
 * - a missing member, an unexpected member or a member name that is not allowed is its own problem;
 * - of the value errors at one place (type, enum, format, pattern) the first is the problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Where GS1's schema lives, relative to the repository root. */
export const epcisSchemaRelativePath = path.join('graph-schema', 'epcis', 'EPCIS-JSON-Schema.json');
/** How many problems one answer lists at most; a document with more is refused all the same. */
export const schemaProblemCountMax = 50;
/** How many allowed values a message lists before it says how many more there are. */
const listedValueCountMax = 8;

/** One reason a document is refused: where (RFC 6901 JSON pointer into the document) and what. */
export interface SchemaProblem {
  readonly pointer: string;
  /** One sentence that starts with the pointer, so it stands alone in a log. */
  readonly message: string;
}

export type SchemaCheck = { readonly ok: true } | { readonly ok: false; readonly problems: readonly SchemaProblem[] };

/** The schema file, found from this module whether it runs compiled (dist/) or as source. */
export function epcisSchemaPath(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, epcisSchemaRelativePath);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no ${epcisSchemaRelativePath} above ${__dirname}`);
    dir = parent;
  }
}

/** Compiles GS1's schema; call once per process (compilation takes a few hundred milliseconds). */
export function compileEpcisSchema(schemaText: string = fs.readFileSync(epcisSchemaPath(), 'utf8')): (document: unknown) => SchemaCheck {
  // strict: false because GS1's schema uses keywords beside `$ref` and unknown formats' siblings that
  // ajv's strict mode rejects, though draft-07 allows them; allErrors so a client fixes all at once.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(JSON.parse(schemaText) as object);
  return (document) => {
    if (validate(document)) return { ok: true };
    return { ok: false, problems: schemaProblems(validate.errors ?? [], document) };
  };
}

/** The value at `pointer` in `document`, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let value: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function listed(values: readonly unknown[]): string {
  const shown = values.slice(0, listedValueCountMax).map((value) => String(value)).join(', ');
  return values.length > listedValueCountMax ? `${shown}, … (${values.length} in all)` : shown;
}

function pointerLabel(pointer: string): string {
  return pointer === '' ? '(document)' : pointer;
}

/** What an alternative asks for, as a phrase: "a URI", "one of OBSERVE, ADD, DELETE". */
function requirement(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[] | undefined) ?? [];
      return allowed.length > listedValueCountMax ? `one of the standard values (${listed(allowed)})` : `one of ${listed(allowed)}`;
    }
    case 'const':
      return `exactly ${quoted(params['allowedValue'])}`;
    case 'format':
      return params['format'] === 'uri' ? 'a URI' : params['format'] === 'date-time' ? 'an RFC 3339 date-time with a time zone' : `a ${String(params['format'])}`;
    case 'type':
      return `of type ${String(params['type'])}`;
    case 'pattern': {
      const pattern = String(params['pattern']);
      // GS1's schema keeps CBV 1.x URNs out of EPCIS 2.0 JSON with a negative lookahead: say what it excludes.
      const excluded = /^\^\(\?!\((.*)\)\)$/.exec(pattern) ?? /^\^\(\?!(.*)\)$/.exec(pattern);
      if (excluded !== null) return `a value that does not start with ${(excluded[1] ?? '').split('|').map((part) => part.replace(/\\(.)/g, '$1')).join(' or ')}`;
      return `matching the pattern ${pattern}`;
    }
    case 'required':
      return `a member "${String(params['missingProperty'])}"`;
    default:
      return error.message ?? error.keyword;
  }
}

const memberKeywords = new Set(['required', 'additionalProperties', 'propertyNames', 'dependencies', 'dependentRequired']);
const alternativeKeywords = new Set(['anyOf', 'oneOf']);

/** Groups `errors` by the alternative of `anyOfPath` they belong to (`…/anyOf/<n>/…`); others alone. */
function alternatives(errors: readonly ErrorObject[], anyOfSchemaPath: string): ErrorObject[][] {
  const byBranch = new Map<string, ErrorObject[]>();
  for (const [index, error] of errors.entries()) {
    const match = error.schemaPath.startsWith(`${anyOfSchemaPath}/`) ? /^\d+/.exec(error.schemaPath.slice(anyOfSchemaPath.length + 1)) : null;
    const key = match === null ? `alone-${index}` : `branch-${match[0]}`;
    byBranch.set(key, [...(byBranch.get(key) ?? []), error]);
  }
  return [...byBranch.values()];
}

/**
 * One problem per mistake from ajv's `errors` for `document` (see the module comment), in the order
 * ajv found them, at most `schemaProblemCountMax`. Pure; never throws.
 */
export function schemaProblems(errors: readonly ErrorObject[], document: unknown): SchemaProblem[] {
  const relevant = errors.filter((error) => error.keyword !== 'if');
  const pointers: string[] = [];
  const byPointer = new Map<string, ErrorObject[]>();
  for (const error of relevant) {
    if (!byPointer.has(error.instancePath)) pointers.push(error.instancePath);
    byPointer.set(error.instancePath, [...(byPointer.get(error.instancePath) ?? []), error]);
  }
  const problems: SchemaProblem[] = [];
  const add = (pointer: string, text: string): void => {
    const message = `${pointerLabel(pointer)}: ${text}`;
    if (!problems.some((problem) => problem.message === message)) problems.push({ pointer, message });
  };
  for (const pointer of pointers) {
    const group = byPointer.get(pointer) ?? [];
    const hasDeeper = relevant.some((error) => error.instancePath.startsWith(`${pointer}/`));
    const anyOf = group.find((error) => alternativeKeywords.has(error.keyword));
    const nameErrors = group.filter((error) => error.keyword === 'propertyNames');
    if (nameErrors.length > 0) {
      // A member name check reports its sub-errors at the object itself; they describe allowed names.
      const allowed = group.filter((error) => !memberKeywords.has(error.keyword) && !alternativeKeywords.has(error.keyword)).map(requirement);
      const rule = allowed.length === 0 ? '' : `: a member name here must be ${[...new Set(allowed)].join(' or ')}`;
      for (const error of nameErrors) add(pointer, `member "${String((error.params as Record<string, unknown>)['propertyName'])}" is not allowed here${rule}`);
    }
    const members = nameErrors.length > 0 ? [] : group;
    // An anyOf with errors deeper inside the value is explained by the alternative that got furthest,
    // unless its alternatives name members missing here (those errors are about this object).
    const missingAlternatives = anyOf === undefined ? [] : group.filter((error) => error.keyword === 'required' && error.schemaPath.startsWith(`${anyOf.schemaPath}/`));
    if (anyOf !== undefined && nameErrors.length === 0 && (!hasDeeper || missingAlternatives.length > 0)) {
      const branchErrors = hasDeeper
        ? missingAlternatives
        : group.filter((error) => !alternativeKeywords.has(error.keyword) && (error.keyword !== 'required' || error.schemaPath.startsWith(`${anyOf.schemaPath}/`)));
      const value = valueAt(document, pointer);
      if (branchErrors.length === 0) {
        add(pointer, `${quoted(value)} matches none of the allowed forms`);
      } else {
        const phrases = alternatives(branchErrors, anyOf.schemaPath).map((branch) => branch.map(requirement).join(' and '));
        const subject = branchErrors.every((error) => error.keyword === 'required') ? 'must have' : `${quoted(value)} must be`;
        add(pointer, `${subject} ${[...new Set(phrases)].join(', or ')}`);
      }
    }
    const remaining = anyOf === undefined ? members : members.filter((error) => error.keyword === 'required' && !error.schemaPath.startsWith(`${anyOf.schemaPath}/`));
    for (const error of remaining.filter((candidate) => memberKeywords.has(candidate.keyword))) {
      const params = error.params as Record<string, unknown>;
      if (error.keyword === 'required') add(pointer, `the member "${String(params['missingProperty'])}" is required`);
      else if (error.keyword === 'additionalProperties') add(pointer, `the member "${String(params['additionalProperty'])}" is not allowed here`);
      else add(pointer, error.message ?? error.keyword);
    }
    if (anyOf === undefined) {
      const firstValueError = members.find((error) => !memberKeywords.has(error.keyword) && !alternativeKeywords.has(error.keyword));
      if (firstValueError !== undefined) add(pointer, `${quoted(valueAt(document, pointer))} must be ${requirement(firstValueError)}`);
    }
    if (problems.length >= schemaProblemCountMax) break;
  }
  if (problems.length === 0 && errors.length > 0) problems.push({ pointer: '', message: '(document): does not match the EPCIS 2.0 JSON schema' });
  return problems.slice(0, schemaProblemCountMax);
}
