/**
 * Splitting an amount of money among parties by their shares, in whole minor units, so that the parts
 * always add up exactly to the amount: the largest-remainder (Hamilton) method. Each party first gets
 * the whole part of its exact share; the minor units left over (fewer than the number of parties) go
 * one each to the parties with the largest fractional remainders, ties to the party that comes first in
 * the rule's order. Integer arithmetic on bigint only, so every ledger node computes the same parts for
 * any amount, with no floating point and no limit at 2^53.
 */

/** The shares of a revenue-sharing rule in basis points add up to this: 100.00 %. */
export const shareBasisPointsTotal = 10_000;

/**
 * The parts of `amountMinor` for parties with `shares` (basis points summing to 10,000, or any
 * weights), in the same order: each part is the party's exact share `amount × share / Σshares` rounded
 * down or up, never further than one minor unit from it, and the parts sum to `amountMinor`.
 * Requires `amountMinor ≥ 0`, at least one share, every share a whole number ≥ 0 and at least one
 * above 0; throws RangeError otherwise (the contract checks its payloads before calling).
 */
export function splitProceeds(amountMinor: bigint, shares: readonly (bigint | number)[]): bigint[] {
  if (amountMinor < 0n) throw new RangeError('the amount to split must be at least 0');
  if (shares.length === 0) throw new RangeError('there must be at least one share');
  const weights = shares.map((share) => {
    if (typeof share === 'number' && !Number.isSafeInteger(share)) throw new RangeError(`share ${share} is not a whole number`);
    const weight = BigInt(share);
    if (weight < 0n) throw new RangeError('a share must be at least 0');
    return weight;
  });
  const total = weights.reduce((sum, weight) => sum + weight, 0n);
  if (total === 0n) throw new RangeError('the shares must not all be 0');

  const parts = weights.map((weight) => (amountMinor * weight) / total);
  const remainders = weights.map((weight) => (amountMinor * weight) % total);
  const allocated = parts.reduce((sum, part) => sum + part, 0n);
  // Each floor loses less than one unit, so fewer units than parties are left, and each goes to a distinct party.
  const leftover = Number(amountMinor - allocated);
  const order = weights.map((_, index) => index);
  // Largest remainder first; equal remainders keep the rule's order (index order), so no tie depends on sort stability.
  order.sort((a, b) => {
    const ra = remainders[a] ?? 0n;
    const rb = remainders[b] ?? 0n;
    return ra === rb ? a - b : rb > ra ? 1 : -1;
  });
  for (const index of order.slice(0, leftover)) parts[index] = (parts[index] ?? 0n) + 1n;
  return parts;
}
