/**
 * A device's owner: a selection of only its id is answered from the device row without reading the
 * organisation, any other field reads it. The graph is a scripted stand-in that records its statements.
 */
import { transactionSigner } from '@twinledger/ledger-core/client';
import { execute, parse } from 'graphql';
import { randomBytes } from 'node:crypto';
import { scriptedDriver, type ScriptedRecord } from '../shared/testing/scripted-driver.js';
import { identityContext, identitySchema } from './schema.js';

const schema = identitySchema();
const did = transactionSigner(new Uint8Array(randomBytes(32))).did;
const owner = 'alpha-industries';
const deviceProperties = { did, owner, model: 'PX-200', serial: 'S-1', category: 'press', ownerCount: 1, registeredTxId: 'ab'.repeat(32), registeredAtMs: 1_000, txId: 'ab'.repeat(32), height: 3 };
const organizationProperties = { id: owner, name: 'Alpha Industries', did: null, status: 'ACTIVE', txId: 'cd'.repeat(32), height: 2 };

function record(values: Record<string, unknown>): ScriptedRecord {
  return { keys: Object.keys(values), get: (key) => values[key] };
}

async function ownerOf(selection: string): Promise<{ owner: unknown; statements: string[] }> {
  const statements: string[] = [];
  const driver = scriptedDriver(async (cypher) => {
    statements.push(cypher);
    if (cypher.includes(':Device')) return { records: [record({ did, d: deviceProperties })] };
    if (cypher.includes(':Organization')) return { records: [record({ id: owner, o: organizationProperties })] };
    return { records: [] };
  });
  const result = await execute({
    schema,
    document: parse(`query($did: DID!) { device(did: $did) { owner ${selection} } }`),
    variableValues: { did },
    contextValue: identityContext(driver, { organizationId: owner, role: 'partner', subject: 'test' }),
  });
  expect(result.errors).toBeUndefined();
  return { owner: (result.data?.['device'] as { owner: unknown }).owner, statements };
}

it('answers owner { id } from the device row alone', async () => {
  const { owner: answer, statements } = await ownerOf('{ __typename id }');
  expect(answer).toEqual({ __typename: 'Organization', id: owner });
  expect(statements.some((cypher) => cypher.includes(':Organization'))).toBe(false);
});

it('reads the organisation for any other field', async () => {
  const { owner: answer, statements } = await ownerOf('{ id name status }');
  expect(answer).toEqual({ id: owner, name: 'Alpha Industries', status: 'ACTIVE' });
  expect(statements.filter((cypher) => cypher.includes(':Organization'))).toHaveLength(1);
});
