/**
 * The custodial key store seals an organisation's Ed25519 seed so that only the master secret opens it:
 * a sealed key signs as the same did:key it was imported as (also after reopening the store); a wrong
 * secret is refused as such, and a file changed anywhere (ciphertext, tag, a bound field, renamed to
 * another organisation) is refused as tampered, never handed out as a signer; the generated secret
 * file and the key files are readable by their owner only; and keys are never silently replaced.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatSignerKey, verifyTransaction } from '@twinledger/ledger-core/chain';
import { buildTransaction, transactionSigner } from '@twinledger/ledger-core/client';
import { CustodyError, CustodyErrorCode, CustodyKeyStore, custodySecretEnv, type CustodyKeyStoreOptions } from './index.js';

const secret = 'a'.repeat(40);
const fastCost = 2 ** 10;
let root: string;

function newKeyText(name = 'acme'): { text: string; did: string } {
  const seed = new Uint8Array(crypto.randomBytes(32));
  return { text: formatSignerKey(name, seed), did: transactionSigner(seed).did };
}

function store(options: Partial<CustodyKeyStoreOptions> = {}): CustodyKeyStore {
  return new CustodyKeyStore({ dir: path.join(root, 'keys'), secret, scryptCost: fastCost, env: {}, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof CustodyError) return error.code;
    throw error;
  }
  throw new Error('expected a CustodyError');
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-custody-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('CustodyKeyStore', () => {
  it('round trips: a sealed key signs as its did, after reopening too, and a re-import of the same key is a no-op', async () => {
    const key = newKeyText();
    expect(await store().importKey('acme', `${key.text}\n`)).toEqual({ organizationId: 'acme', did: key.did });
    const reopened = store();
    const signer = await reopened.signerFor('acme');
    expect(signer.did).toBe(key.did);
    const { signed } = buildTransaction({ type: 'asset.note', payload: { key: 'k', value: 1 } }, signer);
    expect(verifyTransaction(signed)).toMatchObject({ ok: true });
    expect(await reopened.importKey('acme', key.text)).toEqual({ organizationId: 'acme', did: key.did });
    const sealed = fs.readFileSync(reopened.keyFilePath('acme'), 'utf8');
    expect(sealed).not.toContain(key.text.split('+').slice(4).join('+'));
  });

  it('uses the default scrypt cost when none is given', async () => {
    const key = newKeyText();
    const defaultCost = new CustodyKeyStore({ dir: path.join(root, 'keys'), secret, env: {} });
    await defaultCost.importKey('acme', key.text);
    expect(JSON.parse(fs.readFileSync(defaultCost.keyFilePath('acme'), 'utf8')).kdf.cost).toBe(2 ** 15);
    expect((await store().signerFor('acme')).did).toBe(key.did);
  });

  it('refuses a wrong secret as CUSTODY_WRONG_SECRET', async () => {
    await store().importKey('acme', newKeyText().text);
    expect(await refusal(store({ secret: 'b'.repeat(40) }).signerFor('acme'))).toBe(CustodyErrorCode.wrongSecret);
  });

  it('refuses a changed ciphertext, tag, nonce or did, and a file renamed to another organisation, as CUSTODY_TAMPERED', async () => {
    const writer = store();
    await writer.importKey('acme', newKeyText().text);
    const file = writer.keyFilePath('acme');
    const original = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const flipFirstByte = (base64: unknown): string => {
      const bytes = Buffer.from(String(base64), 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      return bytes.toString('base64');
    };
    const mutations: Record<string, Record<string, unknown>> = {
      'ciphertext-bit': { ...original, ciphertext: flipFirstByte(original['ciphertext']) },
      'tag-bit': { ...original, tag: flipFirstByte(original['tag']) },
      'nonce-bit': { ...original, nonce: flipFirstByte(original['nonce']) },
      'did-swapped': { ...original, did: newKeyText().did },
    };
    const failures: string[] = [];
    for (const [name, mutated] of Object.entries(mutations)) {
      fs.writeFileSync(file, JSON.stringify(mutated));
      const code = await refusal(store().signerFor('acme'));
      if (code !== CustodyErrorCode.tampered) failures.push(`${name}: ${code}`);
    }
    fs.writeFileSync(file, JSON.stringify(original));
    fs.copyFileSync(file, writer.keyFilePath('other'));
    const renamed = await refusal(store().signerFor('other'));
    if (renamed !== CustodyErrorCode.tampered) failures.push(`renamed: ${renamed}`);
    expect(failures).toEqual([]);
    // The unchanged file still opens: the refusals above came from the changes.
    await expect(store().signerFor('acme')).resolves.toBeDefined();
  });

  it('creates the secret file 0600 and the key files 0600 in a 0700 folder, and refuses a secret file others can read', async () => {
    const secretFile = path.join(root, 'custody.secret');
    const generated = new CustodyKeyStore({ dir: path.join(root, 'keys'), secretFile, scryptCost: fastCost, env: {} });
    const key = newKeyText();
    await generated.importKey('acme', key.text);
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(secretFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(generated.keyFilePath('acme')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(generated.dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(generated.dir)).toEqual(['acme.key.json']);
    // The same file opens the key again; a world-readable one is refused before any key is touched.
    const again = new CustodyKeyStore({ dir: path.join(root, 'keys'), secretFile, scryptCost: fastCost, env: {} });
    expect((await again.signerFor('acme')).did).toBe(key.did);
    fs.chmodSync(secretFile, 0o644);
    expect(() => new CustodyKeyStore({ dir: path.join(root, 'keys'), secretFile, env: {} })).toThrow(expect.objectContaining({ code: CustodyErrorCode.secretUnusable }));
  });

  it('gives processes that create the secret file at the same moment one complete secret', async () => {
    // Real processes, as at a platform start: the race is between processes, not within one.
    const storeModule = path.resolve(__dirname, '../dist/custody/index.js');
    const script = `
      const [moduleFile, dir, secretFile, startAtText] = process.argv.slice(1);
      const { CustodyKeyStore } = require(moduleFile);
      while (Date.now() < Number(startAtText));
      new CustodyKeyStore({ dir, secretFile, scryptCost: ${fastCost}, env: {} });
    `;
    const run = (dir: string, secretFile: string, startAtMs: number): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['-e', script, storeModule, dir, secretFile, String(startAtMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (let round = 0; round < 5; round++) {
      const secretFile = path.join(root, `race-${round}.secret`);
      const startAtMs = Date.now() + 400;
      const results = await Promise.all(Array.from({ length: 6 }, (_, index) => run(path.join(root, `race-${round}-${index}`), secretFile, startAtMs)));
      expect(results.filter(({ code }) => code !== 0)).toEqual([]);
      expect(fs.readFileSync(secretFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    }
    expect(fs.readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('takes the secret from the environment, refuses a short secret, and ignores the secret file then', async () => {
    const secretFile = path.join(root, 'custody.secret');
    const fromEnv = new CustodyKeyStore({ dir: path.join(root, 'keys'), secretFile, scryptCost: fastCost, env: { [custodySecretEnv]: secret } });
    await fromEnv.importKey('acme', newKeyText().text);
    expect(fs.existsSync(secretFile)).toBe(false);
    await expect(store().signerFor('acme')).resolves.toBeDefined();
    expect(() => store({ secret: 'short' })).toThrow(expect.objectContaining({ code: CustodyErrorCode.secretUnusable }));
  });

  it('refuses another key for a held organisation, a missing key, a malformed key text and an unusable organisation id', async () => {
    const keys = store();
    await keys.importKey('acme', newKeyText().text);
    expect(await refusal(keys.importKey('acme', newKeyText().text))).toBe(CustodyErrorCode.keyExists);
    expect(await refusal(keys.signerFor('nobody'))).toBe(CustodyErrorCode.keyMissing);
    expect(await refusal(keys.importKey('beta', 'PRIVATE+KEY+beta+00000000+AAAA'))).toBe(CustodyErrorCode.keyMalformed);
    for (const id of ['../escape', '.hidden', '', 'a/b', 'x'.repeat(129)]) {
      expect(() => keys.keyFilePath(id)).toThrow(expect.objectContaining({ code: CustodyErrorCode.organizationIdInvalid }));
    }
    fs.writeFileSync(keys.keyFilePath('broken'), 'not json');
    expect(await refusal(keys.signerFor('broken'))).toBe(CustodyErrorCode.fileMalformed);
  });
});
