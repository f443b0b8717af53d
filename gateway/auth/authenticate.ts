/**
 * Turns request headers into a verified identity. Credentials: `Authorization: Bearer tl_...` or
 * `x-api-key: tl_...` (API key), or `Authorization: Bearer <JWT>`. Presenting two different
 * credentials is refused rather than picking one.
 */
import type { Identity } from '../identity.js';
import { apiKeyPrefix, type ApiKeyStore } from './api-key-store.js';
import type { AuthFailureReason } from './errors.js';
import { verifyPartnerJwt, type JwtConfig } from './jwt.js';

export interface AuthConfig {
  apiKeys: ApiKeyStore;
  /** Absent: JWTs are refused. */
  jwt?: JwtConfig;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: AuthFailureReason };

/** Header values as node:http gives them (lowercase names). */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

/** Requires: `headers` keys are lowercase. Never throws for bad input. */
export async function authenticate(headers: IncomingHeaders, config: AuthConfig): Promise<AuthResult> {
  const authorization = single(headers['authorization']);
  const apiKeyHeader = single(headers['x-api-key']);
  if (authorization === null || apiKeyHeader === null) return { ok: false, reason: 'malformed_credentials' };
  let bearer: string | undefined;
  if (authorization !== undefined && authorization !== '') {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null || match[1] === undefined) return { ok: false, reason: 'malformed_credentials' };
    bearer = match[1];
  }
  const presentedApiKey = apiKeyHeader !== undefined && apiKeyHeader !== '' ? apiKeyHeader.trim() : undefined;
  if (bearer !== undefined && presentedApiKey !== undefined && bearer !== presentedApiKey) {
    return { ok: false, reason: 'malformed_credentials' };
  }
  const apiKey = presentedApiKey ?? (bearer?.startsWith(apiKeyPrefix) ? bearer : undefined);
  if (apiKey !== undefined) {
    const identity = config.apiKeys.lookup(apiKey);
    return identity === null ? { ok: false, reason: 'unknown_api_key' } : { ok: true, identity };
  }
  if (bearer === undefined) return { ok: false, reason: 'missing_credentials' };
  if (config.jwt === undefined) return { ok: false, reason: 'jwt_not_configured' };
  return verifyPartnerJwt(bearer, config.jwt);
}
