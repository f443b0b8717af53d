import type { BlockAnswer } from '@twinledger/ledger-core/client';
import { ledgerBlockTimes } from './block-times.js';

/** A client whose block answers carry only what `ledgerBlockTimes` reads: the header time. */
function countingClient(timeOf: (height: number) => number): { client: { block(height: number): Promise<BlockAnswer> }; asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    client: {
      block(height: number): Promise<BlockAnswer> {
        asked.push(height);
        if (height > 100) return Promise.reject(new Error(`no node has block ${height}`));
        return Promise.resolve({ hash: '', qc: null, record: { header: { timeMs: timeOf(height) } } } as unknown as BlockAnswer);
      },
    },
  };
}

describe('ledgerBlockTimes', () => {
  it("answers a block's header time and asks the ledger once per height", async () => {
    const { client, asked } = countingClient((height) => 1_000 * height);
    const timeMs = ledgerBlockTimes(client);
    expect(await timeMs(7)).toBe(7_000);
    expect(await timeMs(7)).toBe(7_000);
    expect(asked).toEqual([7]);
  });

  it('drops the oldest cached time beyond the bound', async () => {
    const { client, asked } = countingClient((height) => height);
    const timeMs = ledgerBlockTimes(client, 2);
    await timeMs(1);
    await timeMs(2);
    await timeMs(3);
    await timeMs(2);
    await timeMs(1);
    expect(asked).toEqual([1, 2, 3, 1]);
  });

  it('passes on a failed read and caches nothing for it', async () => {
    const { client, asked } = countingClient((height) => height);
    const timeMs = ledgerBlockTimes(client);
    await expect(timeMs(101)).rejects.toThrow('no node has block 101');
    await expect(timeMs(101)).rejects.toThrow('no node has block 101');
    expect(asked).toEqual([101, 101]);
  });
});
