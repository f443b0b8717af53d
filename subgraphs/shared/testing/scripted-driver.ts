/**
 * A stand-in Neo4j driver for unit tests of resolvers and services: every read, whether made with
 * `executeQuery` or in an auto-commit session (`readAutoCommit`), is answered by `answer`.
 */
import type { Driver } from 'neo4j-driver';

/** A record as the resolvers read it: its keys and `get`. */
export interface ScriptedRecord {
  readonly keys: readonly string[];
  get(key: string): unknown;
}

export type ScriptedAnswer = (cypher: string, parameters: Record<string, unknown>) => Promise<{ records: readonly ScriptedRecord[] }>;

export function scriptedDriver(answer: ScriptedAnswer): Driver {
  const run = (cypher: string, parameters: Record<string, unknown> = {}): ReturnType<ScriptedAnswer> => answer(cypher, parameters);
  const fake = {
    executeQuery: run,
    session: () => ({ run, close: async () => undefined }),
  };
  // Only the two read paths above are used by the code under test; the rest of Driver is never touched.
  return fake as unknown as Driver;
}
