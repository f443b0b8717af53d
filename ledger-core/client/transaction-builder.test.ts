/**
 * The transaction builder. Proves: a draft signed with a 32-byte seed, with signer key text and with a
 * key file gives a transaction that verifies, names the key's did:key, carries the current time and
 * a fresh 22-character nonce (two builds of one draft are two transactions), and whose id is the
 * chain's; a given time and nonce rebuild the same transaction byte for byte; bad keys and bad
 * drafts are refused with typed errors and stable codes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { didKeyFromPublicKey, formatSignerKey, publicKeyFromPrivateKey, transactionId, verifyTransaction } from '../chain/index.js';
import { buildTransaction, newNonce, readSigningKeyFile, SigningKeyError, transactionSigner } from './transaction-builder.js';

const seed = new Uint8Array(32).fill(7);
const did = didKeyFromPublicKey(publicKeyFromPrivateKey(seed));
const keyText = formatSignerKey('acme.example/writer', seed);
const draft = { type: 'device.register', payload: { serial: 'SN-1' } };

describe('buildTransaction', () => {
  it('signs with a seed: verifies, names the did:key, now, a fresh nonce, the chain id', () => {
    const beforeMs = Date.now();
    const built = buildTransaction(draft, seed);
    const verification = verifyTransaction(built.signed);
    expect(verification).toMatchObject({ ok: true, id: built.txId });
    expect(built.txId).toBe(transactionId(built.signed.tx));
    expect(built.signed.tx).toMatchObject({ v: 1, ...draft, signer: did });
    expect(built.signed.tx.time).toBeGreaterThanOrEqual(beforeMs);
    expect(built.signed.tx.time).toBeLessThanOrEqual(Date.now());
    expect(built.signed.tx.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(buildTransaction(draft, seed).txId).not.toBe(built.txId);
  });

  it('signer key text and a parsed signer give the same transaction for the same time and nonce', () => {
    const options = { timeMs: 1_767_225_600_000, nonce: 'fixed' };
    const fromSeed = buildTransaction(draft, seed, options);
    expect(buildTransaction(draft, `${keyText}\n`, options)).toEqual(fromSeed);
    expect(buildTransaction(draft, transactionSigner(seed), options)).toEqual(fromSeed);
  });

  it('reads a key file', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-client-'));
    try {
      fs.writeFileSync(path.join(folder, 'writer.key'), `${keyText}\n`, { mode: 0o600 });
      expect((await readSigningKeyFile(path.join(folder, 'writer.key'))).did).toBe(did);
      await expect(readSigningKeyFile(path.join(folder, 'missing.key'))).rejects.toMatchObject({ code: 'SIGNING_KEY_FILE' });
      fs.writeFileSync(path.join(folder, 'big.key'), 'x'.repeat(5_000));
      await expect(readSigningKeyFile(path.join(folder, 'big.key'))).rejects.toMatchObject({ code: 'SIGNING_KEY_FILE' });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses bad keys and drafts with stable codes', () => {
    expect(() => buildTransaction(draft, new Uint8Array(31))).toThrow(SigningKeyError);
    expect(() => buildTransaction(draft, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'SIGNING_KEY_LENGTH' }));
    expect(() => buildTransaction(draft, 'PRIVATE+KEY+x+00000000+AAAA')).toThrow(expect.objectContaining({ code: 'SIGNING_KEY_MALFORMED' }));
    expect(() => buildTransaction({ type: 'Bad Type', payload: null }, seed)).toThrow(expect.objectContaining({ code: 'TX_BAD_FIELD' }));
    expect(() => buildTransaction({ type: 'a.b', payload: 'x'.repeat(70_000) }, seed)).toThrow(expect.objectContaining({ code: 'TX_TOO_LARGE' }));
  });

  it('nonces are distinct', () => {
    expect(new Set(Array.from({ length: 1_000 }, newNonce)).size).toBe(1_000);
  });
});
