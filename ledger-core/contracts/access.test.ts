/**
 * Device access control. Proves: the behaviour in testdata/access.txt (only the current owner grants
 * actions from the fixed vocabulary to a known organisation or a did:key; grants are indexed per
 * device and grantee; only registered devices record access events, each carrying the ledger's own
 * decision; a revocation is final and named by later decisions; delegates revoke within scope), run
 * through the real pipeline; and, for `canAccess`, by properties over random grant histories: a grant
 * allows exactly its actions, on its device, for its grantee, before its expiry, and only until it is
 * revoked or the device changes hands, and every answer names the grant or revocation it rests on; a
 * full index refuses only when every grant in it is in force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../chain/json-value.js';
import { seededParty, testGenesis } from '../execution/testing/fixtures.js';
import {
  accessActions,
  accessContract,
  accessGrantKey,
  accessIndexKey,
  AccessTransactionType,
  canAccess,
  findAccessGrant,
  grantsPerGranteeMax,
  indexedGrantIds,
  type AccessAction,
} from './access.js';
import type { Contract, ContractCall, StateView } from './contract.js';
import { deviceContract, DeviceTransactionType } from './device.js';
import type { Genesis } from './genesis.js';
import { ContractInvariantError } from './invariant.js';
import { runScenarioWithDids } from './testing/placeholders.js';

describe('testdata/access.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'access.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});

/** A state in a Map that applies effects the way execution does, for driving contracts directly. */
class MapLedger {
  readonly entries = new Map<string, JsonValue>();
  readonly view: StateView = { get: (key) => this.entries.get(key) };
  private count = 0;

  constructor(readonly genesis: Genesis) {}

  /** Runs one call at `ledgerTimeMs`; returns its tx id, or the rejection code. */
  run(contract: Contract, signer: string, type: string, payload: JsonValue, ledgerTimeMs: number): { txId: string; code?: string } {
    this.count++;
    const txId = this.count.toString(16).padStart(64, '0');
    const call: ContractCall = { type, payload, context: { txId, signer, ledgerTimeMs, height: this.count, position: 0, genesis: this.genesis } };
    const refusal = contract.validate(call, this.view);
    if (refusal !== undefined) return { txId, code: refusal.code };
    for (const [key, value] of contract.apply(call, this.view).writes) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    return { txId };
  }
}

const alpha = seededParty('alpha');
const beta = seededParty('beta');
const genesis = testGenesis([alpha, beta]);
const devices = [seededParty('device0').did, seededParty('device1').did];
const grantees = ['beta', seededParty('tech').did];
const startMs = genesis.timeMs;

function registeredLedger(): MapLedger {
  const ledger = new MapLedger(genesis);
  devices.forEach((did, index) => {
    const { code } = ledger.run(deviceContract, alpha.did, DeviceTransactionType.register, { did, model: 'M', serial: `S${index}`, category: 'press' }, startMs);
    expect(code).toBeUndefined();
  });
  return ledger;
}

type GrantOp = { readonly kind: 'grant'; readonly device: number; readonly grantee: number; readonly actions: readonly AccessAction[]; readonly lifetimeMs: number };
type RevokeOp = { readonly kind: 'revoke'; readonly back: number };

const actionsArbitrary = fc.uniqueArray(fc.constantFrom(...accessActions), { minLength: 1, maxLength: accessActions.length });
const grantOp: fc.Arbitrary<GrantOp> = fc.record({
  kind: fc.constant('grant' as const),
  device: fc.nat({ max: devices.length - 1 }),
  grantee: fc.nat({ max: grantees.length - 1 }),
  actions: actionsArbitrary,
  lifetimeMs: fc.integer({ min: 1, max: 100_000 }),
});
const revokeOp: fc.Arbitrary<RevokeOp> = fc.record({ kind: fc.constant('revoke' as const), back: fc.nat({ max: 7 }) });
const query = fc.record({
  device: fc.nat({ max: devices.length - 1 }),
  actor: fc.nat({ max: grantees.length - 1 }),
  action: fc.constantFrom(...accessActions),
  atOffsetMs: fc.integer({ min: 0, max: 120_000 }),
});

/** The naive reference: what the grant history alone says, by scanning every grant made. */
type MadeGrant = GrantOp & { readonly txId: string; readonly expiresAtMs: number; revokeTxId: string | null };

describe('canAccess', () => {
  it('agrees with a scan of every grant, and names the grant or revocation it rests on', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(grantOp, revokeOp), { maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 8 }), (ops, queries) => {
        const ledger = registeredLedger();
        const made: MadeGrant[] = [];
        for (const op of ops) {
          if (op.kind === 'grant') {
            const expiresAtMs = startMs + op.lifetimeMs;
            const payload = { device: devices[op.device] ?? '', grantee: grantees[op.grantee] ?? '', actions: [...op.actions], expiresAtMs };
            const { txId, code } = ledger.run(accessContract, alpha.did, AccessTransactionType.grant, payload, startMs);
            expect(code).toBeUndefined();
            made.push({ ...op, txId, expiresAtMs, revokeTxId: null });
          } else {
            const target = made[made.length - 1 - op.back];
            if (target === undefined) continue;
            const { txId, code } = ledger.run(accessContract, alpha.did, AccessTransactionType.revoke, { grantId: target.txId }, startMs);
            expect(code).toBe(target.revokeTxId === null ? undefined : 'GRANT_REVOKED');
            if (target.revokeTxId === null) target.revokeTxId = txId;
          }
        }
        for (const asked of queries) {
          const deviceDid = devices[asked.device] ?? '';
          const actor = grantees[asked.actor] ?? '';
          const atMs = startMs + asked.atOffsetMs;
          const decision = canAccess(ledger.view, deviceDid, actor, asked.action, atMs);
          const covering = made.filter((grant) => grant.device === asked.device && grant.grantee === asked.actor && grant.actions.includes(asked.action));
          const inForce = covering.filter((grant) => grant.revokeTxId === null && atMs < grant.expiresAtMs);
          expect(decision.allowed).toBe(inForce.length > 0);
          if (decision.allowed) {
            expect(decision.reason).toBe('GRANTED');
            expect(inForce.map((grant) => grant.txId)).toContain(decision.grantTxId);
          } else if (covering.some((grant) => grant.revokeTxId !== null)) {
            const revoked = covering.find((grant) => grant.txId === decision.grantTxId);
            expect(decision.reason).toBe('REVOKED');
            expect(revoked?.revokeTxId).toBe(decision.revokeTxId);
          } else if (covering.length > 0) {
            expect(decision.reason).toBe('EXPIRED');
            expect(atMs).toBeGreaterThanOrEqual(covering.find((grant) => grant.txId === decision.grantTxId)?.expiresAtMs ?? Infinity);
          } else {
            expect(decision).toEqual({ allowed: false, reason: 'NO_GRANT' });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('grant then revoke: allowed before, denied after, naming both transactions', () => {
    fc.assert(
      fc.property(grantOp, (op) => {
        const ledger = registeredLedger();
        const deviceDid = devices[op.device] ?? '';
        const grantee = grantees[op.grantee] ?? '';
        const expiresAtMs = startMs + op.lifetimeMs;
        const grant = ledger.run(accessContract, alpha.did, AccessTransactionType.grant, { device: deviceDid, grantee, actions: [...op.actions], expiresAtMs }, startMs);
        for (const action of accessActions) {
          const covered = op.actions.includes(action);
          expect(canAccess(ledger.view, deviceDid, grantee, action, startMs)).toEqual(
            covered ? { allowed: true, reason: 'GRANTED', grantTxId: grant.txId } : { allowed: false, reason: 'NO_GRANT' },
          );
          // Expired: at and after the expiry, the same grant no longer allows.
          if (covered) expect(canAccess(ledger.view, deviceDid, grantee, action, expiresAtMs)).toEqual({ allowed: false, reason: 'EXPIRED', grantTxId: grant.txId });
          // Another device, another actor: nothing.
          expect(canAccess(ledger.view, devices[1 - op.device] ?? '', grantee, action, startMs).allowed).toBe(false);
          expect(canAccess(ledger.view, deviceDid, grantees[1 - op.grantee] ?? '', action, startMs).allowed).toBe(false);
        }
        const revoke = ledger.run(accessContract, alpha.did, AccessTransactionType.revoke, { grantId: grant.txId }, startMs);
        for (const action of op.actions) {
          expect(canAccess(ledger.view, deviceDid, grantee, action, startMs)).toEqual({ allowed: false, reason: 'REVOKED', grantTxId: grant.txId, revokeTxId: revoke.txId });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the owner may do everything; unknown devices and actions are refused by name', () => {
    const ledger = registeredLedger();
    const deviceDid = devices[0] ?? '';
    expect(canAccess(ledger.view, deviceDid, 'alpha', 'configure', startMs)).toEqual({ allowed: true, reason: 'OWNER' });
    expect(canAccess(ledger.view, seededParty('ghost').did, 'alpha', 'read', startMs)).toEqual({ allowed: false, reason: 'DEVICE_UNKNOWN' });
    expect(canAccess(ledger.view, deviceDid, 'beta', 'fly', startMs)).toEqual({ allowed: false, reason: 'BAD_ACTION' });
  });

  it('a transfer ends the previous owner grants, which the answer names', () => {
    const ledger = registeredLedger();
    const deviceDid = devices[0] ?? '';
    const tech = grantees[1] ?? '';
    const grant = ledger.run(accessContract, alpha.did, AccessTransactionType.grant, { device: deviceDid, grantee: tech, actions: ['read'], expiresAtMs: startMs + 60_000 }, startMs);
    const offer = ledger.run(deviceContract, alpha.did, DeviceTransactionType.transferOffer, { did: deviceDid, to: 'beta', expiresAtMs: startMs + 60_000 }, startMs);
    expect(ledger.run(deviceContract, beta.did, DeviceTransactionType.transferAccept, { did: deviceDid, offerTxId: offer.txId }, startMs).code).toBeUndefined();
    expect(canAccess(ledger.view, deviceDid, tech, 'read', startMs)).toEqual({ allowed: false, reason: 'PREVIOUS_OWNER', grantTxId: grant.txId });
    expect(canAccess(ledger.view, deviceDid, 'alpha', 'read', startMs).allowed).toBe(false);
    expect(canAccess(ledger.view, deviceDid, 'beta', 'read', startMs)).toEqual({ allowed: true, reason: 'OWNER' });
  });

  it('keeps the index bounded: a full list of grants in force refuses, one that allows nothing makes room', () => {
    const ledger = registeredLedger();
    const deviceDid = devices[0] ?? '';
    const payload = (expiresAtMs: number) => ({ device: deviceDid, grantee: 'beta', actions: ['read'], expiresAtMs });
    const first = ledger.run(accessContract, alpha.did, AccessTransactionType.grant, payload(startMs + 10), startMs);
    for (let index = 1; index < grantsPerGranteeMax; index++) {
      expect(ledger.run(accessContract, alpha.did, AccessTransactionType.grant, payload(startMs + 60_000), startMs).code).toBeUndefined();
    }
    expect(ledger.run(accessContract, alpha.did, AccessTransactionType.grant, payload(startMs + 60_000), startMs).code).toBe('TOO_MANY_GRANTS');
    // Once the first has expired, it is dropped to make room.
    const later = ledger.run(accessContract, alpha.did, AccessTransactionType.grant, payload(startMs + 60_000), startMs + 10);
    expect(later.code).toBeUndefined();
    const ids = indexedGrantIds(ledger.view, deviceDid, 'beta');
    expect(ids).toHaveLength(grantsPerGranteeMax);
    expect(ids).not.toContain(first.txId);
    expect(ids[ids.length - 1]).toBe(later.txId);
  });
});

describe('stored state of the wrong shape', () => {
  it('stops on a grant record or an index that is not what the contract wrote', () => {
    const did = devices[0] ?? '';
    const grantId = 'a'.repeat(64);
    const grant: StateView = { get: (key) => (key === accessGrantKey(grantId) ? { grantTxId: grantId, device: did, actions: ['fly'] } : undefined) };
    expect(() => findAccessGrant(grant, grantId)).toThrow(ContractInvariantError);
    const index: StateView = { get: (key) => (key === accessIndexKey(did, 'beta') ? Array.from({ length: grantsPerGranteeMax + 1 }, () => grantId) : undefined) };
    expect(() => indexedGrantIds(index, did, 'beta')).toThrow(ContractInvariantError);
  });
});
