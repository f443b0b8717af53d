/**
 * Custodial organisation keys for the default deployment: organisations that do not sign their own
 * transactions have their Ed25519 seed held here, one file per organisation, sealed with AES-256-GCM
 * under a key derived by scrypt from a master secret. The secret comes from TWINLEDGER_CUSTODY_SECRET,
 * or from a file created with mode 0600 on first use beside (not inside) the key folder, so that a copy
 * of the key folder alone does not carry what opens it.
 *
 * A key file binds its organisation id, did:key and KDF parameters as additional authenticated data,
 * so renaming a file, swapping the did or lowering the KDF cost is refused like a changed ciphertext.
 * A key check value (an HMAC under the derived key) tells a wrong secret apart from a tampered file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSignerKey, SignedNoteError } from '@twinledger/ledger-core/chain';
import { transactionSigner, type TransactionSigner } from '@twinledger/ledger-core/client';
import { CustodyError, CustodyErrorCode } from './errors.js';

/** The environment variable that holds the master secret when no secret is passed in. */
export const custodySecretEnv = 'TWINLEDGER_CUSTODY_SECRET';
/** Shortest master secret accepted, in characters; a generated one is 64 hex digits. */
export const custodySecretCharactersMin = 32;
/** scrypt cost (N) for new key files: 2^15 takes tens of milliseconds and 32 MiB once per organisation. */
export const custodyScryptCostDefault = 2 ** 15;
/** Range of scrypt costs accepted, for new files and in files read back (a file cannot ask for a huge cost). */
export const custodyScryptCostMin = 2 ** 10;
export const custodyScryptCostMax = 2 ** 20;
/** Largest key file read, in bytes; a key file is under 600. */
export const custodyKeyFileBytesMax = 4_096;
/** Most signers kept unsealed in memory; beyond it the oldest is dropped and unsealed again when asked. */
export const custodySignersCachedMax = 1_024;

const scryptBlockSize = 8;
const scryptParallelization = 1;
const saltBytes = 16;
const nonceBytes = 12;
const tagBytes = 16;
const seedBytes = 32;
const keyCheckLabel = 'twinledger custody key check v1';
const organizationIdPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const keyFileSuffix = '.key.json';

export interface CustodyKeyStoreOptions {
  /** The folder holding one key file per organisation; created with mode 0700 if missing. */
  readonly dir: string;
  /** The master secret. Default: TWINLEDGER_CUSTODY_SECRET, else the contents of `secretFile`. */
  readonly secret?: string;
  /** Where the master secret is kept when neither `secret` nor the environment gives one. Default `<dir>.secret`. */
  readonly secretFile?: string;
  /** scrypt cost for key files this store writes; a power of two in [custodyScryptCostMin, custodyScryptCostMax]. */
  readonly scryptCost?: number;
  /** The environment to read the secret from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What `importKey` stored. */
export interface CustodyKeyInfo {
  readonly organizationId: string;
  readonly did: string;
}

interface KdfParameters {
  readonly name: 'scrypt';
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: string;
}

/** The key file as stored: every binary field in base64. */
interface KeyFile {
  readonly v: 1;
  readonly organizationId: string;
  readonly did: string;
  readonly kdf: KdfParameters;
  readonly nonce: string;
  readonly ciphertext: string;
  readonly tag: string;
  readonly keyCheck: string;
}

export class CustodyKeyStore {
  readonly dir: string;
  private readonly secret: string;
  private readonly scryptCost: number;
  private readonly signers = new Map<string, TransactionSigner>();

  /**
   * Opens (creating if needed) the store in `options.dir`. Requires a master secret of at least
   * `custodySecretCharactersMin` characters from the options, the environment or the secret file (which
   * is created with 32 random bytes in hex, mode 0600, when missing); throws CustodyError
   * `CUSTODY_SECRET_UNUSABLE` for a short secret or a secret file readable by group or others.
   */
  constructor(options: CustodyKeyStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.scryptCost = options.scryptCost ?? custodyScryptCostDefault;
    if (!isScryptCost(this.scryptCost)) throw new RangeError(`scryptCost must be a power of two from ${custodyScryptCostMin} to ${custodyScryptCostMax}`);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const env = options.env ?? process.env;
    this.secret = options.secret ?? env[custodySecretEnv] ?? readOrCreateSecretFile(options.secretFile ?? `${this.dir}.secret`);
    if (this.secret.length < custodySecretCharactersMin) {
      throw new CustodyError(CustodyErrorCode.secretUnusable, `the custody master secret must be at least ${custodySecretCharactersMin} characters`);
    }
  }

  /** The path of `organizationId`'s key file. Requires a valid organisation id (CUSTODY_ORG_ID_INVALID otherwise). */
  keyFilePath(organizationId: string): string {
    checkOrganizationId(organizationId);
    return path.join(this.dir, `${organizationId}${keyFileSuffix}`);
  }

  /** Whether the store holds a key file for `organizationId`. */
  has(organizationId: string): boolean {
    return fs.existsSync(this.keyFilePath(organizationId));
  }

  /**
   * Seals the key in `signerKeyText` (signed-note signer key text, as `twinledger keys new` and the
   * consortium's `organization.key` hold) for `organizationId`, written atomically with mode 0600.
   * Importing the same key again is a no-op; a different key for an organisation already held is
   * refused with CUSTODY_KEY_EXISTS. Throws CUSTODY_KEY_MALFORMED for text that is not such a key.
   */
  async importKey(organizationId: string, signerKeyText: string): Promise<CustodyKeyInfo> {
    const file = this.keyFilePath(organizationId);
    const seed = seedFromSignerKeyText(signerKeyText);
    const { did } = transactionSigner(seed);
    if (fs.existsSync(file)) {
      const held = await this.signerFor(organizationId);
      if (held.did !== did) throw new CustodyError(CustodyErrorCode.keyExists, `the store already holds another key for ${organizationId} (${held.did})`);
      return { organizationId, did };
    }
    const kdf: KdfParameters = {
      name: 'scrypt',
      cost: this.scryptCost,
      blockSize: scryptBlockSize,
      parallelization: scryptParallelization,
      salt: crypto.randomBytes(saltBytes).toString('base64'),
    };
    const keys = await deriveKeys(this.secret, kdf);
    const nonce = crypto.randomBytes(nonceBytes);
    const cipher = crypto.createCipheriv('aes-256-gcm', keys.encryptionKey, nonce, { authTagLength: tagBytes });
    cipher.setAAD(associatedData(organizationId, did, kdf));
    const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
    const keyFile: KeyFile = {
      v: 1,
      organizationId,
      did,
      kdf,
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      keyCheck: keyCheck(keys.checkKey).toString('base64'),
    };
    const created = createFileAtomically(file, `${JSON.stringify(keyFile, null, 2)}\n`);
    seed.fill(0);
    // Another importer won the race for this organisation: the same key is fine, another one is not.
    if (!created) return this.importKey(organizationId, signerKeyText);
    return { organizationId, did };
  }

  /**
   * The signer for `organizationId`, unsealed from its key file (then kept in memory). Throws
   * CustodyError: CUSTODY_KEY_MISSING when the store holds none, CUSTODY_WRONG_SECRET when the master
   * secret is not the one it was sealed under, CUSTODY_TAMPERED when the file was changed,
   * CUSTODY_FILE_MALFORMED when it is not a key file.
   */
  async signerFor(organizationId: string): Promise<TransactionSigner> {
    const cached = this.signers.get(organizationId);
    if (cached !== undefined) return cached;
    const file = this.keyFilePath(organizationId);
    const keyFile = readKeyFile(file);
    if (keyFile.organizationId !== organizationId) throw new CustodyError(CustodyErrorCode.tampered, `${file} names organisation ${keyFile.organizationId}`);
    const keys = await deriveKeys(this.secret, keyFile.kdf);
    if (!crypto.timingSafeEqual(keyCheck(keys.checkKey), Buffer.from(keyFile.keyCheck, 'base64'))) {
      throw new CustodyError(CustodyErrorCode.wrongSecret, `the master secret does not open ${file}`);
    }
    let seed: Buffer;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', keys.encryptionKey, Buffer.from(keyFile.nonce, 'base64'), { authTagLength: tagBytes });
      decipher.setAAD(associatedData(keyFile.organizationId, keyFile.did, keyFile.kdf));
      decipher.setAuthTag(Buffer.from(keyFile.tag, 'base64'));
      seed = Buffer.concat([decipher.update(Buffer.from(keyFile.ciphertext, 'base64')), decipher.final()]);
    } catch {
      throw new CustodyError(CustodyErrorCode.tampered, `${file} fails authentication: it was changed after it was sealed`);
    }
    if (seed.length !== seedBytes) throw new CustodyError(CustodyErrorCode.tampered, `${file} holds ${seed.length} bytes, not an Ed25519 seed`);
    const signer = transactionSigner(new Uint8Array(seed));
    seed.fill(0);
    // Authenticated data makes this hold for any file sealed here; checked again because a did that
    // does not match its key would make the ledger reject every transaction signed with it.
    if (signer.did !== keyFile.did) throw new CustodyError(CustodyErrorCode.tampered, `${file} names ${keyFile.did} but holds the key of ${signer.did}`);
    if (this.signers.size >= custodySignersCachedMax) {
      const oldest = this.signers.keys().next();
      if (oldest.done !== true) this.signers.delete(oldest.value);
    }
    this.signers.set(organizationId, signer);
    return signer;
  }
}

function checkOrganizationId(organizationId: string): void {
  if (!organizationIdPattern.test(organizationId)) {
    throw new CustodyError(CustodyErrorCode.organizationIdInvalid, `an organisation id in custody is 1 to 128 of A-Z a-z 0-9 . _ - not starting with . or -, got ${JSON.stringify(organizationId.slice(0, 200))}`);
  }
}

function isScryptCost(cost: number): boolean {
  return Number.isSafeInteger(cost) && cost >= custodyScryptCostMin && cost <= custodyScryptCostMax && (cost & (cost - 1)) === 0;
}

/** The 32-byte seed in signer key text, whose fifth field is base64 of the type byte 0x01 and the seed. */
function seedFromSignerKeyText(text: string): Buffer {
  const trimmed = text.trim();
  try {
    parseSignerKey(trimmed);
  } catch (error: unknown) {
    if (error instanceof SignedNoteError) throw new CustodyError(CustodyErrorCode.keyMalformed, `not signer key text PRIVATE+KEY+<name>+<id>+<key>: ${error.message}`);
    throw error;
  }
  // The key field is the rest after the fourth "+": base64 may itself hold "+".
  let keyStart = 0;
  for (let field = 0; field < 4; field++) keyStart = trimmed.indexOf('+', keyStart) + 1;
  const typed = Buffer.from(trimmed.slice(keyStart), 'base64');
  if (typed.length !== seedBytes + 1 || typed[0] !== 0x01) throw new CustodyError(CustodyErrorCode.keyMalformed, 'the signer key is not an Ed25519 seed');
  return typed.subarray(1);
}

async function deriveKeys(secret: string, kdf: KdfParameters): Promise<{ encryptionKey: Buffer; checkKey: Buffer }> {
  const material = await new Promise<Buffer>((resolve, reject) => {
    crypto.scrypt(
      secret,
      Buffer.from(kdf.salt, 'base64'),
      64,
      { N: kdf.cost, r: kdf.blockSize, p: kdf.parallelization, maxmem: 256 * kdf.cost * kdf.blockSize },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
  return { encryptionKey: material.subarray(0, 32), checkKey: material.subarray(32, 64) };
}

function keyCheck(checkKey: Buffer): Buffer {
  return crypto.createHmac('sha256', checkKey).update(keyCheckLabel).digest();
}

function associatedData(organizationId: string, did: string, kdf: KdfParameters): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, organizationId, did, kdf: [kdf.name, kdf.cost, kdf.blockSize, kdf.parallelization, kdf.salt] }), 'utf8');
}

function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.size > custodyKeyFileBytesMax) throw new CustodyError(CustodyErrorCode.fileMalformed, `${file} is larger than ${custodyKeyFileBytesMax} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if (error instanceof CustodyError) throw error;
    if (isErrnoCode(error, 'ENOENT')) throw new CustodyError(CustodyErrorCode.keyMissing, `the custody store holds no key for ${path.basename(file, keyFileSuffix)}`);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CustodyError(CustodyErrorCode.fileMalformed, `${file} is not JSON`);
  }
  if (!isKeyFile(value)) throw new CustodyError(CustodyErrorCode.fileMalformed, `${file} is not a version 1 custody key file`);
  return value;
}

function isKeyFile(value: unknown): value is KeyFile {
  if (value === null || typeof value !== 'object') return false;
  const file = value as Record<string, unknown>;
  const kdf = file['kdf'] as Record<string, unknown> | null | undefined;
  const strings = ['organizationId', 'did', 'nonce', 'ciphertext', 'tag', 'keyCheck'].every((key) => typeof file[key] === 'string');
  return (
    file['v'] === 1 &&
    strings &&
    typeof kdf === 'object' &&
    kdf !== null &&
    kdf['name'] === 'scrypt' &&
    typeof kdf['cost'] === 'number' &&
    isScryptCost(kdf['cost']) &&
    kdf['blockSize'] === scryptBlockSize &&
    kdf['parallelization'] === scryptParallelization &&
    typeof kdf['salt'] === 'string'
  );
}

/**
 * The secret in `file`, creating it (mode 0600) when missing. Processes of one platform start together
 * and may race here: an exclusive create of `file` itself let a second process read it empty between
 * the first one's create and write. Created as key files are, whole and linked into place, so every
 * racer reads the first complete secret.
 */
function readOrCreateSecretFile(file: string): string {
  createFileAtomically(file, `${crypto.randomBytes(32).toString('hex')}\n`);
  const stat = fs.statSync(file);
  if ((stat.mode & 0o077) !== 0) {
    throw new CustodyError(CustodyErrorCode.secretUnusable, `${file} is readable by group or others (mode ${(stat.mode & 0o777).toString(8)}); make it 0600`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Writes `text` to a temporary file with mode 0600, flushes it, and links it into place, which fails if
 * `file` exists (a rename would silently replace another importer's key). False when `file` existed.
 */
function createFileAtomically(file: string, text: string): boolean {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const descriptor = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.writeSync(descriptor, text);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error: unknown) {
    if (isErrnoCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function isErrnoCode(error: unknown, code: string): boolean {
  // Structural, not instanceof: errors from node:fs may come from another realm (a test sandbox).
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
