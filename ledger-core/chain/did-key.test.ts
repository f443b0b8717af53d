/**
 * did:key for Ed25519. Proves: every W3C CCG test vector maps seed → public key → DID and back (both
 * directions, failures collected into one report); random keys round-trip; and each kind of malformed
 * DID (wrong prefix, multibase, codec, length, bad base58, fragment, over-long) is refused with its
 * own code and a message that names the problem; every spelling accepted is the one its key encodes
 * to (one key, one identifier); a remembered key cannot be changed by a caller.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { base58, base64urlnopad } from '@scure/base';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { DidKeyError, didKeyFromPublicKey, publicKeyFromDidKey, type DidKeyErrorCode } from './did-key.js';
import { publicKeyFromPrivateKey } from './ed25519.js';
import { allPassed, runVectors } from './vector-report.js';

interface DidKeyVector {
  seed: string;
  verificationKeyPair: { publicKeyBase58?: string; publicKeyJwk?: { x: string } };
}

const vectorPath = path.resolve(__dirname, '../../../shared/vectors/did-key/ed25519-x25519.json');
const vectors = Object.entries(JSON.parse(fs.readFileSync(vectorPath, 'utf8')) as Record<string, DidKeyVector>);

function vectorPublicKey(vector: DidKeyVector): Uint8Array {
  const { publicKeyBase58, publicKeyJwk } = vector.verificationKeyPair;
  if (publicKeyBase58 !== undefined) return base58.decode(publicKeyBase58);
  if (publicKeyJwk !== undefined) return base64urlnopad.decode(publicKeyJwk.x);
  throw new Error('vector has no public key');
}

describe('W3C did:key vectors', () => {
  it('has every vector', () => {
    expect(vectors).toHaveLength(5);
  });

  it('maps seed → key → DID and DID → key for every vector', () => {
    const report = runVectors(
      vectors,
      ([did]) => did,
      ([did, vector]) => {
        const publicKey = vectorPublicKey(vector);
        const derived = publicKeyFromPrivateKey(hexToBytes(vector.seed));
        if (bytesToHex(derived) !== bytesToHex(publicKey)) return `seed gives key ${bytesToHex(derived)}`;
        if (didKeyFromPublicKey(publicKey) !== did) return `key gives ${didKeyFromPublicKey(publicKey)}`;
        if (bytesToHex(publicKeyFromDidKey(did)) !== bytesToHex(publicKey)) return 'DID gives a different key';
        return undefined;
      },
    );
    expect(report.text).toBe(allPassed(vectors.length));
  });
});

it('round-trips random keys', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (publicKey) => {
      const did = didKeyFromPublicKey(publicKey);
      expect(did.startsWith('did:key:z6Mk')).toBe(true);
      expect(bytesToHex(publicKeyFromDidKey(did))).toBe(bytesToHex(publicKey));
    }),
    { numRuns: 200 },
  );
});

it('accepts only the one spelling each key encodes to', () => {
  const base58Alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  // Random digit strings of an Ed25519 did:key's length: after "6Mk", about a third decode to 34 bytes
  // with the ed25519-pub codec; the other heads are refused (another codec, or a leading zero byte).
  const digits = fc.array(fc.integer({ min: 0, max: base58Alphabet.length - 1 }), { minLength: 44, maxLength: 44 }).map((indexes) => indexes.map((index) => base58Alphabet[index]).join(''));
  const spelling = fc.tuple(fc.constantFrom('6Mk', '6Mk', '6Mk', '6Mk', '6M', '1', '16Mk'), digits);
  let accepted = 0;
  fc.assert(
    fc.property(spelling, ([head, tail]) => {
      const did = `did:key:z${head}${tail}`;
      let publicKey: Uint8Array;
      try {
        publicKey = publicKeyFromDidKey(did);
      } catch (error: unknown) {
        expect(error).toBeInstanceOf(DidKeyError);
        return;
      }
      accepted++;
      expect(didKeyFromPublicKey(publicKey)).toBe(did);
    }),
    { numRuns: 4_000 },
  );
  // The property is only worth as much as the spellings it was checked on.
  expect(accepted).toBeGreaterThan(400);
});

describe('malformed DIDs', () => {
  const good = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
  const x25519 = 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW';
  const withCodec = (bytes: number[]) => `did:key:z${base58.encode(Uint8Array.from(bytes))}`;
  const cases: Array<[string, string, DidKeyErrorCode, RegExp]> = [
    ['other DID method', 'did:web:example.com', 'DID_KEY_WRONG_PREFIX', /starts with "did:key:"/],
    ['upper-case method', good.replace('did:key', 'DID:KEY'), 'DID_KEY_WRONG_PREFIX', /did:key/],
    ['base64url multibase', good.replace(':z', ':u'), 'DID_KEY_WRONG_MULTIBASE', /base58btc/],
    ['no multibase value', 'did:key:', 'DID_KEY_WRONG_MULTIBASE', /base58btc/],
    ['character outside base58', good.replace('Mki', 'M0i'), 'DID_KEY_BAD_BASE58', /not base58btc/],
    ['DID URL with a fragment', `${good}#key-1`, 'DID_KEY_BAD_BASE58', /not base58btc/],
    ['X25519 key', x25519, 'DID_KEY_WRONG_CODEC', /0xed01/],
    ['secp256k1 codec', withCodec([0xe7, 0x01, ...new Array<number>(33).fill(2)]), 'DID_KEY_WRONG_CODEC', /Ed25519/],
    ['empty value', 'did:key:z', 'DID_KEY_WRONG_CODEC', /Ed25519/],
    ['31-byte key', withCodec([0xed, 0x01, ...new Array<number>(31).fill(7)]), 'DID_KEY_WRONG_LENGTH', /carries 32 key bytes, this one 31/],
    ['33-byte key', withCodec([0xed, 0x01, ...new Array<number>(33).fill(7)]), 'DID_KEY_WRONG_LENGTH', /this one 33/],
    ['leading zero byte', `did:key:z1${good.slice('did:key:z'.length)}`, 'DID_KEY_WRONG_CODEC', /Ed25519/],
    ['over-long input', `did:key:z${'1'.repeat(200)}`, 'DID_KEY_TOO_LONG', /at most 128/],
  ];

  it('refuses each with its code and a clear message', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, did, code, message]) => {
        try {
          publicKeyFromDidKey(did);
          return 'was accepted';
        } catch (error: unknown) {
          if (!(error instanceof DidKeyError)) return `threw ${String(error)}`;
          if (error.code !== code) return `code ${error.code}, expected ${code}`;
          if (!message.test(error.message)) return `message "${error.message}" does not match ${String(message)}`;
          return undefined;
        }
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });

  it('refuses a public key of the wrong length', () => {
    expect(() => didKeyFromPublicKey(new Uint8Array(33))).toThrow(DidKeyError);
  });
});

it('hands out a fresh copy of a remembered key, so a caller cannot change it for the next one', () => {
  const did = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';
  const first = publicKeyFromDidKey(did);
  const expected = bytesToHex(first);
  first.fill(0);
  expect(bytesToHex(publicKeyFromDidKey(did))).toBe(expected);
});
