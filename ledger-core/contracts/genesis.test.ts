/**
 * The genesis parser. Proves: a well-formed genesis parses to exactly its input and hashes stably
 * regardless of key order; every way a genesis can be wrong (missing, extra or mistyped fields at each
 * level, bad origin, unusable or non-canonical keys, duplicate members, out-of-range parameters) is
 * refused with its stable code, all collected into one report; the consortium it describes is the one
 * quorum certificates count.
 */
import { base64 } from '@scure/base';
import { quorumSize } from '../chain/quorum.js';
import { seededParty } from '../execution/testing/fixtures.js';
import { consortiumOf, genesisHash, genesisMembersMax, GenesisError, parseGenesis, txTimeWindowMsMax, type GenesisErrorCode } from './genesis.js';

const alpha = seededParty('alpha');
const beta = seededParty('beta');
const nodeKey = (name: string): string => base64.encode(seededParty(`${name}-node`).signer.publicKey);

function member(name: string, did: string): Record<string, unknown> {
  return { name: `${name}-node`, nodePublicKey: nodeKey(name), organizationId: name, organizationDid: did, organizationName: name.toUpperCase() };
}

function validGenesis(): Record<string, unknown> {
  return {
    v: 1,
    origin: 'twinledger.example/main',
    timeMs: 1_767_225_600_000,
    members: [member('alpha', alpha.did), member('beta', beta.did)],
    parameters: { txTimePastMs: 60_000, txTimeFutureMs: 5_000 },
  };
}

/** A copy of the valid genesis with `edit` applied to it. */
function mutated(edit: (genesis: Record<string, unknown>) => void): Record<string, unknown> {
  const genesis = JSON.parse(JSON.stringify(validGenesis())) as Record<string, unknown>;
  edit(genesis);
  return genesis;
}

function firstMember(genesis: Record<string, unknown>): Record<string, unknown> {
  return (genesis['members'] as Record<string, unknown>[])[0] ?? {};
}

describe('parseGenesis', () => {
  it('returns a valid genesis unchanged', () => {
    expect(parseGenesis(validGenesis())).toEqual(validGenesis());
  });

  it('hashes the same whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(validGenesis()).reverse());
    expect(genesisHash(parseGenesis(reordered))).toBe(genesisHash(parseGenesis(validGenesis())));
    expect(genesisHash(parseGenesis(validGenesis()))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('describes the consortium quorum certificates count', () => {
    const consortium = consortiumOf(parseGenesis(validGenesis()));
    expect(consortium.origin).toBe('twinledger.example/main');
    expect(consortium.members.map((m) => m.name)).toEqual(['alpha-node', 'beta-node']);
    expect(consortium.members[0]?.publicKey).toEqual(seededParty('alpha-node').signer.publicKey);
    expect(quorumSize(consortium.members.length)).toBe(2);
  });

  const probes: Array<[string, unknown, GenesisErrorCode]> = [
    ['not an object', [], 'GENESIS_BAD_FIELD'],
    ['v 2', mutated((g) => (g['v'] = 2)), 'GENESIS_BAD_FIELD'],
    ['unknown top-level field', mutated((g) => (g['extra'] = true)), 'GENESIS_BAD_FIELD'],
    ['missing parameters', mutated((g) => delete g['parameters']), 'GENESIS_BAD_FIELD'],
    ['origin with a space', mutated((g) => (g['origin'] = 'two words')), 'GENESIS_BAD_FIELD'],
    ['empty origin', mutated((g) => (g['origin'] = '')), 'GENESIS_BAD_FIELD'],
    ['origin of 257 characters', mutated((g) => (g['origin'] = 'o'.repeat(257))), 'GENESIS_BAD_FIELD'],
    ['fractional timeMs', mutated((g) => (g['timeMs'] = 1.5)), 'GENESIS_BAD_FIELD'],
    ['negative timeMs', mutated((g) => (g['timeMs'] = -1)), 'GENESIS_BAD_FIELD'],
    ['no members', mutated((g) => (g['members'] = [])), 'GENESIS_BAD_FIELD'],
    [
      `${genesisMembersMax + 1} members`,
      mutated((g) => (g['members'] = Array.from({ length: genesisMembersMax + 1 }, (_, i) => member(`m${i}`, seededParty(`m${i}`).did)))),
      'GENESIS_BAD_FIELD',
    ],
    ['member with an unknown field', mutated((g) => (firstMember(g)['role'] = 'admin')), 'GENESIS_BAD_FIELD'],
    ['member name with a plus', mutated((g) => (firstMember(g)['name'] = 'a+b')), 'GENESIS_BAD_FIELD'],
    ['node key in hex', mutated((g) => (firstMember(g)['nodePublicKey'] = '00'.repeat(32))), 'GENESIS_BAD_KEY'],
    ['node key of the identity point', mutated((g) => (firstMember(g)['nodePublicKey'] = base64.encode(Uint8Array.of(1, ...new Uint8Array(31))))), 'GENESIS_BAD_KEY'],
    ['node key not canonical base64', mutated((g) => (firstMember(g)['nodePublicKey'] = `${nodeKey('alpha').slice(0, 42)}${nextBase64Char(nodeKey('alpha'))}=`)), 'GENESIS_BAD_KEY'],
    ['organisation id in capitals', mutated((g) => (firstMember(g)['organizationId'] = 'ALPHA')), 'GENESIS_BAD_FIELD'],
    ['organisation DID that is not did:key', mutated((g) => (firstMember(g)['organizationDid'] = 'did:web:alpha.example')), 'GENESIS_BAD_KEY'],
    ['organisation name with a newline', mutated((g) => (firstMember(g)['organizationName'] = 'Al\npha')), 'GENESIS_BAD_FIELD'],
    ['two members with one name', mutated((g) => (firstMember(g)['name'] = 'beta-node')), 'GENESIS_DUPLICATE_MEMBER'],
    ['two members with one node key', mutated((g) => (firstMember(g)['nodePublicKey'] = nodeKey('beta'))), 'GENESIS_DUPLICATE_MEMBER'],
    ['two members with one organisation id', mutated((g) => (firstMember(g)['organizationId'] = 'beta')), 'GENESIS_DUPLICATE_MEMBER'],
    ['two members with one DID', mutated((g) => (firstMember(g)['organizationDid'] = beta.did)), 'GENESIS_DUPLICATE_MEMBER'],
    ['parameters with an unknown field', mutated((g) => ((g['parameters'] as Record<string, unknown>)['blockWaitMs'] = 1)), 'GENESIS_BAD_FIELD'],
    ['txTimePastMs above 7 days', mutated((g) => ((g['parameters'] as Record<string, unknown>)['txTimePastMs'] = txTimeWindowMsMax + 1)), 'GENESIS_BAD_FIELD'],
    ['txTimeFutureMs as a string', mutated((g) => ((g['parameters'] as Record<string, unknown>)['txTimeFutureMs'] = '5000')), 'GENESIS_BAD_FIELD'],
  ];

  it(`refuses each of ${probes.length} malformed genesis files with its code`, () => {
    const failures: string[] = [];
    for (const [name, value, code] of probes) {
      try {
        parseGenesis(value);
        failures.push(`${name}: accepted`);
      } catch (error: unknown) {
        if (!(error instanceof GenesisError)) failures.push(`${name}: threw ${String(error)}`);
        else if (error.code !== code) failures.push(`${name}: ${error.code} (${error.message}), expected ${code}`);
      }
    }
    expect(`${failures.length} out of ${probes.length} failed\n${failures.join('\n')}`).toBe(`0 out of ${probes.length} failed\n`);
  });

  it('accepts the bounds themselves', () => {
    const atBounds = mutated((g) => {
      g['parameters'] = { txTimePastMs: txTimeWindowMsMax, txTimeFutureMs: 0 };
      g['origin'] = 'o'.repeat(256);
      g['timeMs'] = 0;
    });
    expect(() => parseGenesis(atBounds)).not.toThrow();
  });
});

/** A base64 character whose low bits differ from the 43rd character of `text`, in the padding bits only. */
function nextBase64Char(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const index = alphabet.indexOf(text.charAt(42));
  return alphabet.charAt(index ^ 1);
}
