/**
 * The gateway's public face. Subgraphs import the identity header verifier from here.
 */
export { identityRoles, isIdentityRole, type Identity, type IdentityRole } from './identity.js';
export {
  identityHeaderName,
  identityHeaderLifetimeSeconds,
  identitySigningKeyFromPem,
  identityVerifyKeyFromPem,
  signIdentityHeader,
  verifyIdentityHeader,
  IdentityHeaderSigner,
  IdentityHeaderVerifier,
  type IdentityHeaderResult,
  type IdentityHeaderRefusalReason,
} from './identity-header.js';
export { startGateway, gatewayLimitsDefault, type GatewayOptions, type RunningGateway, type GatewayContext } from './server.js';
export { loadApiKeyStore, createApiKeyStore, generateApiKey, hashApiKey, type ApiKeyStore, type ApiKeyEntry } from './auth/api-key-store.js';
export type { AuthConfig } from './auth/authenticate.js';
export type { JwtConfig } from './auth/jwt.js';
export { limitCodes, type GatewayLimits, type LimitCode } from './limits/index.js';
