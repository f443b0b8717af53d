/**
 * Partner JWTs: HS256 with a configured secret and/or EdDSA with configured public keys. The
 * algorithm list is fixed by configuration, never taken from the token, so a token cannot choose
 * `none` or switch an EdDSA public key into an HMAC secret.
 */
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { isIdentityField, isIdentityRole, type Identity } from '../identity.js';
import type { AuthFailureReason } from './errors.js';

export const jwtLengthMax = 8192;
export const jwtClockToleranceSeconds = 30;
export const jwtEddsaPublicKeyCountMax = 16;

export interface JwtConfig {
  issuer: string;
  audience: string;
  /** HS256 secret; at least 32 bytes. */
  hs256Secret?: Uint8Array;
  /** EdDSA (Ed25519) public keys; a token with a `kid` is checked against the key of that id only. */
  eddsaPublicKeys?: ReadonlyArray<{ keyId?: string; key: KeyObject }>;
}

export type JwtResult = { ok: true; identity: Identity } | { ok: false; reason: AuthFailureReason };

/** Checks a config before use. Requires nothing; throws a TypeError naming the problem. */
export function assertJwtConfig(config: JwtConfig): void {
  if (config.hs256Secret === undefined && (config.eddsaPublicKeys?.length ?? 0) === 0) {
    throw new TypeError('JWT config needs an HS256 secret or at least one EdDSA public key');
  }
  if (config.hs256Secret !== undefined && config.hs256Secret.byteLength < 32) throw new TypeError('HS256 secret must be at least 32 bytes');
  if ((config.eddsaPublicKeys?.length ?? 0) > jwtEddsaPublicKeyCountMax) throw new TypeError(`at most ${jwtEddsaPublicKeyCountMax} EdDSA keys`);
  if (config.issuer === '' || config.audience === '') throw new TypeError('JWT issuer and audience must be set');
}

function identityFromPayload(payload: JWTPayload): Identity | null {
  const { org, role, sub } = payload;
  if (!isIdentityField(org) || !isIdentityRole(role) || !isIdentityField(sub)) return null;
  return { organizationId: org, role, subject: sub };
}

/** Verifies a partner JWT. Requires: `config` passed `assertJwtConfig`. */
export async function verifyPartnerJwt(token: string, config: JwtConfig, now?: Date): Promise<JwtResult> {
  if (token.length > jwtLengthMax) return { ok: false, reason: 'malformed_credentials' };
  let algorithm: unknown;
  let keyId: unknown;
  try {
    ({ alg: algorithm, kid: keyId } = decodeProtectedHeader(token));
  } catch {
    return { ok: false, reason: 'malformed_credentials' };
  }
  let keys: Array<Uint8Array | KeyObject>;
  if (algorithm === 'HS256' && config.hs256Secret !== undefined) {
    keys = [config.hs256Secret];
  } else if (algorithm === 'EdDSA' && (config.eddsaPublicKeys?.length ?? 0) > 0) {
    const candidates = config.eddsaPublicKeys ?? [];
    keys = (typeof keyId === 'string' ? candidates.filter((entry) => entry.keyId === keyId) : candidates).map((entry) => entry.key);
  } else {
    return { ok: false, reason: 'invalid_jwt' };
  }
  let sawExpired = false;
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [algorithm],
        issuer: config.issuer,
        audience: config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: jwtClockToleranceSeconds,
        ...(now === undefined ? {} : { currentDate: now }),
      });
      const identity = identityFromPayload(payload);
      return identity === null ? { ok: false, reason: 'invalid_jwt' } : { ok: true, identity };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) sawExpired = true;
      else if (!(error instanceof joseErrors.JOSEError)) throw error;
    }
  }
  return { ok: false, reason: sawExpired ? 'expired_jwt' : 'invalid_jwt' };
}
