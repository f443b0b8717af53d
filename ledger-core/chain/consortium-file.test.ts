/**
 * Consortium files. Proves: a file of `{name, publicKey}` members, one of verifier key text members,
 * and a mix of both all give the same consortium, and `formatConsortiumFile` round-trips; the parsed
 * consortium is usable by `verifyQuorumCertificate`; every malformed case (not JSON, too large, extra
 * or missing fields, bad origin, empty or oversized member list, bad names, keys that are not
 * canonical base64 of 32 bytes or not usable Ed25519 points, verifier key text with a wrong key ID,
 * two members sharing a name or a key) is refused with its stable code.
 */
import { base64 } from '@scure/base';
import { formatCheckpoint } from './checkpoint.js';
import { checkConsortium, ConsortiumFileError, consortiumFileBytesMax, consortiumMembersMax, formatConsortiumFile, memberVerifierKey, parseConsortiumFile, type ConsortiumFileErrorCode } from './consortium-file.js';
import { createPortableSigner } from './ed25519.js';
import { verifyQuorumCertificate, type Consortium } from './quorum.js';
import { noteSignerKey, signNote } from './signed-note.js';
import { allPassed, runVectors } from './vector-report.js';

const origin = 'twinledger.example/consortium';
const names = ['acme.example/node', 'bolt.example/node', 'cast.example/node'];
const signers = names.map((name, index) => noteSignerKey(name, createPortableSigner(new Uint8Array(32).fill(index + 11))));
const consortium: Consortium = { origin, members: signers.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };
const [acme, bolt, cast] = consortium.members as [Consortium['members'][0], Consortium['members'][0], Consortium['members'][0]];
const objectMember = (member: Consortium['members'][0]): { name: string; publicKey: string } => ({ name: member.name, publicKey: base64.encode(member.publicKey) });
const file = (value: unknown): string => JSON.stringify(value);
const objectsFile = { origin, members: consortium.members.map(objectMember) };

describe('accepted', () => {
  it('members as objects, as verifier key text, or mixed, all give the same consortium', () => {
    expect(parseConsortiumFile(file(objectsFile))).toEqual(consortium);
    expect(parseConsortiumFile(file({ origin, members: consortium.members.map(memberVerifierKey) }))).toEqual(consortium);
    expect(parseConsortiumFile(file({ members: [objectMember(acme), memberVerifierKey(bolt), objectMember(cast)], origin }))).toEqual(consortium);
  });

  it('as UTF-8 bytes too, and round-trips through formatConsortiumFile', () => {
    const formatted = formatConsortiumFile(consortium);
    expect(formatted.endsWith('}\n')).toBe(true);
    expect(parseConsortiumFile(new TextEncoder().encode(formatted))).toEqual(consortium);
  });

  it('gives a consortium that checks a quorum certificate', () => {
    const note = signNote(formatCheckpoint({ origin, treeSize: 3, rootHash: new Uint8Array(32), blockHeight: 1, blockHash: new Uint8Array(32) }), signers.slice(0, 2));
    expect(verifyQuorumCertificate(note, parseConsortiumFile(file(objectsFile)))).toMatchObject({ ok: true, signers: names.slice(0, 2) });
  });
});

describe('refused', () => {
  const key = base64.encode(acme.publicKey);
  // Last base64 character with a low bit set that the 32 key bytes leave unused: same bytes, another spelling.
  const nonCanonicalKey = `${key.slice(0, 42)}${String.fromCharCode(key.charCodeAt(42) + 1)}=`;
  const smallOrderKey = base64.encode(Uint8Array.from({ length: 32 }, (_, index) => (index === 0 ? 1 : 0)));
  const wrongKeyId = memberVerifierKey(bolt).replace(/\+([0-9a-f]{8})\+/, (_, id: string) => `+${id === '00000000' ? '00000001' : '00000000'}+`);
  const withMembers = (...members: unknown[]): string => file({ origin, members });
  const manyMembers = Array.from({ length: consortiumMembersMax + 1 }, (_, index) => ({ name: `n${index}`, publicKey: key }));

  const cases: Array<[string, string | Uint8Array, ConsortiumFileErrorCode]> = [
    ['not JSON', '{"origin":', 'CONSORTIUM_MALFORMED'],
    ['not UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), 'CONSORTIUM_MALFORMED'],
    ['too large', ' '.repeat(consortiumFileBytesMax + 1), 'CONSORTIUM_TOO_LARGE'],
    ['an array', file([objectsFile]), 'CONSORTIUM_MALFORMED'],
    ['null', 'null', 'CONSORTIUM_MALFORMED'],
    ['an unknown top-level field', file({ ...objectsFile, quorum: 2 }), 'CONSORTIUM_MALFORMED'],
    ['origin missing', file({ members: objectsFile.members }), 'CONSORTIUM_BAD_ORIGIN'],
    ['origin with a space', file({ ...objectsFile, origin: 'twinledger example' }), 'CONSORTIUM_BAD_ORIGIN'],
    ['origin with a plus', file({ ...objectsFile, origin: 'twinledger+example' }), 'CONSORTIUM_BAD_ORIGIN'],
    ['origin empty', file({ ...objectsFile, origin: '' }), 'CONSORTIUM_BAD_ORIGIN'],
    ['origin too long', file({ ...objectsFile, origin: 'o'.repeat(257) }), 'CONSORTIUM_BAD_ORIGIN'],
    ['members missing', file({ origin }), 'CONSORTIUM_BAD_MEMBERS'],
    ['members empty', withMembers(), 'CONSORTIUM_BAD_MEMBERS'],
    ['members an object', file({ origin, members: { acme: key } }), 'CONSORTIUM_BAD_MEMBERS'],
    ['more members than a note can carry signatures of', withMembers(...manyMembers), 'CONSORTIUM_BAD_MEMBERS'],
    ['a member that is a number', withMembers(7), 'CONSORTIUM_BAD_MEMBER'],
    ['a member with an unknown field', withMembers({ ...objectMember(acme), role: 'orderer' }), 'CONSORTIUM_BAD_MEMBER'],
    ['a member without a name', withMembers({ publicKey: key }), 'CONSORTIUM_BAD_MEMBER'],
    ['a member name with a space', withMembers({ name: 'acme node', publicKey: key }), 'CONSORTIUM_BAD_MEMBER'],
    ['a member name with a plus', withMembers({ name: 'acme+node', publicKey: key }), 'CONSORTIUM_BAD_MEMBER'],
    ['a member without a key', withMembers({ name: 'acme' }), 'CONSORTIUM_BAD_KEY'],
    ['a key in hex', withMembers({ name: 'acme', publicKey: Buffer.from(acme.publicKey).toString('hex') }), 'CONSORTIUM_BAD_KEY'],
    ['a key in base64url', withMembers({ name: 'acme', publicKey: base64.encode(new Uint8Array(32).fill(0xfb)).replace(/\+/g, '-').replace(/\//g, '_') }), 'CONSORTIUM_BAD_KEY'],
    ['a key without padding', withMembers({ name: 'acme', publicKey: key.slice(0, 43) }), 'CONSORTIUM_BAD_KEY'],
    ['a key of 33 bytes', withMembers({ name: 'acme', publicKey: base64.encode(new Uint8Array(33).fill(9)) }), 'CONSORTIUM_BAD_KEY'],
    ['a key in non-canonical base64', withMembers({ name: 'acme', publicKey: nonCanonicalKey }), 'CONSORTIUM_BAD_KEY'],
    ['a small-order key', withMembers({ name: 'acme', publicKey: smallOrderKey }), 'CONSORTIUM_BAD_KEY'],
    ['verifier key text with a wrong key ID', withMembers(wrongKeyId), 'CONSORTIUM_BAD_KEY'],
    ['verifier key text that is not one', withMembers('acme.example/node'), 'CONSORTIUM_BAD_KEY'],
    ['verifier key text with an invalid name', withMembers(` ${memberVerifierKey(bolt)}`), 'CONSORTIUM_BAD_MEMBER'],
    ['two members with one name', withMembers(objectMember(acme), { name: acme.name, publicKey: base64.encode(bolt.publicKey) }), 'CONSORTIUM_DUPLICATE_MEMBER'],
    ['two members with one key', withMembers(objectMember(acme), { name: 'acme-backup.example/node', publicKey: key }), 'CONSORTIUM_DUPLICATE_MEMBER'],
    ['one member in both forms', withMembers(objectMember(acme), memberVerifierKey(acme)), 'CONSORTIUM_DUPLICATE_MEMBER'],
  ];

  it('each with its code', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, text, code]) => {
        try {
          parseConsortiumFile(text);
          return 'was accepted';
        } catch (error: unknown) {
          if (!(error instanceof ConsortiumFileError)) return `threw ${String(error)}`;
          return error.code === code ? undefined : `code ${error.code} (${error.message}), expected ${code}`;
        }
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });

  it('with a message that names the member at fault', () => {
    expect(() => checkConsortium({ origin, members: [objectMember(acme), { name: 'bolt', publicKey: smallOrderKey }] })).toThrow(
      'member "bolt": the key is not a usable Ed25519 public key (PUBLIC_KEY_SMALL_ORDER)',
    );
    expect(() => checkConsortium({ origin, members: [objectMember(acme), 7] })).toThrow(/^member 2 must be an object/);
  });
});
