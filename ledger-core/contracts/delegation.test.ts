/**
 * Delegation. Proves: a delegate acts for an organisation only within its grant's scope and before
 * its expiry; a new grant to the same delegate replaces the old one; a revoked grant allows nothing;
 * only the granting organisation's own key grants or revokes, and a grant cannot cover delegation
 * itself; and identity transactions (devices, grants, delegations) give byte-identical blocks on two
 * ledgers with different signature verifiers.
 */
import { bytesToHex } from '@noble/hashes/utils';
import fc from 'fast-check';
import { canonicalize } from '../chain/canonical.js';
import { createNodeCryptoVerifier } from '../chain/ed25519-node.js';
import { portableVerifier } from '../chain/ed25519.js';
import type { JsonValue } from '../chain/json-value.js';
import { leafData } from '../chain/leaf.js';
import { seededParty, signedTransaction, testGenesis, testGenesisTimeMs } from '../execution/testing/fixtures.js';
import { MemoryLedger } from '../execution/testing/memory-ledger.js';
import type { ContractCall, ContractContext, StateView } from './contract.js';
import { delegationContract, DelegationTransactionType, effectiveActor, findDelegationInForce } from './delegation.js';
import { createStandardRegistry } from './standard.js';

const alpha = seededParty('alpha');
const beta = seededParty('beta');
const delegate = seededParty('delegate');
const genesis = testGenesis([alpha, beta]);
const startMs = genesis.timeMs;

class MapState {
  readonly entries = new Map<string, JsonValue>();
  readonly view: StateView = { get: (key) => this.entries.get(key) };
  private count = 0;

  context(signer: string, ledgerTimeMs: number): ContractContext {
    this.count++;
    return { txId: this.count.toString(16).padStart(64, '0'), signer, ledgerTimeMs, height: this.count, position: 0, genesis };
  }

  run(signer: string, type: string, payload: JsonValue, ledgerTimeMs = startMs): { txId: string; code?: string } {
    const call: ContractCall = { type, payload, context: this.context(signer, ledgerTimeMs) };
    const refusal = delegationContract.validate(call, this.view);
    if (refusal !== undefined) return { txId: call.context.txId, code: refusal.code };
    for (const [key, value] of delegationContract.apply(call, this.view).writes) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    return { txId: call.context.txId };
  }
}

const grantPayload = (scope: string[], expiresAtMs = startMs + 60_000) => ({ delegate: delegate.did, scope, expiresAtMs });

describe('effectiveActor', () => {
  it('is the signer organisation without onBehalfOf, and refuses signers that are not one', () => {
    const state = new MapState();
    expect(effectiveActor(state.view, state.context(alpha.did, startMs), {}, 'device.register')).toMatchObject({ organization: { id: 'alpha' }, delegationId: null });
    expect(effectiveActor(state.view, state.context(delegate.did, startMs), {}, 'device.register')).toMatchObject({ code: 'NOT_ORGANIZATION' });
  });

  it('lets a delegate act within scope and before expiry only', () => {
    const state = new MapState();
    const grant = state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['device.register']));
    expect(grant.code).toBeUndefined();
    const act = (type: string, atMs: number, onBehalfOf = 'alpha') => effectiveActor(state.view, state.context(delegate.did, atMs), { onBehalfOf }, type);
    expect(act('device.register', startMs)).toMatchObject({ organization: { id: 'alpha' }, delegationId: grant.txId });
    expect(act('access.grant', startMs)).toMatchObject({ code: 'OUT_OF_SCOPE' });
    expect(act('device.register', startMs + 60_000)).toMatchObject({ code: 'DELEGATION_EXPIRED' });
    expect(act('device.register', startMs, 'beta')).toMatchObject({ code: 'NOT_DELEGATE' });
    expect(act('device.register', startMs, 'Alpha')).toMatchObject({ code: 'BAD_PAYLOAD' });
  });

  it('follows the newest grant to a delegate, and nothing after revocation', () => {
    const state = new MapState();
    const first = state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['device.register']));
    const second = state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['access.grant']));
    expect(findDelegationInForce(state.view, 'alpha', delegate.did)?.delegationId).toBe(second.txId);
    expect(state.run(alpha.did, DelegationTransactionType.revoke, { delegationId: first.txId }).code).toBe('DELEGATION_INACTIVE');
    expect(state.run(beta.did, DelegationTransactionType.revoke, { delegationId: second.txId }).code).toBe('NOT_GRANTOR');
    expect(state.run(alpha.did, DelegationTransactionType.revoke, { delegationId: second.txId }).code).toBeUndefined();
    expect(effectiveActor(state.view, state.context(delegate.did, startMs), { onBehalfOf: 'alpha' }, 'access.grant')).toMatchObject({ code: 'NOT_DELEGATE' });
    expect(state.run(alpha.did, DelegationTransactionType.revoke, { delegationId: 'f'.repeat(64) }).code).toBe('DELEGATION_UNKNOWN');
  });

  it('refuses grants by non-organisations, of delegation itself, or without a bounded future expiry', () => {
    const state = new MapState();
    expect(state.run(delegate.did, DelegationTransactionType.grant, grantPayload(['device.register'])).code).toBe('NOT_ORGANIZATION');
    expect(state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['delegation.grant'])).code).toBe('BAD_PAYLOAD');
    expect(state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['device.register'], startMs)).code).toBe('BAD_PAYLOAD');
    expect(state.run(alpha.did, DelegationTransactionType.grant, grantPayload(['device.register', 'device.register'])).code).toBe('BAD_PAYLOAD');
    expect(state.run(alpha.did, DelegationTransactionType.grant, grantPayload([])).code).toBe('BAD_PAYLOAD');
    expect(state.run(alpha.did, DelegationTransactionType.grant, { ...grantPayload(['device.register']), onBehalfOf: 'alpha' }).code).toBe('BAD_PAYLOAD');
  });
});

describe('determinism of identity transactions', () => {
  const parties = [alpha, beta, delegate, seededParty('press0'), seededParty('press1')];
  const deviceDids = [parties[3]?.did ?? '', parties[4]?.did ?? ''];
  const operation = fc.record({
    party: fc.nat({ max: parties.length - 1 }),
    kind: fc.constantFrom('register', 'grant', 'report', 'event', 'delegate', 'offer'),
    device: fc.nat({ max: 1 }),
    action: fc.constantFrom('read', 'report', 'operate'),
  });

  it('two ledgers with different verifiers agree byte for byte', () => {
    fc.assert(
      fc.property(fc.array(fc.array(operation, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), (blocks) => {
        const log = blocks.map((operations, blockIndex) =>
          operations.map((op, opIndex) => {
            const party = parties[op.party] ?? alpha;
            const device = deviceDids[op.device] ?? '';
            const timeMs = testGenesisTimeMs + (blockIndex + 1) * 1_000;
            const expiresAtMs = timeMs + 30_000;
            const payloads: Record<string, [string, JsonValue]> = {
              register: ['device.register', { did: device, model: 'M', serial: `S${op.device}`, category: 'press' }],
              grant: ['access.grant', { device, grantee: device, actions: [op.action], expiresAtMs }],
              report: ['device.report', { kind: 'telemetry', data: { value: opIndex } }],
              event: ['access.event', { actor: 'beta', action: op.action, result: 'granted', atMs: timeMs }],
              delegate: ['delegation.grant', { delegate: delegate.did, scope: ['access.grant', 'device.register'], expiresAtMs }],
              offer: ['device.transferOffer', { did: device, to: 'beta', expiresAtMs }],
            };
            const [type, payload] = payloads[op.kind] ?? ['device.register', {}];
            return JSON.parse(JSON.stringify(signedTransaction(party, type, payload, timeMs, `b${blockIndex}o${opIndex}`))) as unknown;
          }),
        );
        const fingerprint = (ledger: MemoryLedger, entries: readonly (readonly unknown[])[]) =>
          entries.map((transactions, blockIndex) => {
            const { execution, block } = ledger.runBlock(transactions, testGenesisTimeMs + (blockIndex + 1) * 1_000);
            return canonicalize({
              leaves: execution.leaves.map(({ leaf }) => bytesToHex(leafData(leaf))),
              events: execution.leaves.map(({ events }) => canonicalize(events)),
              writes: [...execution.writes],
              hash: block.hash,
            });
          });
        const first = fingerprint(new MemoryLedger(genesis, createStandardRegistry(), portableVerifier), log);
        const second = fingerprint(new MemoryLedger(genesis, createStandardRegistry(), createNodeCryptoVerifier()), JSON.parse(JSON.stringify(log)) as unknown[][]);
        expect(second).toEqual(first);
      }),
      { numRuns: 50 },
    );
  });
});
