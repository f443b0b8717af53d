/**
 * The recycling resolvers without services: malformed input is BAD_USER_INPUT and nothing is signed;
 * read-only roles are FORBIDDEN; what depends on the ledger state reaches the contract, whose refusal
 * comes back as LEDGER_REJECTED with its code (a sale before the rule is in force); the payloads signed
 * are exactly what the contract takes (no `rule` key for an item without one, amounts as decimal
 * strings); amounts are MinorUnits, decimal strings in and out, exact past 2^53; an item is read by
 * its holders past and present and its rule's parties, a rule by its parties, both by analysts and
 * regulators, and anyone else is refused FORBIDDEN.
 */
import { randomBytes } from 'node:crypto';
import type { Identity, IdentityRole } from '@twinledger/gateway';
import { transactionId, type SignedTransaction } from '@twinledger/ledger-core/chain';
import { transactionSigner, type Receipt } from '@twinledger/ledger-core/client';
import { GraphQLError, Kind } from 'graphql';
import type { Driver } from 'neo4j-driver';
import type { CommitContext } from '../shared/commit.js';
import { emptyRecord, recordingWritePath, unusedDriver } from '../shared/testing/recording-write-path.js';
import { scriptedDriver } from '../shared/testing/scripted-driver.js';
import { mayReadItem, mayReadRule, minorUnitsScalar, recyclingResolvers } from './recycling.js';

const signer = transactionSigner(new Uint8Array(randomBytes(32)));

/** A driver whose every read answers `rows`, each a record with those columns. */
function driverAnswering(rows: Record<string, unknown>[]): Driver {
  const records = rows.map((row) => ({ keys: Object.keys(row), get: (key: string) => row[key] }));
  return scriptedDriver(async () => ({ records }));
}

function identity(role: IdentityRole = 'partner', organizationId = 'alpha'): Identity {
  return { organizationId, role, subject: 'test' };
}

function contextWith(options: { role?: IdentityRole; organization?: string; answer?: (signed: SignedTransaction) => Promise<Receipt>; driver?: Driver }): { context: CommitContext; signed: SignedTransaction[] } {
  const answer = options.answer ?? (() => Promise.reject(new Error('nothing should be submitted')));
  const recorded = emptyRecord();
  const write = recordingWritePath(signer, (transaction) => answer(transaction), recorded);
  return { context: { identity: identity(options.role, options.organization), driver: options.driver ?? unusedDriver, write }, signed: recorded.signed };
}

function rejectedWith(code: string, reason: string) {
  return async (signed: SignedTransaction): Promise<Receipt> => ({
    status: 'rejected',
    code,
    reason,
    txId: transactionId(signed.tx),
    height: 5,
    position: 0,
    leafIndex: 9,
    blockHash: 'ab'.repeat(32),
  });
}

async function refusal(run: () => Promise<unknown>): Promise<GraphQLError> {
  try {
    await run();
  } catch (error: unknown) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQL error');
}

const mutation = recyclingResolvers.Mutation;
const goodParties = [
  { organization: 'alpha', shareBasisPoints: 3_334 },
  { organization: 'beta', shareBasisPoints: 3_333 },
  { organization: 'gamma', shareBasisPoints: 3_333 },
];

describe('malformed input is refused before anything is signed', () => {
  const cases: Array<[string, (context: CommitContext) => Promise<unknown>, RegExp]> = [
    ['shares that add up to 9,999', (c) => mutation.proposeRevenueRule(null, { input: { id: 'r', parties: [...goodParties.slice(0, 2), { organization: 'gamma', shareBasisPoints: 3_332 }] } }, c), /add up to 9999/],
    ['a party listed twice', (c) => mutation.proposeRevenueRule(null, { input: { id: 'r', parties: [{ organization: 'alpha', shareBasisPoints: 5_000 }, { organization: 'alpha', shareBasisPoints: 5_000 }] } }, c), /twice/],
    ['a share of 0', (c) => mutation.proposeRevenueRule(null, { input: { id: 'r', parties: [{ organization: 'alpha', shareBasisPoints: 10_000 }, { organization: 'beta', shareBasisPoints: 0 }] } }, c), /shareBasisPoints/],
    ['a proposer outside the rule', (c) => mutation.proposeRevenueRule(null, { input: { id: 'r', parties: [{ organization: 'beta', shareBasisPoints: 10_000 }] } }, c), /must be one of the parties/],
    ['no parties', (c) => mutation.proposeRevenueRule(null, { input: { id: 'r', parties: [] } }, c), /1 to 16/],
    ['a rule id with a space', (c) => mutation.acceptRevenueRule(null, { id: 'rule 1' }, c), /item id/],
    ['an item id with a space', (c) => mutation.recoverItem(null, { input: { id: 'item 1', description: 'Pump', weightGrams: 1 } }, c), /item id/],
    ['a blank-edged description', (c) => mutation.recoverItem(null, { input: { id: 'i', description: 'Pump ', weightGrams: 1 } }, c), /description/],
    ['a weight of 0', (c) => mutation.recoverItem(null, { input: { id: 'i', description: 'Pump', weightGrams: 0 } }, c), /weightGrams/],
    ['a purpose outside the enum', (c) => mutation.offerRecyclingHandover(null, { input: { item: 'i', to: 'beta', purpose: 'LANDFILL' as 'REUSE' } }, c), /purpose/],
    ['a receiver that is no organisation id', (c) => mutation.offerRecyclingHandover(null, { input: { item: 'i', to: 'Beta', purpose: 'REUSE' } }, c), /organisation id/],
    ['an offer that is no transaction id', (c) => mutation.acceptRecyclingHandover(null, { item: 'i', offerTxId: 'abcd' }, c), /offerTxId/],
    ['an amount of 0', (c) => mutation.recordRecyclingSale(null, { input: { item: 'i', amountMinor: '0', currency: 'EUR' } }, c), /at least 1/],
    ['a lowercase currency', (c) => mutation.recordRecyclingSale(null, { input: { item: 'i', amountMinor: '10001', currency: 'eur' } }, c), /ISO 4217/],
  ];

  it.each(cases)('%s', async (_, run, message) => {
    const { context, signed } = contextWith({});
    const error = await refusal(() => run(context));
    expect(error.extensions['code']).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
    expect(signed).toEqual([]);
  });
});

describe('who may write', () => {
  it.each<IdentityRole>(['analyst', 'regulator'])('refuses the %s role, which reads only', async (role) => {
    const { context, signed } = contextWith({ role });
    const error = await refusal(() => mutation.recordRecyclingSale(null, { input: { item: 'i', amountMinor: '10001', currency: 'EUR' } }, context));
    expect(error.extensions['code']).toBe('FORBIDDEN');
    expect(signed).toEqual([]);
  });
});

describe('what reaches the ledger', () => {
  it('passes a sale before the rule is in force to the contract, and its refusal back as LEDGER_REJECTED', async () => {
    const { context, signed } = contextWith({ answer: rejectedWith('RULE_NOT_IN_FORCE', 'rule rule-1 is accepted by 2 of its 3 parties, not yet in force') });
    const error = await refusal(() => mutation.recordRecyclingSale(null, { input: { item: 'urn:epc:id:sgtin:1.2.3', amountMinor: '10001', currency: 'EUR' } }, context));
    expect(error.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'RULE_NOT_IN_FORCE', height: 5 });
    expect(signed).toHaveLength(1);
    expect(signed[0]?.tx).toMatchObject({ type: 'recycling.recordSale', signer: signer.did, payload: { item: 'urn:epc:id:sgtin:1.2.3', amountMinor: '10001', currency: 'EUR' } });
  });

  it('signs exactly the fields the contract takes: no rule key for an item without one, the purpose as the contract spells it', async () => {
    const { context, signed } = contextWith({ answer: rejectedWith('ITEM_EXISTS', 'exists') });
    await refusal(() => mutation.recoverItem(null, { input: { id: 'item-1', description: 'Pump', weightGrams: 9_000, rule: null } }, context));
    await refusal(() => mutation.recoverItem(null, { input: { id: 'item-2', description: 'Pump', weightGrams: 9_000, rule: 'rule-1' } }, context));
    await refusal(() => mutation.offerRecyclingHandover(null, { input: { item: 'item-2', to: 'beta', purpose: 'RECYCLING' } }, context));
    await refusal(() => mutation.proposeRevenueRule(null, { input: { id: 'rule-1', parties: goodParties } }, context));
    expect(signed.map((transaction) => transaction.tx.payload)).toEqual([
      { item: 'item-1', description: 'Pump', weightGrams: 9_000 },
      { item: 'item-2', description: 'Pump', weightGrams: 9_000, rule: 'rule-1' },
      { item: 'item-2', to: 'beta', purpose: 'recycling' },
      { id: 'rule-1', parties: goodParties },
    ]);
  });
});

describe('MinorUnits', () => {
  it('takes and gives decimal strings, exact past 2^53', () => {
    const big = '123456789012345678901234567890';
    expect(minorUnitsScalar.parseValue(big)).toBe(big);
    expect(minorUnitsScalar.serialize(big)).toBe(big);
    expect(minorUnitsScalar.serialize(2n ** 80n)).toBe((2n ** 80n).toString());
    expect(minorUnitsScalar.parseLiteral({ kind: Kind.INT, value: '10001' })).toBe('10001');
  });

  it('refuses anything but decimal digits', () => {
    for (const value of ['01', '-1', '1.5', '1e3', '', 10_001, '9'.repeat(31)]) {
      expect(() => minorUnitsScalar.parseValue(value)).toThrow(GraphQLError);
    }
    expect(() => minorUnitsScalar.parseLiteral({ kind: Kind.FLOAT, value: '1.5' })).toThrow(GraphQLError);
  });
});

describe('visibility', () => {
  const item = { holders: ['alpha', 'beta'], ruleParties: ['alpha', 'gamma'] };
  const party = (organization: string, partyIndex: number) => ({ organization, partyIndex, shareBasisPoints: 5_000, accepted: true, acceptedTxId: null });
  const rule = { parties: [party('alpha', 0), party('gamma', 1)] };

  it('lets holders past and present, rule parties, analysts and regulators read an item', () => {
    expect(['alpha', 'beta', 'gamma'].every((organization) => mayReadItem(identity('partner', organization), item))).toBe(true);
    expect(mayReadItem(identity('analyst', 'delta'), item)).toBe(true);
    expect(mayReadItem(identity('regulator', 'delta'), item)).toBe(true);
    expect(mayReadItem(identity('partner', 'delta'), item)).toBe(false);
    expect(mayReadItem(identity('admin', 'delta'), item)).toBe(false);
  });

  it('lets only parties, analysts and regulators read a rule', () => {
    expect(mayReadRule(identity('partner', 'gamma'), rule)).toBe(true);
    expect(mayReadRule(identity('partner', 'beta'), rule)).toBe(false);
    expect(mayReadRule(identity('regulator', 'beta'), rule)).toBe(true);
  });

  const itemRow = {
    key: 'item-1',
    item: { id: 'item-1', description: 'Pump', weightGrams: 9_000, collector: 'alpha', holder: 'beta', status: 'held', rule: null, saleTxId: null, recoveredAtMs: 1, txId: 'ab'.repeat(32), height: 3 },
    holders: ['alpha', 'beta'],
    ruleParties: [],
    productSerial: null,
  };

  it('answers an item to a past holder and refuses an outsider with FORBIDDEN', async () => {
    const past = contextWith({ organization: 'alpha', driver: driverAnswering([itemRow]) }).context;
    await expect(recyclingResolvers.Query.recoveredItem(null, { id: 'item-1' }, past)).resolves.toMatchObject({ id: 'item-1', holder: 'beta', holders: ['alpha', 'beta'] });
    const outsider = contextWith({ organization: 'delta', driver: driverAnswering([itemRow]) }).context;
    const error = await refusal(() => recyclingResolvers.Query.recoveredItem(null, { id: 'item-1' }, outsider));
    expect(error.extensions['code']).toBe('FORBIDDEN');
  });

  it('answers null for an item the graph does not hold', async () => {
    const context = contextWith({ organization: 'delta', driver: driverAnswering([]) }).context;
    await expect(recyclingResolvers.Query.recoveredItem(null, { id: 'item-9' }, context)).resolves.toBeNull();
  });
});
