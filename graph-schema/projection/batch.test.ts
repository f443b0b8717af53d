/**
 * Batching a block's statements: runs of the same batchable text become one UNWIND over their rows,
 * in order; everything the rewrite could change the meaning of is sent as it was. Whether Neo4j makes
 * the same graph both ways is checked against a real Neo4j in batch.int.test.ts.
 */
import { projectEvent, type ProjectionContext } from './index.js';
import { batchedText, batchStatements } from './batch.js';
import type { CypherStatement } from './types.js';

const merge = 'MERGE (d:Device {did: $did}) SET d.model = $model, d.height = $height';
const other = 'MATCH (o:Organization {id: $id}) SET o.name = $name';
const statement = (text: string, parameters: CypherStatement['parameters']): CypherStatement => ({ text, parameters });

test('a run of one text becomes one statement over its rows, in order, and the rest keeps its place', () => {
  const statements = [
    statement(other, { id: 'a', name: 'A' }),
    statement(merge, { did: 'd1', model: 'M', height: 1 }),
    statement(merge, { did: 'd2', model: 'N', height: 2, unused: 'x' }),
    statement(merge, { did: 'd3', model: 'O', height: 3 }),
    statement(other, { id: 'b', name: 'B' }),
    statement(merge, { did: 'd4', model: 'P', height: 4 }),
  ];
  expect(batchStatements(statements)).toEqual([
    statements[0],
    {
      text: batchedText(merge),
      parameters: {
        rows: [
          { did: 'd1', model: 'M', height: 1 },
          { did: 'd2', model: 'N', height: 2 },
          { did: 'd3', model: 'O', height: 3 },
        ],
      },
    },
    statements[4],
    statements[5],
  ]);
  expect(batchedText(merge)).toBe(
    'UNWIND $rows AS projectedRow\nCALL (projectedRow) {\nMERGE (d:Device {did: projectedRow.did}) SET d.model = projectedRow.model, d.height = projectedRow.height\n}',
  );
});

test('texts the rewrite could change, and rows missing a parameter, are sent as they were', () => {
  const unchanged = [
    'CALL { MATCH (n) RETURN n } SET n.x = $x',
    'MATCH (n {id: $id}) RETURN n.x',
    'MATCH (n:`Odd Label` {id: $id}) SET n.x = 1',
    "MATCH (n {id: $id}) SET n.x = 'costs $5'",
    'MATCH (n {id: $id}) SET n.x = $0',
    'UNWIND $items AS projectedRow SET projectedRow.x = 1',
    'MATCH (n:Flag) SET n.on = true',
  ];
  for (const text of unchanged) {
    const pair = [statement(text, { id: 'a', x: 1, items: [], 0: 2 }), statement(text, { id: 'b', x: 2, items: [], 0: 3 })];
    expect(batchStatements(pair)).toEqual(pair);
  }
  const missing = [statement(merge, { did: 'd1', model: 'M', height: 1 }), statement(merge, { did: 'd2', height: 2 }), statement(merge, { did: 'd3', model: 'O', height: 3 })];
  expect(batchStatements(missing)).toEqual(missing);
  expect(batchStatements([])).toEqual([]);
});

test('a block of device registrations is one statement', () => {
  const context = (position: number): ProjectionContext => ({ txId: position.toString(16).padStart(64, '0'), height: 9, position, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'ab'.repeat(32) });
  const statements = Array.from({ length: 30 }, (_, position) =>
    projectEvent({ type: 'DeviceRegistered', did: `did:key:z6Mk${position}`, model: 'M1', serial: `S${position}`, category: 'pump', owner: 'acme', delegationId: null }, context(position)),
  ).flat();
  const batched = batchStatements(statements);
  expect(batched).toHaveLength(1);
  expect(batched[0]?.parameters['rows']).toHaveLength(statements.length);
});
