/**
 * The configuration check. Proves: the defaults pass; batch limits above block limits are refused (so a
 * batch always fits in a block alone and the cut rule can keep every block within its limits); and
 * limits that are zero, negative, fractional or unbounded are refused with the ORDERING_CONFIG code.
 */
import { OrderingError, OrderingErrorCode } from './errors.js';
import { checkOrderingLimits, orderingLimitsDefault, type OrderingLimits } from './limits.js';

const refusal = (overrides: Partial<OrderingLimits>): unknown => {
  try {
    checkOrderingLimits({ ...orderingLimitsDefault, ...overrides });
    return undefined;
  } catch (error) {
    return error;
  }
};

describe('checkOrderingLimits', () => {
  it('accepts the defaults, and batch limits equal to block limits', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ batchTxCountMax: 100, blockTxCountMax: 100, batchBytesMax: 4_096, blockBytesMax: 4_096 })).toBeUndefined();
  });

  it.each<[string, Partial<OrderingLimits>]>([
    ['more transactions per batch than per block', { batchTxCountMax: 101, blockTxCountMax: 100 }],
    ['more bytes per batch than per block', { batchBytesMax: 4_097, blockBytesMax: 4_096 }],
    ['a zero batch size', { batchTxCountMax: 0 }],
    ['a negative wait', { blockWaitMs: -1 }],
    ['a fractional byte limit', { blockBytesMax: 1_000.5 }],
    ['a byte limit too small for any batch', { batchBytesMax: 2, blockBytesMax: 2 }],
    ['a wait beyond an hour', { batchWaitMs: 3_600_001 }],
    ['no in-flight put at all', { inFlightBatchesMax: 0 }],
    ['an unbounded queue', { queueItemsMax: Number.POSITIVE_INFINITY }],
  ])('refuses %s', (_name, overrides) => {
    const error = refusal(overrides);
    expect(error).toBeInstanceOf(OrderingError);
    expect((error as OrderingError).code).toBe(OrderingErrorCode.config);
  });
});
