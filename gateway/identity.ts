/**
 * The verified identity of a caller, as the gateway hands it to subgraphs.
 * A subgraph decides scopes (`FORBIDDEN`) from `role` and `organizationId`; the gateway only proves who called.
 */
export const identityRoles = ['partner', 'analyst', 'regulator', 'admin'] as const;
export type IdentityRole = (typeof identityRoles)[number];

export interface Identity {
  organizationId: string;
  role: IdentityRole;
  /** Who acted: the API key's label or the JWT's `sub`. */
  subject: string;
}

/** Bounds on identity fields: a longer value is refused rather than passed on. */
export const identityFieldLengthMax = 256;

export function isIdentityRole(value: unknown): value is IdentityRole {
  return typeof value === 'string' && (identityRoles as readonly string[]).includes(value);
}

/** True when `value` is a non-empty string of at most `identityFieldLengthMax` characters. */
export function isIdentityField(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= identityFieldLengthMax;
}
