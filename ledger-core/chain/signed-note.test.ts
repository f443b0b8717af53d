/**
 * C2SP signed notes with Ed25519 keys. Proves, against the published examples of the Go reference
 * implementation (golang.org/x/mod/sumdb/note, note_test.go and the package documentation, BSD-3-Clause):
 * the PeterNeumann and EnochRoot verifier keys parse to the published key IDs, the PeterNeumann signer
 * key signs the published text to the exact published note, and Open's cases behave alike here (one
 * known key verified and the other ignored, none known refused, a corrupted signature refused, a key
 * known twice refused as ambiguous, over 100 signatures refused, each malformed message refused).
 * Also: every mangling of a key text is refused, as the reference test requires.
 */
import { base64 } from '@scure/base';
import { createNodeCryptoSigner } from './ed25519-node.js';
import {
  formatSignerKey,
  formatVerifierKey,
  mergeNotes,
  noteSignerKey,
  noteVerifierKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  SignedNoteError,
  verifyNote,
  type NoteVerification,
  type NoteVerifierKey,
} from './signed-note.js';
import { createNodeCryptoVerifier } from './ed25519-node.js';
import { allPassed, runVectors } from './vector-report.js';

const peterVerifierText = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const peterSignerText = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const enochVerifierText = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const peterLine = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const enochLine = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

type NoteRefusalCode = Extract<NoteVerification, { ok: false }>['code'];

const peter = parseVerifierKey(peterVerifierText);
const enoch = parseVerifierKey(enochVerifierText);

describe('reference keys', () => {
  it('parse to the published names and key IDs and format back', () => {
    expect(peter.keyName).toBe('PeterNeumann');
    expect(peter.keyId).toBe(0xc74f20a3);
    expect(enoch.keyId).toBe(0xaf0cfe78);
    expect(formatVerifierKey(peter)).toBe(peterVerifierText);
    expect(formatVerifierKey(noteVerifierKey('EnochRoot', enoch.publicKey))).toBe(enochVerifierText);
    const signer = parseSignerKey(peterSignerText);
    expect(signer.keyId).toBe(peter.keyId);
    expect(Buffer.from(signer.publicKey).equals(Buffer.from(peter.publicKey))).toBe(true);
    const seed = base64.decode(peterSignerText.split('+').slice(4).join('+')).slice(1);
    expect(formatSignerKey('PeterNeumann', seed)).toBe(peterSignerText);
  });

  it('refuse every substring and every one-character change of the key texts', () => {
    const manglings = (keyText: string): string[] => {
      const out: string[] = [];
      for (let start = 0; start <= keyText.length; start++) {
        for (let end = start + 1; end <= keyText.length; end++) if (start !== 0 || end !== keyText.length) out.push(keyText.slice(start, end));
      }
      for (let index = 0; index < keyText.length; index++) {
        out.push(keyText.slice(0, index) + String.fromCharCode(keyText.charCodeAt(index) + 1) + keyText.slice(index + 1));
      }
      return out;
    };
    const cases = [
      ...manglings(peterVerifierText).map((mangled) => ({ mangled, parse: parseVerifierKey })),
      ...manglings(peterSignerText).map((mangled) => ({ mangled, parse: parseSignerKey })),
      // Wrong-length key and unknown algorithm, each with a key ID adjusted to match (from the reference test).
      { mangled: 'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==', parse: parseVerifierKey },
      { mangled: 'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', parse: parseVerifierKey },
    ];
    const report = runVectors(
      cases,
      ({ mangled }) => JSON.stringify(mangled),
      ({ mangled, parse }) => {
        try {
          parse(mangled);
          return 'was accepted';
        } catch (error: unknown) {
          return error instanceof SignedNoteError ? undefined : `threw ${String(error)}`;
        }
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });
});

describe('signing', () => {
  const signer = parseSignerKey(peterSignerText);

  it('reproduces the published signed note', () => {
    expect(signNote(text, [signer])).toBe(`${text}\n${peterLine}`);
  });

  it('reproduces it with a key parsed to sign with node:crypto', () => {
    let madeFor: Uint8Array | undefined;
    const nodeSigner = parseSignerKey(peterSignerText, (privateKey) => {
      madeFor = privateKey;
      return createNodeCryptoSigner(privateKey);
    });
    expect(madeFor).toHaveLength(32);
    expect(signNote(text, [nodeSigner])).toBe(`${text}\n${peterLine}`);
  });

  it('replaces an earlier signature by the same key', () => {
    const stale = parseNote(`${text}\n${peterLine.replace('SffcvIAQ', 'SffcvIAA')}${enochLine}`);
    expect(signNote(stale, [signer])).toBe(`${text}\n${enochLine}${peterLine}`);
  });

  it('merges signatures made separately, keeping identical lines once', () => {
    const merged = mergeNotes([`${text}\n${peterLine}`, `${text}\n${enochLine}${peterLine}`]);
    expect(merged).toBe(`${text}\n${peterLine}${enochLine}`);
    expect(() => mergeNotes([`${text}\n${peterLine}`, `other\n\n${enochLine}`])).toThrow(
      expect.objectContaining({ code: 'NOTE_TEXT_MISMATCH' }),
    );
  });

  it('refuses text that does not end in a newline and invalid key names', () => {
    expect(() => signNote('no newline', [signer])).toThrow(SignedNoteError);
    expect(() => noteSignerKey('a+b', new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'NOTE_KEY_NAME_INVALID' }));
    expect(() => noteSignerKey('a b', new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'NOTE_KEY_NAME_INVALID' }));
  });
});

describe('verification as in the reference Open', () => {
  const both = `${text}\n${peterLine}${enochLine}`;
  const corrupted = (line: string) => `${line.slice(0, 60)}ABCD${line.slice(60)}`;
  const bytes = (value: string) => new TextEncoder().encode(value);
  // Expected: the names of the keys that verified, in order, or the refusal code.
  const cases: Array<[string, string | Uint8Array, string[] | NoteRefusalCode, NoteVerifierKey[]]> = [
    ['one known, one ignored', both, ['PeterNeumann'], [peter]],
    ['both known', both, ['PeterNeumann', 'EnochRoot'], [peter, enoch]],
    ['none known', both, 'NOTE_UNVERIFIED', []],
    ['known key listed twice', `${text}\n${enochLine}`, 'NOTE_AMBIGUOUS_KEY', [enoch, peter, enoch]],
    ['unused key listed twice', `${text}\n${peterLine}`, ['PeterNeumann'], [enoch, peter, enoch]],
    ['101 signatures', `${text}\n${peterLine.repeat(101)}`, 'NOTE_TOO_MANY_SIGNATURES', [peter]],
    ['corrupted known signature', `${text}\n${corrupted(peterLine)}`, 'NOTE_BAD_SIGNATURE', [peter]],
    ['repeated and corrupted unknown signatures', `${text}\n${peterLine}${peterLine}${enochLine}${enochLine}${corrupted(enochLine)}`, ['PeterNeumann'], [peter]],
    ['text only', text, 'NOTE_MALFORMED', [peter]],
    ['text and blank line', `${text}\n`, 'NOTE_MALFORMED', [peter]],
    ['last signature line without newline', `${text}\n${peterLine.slice(0, -1)}`, 'NOTE_MALFORMED', [peter]],
    ['control character', `\u0001${text}\n${peterLine}`, 'NOTE_MALFORMED', [peter]],
    ['invalid UTF-8', Uint8Array.from([0xff, ...bytes(`${text}\n${peterLine}`)]), 'NOTE_MALFORMED', [peter]],
    ['key name with a space', `${text}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'NOTE_MALFORMED', [peter]],
    ['line after the signatures', `${text}\n${peterLine}Unexpected line.\n`, 'NOTE_MALFORMED', [peter]],
    ['hyphen instead of em dash', `${text}\n${peterLine.replace('\u2014', '-')}`, 'NOTE_MALFORMED', [peter]],
    ['as UTF-8 bytes', bytes(both), ['PeterNeumann'], [peter]],
  ];

  it('gives the reference answer for each case', () => {
    const verifier = createNodeCryptoVerifier();
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, message, expected, known]) => {
        const result = verifyNote(message, known, verifier);
        if (typeof expected === 'string') return !result.ok && result.code === expected ? undefined : `got ${JSON.stringify(result)}`;
        if (!result.ok) return `refused: ${result.code} ${result.reason}`;
        const names = result.verifiedBy.map((key) => key.keyName);
        return JSON.stringify(names) === JSON.stringify(expected) ? undefined : `verified by ${names.join(', ')}`;
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });
});
