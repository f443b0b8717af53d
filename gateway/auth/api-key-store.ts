/**
 * API keys live in a JSON file as SHA-256 hashes: a leaked store file does not leak usable keys.
 * File shape: `{ "keys": [{ "keyHash": "<64 hex>", "organizationId": "...", "role": "partner", "label": "..." }] }`
 * (a bare array of entries is accepted too).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIdentityField, isIdentityRole, type Identity, type IdentityRole } from '../identity.js';

export const apiKeyPrefix = 'tl_';
/** Longer presented keys are refused before hashing. */
export const apiKeyLengthMax = 256;
export const apiKeyStoreEntryCountMax = 100_000;
export const apiKeyStoreBytesMax = 32 * 1024 * 1024;

export interface ApiKeyEntry {
  keyHash: string;
  organizationId: string;
  role: IdentityRole;
  label: string;
}

export interface ApiKeyStore {
  /** Returns the identity for a presented key, or null. Requires nothing of `apiKey`. */
  lookup(apiKey: string): Identity | null;
  readonly size: number;
}

export class ApiKeyStoreError extends Error {
  override readonly name = 'ApiKeyStoreError';
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new random key (`tl_` + 32 random bytes, base64url) and the store entry that admits it. */
export function generateApiKey(organizationId: string, role: IdentityRole, label: string): { apiKey: string; entry: ApiKeyEntry } {
  const apiKey = apiKeyPrefix + randomBytes(32).toString('base64url');
  return { apiKey, entry: { keyHash: hashApiKey(apiKey), organizationId, role, label } };
}

function parseEntry(raw: unknown, index: number): ApiKeyEntry {
  if (typeof raw !== 'object' || raw === null) throw new ApiKeyStoreError(`key entry ${index} is not an object`);
  const entry = raw as Record<string, unknown>;
  const { keyHash, organizationId, role, label } = entry;
  if (typeof keyHash !== 'string' || !/^[0-9a-f]{64}$/.test(keyHash)) {
    throw new ApiKeyStoreError(`key entry ${index}: keyHash must be 64 lowercase hex characters (SHA-256)`);
  }
  if (!isIdentityField(organizationId)) throw new ApiKeyStoreError(`key entry ${index}: organizationId missing`);
  if (!isIdentityRole(role)) throw new ApiKeyStoreError(`key entry ${index}: unknown role`);
  if (!isIdentityField(label)) throw new ApiKeyStoreError(`key entry ${index}: label missing`);
  return { keyHash, organizationId, role, label };
}

/** Builds a store from entries; refuses duplicates and malformed entries (a store is all good or refused). */
export function createApiKeyStore(rawEntries: unknown): ApiKeyStore {
  const list = Array.isArray(rawEntries)
    ? rawEntries
    : typeof rawEntries === 'object' && rawEntries !== null && Array.isArray((rawEntries as { keys?: unknown }).keys)
      ? ((rawEntries as { keys: unknown[] }).keys)
      : null;
  if (list === null) throw new ApiKeyStoreError('key store must be an array of entries or { "keys": [...] }');
  if (list.length > apiKeyStoreEntryCountMax) throw new ApiKeyStoreError(`key store holds more than ${apiKeyStoreEntryCountMax} keys`);
  const byHash = new Map<string, Identity>();
  list.forEach((raw, index) => {
    const entry = parseEntry(raw, index);
    if (byHash.has(entry.keyHash)) throw new ApiKeyStoreError(`key entry ${index}: duplicate keyHash`);
    byHash.set(entry.keyHash, { organizationId: entry.organizationId, role: entry.role, subject: `api-key:${entry.label}` });
  });
  return {
    size: byHash.size,
    lookup(apiKey: string): Identity | null {
      if (!apiKey.startsWith(apiKeyPrefix) || apiKey.length > apiKeyLengthMax) return null;
      // The map is keyed by the hash, so lookup time depends on the hash, not on how much of the key matched.
      return byHash.get(hashApiKey(apiKey)) ?? null;
    },
  };
}

/** Reads a key store file. Requires: the file is JSON of the shape above, at most `apiKeyStoreBytesMax`. */
export async function loadApiKeyStore(path: string): Promise<ApiKeyStore> {
  const text = await readFile(path, 'utf8');
  if (Buffer.byteLength(text) > apiKeyStoreBytesMax) throw new ApiKeyStoreError('key store file too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiKeyStoreError('key store file is not valid JSON');
  }
  return createApiKeyStore(parsed);
}
