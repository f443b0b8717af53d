/**
 * Scenario: a node applies blocks to its state store (state writes and deletes, transaction index,
 * entity versions), closes and reopens it, and is handed bad commits: out of height order, a tree
 * size that does not match the Merkle store, a failure inside the write transaction, and bad input.
 *
 * Proves: values, locations and versions round trip exactly and survive close/reopen; versions page in
 * height order within their limit; commitBlock is all or nothing: a failure thrown inside the LMDB
 * transaction (after every write) or a broken sequencing invariant leaves state, indexes, versions,
 * applied block and Merkle store as they were, on disk and in memory, and the same block then commits;
 * bad input is refused with a stable code before anything is written.
 */
import type { JsonValue } from '../chain/json-value.js';
import { StorageErrorCode, StorageRequestError } from './errors.js';
import { StorageInvariantError } from './invariant.js';
import { StateStore, type BlockCommit } from './state-store.js';
import { removeDirectory, sha256Hex, temporaryDirectory, thrownBy } from './testing.js';

function blockCommit(height: number, fields: Partial<BlockCommit> = {}): BlockCommit {
  return {
    height,
    blockHashHex: sha256Hex(`block ${height}`),
    revisionLast: height * 10,
    treeSize: 0,
    writes: new Map(),
    transactions: [],
    ...fields,
  };
}

function codeOf(run: () => unknown): string | undefined {
  const error = thrownBy(run);
  if (error instanceof StorageRequestError) return error.code;
  throw error;
}

const deviceValue: JsonValue = {
  did: 'did:key:z6MkExample',
  owner: 'org-1',
  readings: [1, 2.5, -0.125, 1e21, null, true, false],
  nested: { 'ключ': 'значение', emoji: '🔧', empty: {}, list: [] },
};

describe('StateStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = temporaryDirectory('state-store');
  });
  afterEach(() => removeDirectory(dir));

  it('round trips state, the transaction index and entity versions, and keeps them across reopen', async () => {
    const store = StateStore.open(dir);
    expect(store.appliedHeight).toBe(0);
    expect(store.applied).toBeUndefined();
    const idA = sha256Hex('tx a');
    const idB = sha256Hex('tx b');
    store.commitBlock(
      blockCommit(1, {
        writes: new Map<string, JsonValue | null>([
          ['device/1', deviceValue],
          ['count', 7],
          ['label', 'x'],
          // Keys LMDB's ordered key encoding must keep apart: non-ASCII, and a leading control character.
          ['ключ/🔧', 'unicode'],
          ['\u0001low', 'control'],
          ['\u0001low\u0001', 'longer'],
        ]),
        transactions: [
          { id: idA, position: 0 },
          { id: idB, position: 3 },
        ],
      }),
    );
    store.commitBlock(
      blockCommit(2, {
        writes: new Map<string, JsonValue | null>([
          ['count', 8],
          ['label', null],
        ]),
        entityWrites: ['count', 'label', 'device/1'],
      }),
    );
    const check = (opened: StateStore): void => {
      expect(opened.get('device/1')).toEqual(deviceValue);
      expect(opened.get('count')).toBe(8);
      expect(opened.get('label')).toBeUndefined();
      expect(opened.get('never')).toBeUndefined();
      expect(opened.get('ключ/🔧')).toBe('unicode');
      expect(opened.get('\u0001low')).toBe('control');
      expect(opened.get('\u0001low\u0001')).toBe('longer');
      expect(opened.entityVersions('ключ/🔧')).toEqual([1]);
      expect(opened.entityVersions('\u0001low')).toEqual([1]);
      expect(opened.entityVersions('\u0001low\u0001')).toEqual([1]);
      expect(opened.transactionLocation(idA)).toEqual({ height: 1, position: 0 });
      expect(opened.transactionLocation(idB)).toEqual({ height: 1, position: 3 });
      expect(opened.transactionLocation(sha256Hex('tx c'))).toBeUndefined();
      expect(opened.entityVersions('device/1')).toEqual([1, 2]);
      expect(opened.entityVersions('count')).toEqual([1, 2]);
      expect(opened.entityVersions('label')).toEqual([1, 2]);
      expect(opened.entityVersions('device')).toEqual([]);
      expect(opened.applied).toEqual({ height: 2, blockHashHex: sha256Hex('block 2'), revisionLast: 20, treeSize: 0 });
    };
    check(store);
    await store.close();
    const reopened = StateStore.open(dir);
    check(reopened);
    await reopened.close();
  });

  it('keeps one version key per write and pages them in height order within the limit', async () => {
    const store = StateStore.open(dir);
    for (let height = 1; height <= 30; height++) {
      const writes = new Map<string, JsonValue | null>([['hot', height]]);
      if (height % 3 === 0) writes.set('hot/child', height);
      store.commitBlock(blockCommit(height, { writes }));
    }
    expect(store.entityVersions('hot', { countMax: 1_000 })).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(store.entityVersions('hot', { countMax: 4 })).toEqual([1, 2, 3, 4]);
    expect(store.entityVersions('hot', { heightAfter: 4, countMax: 4 })).toEqual([5, 6, 7, 8]);
    expect(store.entityVersions('hot', { heightAfter: 29 })).toEqual([30]);
    // A key that extends another is its own entity.
    expect(store.entityVersions('hot/child')).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect(codeOf(() => store.entityVersions('hot', { countMax: 0 }))).toBe(StorageErrorCode.listingLimitInvalid);
    expect(codeOf(() => store.entityVersions('hot', { countMax: 1_001 }))).toBe(StorageErrorCode.listingLimitInvalid);
    await store.close();
  });

  describe('commitBlock is atomic', () => {
    function snapshot(store: StateStore): unknown {
      return {
        applied: store.applied,
        a: store.get('a'),
        b: store.get('b'),
        tx: store.transactionLocation(sha256Hex('tx 2')),
        versionsA: store.entityVersions('a'),
        versionsB: store.entityVersions('b'),
        leaves: store.merkleNodeStore.nodeCount(0),
      };
    }

    function secondBlock(): BlockCommit {
      return blockCommit(2, {
        writes: new Map<string, JsonValue | null>([
          ['a', null],
          ['b', { v: 2 }],
        ]),
        transactions: [{ id: sha256Hex('tx 2'), position: 0 }],
      });
    }

    it('a failure thrown inside the write transaction, after every write, leaves nothing behind', async () => {
      let failing = true;
      const store = StateStore.open(dir, {
        faults: {
          beforeCommit: (height) => {
            if (failing && height === 2) throw new Error('fault before commit');
          },
        },
      });
      store.commitBlock(blockCommit(1, { writes: new Map<string, JsonValue | null>([['a', 1]]) }));
      const before = snapshot(store);
      expect(() => store.commitBlock(secondBlock())).toThrow('fault before commit');
      expect(snapshot(store)).toEqual(before);
      await store.close();

      const reopened = StateStore.open(dir);
      expect(snapshot(reopened)).toEqual(before);
      await reopened.close();

      // The same block commits once the fault is gone.
      failing = false;
      const again = StateStore.open(dir, { faults: { beforeCommit: () => undefined } });
      again.commitBlock(secondBlock());
      expect(again.get('a')).toBeUndefined();
      expect(again.get('b')).toEqual({ v: 2 });
      expect(again.transactionLocation(sha256Hex('tx 2'))).toEqual({ height: 2, position: 0 });
      await again.close();
    });

    it('keeps buffered Merkle nodes buffered when the commit fails, and commits them with the retry', async () => {
      let failing = true;
      const store = StateStore.open(dir, {
        faults: {
          beforeCommit: () => {
            if (failing) throw new Error('fault before commit');
          },
        },
      });
      const leaf = new Uint8Array(32).fill(7);
      store.merkleNodeStore.appendNode(0, leaf);
      expect(() => store.commitBlock(blockCommit(1, { treeSize: 1 }))).toThrow('fault before commit');
      expect(store.merkleNodeStore.pendingNodeCount).toBe(1);
      expect(store.merkleNodeStore.nodeCount(0)).toBe(1);
      failing = false;
      store.commitBlock(blockCommit(1, { treeSize: 1 }));
      expect(store.merkleNodeStore.pendingNodeCount).toBe(0);
      await store.close();
      const reopened = StateStore.open(dir);
      expect(reopened.merkleNodeStore.nodeCount(0)).toBe(1);
      expect(reopened.merkleNodeStore.node(0, 0)).toEqual(leaf);
      await reopened.close();
    });

    it('a height out of order is a broken invariant and writes nothing', async () => {
      const store = StateStore.open(dir);
      store.commitBlock(blockCommit(1, { writes: new Map<string, JsonValue | null>([['a', 1]]) }));
      const before = snapshot(store);
      for (const height of [1, 3, 0]) {
        const error = thrownBy(() => store.commitBlock({ ...secondBlock(), height }));
        expect(error).toBeInstanceOf(StorageInvariantError);
        expect(snapshot(store)).toEqual(before);
      }
      await store.close();
      const reopened = StateStore.open(dir);
      expect(snapshot(reopened)).toEqual(before);
      await reopened.close();
    });

    it('a tree size that does not match the Merkle store, a revision going backwards, or a transaction already indexed is a broken invariant', async () => {
      const store = StateStore.open(dir);
      store.commitBlock(blockCommit(1, { transactions: [{ id: sha256Hex('tx 1'), position: 0 }] }));
      const before = snapshot(store);
      expect(thrownBy(() => store.commitBlock(blockCommit(2, { treeSize: 1 })))).toBeInstanceOf(StorageInvariantError);
      expect(thrownBy(() => store.commitBlock(blockCommit(2, { revisionLast: 10 })))).toBeInstanceOf(StorageInvariantError);
      const repeated = blockCommit(2, {
        writes: new Map<string, JsonValue | null>([['b', 1]]),
        transactions: [
          { id: sha256Hex('tx 2'), position: 0 },
          { id: sha256Hex('tx 1'), position: 1 },
        ],
      });
      expect(thrownBy(() => store.commitBlock(repeated))).toBeInstanceOf(StorageInvariantError);
      expect(snapshot(store)).toEqual(before);
      await store.close();
    });
  });

  it('refuses bad input with a stable code before writing anything', async () => {
    const store = StateStore.open(dir);
    store.commitBlock(blockCommit(1));
    const applied = store.applied;
    const writes = (key: string, value: unknown): Partial<BlockCommit> => ({
      writes: new Map([[key, value as JsonValue]]),
    });
    const cases: Array<[string, Partial<BlockCommit>, string]> = [
      ['empty key', writes('', 1), StorageErrorCode.stateKeyInvalid],
      ['key with U+0000', writes('a\u0000b', 1), StorageErrorCode.stateKeyInvalid],
      ['key with a lone surrogate', writes('a\uD800', 1), StorageErrorCode.stateKeyInvalid],
      ['key over the limit', writes('k'.repeat(1_025), 1), StorageErrorCode.stateKeyInvalid],
      ['NaN value', writes('a', Number.NaN), StorageErrorCode.stateValueNotJson],
      ['undefined value', writes('a', undefined), StorageErrorCode.stateValueNotJson],
      ['Date value', writes('a', new Date(0)), StorageErrorCode.stateValueNotJson],
      ['bad entity key', { entityWrites: ['ok', 'b\u0000'] }, StorageErrorCode.stateKeyInvalid],
      ['upper-case transaction id', { transactions: [{ id: sha256Hex('t').toUpperCase(), position: 0 }] }, StorageErrorCode.transactionIdInvalid],
      [
        'transaction id twice in a block',
        { transactions: [{ id: sha256Hex('t'), position: 0 }, { id: sha256Hex('t'), position: 1 }] },
        StorageErrorCode.transactionIdInvalid,
      ],
      [
        'positions not increasing',
        { transactions: [{ id: sha256Hex('t'), position: 1 }, { id: sha256Hex('u'), position: 1 }] },
        StorageErrorCode.transactionPositionInvalid,
      ],
      ['negative position', { transactions: [{ id: sha256Hex('t'), position: -1 }] }, StorageErrorCode.transactionPositionInvalid],
      ['position past u32', { transactions: [{ id: sha256Hex('t'), position: 2 ** 32 }] }, StorageErrorCode.transactionPositionInvalid],
      ['short block hash', { blockHashHex: 'abcd' }, StorageErrorCode.blockHashInvalid],
      ['fractional revision', { revisionLast: 20.5 }, StorageErrorCode.counterInvalid],
      ['negative tree size', { treeSize: -1 }, StorageErrorCode.counterInvalid],
    ];
    for (const [name, fields, code] of cases) {
      expect([name, codeOf(() => store.commitBlock(blockCommit(2, { writes: new Map([['good', 1]]), ...fields })))]).toEqual([name, code]);
      expect(store.applied).toEqual(applied);
      expect(store.get('good')).toBeUndefined();
    }
    expect(codeOf(() => store.get('a\u0000'))).toBe(StorageErrorCode.stateKeyInvalid);
    expect(codeOf(() => store.transactionLocation('xyz'))).toBe(StorageErrorCode.transactionIdInvalid);
    await store.close();
  });
});
