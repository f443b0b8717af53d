/**
 * Submit checks: each kind of bad input gets the code docs/ledger.md names (MALFORMED_JSON,
 * TX_BAD_FIELD, BAD_SIGNER, BAD_SIGNATURE, UNKNOWN_TYPE, STALE_TIME, FUTURE_TIME) and a good
 * transaction passes with its id and the size the batcher counts.
 */
import { sha256 } from '@noble/hashes/sha2';
import { createPortableSigner, portableVerifier } from '../chain/ed25519.js';
import { didKeyFromPublicKey } from '../chain/did-key.js';
import { signTransaction, transactionId } from '../chain/transaction.js';
import { createStandardRegistry } from '../contracts/standard.js';
import { ApiError } from './errors.js';
import { checkSubmission } from './submission.js';

const signer = createPortableSigner(sha256(new TextEncoder().encode('submitter')));
const did = didKeyFromPublicKey(signer.publicKey);
const nowMs = 1_800_000_000_000;
const context = { verifier: portableVerifier, registry: createStandardRegistry(), parameters: { txTimePastMs: 60_000, txTimeFutureMs: 5_000 }, nowMs };
const make = (overrides: { type?: string; time?: number } = {}) =>
  signTransaction({ v: 1, type: overrides.type ?? 'asset.note', payload: { key: 'k', value: 1 }, signer: did, nonce: 'n', time: overrides.time ?? nowMs }, signer);
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function codeOf(body: Uint8Array): string {
  try {
    checkSubmission(body, context);
    return 'OK';
  } catch (error: unknown) {
    if (error instanceof ApiError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('checkSubmission', () => {
  it('passes a good transaction with its id and batch size', () => {
    const signed = make();
    const checked = checkSubmission(bytes(signed), context);
    expect(checked.txId).toBe(transactionId(signed.tx));
    expect(checked.sizeBytes).toBe(JSON.stringify(signed).length);
  });

  it('refuses each kind of bad input with its code', () => {
    const good = make();
    const flipped = `${good.signature.slice(0, 5)}${good.signature[5] === 'A' ? 'B' : 'A'}${good.signature.slice(6)}`;
    expect({
      json: codeOf(bytes('{"tx":')),
      field: codeOf(bytes({ ...good, more: 1 })),
      signer: codeOf(bytes({ tx: { ...good.tx, signer: 'did:web:x' }, signature: good.signature })),
      signature: codeOf(bytes({ ...good, signature: flipped })),
      type: codeOf(bytes(make({ type: 'no.such' }))),
      stale: codeOf(bytes(make({ time: nowMs - 60_001 }))),
      future: codeOf(bytes(make({ time: nowMs + 5_001 }))),
    }).toEqual({
      json: '400 MALFORMED_JSON',
      field: '400 TX_BAD_FIELD',
      signer: '400 BAD_SIGNER',
      signature: '400 BAD_SIGNATURE',
      type: '400 UNKNOWN_TYPE',
      stale: '400 STALE_TIME',
      future: '400 FUTURE_TIME',
    });
  });
});
