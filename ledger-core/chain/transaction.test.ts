/**
 * Transactions end to end: shape, limits, canonical bytes, id, signature. Proves: a fixed transaction
 * signed by the seed-0 key of the did:key vectors has pinned canonical bytes, id and signature (a
 * regression anchor other implementations can reproduce); every verifier accepts what the signers
 * produce; each way a transaction can be wrong is refused with its own stable code and before hashing;
 * each limit accepts its exact bound and refuses one more; the id ignores key order.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { base64urlnopad } from '@scure/base';
import { didKeyFromPublicKey } from './did-key.js';
import { createNodeCryptoSigner } from './ed25519-node.js';
import { createAllVerifiers } from './ed25519-verifiers.js';
import { payloadDepthMax, stringLengthMax, transactionBytesMax, TransactionShapeError } from './limits.js';
import {
  checkTransactionShape,
  signTransaction,
  transactionBytes,
  transactionId,
  verifyTransaction,
  type SignedTransaction,
  type Transaction,
  type TransactionRejectionCode,
} from './transaction.js';
import { allPassed, runVectors } from './vector-report.js';

const seedZero = new Uint8Array(32);
const seedZeroDid = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
const golden: Transaction = {
  v: 1,
  type: 'device.register',
  payload: { serial: 'SN-0001', model: 'CNC-5X', é: [1, 2.5, -0], nested: { b: true, a: null } },
  signer: seedZeroDid,
  nonce: 'n-1',
  time: 1_767_225_600_000,
};

describe('golden transaction', () => {
  it('has pinned canonical bytes, id and signature', () => {
    const text =
      '{"nonce":"n-1","payload":{"model":"CNC-5X","nested":{"a":null,"b":true},"serial":"SN-0001","é":[1,2.5,0]},' +
      `"signer":"${seedZeroDid}","time":1767225600000,"type":"device.register","v":1}`;
    expect(Buffer.from(transactionBytes(golden)).toString('utf8')).toBe(text);
    const id = createHash('sha256').update(text, 'utf8').digest('hex');
    expect(id).toBe('43d61c4a131a23feda987f06da2dbfce2d2395ab9c57729289d3946f7c27c0c6');
    expect(transactionId(golden)).toBe(id);
    const signed = signTransaction(golden, seedZero);
    expect(signed.signature).toBe('703BfrMHqBOvx7VtcynbsnJYBjL0DqUzgEURpomyU6IR7GzTWSaM86qV0maiAYsoXshVgHlYKs67q80cnAWNDg');
    expect(signTransaction(golden, createNodeCryptoSigner(seedZero)).signature).toBe(signed.signature);
    for (const verifier of createAllVerifiers()) {
      expect(verifyTransaction(signed, verifier)).toEqual({ ok: true, id, signerPublicKey: expect.any(Uint8Array) });
    }
  });

  it('survives a JSON round trip', () => {
    const signed: unknown = JSON.parse(JSON.stringify(signTransaction(golden, seedZero)));
    expect(verifyTransaction(signed)).toMatchObject({ ok: true, id: transactionId(golden) });
  });
});

describe('refusals', () => {
  const signed = signTransaction(golden, seedZero);
  const otherSeed = new Uint8Array(32).fill(9);
  const otherSigned = signTransaction({ ...golden, signer: didKeyFromPublicKey(createNodeCryptoSigner(otherSeed).publicKey) }, otherSeed);
  const withTx = (changes: Record<string, unknown>): unknown => ({ tx: { ...golden, ...changes }, signature: signed.signature });
  const withoutField = (field: keyof Transaction): unknown => {
    const copy: Record<string, unknown> = { ...golden };
    delete copy[field];
    return { tx: copy, signature: signed.signature };
  };
  let deep: unknown = 0;
  for (let level = 0; level <= payloadDepthMax; level++) deep = [deep];
  const smallOrderDid = didKeyFromPublicKey(Uint8Array.from([1, ...new Array<number>(31).fill(0)]));

  const cases: Array<[string, unknown, TransactionRejectionCode]> = [
    ['not an object', 'tx', 'TX_BAD_FIELD'],
    ['extra top-level field', { ...signed, id: 'x' }, 'TX_BAD_FIELD'],
    ['signature not a string', { tx: golden, signature: 5 }, 'TX_BAD_FIELD'],
    ['unknown transaction field', withTx({ extra: 1 }), 'TX_BAD_FIELD'],
    ['version 2', withTx({ v: 2 }), 'TX_BAD_FIELD'],
    ['payload missing', withoutField('payload'), 'TX_BAD_FIELD'],
    ['nonce missing', withoutField('nonce'), 'TX_BAD_FIELD'],
    ['type with a space', withTx({ type: 'device register' }), 'TX_BAD_FIELD'],
    ['type too long', withTx({ type: `a${'b'.repeat(64)}` }), 'TX_TOO_LARGE'],
    ['empty nonce', withTx({ nonce: '' }), 'TX_BAD_FIELD'],
    ['fractional time', withTx({ time: 1.5 }), 'TX_BAD_FIELD'],
    ['negative time', withTx({ time: -1 }), 'TX_BAD_FIELD'],
    ['time as a string', withTx({ time: '1767225600000' }), 'TX_BAD_FIELD'],
    ['payload too deep', withTx({ payload: deep }), 'TX_TOO_DEEP'],
    ['payload string too long', withTx({ payload: 'x'.repeat(stringLengthMax + 1) }), 'TX_TOO_LARGE'],
    ['payload too large overall', withTx({ payload: new Array<string>(20).fill('y'.repeat(stringLengthMax)) }), 'TX_TOO_LARGE'],
    ['payload of a million numbers', withTx({ payload: new Array<number>(1_000_000).fill(0) }), 'TX_TOO_LARGE'],
    ['NaN in payload', withTx({ payload: { n: NaN } }), 'TX_NOT_JSON'],
    ['Date in payload', withTx({ payload: { at: new Date(0) } }), 'TX_NOT_JSON'],
    ['lone surrogate in payload', withTx({ payload: '\uD800' }), 'TX_NOT_JSON'],
    ['signer not a DID', withTx({ signer: 'alice' }), 'TX_BAD_FIELD'],
    ['signer with another DID method', withTx({ signer: 'did:web:example.com' }), 'BAD_SIGNER'],
    ['signer with an X25519 did:key', withTx({ signer: 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW' }), 'BAD_SIGNER'],
    ['signer key of small order', withTx({ signer: smallOrderDid }), 'BAD_SIGNER'],
    ['payload changed after signing', withTx({ payload: { serial: 'SN-0002' } }), 'BAD_SIGNATURE'],
    ['time changed after signing', withTx({ time: golden.time + 1 }), 'BAD_SIGNATURE'],
    ['signature by another key', { tx: golden, signature: otherSigned.signature }, 'BAD_SIGNATURE'],
    ['signer swapped to the other key', { tx: otherSigned.tx, signature: signed.signature }, 'BAD_SIGNATURE'],
    ['signature in hex', { tx: golden, signature: Buffer.from(base64urlnopad.decode(signed.signature)).toString('hex') }, 'BAD_SIGNATURE'],
    ['signature in padded base64', { tx: golden, signature: Buffer.from(base64urlnopad.decode(signed.signature)).toString('base64') }, 'BAD_SIGNATURE'],
    ['signature truncated', { tx: golden, signature: signed.signature.slice(0, 85) }, 'BAD_SIGNATURE'],
    ['signature with non-zero padding bits', { tx: golden, signature: `${signed.signature.slice(0, 85)}h` }, 'BAD_SIGNATURE'],
  ];

  it('refuses every malformed or forged transaction with its code', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, candidate, code]) => {
        const result = verifyTransaction(candidate);
        if (result.ok) return 'was accepted';
        if (result.code !== code) return `code ${result.code} (${result.reason}), expected ${code}`;
        return result.reason.length > 0 ? undefined : 'no reason given';
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });

  it('refuses to sign for another signer, and refuses a malformed transaction before hashing', () => {
    expect(() => signTransaction(golden, otherSeed)).toThrow(TransactionShapeError);
    expect(() => transactionId({ ...golden, payload: undefined })).toThrow(expect.objectContaining({ code: 'TX_NOT_JSON' }));
    expect(() => checkTransactionShape({ ...golden, v: '1' })).toThrow(expect.objectContaining({ code: 'TX_BAD_FIELD' }));
  });
});

describe('limits at their bounds', () => {
  const sizeWith = (payload: string[]): number => transactionBytes({ ...golden, payload }).length;

  it('accepts a transaction of exactly transactionBytesMax bytes and refuses one byte more', () => {
    const payload: string[] = [];
    while (sizeWith([...payload, 'a']) + stringLengthMax < transactionBytesMax) payload.push('a'.repeat(stringLengthMax));
    const last = transactionBytesMax - sizeWith([...payload, '']);
    payload.push('a'.repeat(last));
    expect(sizeWith(payload)).toBe(transactionBytesMax);
    const exact: Transaction = { ...golden, signer: seedZeroDid, payload };
    expect(verifyTransaction(signTransaction(exact, seedZero))).toMatchObject({ ok: true });
    payload[payload.length - 1] += 'a';
    expect(() => transactionBytes({ ...golden, payload })).toThrow(expect.objectContaining({ code: 'TX_TOO_LARGE' }));
  });

  it('accepts payloadDepthMax levels and refuses one more', () => {
    let atLimit: unknown = 0;
    for (let level = 0; level < payloadDepthMax; level++) atLimit = { a: atLimit };
    expect(() => transactionBytes({ ...golden, payload: atLimit })).not.toThrow();
    expect(() => transactionBytes({ ...golden, payload: { a: atLimit } })).toThrow(expect.objectContaining({ code: 'TX_TOO_DEEP' }));
  });

  it('counts stringLengthMax in UTF-16 code units, for keys too', () => {
    expect(() => transactionBytes({ ...golden, payload: 'é'.repeat(stringLengthMax) })).not.toThrow();
    expect(() => transactionBytes({ ...golden, payload: { ['k'.repeat(stringLengthMax + 1)]: 1 } })).toThrow(
      expect.objectContaining({ code: 'TX_TOO_LARGE' }),
    );
  });
});

it('gives the same id whatever order the payload keys were written in', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }), (payload) => {
      const reversed = Object.fromEntries(Object.entries(payload).reverse());
      expect(transactionId({ ...golden, payload: reversed })).toBe(transactionId({ ...golden, payload }));
    }),
    { numRuns: 300 },
  );
});

it('signs and verifies random transactions with every verifier', () => {
  const signer = createNodeCryptoSigner(seedZero);
  const verifiers = createAllVerifiers();
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 3 }), fc.stringMatching(/^[\x21-\x7e]{1,64}$/), (payload, nonce) => {
      // fast-check's JSON type allows undefined members; checkTransactionShape narrows it at run time.
      const signed: SignedTransaction = signTransaction(checkTransactionShape({ ...golden, payload, nonce }), signer);
      for (const verifier of verifiers) expect(verifyTransaction(signed, verifier).ok).toBe(true);
    }),
    { numRuns: 200 },
  );
});
