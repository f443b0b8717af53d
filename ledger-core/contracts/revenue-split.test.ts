/**
 * splitProceeds. Proves, exhaustively over every amount from 0 to 120 and every weight vector of one to
 * four parties with weights 0 to 4, and by fast-check properties over amounts up to 10^30 and
 * basis-point vectors: the parts add up exactly to the amount; each part is its exact share rounded
 * down or up (within one minor unit); the units left over go to the largest remainders, ties to the
 * earlier party (the definition of largest remainder, which fixes one answer); the same input gives the
 * same parts; a zero share gets nothing. Worked examples pin the figures people check by hand.
 */
import fc from 'fast-check';
import { shareBasisPointsTotal, splitProceeds } from './revenue-split.js';

/**
 * The failures of `parts` against the definition of a largest-remainder split of `amount` by `weights`:
 * each part is floor or floor + 1 of the exact share, they sum to the amount, and no party that got the
 * extra unit has a smaller remainder than one that did not, nor an equal remainder while coming later.
 */
function definitionFailures(amount: bigint, weights: readonly bigint[], parts: readonly bigint[]): string[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0n);
  const failures: string[] = [];
  if (parts.length !== weights.length) return [`${parts.length} parts for ${weights.length} shares`];
  const sum = parts.reduce((acc, part) => acc + part, 0n);
  if (sum !== amount) failures.push(`parts sum to ${sum}, not ${amount}`);
  const floors = weights.map((weight) => (amount * weight) / total);
  const remainders = weights.map((weight) => (amount * weight) % total);
  const extra = parts.map((part, index) => part - (floors[index] ?? 0n));
  extra.forEach((units, index) => {
    if (units !== 0n && units !== 1n) failures.push(`party ${index} gets ${parts[index]}, exact share ${amount}×${weights[index]}/${total}`);
  });
  for (let i = 0; i < parts.length; i++) {
    for (let j = 0; j < parts.length; j++) {
      if (extra[i] !== 1n || extra[j] !== 0n) continue;
      const ri = remainders[i] ?? 0n;
      const rj = remainders[j] ?? 0n;
      if (ri < rj || (ri === rj && i > j)) failures.push(`party ${i} got the extra unit before party ${j}`);
    }
  }
  return failures;
}

/** Every vector of `length` weights from 0 to `max`, not all 0. */
function weightVectors(length: number, max: number): bigint[][] {
  if (length === 0) return [[]];
  const shorter = weightVectors(length - 1, max);
  const vectors: bigint[][] = [];
  for (const head of shorter) for (let weight = 0; weight <= max; weight++) vectors.push([...head, BigInt(weight)]);
  return vectors;
}

describe('splitProceeds, exhaustively on small amounts', () => {
  it('meets the largest-remainder definition for every amount 0..120 and weight vector of 1 to 4 parties, weights 0..4', () => {
    const vectors = [1, 2, 3, 4].flatMap((length) => weightVectors(length, 4)).filter((weights) => weights.some((weight) => weight > 0n));
    let checked = 0;
    const failures: string[] = [];
    for (const weights of vectors) {
      for (let amount = 0n; amount <= 120n; amount++) {
        const parts = splitProceeds(amount, weights);
        for (const failure of definitionFailures(amount, weights, parts)) failures.push(`${amount} by [${weights.join(',')}]: ${failure}`);
        checked++;
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // 5^n − 1 vectors of n parties (all-zero left out), n = 1..4, times 121 amounts.
    expect(checked).toBe((4 + 24 + 124 + 624) * 121);
  });

  it('meets it for every amount 0..20,000 over typical basis-point rules', () => {
    const rules = [[10_000], [5_000, 5_000], [3_334, 3_333, 3_333], [3_333, 3_334, 3_333], [1, 9_999], [2_500, 2_500, 2_500, 2_500], Array.from({ length: 16 }, () => 625), [7_000, 2_000, 1_000]];
    const failures: string[] = [];
    for (const rule of rules) {
      const weights = rule.map(BigInt);
      for (let amount = 0n; amount <= 20_000n; amount++) {
        for (const failure of definitionFailures(amount, weights, splitProceeds(amount, rule))) failures.push(`${amount} by [${rule.join(',')}]: ${failure}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });
});

describe('splitProceeds, worked examples', () => {
  it('splits 100.01 three ways by basis points, the extra cent to the largest remainder', () => {
    // Exact shares 3334.3334, 3333.3333, 3333.3333: floors leave one cent, which goes to the 0.3334 remainder.
    expect(splitProceeds(10_001n, [3_334, 3_333, 3_333])).toEqual([3_335n, 3_333n, 3_333n]);
  });

  it('breaks a tie by the rule order: equal thirds of 100.01 give the two extra cents to the first two parties', () => {
    expect(splitProceeds(10_001n, [1, 1, 1])).toEqual([3_334n, 3_334n, 3_333n]);
    expect(splitProceeds(10_001n, [3_333, 3_333, 3_334])).toEqual([3_333n, 3_333n, 3_335n]);
  });

  it('gives a zero share nothing, and one party everything', () => {
    expect(splitProceeds(7n, [0, 1, 0])).toEqual([0n, 7n, 0n]);
    expect(splitProceeds(123_456_789_012_345_678_901_234_567_890n, [shareBasisPointsTotal])).toEqual([123_456_789_012_345_678_901_234_567_890n]);
  });

  it('stays exact far past 2^53', () => {
    const amount = 2n ** 80n + 1n;
    const parts = splitProceeds(amount, [3_334, 3_333, 3_333]);
    expect(parts.reduce((sum, part) => sum + part, 0n)).toBe(amount);
    expect(definitionFailures(amount, [3_334n, 3_333n, 3_333n], parts)).toEqual([]);
  });

  it('refuses what it cannot split', () => {
    expect(() => splitProceeds(-1n, [1])).toThrow(RangeError);
    expect(() => splitProceeds(1n, [])).toThrow(RangeError);
    expect(() => splitProceeds(1n, [0, 0])).toThrow(RangeError);
    expect(() => splitProceeds(1n, [-1, 2])).toThrow(RangeError);
    expect(() => splitProceeds(1n, [0.5, 0.5])).toThrow(RangeError);
  });
});

/** Basis-point vectors: 1 to 16 positive shares summing to 10,000, in any order. */
const basisPointRule = fc
  .array(fc.integer({ min: 1, max: 10_000 }), { minLength: 0, maxLength: 15 })
  .map((cuts) => [...new Set(cuts.filter((cut) => cut < shareBasisPointsTotal))].sort((a, b) => a - b))
  .map((cuts) => [...cuts, shareBasisPointsTotal].map((cut, index, all) => cut - (index === 0 ? 0 : (all[index - 1] ?? 0))));
const amountMinor = fc.bigInt({ min: 0n, max: 10n ** 30n });

describe('splitProceeds, properties', () => {
  it('sums exactly and keeps each part within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(amountMinor, basisPointRule, (amount, rule) => {
        const parts = splitProceeds(amount, rule);
        expect(parts.reduce((sum, part) => sum + part, 0n)).toBe(amount);
        parts.forEach((part, index) => {
          // |part − amount×share/10,000| < 1  ⇔  |part×10,000 − amount×share| < 10,000
          const gap = part * 10_000n - amount * BigInt(rule[index] ?? 0);
          expect(gap > -10_000n && gap < 10_000n).toBe(true);
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it('meets the largest-remainder definition, ties to the earlier party', () => {
    fc.assert(
      fc.property(amountMinor, basisPointRule, (amount, rule) => {
        expect(definitionFailures(amount, rule.map(BigInt), splitProceeds(amount, rule))).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('is deterministic, and the same for bigint and number shares', () => {
    fc.assert(
      fc.property(amountMinor, basisPointRule, (amount, rule) => {
        const parts = splitProceeds(amount, rule);
        expect(splitProceeds(amount, rule)).toEqual(parts);
        expect(splitProceeds(amount, rule.map(BigInt))).toEqual(parts);
      }),
      { numRuns: 500 },
    );
  });

  it('follows its party when the rule is reordered, except where the order breaks a tie', () => {
    fc.assert(
      fc.property(amountMinor, basisPointRule, (amount, rule) => {
        const reversed = [...rule].reverse();
        const parts = splitProceeds(amount, rule);
        const reversedParts = [...splitProceeds(amount, reversed)].reverse();
        // Parties with distinct remainders get the same part whatever the order; only tied ones may swap an extra unit.
        const remainders = rule.map((share) => (amount * BigInt(share)) % 10_000n);
        rule.forEach((_, index) => {
          const tied = remainders.some((remainder, other) => other !== index && remainder === remainders[index]);
          if (!tied) expect(reversedParts[index]).toBe(parts[index]);
        });
      }),
      { numRuns: 1_000 },
    );
  });
});
