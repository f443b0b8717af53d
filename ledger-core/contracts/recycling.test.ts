/**
 * Recycling with revenue sharing. Proves: the lifecycle in testdata/recycling.txt (rules proposed with
 * shares adding up to 10,000 and in force only once every party accepted, recovery by a collector,
 * handovers signed by both sides with one open offer per item, sales by the holder only under a rule in
 * force and split into whole minor units that add up exactly, a sold item closed to further handovers,
 * delegates within their scope) run through the real pipeline; the sale event's parts add up to the
 * amount for every amount and rule tried; stored records of the wrong shape stop execution instead of
 * being read as something else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../chain/json-value.js';
import { seededParty, testGenesis, testGenesisTimeMs } from '../execution/testing/fixtures.js';
import type { ContractCall, StateView } from './contract.js';
import { ContractInvariantError } from './invariant.js';
import {
  findHandoverOffer,
  findHolding,
  findRecoveredItem,
  findRevenueRule,
  handoverOfferKey,
  holdingKey,
  isCurrencyCode,
  isMinorUnits,
  isRecoveredItemDescription,
  recoveredItemKey,
  recyclingContract,
  RecyclingTransactionType,
  revenueRuleKey,
  type RecoveredItemRecord,
  type RevenueRuleRecord,
} from './recycling.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/recycling.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'recycling.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(20);
  });
});

describe('recordSale over any amount and rule', () => {
  const members = ['alpha', 'beta', 'gamma', 'delta'].map((name) => seededParty(name));
  const genesis = testGenesis(members, {});
  const alpha = members[0];
  if (alpha === undefined) throw new Error('no alpha');
  const call = (payload: JsonValue): ContractCall => ({
    type: RecyclingTransactionType.recordSale,
    payload,
    context: { txId: 'ab'.repeat(32), signer: alpha.did, ledgerTimeMs: testGenesisTimeMs + 1_000, height: 9, position: 0, genesis },
  });
  const stateOf = (rule: RevenueRuleRecord, item: RecoveredItemRecord): StateView => ({
    get: (key) => (key === revenueRuleKey(rule.id) ? rule : key === recoveredItemKey(item.item) ? item : undefined),
  });

  it('lists every party in the rule order with parts that add up exactly to the amount', () => {
    const shares = fc
      .subarray(['alpha', 'beta', 'gamma', 'delta'], { minLength: 1 })
      .chain((organizations) =>
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: organizations.length, maxLength: organizations.length }).map((weights) => {
          // Weights scaled into basis points, the rounding put on the first party so they add up to 10,000.
          const total = weights.reduce((sum, weight) => sum + weight, 0);
          const points = weights.map((weight) => Math.max(1, Math.floor((weight * 10_000) / total)));
          const excess = points.reduce((sum, point) => sum + point, 0) - 10_000;
          points[0] = (points[0] ?? 0) - excess;
          return organizations.map((organization, index) => ({ organization, shareBasisPoints: points[index] ?? 0 }));
        }),
      )
      .filter((parties) => parties.every((party) => party.shareBasisPoints >= 1));
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n - 1n }), shares, (amount, parties) => {
        const rule: RevenueRuleRecord = {
          id: 'r',
          proposer: 'alpha',
          parties: parties.map((party) => ({ ...party, acceptedTxId: 'cd'.repeat(32) })),
          acceptedCount: parties.length,
          inForceTxId: 'cd'.repeat(32),
          proposedTxId: 'cd'.repeat(32),
        };
        const item: RecoveredItemRecord = {
          item: 'i',
          description: 'd',
          weightGrams: 1,
          rule: 'r',
          collector: 'alpha',
          holder: 'alpha',
          holderCount: 1,
          status: 'held',
          recoveredTxId: 'ef'.repeat(32),
          saleTxId: null,
        };
        const state = stateOf(rule, item);
        const payload = { item: 'i', amountMinor: amount.toString(), currency: 'EUR' };
        expect(recyclingContract.validate(call(payload), state)).toBeUndefined();
        const [event] = recyclingContract.apply(call(payload), state).events;
        const listed = event?.['parts'] as { organization: string; shareBasisPoints: number; amountMinor: string }[];
        expect(listed.map((part) => part.organization)).toEqual(parties.map((party) => party.organization));
        expect(listed.reduce((sum, part) => sum + BigInt(part.amountMinor), 0n)).toBe(amount);
        expect(listed.every((part) => isMinorUnits(part.amountMinor))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('payload syntax', () => {
  it('takes amounts as decimal digits without leading zeros, at most 30', () => {
    expect(['0', '1', '10001', '9'.repeat(30)].every(isMinorUnits)).toBe(true);
    expect(['', '01', '-1', '1.5', '1e3', '9'.repeat(31), 10001, null].some(isMinorUnits)).toBe(false);
  });

  it('takes currencies as three capital letters and descriptions without blanks at the ends', () => {
    expect(['EUR', 'USD'].every(isCurrencyCode)).toBe(true);
    expect(['eur', 'EURO', 'E1R', ''].some(isCurrencyCode)).toBe(false);
    expect(isRecoveredItemDescription('Hydraulic press')).toBe(true);
    expect(['', ' x', 'x ', 'a\u0000b', 'x'.repeat(257)].some(isRecoveredItemDescription)).toBe(false);
  });
});

describe('stored state of the wrong shape', () => {
  const stateWith = (key: string, value: JsonValue): StateView => ({ get: (asked) => (asked === key ? value : undefined) });
  const item = 'https://id.gs1.org/01/09506000134352/21/A/B';

  it.each<[string, JsonValue]>([
    ['not an object', 'rule'],
    ['another id', { id: 'other', proposer: 'alpha', parties: [{ organization: 'alpha', shareBasisPoints: 10_000, acceptedTxId: null }], acceptedCount: 1, inForceTxId: null, proposedTxId: 'x' }],
    ['without parties', { id: 'r', proposer: 'alpha', parties: [], acceptedCount: 1, inForceTxId: null, proposedTxId: 'x' }],
    ['with a malformed party', { id: 'r', proposer: 'alpha', parties: [{ organization: 'alpha' }], acceptedCount: 1, inForceTxId: null, proposedTxId: 'x' }],
  ])('stops on a rule record that is %s', (_, record) => {
    expect(() => findRevenueRule(stateWith(revenueRuleKey('r'), record), 'r')).toThrow(ContractInvariantError);
  });

  it('stops on an item, offer or holding of the wrong shape', () => {
    const record = { item, description: 'd', weightGrams: 1, rule: null, collector: 'a', holder: 'a', holderCount: 1, status: 'lost', recoveredTxId: 'x', saleTxId: null };
    expect(() => findRecoveredItem(stateWith(recoveredItemKey(item), record), item)).toThrow(ContractInvariantError);
    expect(() => findHandoverOffer(stateWith(handoverOfferKey(item), { offerTxId: 'x', from: 'a', to: 'b', purpose: 'landfill' }), item)).toThrow(ContractInvariantError);
    expect(() => findHolding(stateWith(holdingKey(item, 0), [1]), item, 0)).toThrow(ContractInvariantError);
  });

  it('keeps an item id with slashes in one key segment', () => {
    expect(recoveredItemKey(item)).toBe(`recycling/item/${encodeURIComponent(item)}`);
    expect(holdingKey(item, 3).split('/')).toHaveLength(4);
  });

  it('reads nothing where nothing is stored', () => {
    const empty: StateView = { get: () => undefined };
    expect(findRevenueRule(empty, 'r')).toBeUndefined();
    expect(findRecoveredItem(empty, item)).toBeUndefined();
    expect(findHandoverOffer(empty, item)).toBeUndefined();
    expect(findHolding(empty, item, 0)).toBeUndefined();
  });
});
