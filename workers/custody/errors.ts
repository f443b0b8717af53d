/**
 * What the custodial key store refuses, as one error class with stable codes. Every refusal leaves the
 * store as it was: nothing is half written and no key is handed out.
 */

export const CustodyErrorCode = {
  /** The organisation id cannot name a key file: 1 to 128 of `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`. */
  organizationIdInvalid: 'CUSTODY_ORG_ID_INVALID',
  /** The text given to `importKey` is not signer key text `PRIVATE+KEY+<name>+<id>+<key>` for an Ed25519 key. */
  keyMalformed: 'CUSTODY_KEY_MALFORMED',
  /** The store already holds another key for this organisation; keys are never silently replaced. */
  keyExists: 'CUSTODY_KEY_EXISTS',
  /** The store holds no key for this organisation. */
  keyMissing: 'CUSTODY_KEY_MISSING',
  /** The master secret is not the one the key file was sealed under. */
  wrongSecret: 'CUSTODY_WRONG_SECRET',
  /** The key file was changed after it was sealed (ciphertext, tag, nonce or a bound field). */
  tampered: 'CUSTODY_TAMPERED',
  /** The key file is not a key file of this format (not JSON, wrong version, fields missing or too large). */
  fileMalformed: 'CUSTODY_FILE_MALFORMED',
  /** The master secret is too short, or its file is readable by others than its owner. */
  secretUnusable: 'CUSTODY_SECRET_UNUSABLE',
} as const;

export type CustodyErrorCode = (typeof CustodyErrorCode)[keyof typeof CustodyErrorCode];

export class CustodyError extends Error {
  override readonly name = 'CustodyError';
  constructor(
    readonly code: CustodyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
