/**
 * Who may read a device's private fields (grants, open offer, access log, access decisions): its
 * owner's partners, and the analyst and regulator roles across organisations. Everyone else is
 * refused with FORBIDDEN, never given an empty answer, so a caller can tell "none" from "not yours".
 */
import type { Identity } from '@twinledger/gateway';
import { forbidden } from './errors.js';

const readAcrossRoles: ReadonlySet<string> = new Set(['analyst', 'regulator']);

/** True when `identity` may read private data of organisation `ownerId`. */
export function mayReadPrivate(identity: Identity, ownerId: string): boolean {
  return readAcrossRoles.has(identity.role) || identity.organizationId === ownerId;
}

/** Throws FORBIDDEN unless `identity` may read private data of organisation `ownerId`. */
export function requirePrivateRead(identity: Identity, ownerId: string, what: string): void {
  if (!mayReadPrivate(identity, ownerId)) throw forbidden(`${what} is private to the device's owner`);
}
