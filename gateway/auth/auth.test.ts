/**
 * Authentication from headers alone: API keys are found by their SHA-256 hash and never stored in
 * clear; JWTs verify with HS256 or EdDSA against the configured issuer and audience; a missing,
 * unknown, expired, wrong-issuer, wrong-audience, alg-switched or conflicting credential is refused
 * with a reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { ApiKeyStoreError, createApiKeyStore, generateApiKey, hashApiKey } from './api-key-store.js';
import { authenticate, type AuthConfig } from './authenticate.js';

const partner = generateApiKey('org-acme', 'partner', 'acme-ci');
const secret = new Uint8Array(32).fill(3);
const edKeys = generateKeyPairSync('ed25519');
const config: AuthConfig = {
  apiKeys: createApiKeyStore([partner.entry]),
  jwt: { issuer: 'iss-1', audience: 'aud-1', hs256Secret: secret, eddsaPublicKeys: [{ key: edKeys.publicKey }] },
};

function jwt(claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expiresAt?: number } = {}): SignJWT {
  return new SignJWT(claims)
    .setIssuer(options.issuer ?? 'iss-1')
    .setAudience(options.audience ?? 'aud-1')
    .setSubject('user-1')
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 300);
}

test('the store holds hashes only and finds a key by either header', async () => {
  expect(JSON.stringify(partner.entry)).not.toContain(partner.apiKey);
  expect(partner.entry.keyHash).toBe(hashApiKey(partner.apiKey));
  const expected = { ok: true, identity: { organizationId: 'org-acme', role: 'partner', subject: 'api-key:acme-ci' } };
  expect(await authenticate({ 'x-api-key': partner.apiKey }, config)).toEqual(expected);
  expect(await authenticate({ authorization: `Bearer ${partner.apiKey}` }, config)).toEqual(expected);
});

test('a malformed store is refused whole', () => {
  expect(() => createApiKeyStore([{ keyHash: 'abc', organizationId: 'o', role: 'partner', label: 'l' }])).toThrow(ApiKeyStoreError);
  expect(() => createApiKeyStore([{ ...partner.entry, role: 'root' }])).toThrow(ApiKeyStoreError);
  expect(() => createApiKeyStore([partner.entry, partner.entry])).toThrow(ApiKeyStoreError);
});

test('HS256 and EdDSA JWTs verify to their claims', async () => {
  const hs = await jwt({ org: 'org-reg', role: 'regulator' }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
  const ed = await jwt({ org: 'org-bank', role: 'analyst' }).setProtectedHeader({ alg: 'EdDSA' }).sign(edKeys.privateKey);
  expect(await authenticate({ authorization: `Bearer ${hs}` }, config)).toEqual({ ok: true, identity: { organizationId: 'org-reg', role: 'regulator', subject: 'user-1' } });
  expect(await authenticate({ authorization: `Bearer ${ed}` }, config)).toEqual({ ok: true, identity: { organizationId: 'org-bank', role: 'analyst', subject: 'user-1' } });
});

test('bad credentials are refused with a reason', async () => {
  const claims = { org: 'org-acme', role: 'partner' };
  const nowSeconds = Math.floor(Date.now() / 1000);
  const cases: Array<[string, Record<string, string>, string]> = [
    ['nothing', {}, 'missing_credentials'],
    ['unknown key', { 'x-api-key': 'tl_unknown' }, 'unknown_api_key'],
    ['two different credentials', { 'x-api-key': partner.apiKey, authorization: 'Bearer tl_other' }, 'malformed_credentials'],
    ['basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, 'malformed_credentials'],
    ['garbage token', { authorization: 'Bearer not.a.jwt' }, 'malformed_credentials'],
    ['expired', { authorization: `Bearer ${await jwt(claims, { expiresAt: nowSeconds - 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(secret)}` }, 'expired_jwt'],
    ['wrong issuer', { authorization: `Bearer ${await jwt(claims, { issuer: 'evil' }).setProtectedHeader({ alg: 'HS256' }).sign(secret)}` }, 'invalid_jwt'],
    ['wrong audience', { authorization: `Bearer ${await jwt(claims, { audience: 'other' }).setProtectedHeader({ alg: 'HS256' }).sign(secret)}` }, 'invalid_jwt'],
    ['unknown role', { authorization: `Bearer ${await jwt({ org: 'o', role: 'root' }).setProtectedHeader({ alg: 'HS256' }).sign(secret)}` }, 'invalid_jwt'],
    ['HS384 not configured', { authorization: `Bearer ${await jwt(claims).setProtectedHeader({ alg: 'HS384' }).sign(new Uint8Array(48))}` }, 'invalid_jwt'],
  ];
  const failures: string[] = [];
  for (const [name, headers, reason] of cases) {
    const result = await authenticate(headers, config);
    if (result.ok || result.reason !== reason) failures.push(`${name}: ${JSON.stringify(result)}`);
  }
  expect(`${failures.length} out of ${cases.length} failed\n${failures.join('\n')}`).toBe(`0 out of ${cases.length} failed\n`);
});
