/**
 * The signed identity header the gateway sends to every subgraph: `x-twinledger-identity`, a compact JWS.
 *
 * EdDSA (Ed25519) rather than HS256: subgraphs hold only the gateway's public key, so a compromised
 * subgraph can verify identities but cannot mint them for its siblings; with a shared HS256 secret any
 * holder could forge a header for every subgraph. Each header names one subgraph as its audience and
 * lives `identityHeaderLifetimeSeconds`, so a header captured from one subgraph is useless at another
 * and soon useless everywhere.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { isIdentityField, isIdentityRole, type Identity } from './identity.js';

export const identityHeaderName = 'x-twinledger-identity';
/** JWS `typ`: keeps a partner's own JWT, or any other token, from passing as an identity header. */
export const identityHeaderType = 'twinledger-identity+jwt';
export const identityHeaderIssuer = 'twinledger-gateway';
export const identityHeaderAlgorithm = 'EdDSA';
export const identityHeaderLifetimeSeconds = 60;
/** Clock difference tolerated between the gateway and a subgraph. */
export const identityHeaderClockToleranceSeconds = 5;
/** A header longer than this is refused before any cryptography. */
export const identityHeaderBytesMax = 4096;

export type IdentityHeaderRefusalReason = 'missing' | 'too_long' | 'bad_signature' | 'expired' | 'wrong_audience' | 'malformed';

export type IdentityHeaderResult =
  | { ok: true; identity: Identity }
  | { ok: false; code: 'UNAUTHENTICATED'; reason: IdentityHeaderRefusalReason; message: string };

/** Reads an Ed25519 private key (PKCS#8 PEM). Requires: the PEM holds an Ed25519 key. */
export function identitySigningKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('identity signing key must be Ed25519');
  return key;
}

/** Reads an Ed25519 public key (SPKI PEM), or derives it from the private key PEM. */
export function identityVerifyKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('identity verify key must be Ed25519');
  return key;
}

/**
 * Signs `identity` for one subgraph. Requires: `signingKey` is an Ed25519 private key, `subgraphName`
 * is the subgraph's name in the supergraph, `nowSeconds` is the current Unix time.
 */
export async function signIdentityHeader(
  identity: Identity,
  signingKey: KeyObject,
  subgraphName: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ org: identity.organizationId, role: identity.role })
    .setProtectedHeader({ alg: identityHeaderAlgorithm, typ: identityHeaderType })
    .setIssuer(identityHeaderIssuer)
    .setSubject(identity.subject)
    .setAudience(subgraphName)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + identityHeaderLifetimeSeconds)
    .sign(signingKey);
}

function refuse(reason: IdentityHeaderRefusalReason, message: string): IdentityHeaderResult {
  return { ok: false, code: 'UNAUTHENTICATED', reason, message };
}

/**
 * Verifies a header sent by the gateway. A subgraph calls this on every request and refuses the
 * request (`UNAUTHENTICATED`) unless the result is ok. Requires: `verifyKey` is the gateway's Ed25519
 * public key; `subgraphName` is the verifying subgraph's own name. `header` may be anything a client sent.
 */
export async function verifyIdentityHeader(
  header: string | string[] | undefined | null,
  verifyKey: KeyObject,
  subgraphName: string,
  nowSeconds?: number,
): Promise<IdentityHeaderResult> {
  if (header === undefined || header === null || header === '') return refuse('missing', 'Missing gateway identity');
  if (typeof header !== 'string') return refuse('malformed', 'More than one gateway identity');
  if (header.length > identityHeaderBytesMax) return refuse('too_long', 'Gateway identity too long');
  try {
    const { payload } = await jwtVerify(header, verifyKey, {
      algorithms: [identityHeaderAlgorithm],
      typ: identityHeaderType,
      issuer: identityHeaderIssuer,
      audience: subgraphName,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: identityHeaderClockToleranceSeconds,
      maxTokenAge: identityHeaderLifetimeSeconds + identityHeaderClockToleranceSeconds,
      ...(nowSeconds === undefined ? {} : { currentDate: new Date(nowSeconds * 1000) }),
    });
    const { org, role, sub } = payload;
    if (!isIdentityField(org) || !isIdentityRole(role) || !isIdentityField(sub)) {
      return refuse('malformed', 'Gateway identity lacks organisation, role or subject');
    }
    return { ok: true, identity: { organizationId: org, role, subject: sub } };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return refuse('expired', 'Gateway identity expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
      return refuse('wrong_audience', 'Gateway identity is for another subgraph');
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refuse('bad_signature', 'Gateway identity signature invalid');
    if (error instanceof joseErrors.JOSEError) return refuse('malformed', 'Gateway identity invalid');
    throw error;
  }
}
