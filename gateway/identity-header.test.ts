/**
 * The identity header is the only thing a subgraph trusts about its caller. This proves that a
 * header signed by the gateway for this subgraph verifies, and that a missing, forged (other key,
 * tampered payload, `alg: none`, wrong `typ`), expired, or wrong-audience header is refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { identityHeaderLifetimeSeconds, signIdentityHeader, verifyIdentityHeader } from './identity-header.js';
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
