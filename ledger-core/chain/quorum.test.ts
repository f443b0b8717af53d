/**
 * Quorum certificates over a five-member consortium (quorum 3). Proves: a majority of member
 * signatures is accepted, whatever their order and with unknown signatures mixed in, and reports who
 * signed; a minority is refused, as is a minority padded with signatures from unknown keys, keys
 * that share a member's name or key ID but not both, or the same member repeated; a duplicate signer is
 * refused even when a majority would remain; a tampered body, a bad member signature and a wrong
 * origin are refused; a consortium that would count one key twice is refused. Also checks quorum
 * sizes and, on random subsets, that acceptance is exactly "at least floor(n/2)+1 distinct members".
 */
import fc from 'fast-check';
import { base64 } from '@scure/base';
import { formatCheckpoint, type Checkpoint } from './checkpoint.js';
import { createNodeCryptoSigner, createNodeCryptoVerifier } from './ed25519-node.js';
import { quorumSize, verifyQuorumCertificate, type Consortium, type QuorumRefusalCode } from './quorum.js';
import { mergeNotes, noteSignerKey, parseNote, signNote, formatNote, type NoteSignerKey } from './signed-note.js';
import { allPassed, runVectors } from './vector-report.js';

const origin = 'twinledger.example/consortium';
const memberNames = ['acme.example/node', 'bolt.example/node', 'cast.example/node', 'dyna.example/node', 'eon.example/node'];
const memberKeys: NoteSignerKey[] = memberNames.map((name, index) => noteSignerKey(name, createNodeCryptoSigner(new Uint8Array(32).fill(index + 1))));
const consortium: Consortium = { origin, members: memberKeys.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };
const outsider = noteSignerKey('mallory.example/node', createNodeCryptoSigner(new Uint8Array(32).fill(99)));
// Same name as a member with another key (so another key ID), and a member's key under another name.
const impostorByName = noteSignerKey(memberNames[0] ?? '', createNodeCryptoSigner(new Uint8Array(32).fill(98)));
const impostorByKey = noteSignerKey('acme-backup.example/node', memberKeys[0]?.signer ?? outsider.signer);

const checkpoint: Checkpoint = {
  origin,
  treeSize: 42,
  rootHash: new Uint8Array(32).fill(7),
  blockHeight: 9,
  blockHash: new Uint8Array(32).fill(8),
};
const text = formatCheckpoint(checkpoint);
const signedBy = (...keys: NoteSignerKey[]): string => signNote(text, keys);
const [acme, bolt, cast, dyna] = memberKeys as [NoteSignerKey, NoteSignerKey, NoteSignerKey, NoteSignerKey, NoteSignerKey];
const verifier = createNodeCryptoVerifier();

it('sizes a quorum as a strict majority', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  expect(() => quorumSize(0)).toThrow(RangeError);
});

describe('accepted', () => {
  it('a majority, reporting who signed', () => {
    expect(verifyQuorumCertificate(signedBy(acme, bolt, cast), consortium, verifier)).toEqual({
      ok: true,
      checkpoint,
      signers: [acme.keyName, bolt.keyName, cast.keyName],
      quorumSize: 3,
    });
  });

  it('a majority collected from separately signed notes, with unknown signatures mixed in', () => {
    const merged = mergeNotes([signedBy(dyna), signedBy(outsider, bolt), signedBy(impostorByName), signedBy(acme, dyna)]);
    expect(verifyQuorumCertificate(merged, consortium, verifier)).toMatchObject({ ok: true, signers: [dyna.keyName, bolt.keyName, acme.keyName] });
  });
});

describe('refused', () => {
  const tampered = signedBy(acme, bolt, cast).replace('\n42\n', '\n43\n');
  const duplicated = (() => {
    const note = parseNote(signedBy(acme, bolt, cast));
    return formatNote({ text: note.text, signatures: [...note.signatures, note.signatures[0] ?? note.signatures[1]!] });
  })();
  const withBadSignature = (() => {
    const note = parseNote(signedBy(acme, bolt, cast, dyna));
    const last = note.signatures[3]!;
    const corrupted = last.signature.slice();
    corrupted[10] = (corrupted[10] ?? 0) ^ 1;
    return formatNote({ text: note.text, signatures: [...note.signatures.slice(0, 3), { ...last, signature: corrupted }] });
  })();
  const otherOrigin = signNote(formatCheckpoint({ ...checkpoint, origin: 'other.example/ledger' }), [acme, bolt, cast]);
  const sharedKey: Consortium = { origin, members: [...consortium.members, { name: 'acme-backup.example/node', publicKey: acme.publicKey }] };

  const cases: Array<[string, string, QuorumRefusalCode, Consortium?]> = [
    ['a minority', signedBy(acme, bolt), 'QC_MINORITY'],
    ['a minority padded with unknown keys', signedBy(acme, bolt, outsider), 'QC_MINORITY'],
    ['a minority padded with a key that shares a member name', signedBy(acme, bolt, impostorByName), 'QC_MINORITY'],
    ['a minority padded with a member key under another name', signedBy(acme, bolt, impostorByKey), 'QC_MINORITY'],
    ['a minority padded by repeating a member', mergeNotes([signedBy(acme, bolt), signedBy(acme)]).replace(/(\u2014 acme[^\n]*\n)/, '$1$1'), 'QC_DUPLICATE_SIGNER'],
    ['a duplicate signer alongside a majority', duplicated, 'QC_DUPLICATE_SIGNER'],
    ['a tampered body', tampered, 'QC_BAD_SIGNATURE'],
    ['a bad member signature alongside a majority', withBadSignature, 'QC_BAD_SIGNATURE'],
    ['another ledger origin', otherOrigin, 'QC_WRONG_ORIGIN'],
    ['a body that is not a checkpoint', signNote('hello\n', [acme, bolt, cast]), 'QC_BAD_CHECKPOINT'],
    ['text without signatures', text, 'QC_MALFORMED'],
    ['a signature line in base64url', signedBy(acme, bolt, cast).replace(/\+/g, '-').replace(/\//g, '_'), 'QC_MALFORMED'],
    ['a consortium that counts one key twice', signedBy(acme, bolt, impostorByKey), 'QC_BAD_CONSORTIUM', sharedKey],
    ['an empty consortium', signedBy(acme, bolt, cast), 'QC_BAD_CONSORTIUM', { origin, members: [] }],
  ];

  it('each with its code', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, note, code, members]) => {
        const result = verifyQuorumCertificate(note, members ?? consortium, verifier);
        if (result.ok) return `was accepted, signed by ${result.signers.join(', ')}`;
        return result.code === code ? undefined : `code ${result.code} (${result.reason}), expected ${code}`;
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });

  it('a signature line whose base64 changed but still decodes', () => {
    const note = signedBy(acme, bolt, cast);
    const line = note.split('\n').find((entry) => entry.startsWith(`\u2014 ${cast.keyName}`)) ?? '';
    const encoded = line.split(' ')[2] ?? '';
    const bytes = base64.decode(encoded);
    bytes[40] = (bytes[40] ?? 0) ^ 0x80;
    const result = verifyQuorumCertificate(note.replace(encoded, base64.encode(bytes)), consortium, verifier);
    expect(result).toMatchObject({ ok: false, code: 'QC_BAD_SIGNATURE' });
  });
});

it('accepts exactly the notes signed by at least a quorum of distinct members', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(memberKeys), fc.subarray([outsider, impostorByName, impostorByKey]), (members, others) => {
      if (members.length + others.length === 0) return; // a note needs at least one signature
      const result = verifyQuorumCertificate(signedBy(...members, ...others), consortium, verifier);
      expect(result.ok).toBe(members.length >= 3);
    }),
    { numRuns: 150 },
  );
});
