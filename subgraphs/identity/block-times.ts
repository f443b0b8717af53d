/**
 * Ledger times of past blocks, for answers about a height below the projected head (the graph keeps
 * only the head's header). A block's header never changes once committed, so times are cached for
 * the life of the process, bounded so a scan across many heights cannot grow it without end.
 */
import { BoundedLruCache } from '@twinledger/ledger-core/chain/bounded-lru';
import type { LedgerClient } from '@twinledger/ledger-core/client';

/** The header time of block `height`, in milliseconds since the Unix epoch. */
export type BlockTimeSource = (height: number) => Promise<number>;

/** Most block times kept; the least recently used is dropped first. */
export const blockTimesCachedMax = 4096;

/** Block times read from the ledger nodes through `client`. Rejects as the client does when no node answers. */
export function ledgerBlockTimes(client: Pick<LedgerClient, 'block'>, cachedMax: number = blockTimesCachedMax): BlockTimeSource {
  const cached = new BoundedLruCache<number, number>(cachedMax);
  return async (height: number): Promise<number> => {
    const known = cached.get(height);
    if (known !== undefined) return known;
    const answer = await client.block(height);
    const timeMs = answer.record.header.timeMs;
    cached.set(height, timeMs);
    return timeMs;
  };
}
