/**
 * Ledger leaves. Proves: the leaf data is the canonical JSON of exactly `{tx, outcome}` (pinned text
 * for a fixed signed transaction with a rejected outcome, and its RFC 9162 leaf hash pinned to a value
 * computed outside this code with `(printf '\x00'; echo -n '<text>') | sha256sum`); property order and
 * extra properties on the leaf object do not change it; the outcome is part of what is hashed, so
 * flipping a rejection into an acceptance gives another leaf; and `eventsHash` is the SHA-256 of the
 * canonical events array (the empty array's pinned), independent of key order, dependent on event order.
 */
import { bytesToHex } from '@noble/hashes/utils';
import { didKeyFromPublicKey } from './did-key.js';
import { publicKeyFromPrivateKey } from './ed25519.js';
import { eventsHash, leafData, type LedgerLeaf } from './leaf.js';
import { leafHash } from './merkle/hash.js';
import { signTransaction, type Transaction } from './transaction.js';

const seed = new Uint8Array(32).fill(7);
const tx: Transaction = {
  v: 1,
  type: 'device.register',
  payload: { serial: 'SN-0001', model: 'press-7' },
  signer: didKeyFromPublicKey(publicKeyFromPrivateKey(seed)),
  nonce: 'n-1',
  time: 1_767_225_600_000,
};
const rejected: LedgerLeaf = {
  tx: signTransaction(tx, seed),
  outcome: { status: 'rejected', code: 'STALE_TIME', reason: 'time is before the ledger window' },
};
// Ed25519 signatures are deterministic (RFC 8032), so the whole text is fixed.
const pinnedText =
  '{"outcome":{"code":"STALE_TIME","reason":"time is before the ledger window","status":"rejected"},' +
  '"tx":{"signature":"otHY5bX9aU8QL9PefMy4aL0SRbbbjOq90NSWb6MdxOzzHAB7Cza3_co10W911mxxGklfI9BTFdvBG3YwUXucBg",' +
  '"tx":{"nonce":"n-1","payload":{"model":"press-7","serial":"SN-0001"},' +
  '"signer":"did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z","time":1767225600000,"type":"device.register","v":1}}}';
const pinnedLeafHash = 'fdb3c058109b7446ffc7dd9be3d26edf2bad1f8005d1c35115a3a85907675f9b';
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('leafData', () => {
  it('is the canonical JSON of {tx, outcome}, pinned with its leaf hash', () => {
    expect(text(leafData(rejected))).toBe(pinnedText);
    expect(bytesToHex(leafHash(leafData(rejected)))).toBe(pinnedLeafHash);
  });

  it('ignores property order and anything on the leaf object besides tx and outcome', () => {
    const reordered: LedgerLeaf = { outcome: { reason: 'time is before the ledger window', code: 'STALE_TIME', status: 'rejected' }, tx: rejected.tx };
    const decorated = { ...rejected, leafIndex: 5, height: 3 } as LedgerLeaf;
    expect(text(leafData(reordered))).toBe(pinnedText);
    expect(text(leafData(decorated))).toBe(pinnedText);
  });

  it('commits to the outcome: the same transaction accepted is another leaf', () => {
    const accepted: LedgerLeaf = { tx: rejected.tx, outcome: { status: 'accepted', eventsHash: eventsHash([]) } };
    expect(text(leafData(accepted))).toBe(pinnedText.replace(/^\{"outcome":\{[^}]*\}/, `{"outcome":{"eventsHash":"${eventsHash([])}","status":"accepted"}`));
    expect(bytesToHex(leafHash(leafData(accepted)))).not.toBe(pinnedLeafHash);
    const otherReason: LedgerLeaf = { tx: rejected.tx, outcome: { status: 'rejected', code: 'STALE_TIME', reason: 'another reason' } };
    expect(bytesToHex(leafHash(leafData(otherReason)))).not.toBe(pinnedLeafHash);
  });
});

describe('eventsHash', () => {
  it('of no events is the SHA-256 of "[]"', () => {
    expect(eventsHash([])).toBe('4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945');
  });

  it('ignores key order within events and keeps event order', () => {
    const registered = { type: 'DeviceRegistered', serial: 'SN-0001' };
    const named = { type: 'DeviceNamed', name: 'press' };
    expect(eventsHash([registered, named])).toBe(eventsHash([{ serial: 'SN-0001', type: 'DeviceRegistered' }, { name: 'press', type: 'DeviceNamed' }]));
    expect(eventsHash([registered, named])).not.toBe(eventsHash([named, registered]));
  });
});
