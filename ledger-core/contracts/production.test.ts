/**
 * Production traceability. Proves: the behaviour in testdata/production.txt (every rejection code,
 * material lots and batches sharing one id space, whole-number consumption that never exceeds what a
 * lot has left even within one block, products and steps and checks by the subject's maker only,
 * device-signed steps only from a registered station owned by that maker with a `report` grant in
 * force, delegates within scope), run through the real pipeline; and stored records of the wrong
 * shape stop execution instead of being read as something else; by property, a lot's remaining quantity is
 * its quantity less every accepted draw, and a draw is refused exactly when it asks for more than is left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../chain/json-value.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import type { ContractCall, StateView } from './contract.js';
import { ContractInvariantError } from './invariant.js';
import {
  checkKey,
  findCheck,
  findLot,
  findProduct,
  findStep,
  lotKey,
  productionContract,
  ProductionRejectionCode,
  ProductionTransactionType,
  productKey,
  stepKey,
} from './production.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/production.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'production.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(20);
  });
});

/** Runs calls straight through the contract over a Map, applying writes the way execution does. */
class MapLedger {
  readonly entries = new Map<string, JsonValue>();
  readonly view: StateView = { get: (key) => this.entries.get(key) };
  private count = 0;

  run(signer: string, type: string, payload: JsonValue): { txId: string; code?: string } {
    this.count++;
    const txId = this.count.toString(16).padStart(64, '0');
    const call: ContractCall = { type, payload, context: { txId, signer, ledgerTimeMs: genesis.timeMs, height: this.count, position: 0, genesis } };
    const refusal = productionContract.validate(call, this.view);
    if (refusal !== undefined) return { txId, code: refusal.code };
    for (const [key, value] of productionContract.apply(call, this.view).writes) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    return { txId };
  }
}

const alpha = seededParty('alpha');
const beta = seededParty('beta');
const genesis = testGenesis([alpha, beta]);

describe('consumption', () => {
  it('a lot gives exactly what it has: every accepted draw is subtracted, every refused one would have gone below zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.array(fc.record({ asBatch: fc.boolean(), quantity: fc.integer({ min: 1, max: 400 }) }), { maxLength: 12 }), (quantity, draws) => {
        const ledger = new MapLedger();
        expect(ledger.run(alpha.did, ProductionTransactionType.registerMaterialLot, { lot: 'm', material: 'Steel', quantity, unit: 'kg' }).code).toBeUndefined();
        let left = quantity;
        draws.forEach((draw, index) => {
          const inputs = [{ lot: 'm', quantity: draw.quantity }];
          const { code } = draw.asBatch
            ? ledger.run(beta.did, ProductionTransactionType.createBatch, { lot: `b${index}`, model: 'G', quantity: 1, unit: 'pcs', inputs })
            : ledger.run(alpha.did, ProductionTransactionType.createBatch, { lot: `a${index}`, model: 'G', quantity: 1, unit: 'pcs', inputs });
          if (draw.quantity <= left) {
            expect(code).toBeUndefined();
            left -= draw.quantity;
          } else {
            expect(code).toBe(ProductionRejectionCode.overConsumption);
          }
          expect(findLot(ledger.view, 'm')?.remaining).toBe(left);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('keys every item id apart, whatever characters it holds', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[\x21-\x7e]{1,12}$/), { minLength: 2, maxLength: 6 }), (lots) => {
        expect(new Set(lots.map(lotKey)).size).toBe(lots.length);
        for (const lot of lots) expect(lotKey(lot).split('/')).toHaveLength(3);
      }),
    );
  });
});

describe('stored state of the wrong shape', () => {
  const stateWith = (key: string, value: JsonValue): StateView => ({ get: (asked) => (asked === key ? value : undefined) });
  const lot = { lot: 'm', kind: 'material', maker: 'alpha', description: 'Steel', quantity: 10, remaining: 10, unit: 'kg', txId: 'x' };

  it.each<[string, JsonValue]>([
    ['not an object', 'm'],
    ['another lot', { ...lot, lot: 'n' }],
    ['of another kind', { ...lot, kind: 'pallet' }],
    ['with more left than made', { ...lot, remaining: 11 }],
    ['with a fractional quantity', { ...lot, quantity: 1.5, remaining: 1 }],
    ['without a maker', { ...lot, maker: null }],
  ])('stops on a lot record that is %s', (_, record) => {
    expect(() => findLot(stateWith(lotKey('m'), record), 'm')).toThrow(ContractInvariantError);
  });

  it('stops on product, step and check records that are not what the contract wrote', () => {
    expect(() => findProduct(stateWith(productKey('p'), { serial: 'q', model: 'G', batch: 'b', producer: 'beta', txId: 'x' }), 'p')).toThrow(ContractInvariantError);
    expect(() => findStep(stateWith(stepKey('s'), { id: 's', producer: 7, txId: 'x' }), 's')).toThrow(ContractInvariantError);
    expect(() => findCheck(stateWith(checkKey('c'), [1]), 'c')).toThrow(ContractInvariantError);
  });

  it('reads nothing where nothing is stored', () => {
    const empty: StateView = { get: () => undefined };
    expect([findLot(empty, 'm'), findProduct(empty, 'p'), findStep(empty, 's'), findCheck(empty, 'c')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
