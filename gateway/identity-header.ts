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
import { BoundedLruCache } from '@twinledger/ledger-core/chain/bounded-lru';
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
/** A header older than this is refused whatever its `exp` says. */
const identityHeaderMaxAgeSeconds = identityHeaderLifetimeSeconds + identityHeaderClockToleranceSeconds;
/** A header longer than this is refused before any cryptography. */
export const identityHeaderBytesMax = 4096;
/**
 * The gateway sends the same signed header again while it is younger than this, so a header reaching a
 * subgraph always has at least half its lifetime left, and one Ed25519 signature serves every request of
 * that identity to that subgraph for this long instead of one per request.
 */
export const identityHeaderReuseSeconds = identityHeaderLifetimeSeconds / 2;
/** Headers a signer or a verifier remembers; past this the least recently used is forgotten and signed or verified again. */
export const identityHeaderCacheEntriesMax = 1_024;

export type IdentityHeaderRefusalReason = 'missing' | 'too_long' | 'bad_signature' | 'expired' | 'wrong_audience' | 'malformed';

export interface IdentityHeaderRefusal {
  ok: false;
  code: 'UNAUTHENTICATED';
  reason: IdentityHeaderRefusalReason;
  message: string;
}

export type IdentityHeaderResult = { ok: true; identity: Identity } | IdentityHeaderRefusal;

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

/**
 * Signs identity headers for the gateway, sending a header again while it is younger than
 * `identityHeaderReuseSeconds`. A header carries no request-specific claim (it names an identity and one
 * subgraph for a bounded time), so a reused header proves exactly what a fresh one would.
 */
export class IdentityHeaderSigner {
  private readonly signed = new BoundedLruCache<string, { header: string; issuedAtSeconds: number }>(identityHeaderCacheEntriesMax);

  constructor(private readonly signingKey: KeyObject) {}

  async headerFor(identity: Identity, subgraphName: string, nowSeconds: number = Math.floor(Date.now() / 1000)): Promise<string> {
    const key = JSON.stringify([identity.organizationId, identity.role, identity.subject, subgraphName]);
    const cached = this.signed.get(key);
    // A clock that stepped back makes the cached header's age negative: sign afresh rather than trust it.
    if (cached !== undefined && nowSeconds >= cached.issuedAtSeconds && nowSeconds - cached.issuedAtSeconds < identityHeaderReuseSeconds) {
      return cached.header;
    }
    const header = await signIdentityHeader(identity, this.signingKey, subgraphName, nowSeconds);
    this.signed.set(key, { header, issuedAtSeconds: nowSeconds });
    return header;
  }
}

function refuse(reason: IdentityHeaderRefusalReason, message: string): IdentityHeaderRefusal {
  return { ok: false, code: 'UNAUTHENTICATED', reason, message };
}

interface VerifiedIdentityHeader {
  identity: Identity;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
}

type IdentityHeaderCheck = { ok: true; verified: VerifiedIdentityHeader } | IdentityHeaderRefusal;

async function checkIdentityHeader(
  header: string | string[] | undefined | null,
  verifyKey: KeyObject,
  subgraphName: string,
  nowSeconds: number | undefined,
): Promise<IdentityHeaderCheck> {
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
      maxTokenAge: identityHeaderMaxAgeSeconds,
      ...(nowSeconds === undefined ? {} : { currentDate: new Date(nowSeconds * 1000) }),
    });
    const { org, role, sub, iat, exp } = payload;
    if (!isIdentityField(org) || !isIdentityRole(role) || !isIdentityField(sub)) {
      return refuse('malformed', 'Gateway identity lacks organisation, role or subject');
    }
    // Required claims, and jose has checked both are numbers.
    if (iat === undefined || exp === undefined) throw new Error('invariant: verified identity header without iat or exp');
    return { ok: true, verified: { identity: { organizationId: org, role, subject: sub }, issuedAtSeconds: iat, expiresAtSeconds: exp } };
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
  const checked = await checkIdentityHeader(header, verifyKey, subgraphName, nowSeconds);
  return checked.ok ? { ok: true, identity: checked.verified.identity } : checked;
}

/** The time checks `jwtVerify` makes, for a header whose signature and claims were verified before. */
function isWithinLifetime(verified: VerifiedIdentityHeader, nowSeconds: number): boolean {
  const ageSeconds = nowSeconds - verified.issuedAtSeconds;
  return (
    verified.expiresAtSeconds > nowSeconds - identityHeaderClockToleranceSeconds &&
    ageSeconds - identityHeaderClockToleranceSeconds <= identityHeaderMaxAgeSeconds &&
    ageSeconds >= -identityHeaderClockToleranceSeconds
  );
}

/**
 * Verifies identity headers for one subgraph, remembering the ones that verified: the gateway sends
 * the same header for up to `identityHeaderReuseSeconds`, and a remembered header is accepted only while
 * the time checks of a full verification would still pass it. Refusals are not remembered, so they cost
 * a full verification each and cannot push verified headers out.
 */
export class IdentityHeaderVerifier {
  private readonly verified = new BoundedLruCache<string, VerifiedIdentityHeader>(identityHeaderCacheEntriesMax);

  constructor(
    private readonly verifyKey: KeyObject,
    private readonly subgraphName: string,
  ) {}

  async verify(header: string | string[] | undefined | null, nowSeconds?: number): Promise<IdentityHeaderResult> {
    if (typeof header === 'string') {
      const remembered = this.verified.get(header);
      // A remembered header past its lifetime is verified in full, which refuses it; the entry ages out.
      if (remembered !== undefined && isWithinLifetime(remembered, nowSeconds ?? Math.floor(Date.now() / 1000))) return { ok: true, identity: remembered.identity };
    }
    const checked = await checkIdentityHeader(header, this.verifyKey, this.subgraphName, nowSeconds);
    if (!checked.ok) return checked;
    if (typeof header === 'string') this.verified.set(header, checked.verified);
    return { ok: true, identity: checked.verified.identity };
  }
}
