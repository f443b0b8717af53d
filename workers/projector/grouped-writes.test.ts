/**
 * Grouping keeps the order of writes: runs of same-shaped events become one UNWIND statement with each
 * event's parameters as a row, anything else stays as it was, and statements that could filter rows
 * or lose `row` behind a WITH are never grouped.
 */
import type { CypherStatement } from '@twinledger/graph-schema';
import { groupEventStatements } from './grouped-writes.js';

const merge = (did: string): CypherStatement => ({ text: 'MERGE (d:Device {did: $did}) SET d.txId = $txId', parameters: { did, txId: `tx-${did}` } });
const other = (id: string): CypherStatement => ({ text: 'MERGE (o:Organization {id: $id})', parameters: { id } });

describe('groupEventStatements', () => {
  it('groups consecutive same-shaped events into one statement whose rows keep their order', () => {
    const grouped = groupEventStatements([[merge('a')], [merge('b')], [other('o')], [merge('c')]]);
    expect(grouped.map((statement) => statement.text)).toEqual([
      'UNWIND $rows AS row\nCALL {\nWITH row\nMERGE (d:Device {did: row.s0.did}) SET d.txId = row.s0.txId\n}',
      'MERGE (o:Organization {id: $id})',
      'MERGE (d:Device {did: $did}) SET d.txId = $txId',
    ]);
    expect(grouped[0]?.parameters).toEqual({ rows: [{ s0: { did: 'a', txId: 'tx-a' } }, { s0: { did: 'b', txId: 'tx-b' } }] });
  });

  it('runs an event of several statements as one subquery each, in order', () => {
    const grouped = groupEventStatements([[merge('a'), other('x')], [merge('b'), other('y')]]);
    expect(grouped).toHaveLength(1);
    expect(grouped[0]?.text).toContain('row.s0.did');
    expect(grouped[0]?.text.indexOf('row.s1.id')).toBeGreaterThan(grouped[0]?.text.indexOf('row.s0.did') ?? 0);
  });

  it('leaves statements with RETURN, or a parameter after WITH, ungrouped', () => {
    const returning: CypherStatement = { text: 'MATCH (n {id: $id}) RETURN n', parameters: { id: 'a' } };
    const afterWith: CypherStatement = { text: 'MATCH (n) WITH n MERGE (m {id: $id})', parameters: { id: 'a' } };
    expect(groupEventStatements([[returning], [returning]])).toHaveLength(2);
    expect(groupEventStatements([[afterWith], [afterWith]])).toHaveLength(2);
  });
});
