/**
 * The identity header is the only thing a subgraph trusts about its caller. This proves that a
 * header signed by the gateway for this subgraph verifies, and that a missing, forged (other key,
 * tampered payload, `alg: none`, wrong `typ`), expired, or wrong-audience header is refused; and that
 * the gateway's reuse of signed headers and a subgraph's memory of verified ones change no answer.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  identityHeaderCacheEntriesMax,
  identityHeaderLifetimeSeconds,
  identityHeaderReuseSeconds,
  IdentityHeaderSigner,
  IdentityHeaderVerifier,
  signIdentityHeader,
  verifyIdentityHeader,
} from './identity-header.js';
import type { Identity } from './identity.js';

const gatewayKeys = generateKeyPairSync('ed25519');
const otherKeys = generateKeyPairSync('ed25519');
const identity: Identity = { organizationId: 'org-acme', role: 'partner', subject: 'api-key:acme-ci' };
const nowSeconds = 1_800_000_000;

test('a header signed for this subgraph verifies to the identity', async () => {
  const header = await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds);
  expect(await verifyIdentityHeader(header, gatewayKeys.publicKey, 'production', nowSeconds + 1)).toEqual({ ok: true, identity });
});

test('missing, forged, tampered, unsigned, wrong-typ, expired and wrong-audience headers are refused', async () => {
  const good = await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds);
  const forged = await signIdentityHeader({ ...identity, role: 'admin' }, otherKeys.privateKey, 'production', nowSeconds);
  const [headerPart, , signaturePart] = good.split('.');
  const tamperedPayload = Buffer.from(JSON.stringify({ org: 'org-acme', role: 'admin', sub: 'x', aud: 'production', iss: 'twinledger-gateway', iat: nowSeconds, exp: nowSeconds + 60 })).toString('base64url');
  const tampered = `${headerPart}.${tamperedPayload}.${signaturePart}`;
  const unsigned = `${Buffer.from('{"alg":"none","typ":"twinledger-identity+jwt"}').toString('base64url')}.${tamperedPayload}.`;
  const wrongType = await new SignJWT({ org: 'org-acme', role: 'partner' })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer('twinledger-gateway')
    .setSubject('x')
    .setAudience('production')
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 60)
    .sign(gatewayKeys.privateKey);
  const cases: Array<[string, string | undefined, number, string]> = [
    ['missing', undefined, nowSeconds, 'missing'],
    ['forged', forged, nowSeconds, 'bad_signature'],
    ['tampered', tampered, nowSeconds, 'bad_signature'],
    ['unsigned', unsigned, nowSeconds, 'malformed'],
    ['wrong typ', wrongType, nowSeconds, 'malformed'],
    ['expired', good, nowSeconds + identityHeaderLifetimeSeconds + 10, 'expired'],
    ['too long', 'a'.repeat(5000), nowSeconds, 'too_long'],
  ];
  const failures: string[] = [];
  for (const [name, header, at, reason] of cases) {
    const result = await verifyIdentityHeader(header, gatewayKeys.publicKey, 'production', at);
    if (result.ok || result.reason !== reason || result.code !== 'UNAUTHENTICATED') failures.push(`${name}: ${JSON.stringify(result)}`);
  }
  const wrongAudience = await verifyIdentityHeader(good, gatewayKeys.publicKey, 'finance', nowSeconds);
  if (wrongAudience.ok || wrongAudience.reason !== 'wrong_audience') failures.push(`wrong audience: ${JSON.stringify(wrongAudience)}`);
  expect(`${failures.length} out of ${cases.length + 1} failed\n${failures.join('\n')}`).toBe(`0 out of ${cases.length + 1} failed\n`);
});

test('the signer sends one header per identity and subgraph while it is younger than the reuse time', async () => {
  const signer = new IdentityHeaderSigner(gatewayKeys.privateKey);
  const first = await signer.headerFor(identity, 'production', nowSeconds);
  expect(first).toBe(await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds));
  expect(await signer.headerFor(identity, 'production', nowSeconds + identityHeaderReuseSeconds - 1)).toBe(first);

  const renewed = await signer.headerFor(identity, 'production', nowSeconds + identityHeaderReuseSeconds);
  expect(renewed).toBe(await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds + identityHeaderReuseSeconds));
  // A clock stepped back must not revive a header signed "in the future".
  expect(await signer.headerFor(identity, 'production', nowSeconds)).toBe(first);
  expect(await signer.headerFor(identity, 'production', nowSeconds - 1)).toBe(await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds - 1));

  const otherSubgraph = await signer.headerFor(identity, 'supply', nowSeconds + 1);
  expect(await verifyIdentityHeader(otherSubgraph, gatewayKeys.publicKey, 'supply', nowSeconds + 1)).toEqual({ ok: true, identity });
  const otherRole = await signer.headerFor({ ...identity, role: 'regulator' }, 'production', nowSeconds + 1);
  expect(await verifyIdentityHeader(otherRole, gatewayKeys.publicKey, 'production', nowSeconds + 1)).toEqual({ ok: true, identity: { ...identity, role: 'regulator' } });
});

test('the signer forgets its oldest header past the bound', async () => {
  const signer = new IdentityHeaderSigner(gatewayKeys.privateKey);
  const subject = (index: number): Identity => ({ ...identity, subject: `api-key:${index}` });
  const first = await signer.headerFor(subject(0), 'production', nowSeconds);
  for (let index = 1; index <= identityHeaderCacheEntriesMax; index += 1) await signer.headerFor(subject(index), 'production', nowSeconds);
  expect(await signer.headerFor(subject(identityHeaderCacheEntriesMax), 'production', nowSeconds + 1)).toBe(
    await signIdentityHeader(subject(identityHeaderCacheEntriesMax), gatewayKeys.privateKey, 'production', nowSeconds),
  );
  expect(await signer.headerFor(subject(0), 'production', nowSeconds + 1)).not.toBe(first);
});

test('a verifier that remembers headers answers as a full verification at every second of a header\'s life', async () => {
  const header = await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds);
  const differences: string[] = [];
  for (let offsetSeconds = -10; offsetSeconds <= identityHeaderLifetimeSeconds + 10; offsetSeconds += 1) {
    const verifier = new IdentityHeaderVerifier(gatewayKeys.publicKey, 'production');
    // Remembered while valid at issue time, then asked again at the offset.
    expect(await verifier.verify(header, nowSeconds)).toEqual({ ok: true, identity });
    const remembered = await verifier.verify(header, nowSeconds + offsetSeconds);
    const fresh = await verifyIdentityHeader(header, gatewayKeys.publicKey, 'production', nowSeconds + offsetSeconds);
    if (JSON.stringify(remembered) !== JSON.stringify(fresh)) differences.push(`${offsetSeconds}: ${JSON.stringify(remembered)} vs ${JSON.stringify(fresh)}`);
  }
  expect(differences).toEqual([]);
});

test('a verifier refuses what it would refuse without memory, and an expired header stays refused', async () => {
  const verifier = new IdentityHeaderVerifier(gatewayKeys.publicKey, 'production');
  const good = await signIdentityHeader(identity, gatewayKeys.privateKey, 'production', nowSeconds);
  const forSupply = await signIdentityHeader(identity, gatewayKeys.privateKey, 'supply', nowSeconds);
  const forged = await signIdentityHeader(identity, otherKeys.privateKey, 'production', nowSeconds);
  expect(await verifier.verify(good, nowSeconds)).toEqual({ ok: true, identity });
  expect(await verifier.verify(forSupply, nowSeconds)).toMatchObject({ ok: false, reason: 'wrong_audience' });
  expect(await verifier.verify(forged, nowSeconds)).toMatchObject({ ok: false, reason: 'bad_signature' });
  expect(await verifier.verify(forged, nowSeconds)).toMatchObject({ ok: false, reason: 'bad_signature' });
  expect(await verifier.verify([good, good], nowSeconds)).toMatchObject({ ok: false, reason: 'malformed' });
  expect(await verifier.verify(undefined, nowSeconds)).toMatchObject({ ok: false, reason: 'missing' });
  const late = nowSeconds + identityHeaderLifetimeSeconds + 10;
  expect(await verifier.verify(good, late)).toMatchObject({ ok: false, reason: 'expired' });
  expect(await verifier.verify(good, late)).toMatchObject({ ok: false, reason: 'expired' });
  expect(await verifier.verify(good, nowSeconds + 1)).toEqual({ ok: true, identity });
});
