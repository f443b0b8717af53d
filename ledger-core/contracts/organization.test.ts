/**
 * Organisation registration. Proves: the lifecycle in testdata/organization.txt (pending until a strict
 * majority of members approves, one approval per member, only members approve, unique ids and DIDs with
 * the members' genesis organisations counted, rejections change nothing, replays and forgeries are not
 * leaves), run through the real pipeline; the majority is floor(n / 2) + 1 for consortia of 1 to 5
 * members; members' organisations are derived from genesis and cannot be approved or re-registered; a
 * stored record of the wrong shape stops execution instead of being read as something else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue } from '../chain/json-value.js';
import { runScenario } from '../execution/testing/scenario.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import type { ContractCall, StateView } from './contract.js';
import { ContractInvariantError } from './invariant.js';
import {
  findActiveOrganizationByDid,
  findOrganization,
  findOrganizationByDid,
  genesisOrganizations,
  organizationContract,
  organizationKey,
  OrganizationTransactionType,
} from './organization.js';

describe('testdata/organization.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'organization.txt');
    const run = runScenario(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});

/** A state in a Map that applies effects the way execution does, for driving the contract directly. */
function mapState(): { view: StateView; entries: Map<string, JsonValue> } {
  const entries = new Map<string, JsonValue>();
  return { view: { get: (key) => entries.get(key) }, entries };
}

describe('approval majority', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('with %i members, %i approvals make an organisation active', (memberCount, approvalsNeeded) => {
    const members = Array.from({ length: memberCount }, (_, index) => seededParty(`member${index}`));
    const genesis = testGenesis(members);
    const applicant = seededParty('applicant');
    const { view, entries } = mapState();
    const call = (signer: string, type: string, payload: JsonValue, height: number): ContractCall => ({
      type,
      payload,
      context: { txId: `${height}`.padStart(64, '0'), signer, ledgerTimeMs: genesis.timeMs, height, position: 0, genesis },
    });
    const run = (c: ContractCall): string[] => {
      expect(organizationContract.validate(c, view)).toBeUndefined();
      const effects = organizationContract.apply(c, view);
      for (const [key, value] of effects.writes) {
        if (value === null) entries.delete(key);
        else entries.set(key, value);
      }
      return effects.events.map((event) => event.type);
    };
    run(call(applicant.did, OrganizationTransactionType.register, { id: 'applicant', name: 'Applicant' }, 1));
    for (let approval = 1; approval <= approvalsNeeded; approval++) {
      const member = members[approval - 1];
      if (member === undefined) throw new Error('member missing');
      const events = run(call(member.did, OrganizationTransactionType.approve, { id: 'applicant' }, approval + 1));
      const isLast = approval === approvalsNeeded;
      expect(events).toEqual(isLast ? ['OrganizationApproved', 'OrganizationRegistered'] : ['OrganizationApproved']);
      expect(findOrganization(view, genesis, 'applicant')?.status).toBe(isLast ? 'active' : 'pending');
    }
    expect(findActiveOrganizationByDid(view, genesis, applicant.did)?.heightActivated).toBe(approvalsNeeded + 1);
  });
});

describe('members from genesis', () => {
  const members = [seededParty('alpha'), seededParty('beta')];
  const genesis = testGenesis(members);
  const empty: StateView = { get: () => undefined };

  it('are active organisations without any state', () => {
    expect(genesisOrganizations(genesis)).toEqual([
      { id: 'alpha', name: 'Alpha', did: members[0]?.did, status: 'active', approvals: [], heightRequested: 0, heightActivated: 0 },
      { id: 'beta', name: 'Beta', did: members[1]?.did, status: 'active', approvals: [], heightRequested: 0, heightActivated: 0 },
    ]);
    expect(findOrganization(empty, genesis, 'beta')?.status).toBe('active');
    expect(findActiveOrganizationByDid(empty, genesis, members[1]?.did ?? '')?.id).toBe('beta');
  });

  it('win over anything stored under their keys', () => {
    const state: StateView = { get: (key) => (key === organizationKey('alpha') ? { id: 'alpha', name: 'Impostor' } : undefined) };
    expect(findOrganization(state, genesis, 'alpha')?.name).toBe('Alpha');
  });
});

describe('stored state of the wrong shape', () => {
  const genesis = testGenesis([seededParty('alpha')]);

  it.each<[string, JsonValue]>([
    ['not an object', 'acme'],
    ['another id', { id: 'other', name: 'A', did: 'did:key:x', status: 'pending', approvals: [], heightRequested: 1, heightActivated: null }],
    ['an unknown status', { id: 'acme', name: 'A', did: 'did:key:x', status: 'gone', approvals: [], heightRequested: 1, heightActivated: null }],
    ['active without a height', { id: 'acme', name: 'A', did: 'did:key:x', status: 'active', approvals: [], heightRequested: 1, heightActivated: null }],
  ])('stops on a record that is %s', (_, record) => {
    const state: StateView = { get: (key) => (key === organizationKey('acme') ? record : undefined) };
    expect(() => findOrganization(state, genesis, 'acme')).toThrow(ContractInvariantError);
  });

  it('stops on a DID index naming an organisation that does not sign with it', () => {
    const did = seededParty('acme').did;
    const state: StateView = { get: (key) => (key === `organization/did/${did}` ? 'ghost' : undefined) };
    expect(() => findOrganizationByDid(state, genesis, did)).toThrow(ContractInvariantError);
  });
});
