/**
 * Grouping a batch's projection statements into fewer round trips without changing what they do.
 *
 * Each event's handler returns its statements in order. Consecutive events whose statement texts are
 * the same (a run of device registrations, of note writes) become one statement:
 *
 *   UNWIND $rows AS row
 *   CALL { WITH row <first statement, $name read as row.s0.name> }
 *   CALL { WITH row <second statement, $name read as row.s1.name> }
 *
 * A unit subquery (one without RETURN) runs once per incoming row, in row order, and its writes are
 * seen by the rows after it; it never drops the row, even when its MATCH finds nothing. So the grouped
 * statement applies the same writes in the same order as running the events one by one: the graph,
 * every stamp on it, and a uniqueness constraint turning a double apply into a failed transaction are
 * all unchanged. Statements that return rows would filter the outer row and are never grouped.
 */
import { toNeo4jParameters, type CypherStatement } from '@twinledger/graph-schema';

/** One Cypher statement ready for the driver, with parameters already converted. */
export interface DriverStatement {
  readonly text: string;
  readonly parameters: Record<string, unknown>;
}

/** Most events in one grouped statement: bounds one request's size and the server memory it takes. */
export const groupedEventsMax = 1_000;

const parameterPattern = /\$([A-Za-z_][A-Za-z0-9_]*)/g;
const returnPattern = /\bRETURN\b/i;
const withPattern = /\bWITH\b/i;

/**
 * The statements that apply `events` (each one event's statements, in ledger order), in the same
 * order, with runs of same-shaped events grouped. Requires each inner list in the order its handler
 * gave; returns no statement for an event with none.
 */
export function groupEventStatements(events: readonly (readonly CypherStatement[])[]): DriverStatement[] {
  const grouped: DriverStatement[] = [];
  let run: (readonly CypherStatement[])[] = [];
  let runShape: string | undefined;
  const flush = (): void => {
    if (run.length === 0) return;
    grouped.push(...(run.length === 1 ? plainStatements(run[0] ?? []) : [unwoundStatement(run)]));
    run = [];
    runShape = undefined;
  };
  for (const statements of events) {
    if (statements.length === 0) continue;
    const shape = groupable(statements) ? statements.map((statement) => statement.text).join('\u0000') : undefined;
    if (shape === undefined) {
      flush();
      grouped.push(...plainStatements(statements));
      continue;
    }
    if (shape !== runShape || run.length >= groupedEventsMax) flush();
    run.push(statements);
    runShape = shape;
  }
  flush();
  return grouped;
}

/**
 * Whether every statement can run as a unit subquery over `row`: no RETURN, and no parameter after a
 * WITH, since a WITH inside the subquery drops `row` from scope.
 */
function groupable(statements: readonly CypherStatement[]): boolean {
  return statements.every((statement) => {
    if (returnPattern.test(statement.text)) return false;
    const withAt = statement.text.search(withPattern);
    return withAt < 0 || !statement.text.slice(withAt).includes('$');
  });
}

function plainStatements(statements: readonly CypherStatement[]): DriverStatement[] {
  return statements.map((statement) => ({ text: statement.text, parameters: toNeo4jParameters(statement.parameters) }));
}

/** One statement for a run of events whose statement texts are equal; the run is non-empty. */
function unwoundStatement(run: readonly (readonly CypherStatement[])[]): DriverStatement {
  const first = run[0] ?? [];
  const subqueries = first.map((statement, index) => `CALL {\nWITH row\n${statement.text.replace(parameterPattern, (_, name: string) => `row.s${index}.${name}`)}\n}`);
  const rows = run.map((statements) => Object.fromEntries(statements.map((statement, index) => [`s${index}`, toNeo4jParameters(statement.parameters)])));
  return { text: `UNWIND $rows AS row\n${subqueries.join('\n')}`, parameters: { rows } };
}
