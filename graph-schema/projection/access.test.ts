/**
 * Access handlers as data: a grant is a Grant node keyed by its own transaction, linked to device,
 * owner and grantee (an Organization or an Actor by did); a revocation marks the grant and names its
 * transaction; a device's access record keeps the ledger's decision beside the device's. Grants and
 * revocations that do not name their own transaction, and malformed fields, are refused.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 11, position: 0, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };
const device = 'did:key:z6MkDevice';

const grant = (grantee: string, granteeKind: string): LedgerEvent => ({
  type: 'AccessGranted',
  grantTxId: context.txId,
  device,
  owner: 'acme',
  grantee,
  granteeKind,
  actions: ['read', 'report'],
  expiresAtMs: 1_800_000_000_000,
  delegationId: null,
});

describe('access projection', () => {
  it('links a grant to an organisation grantee or to an actor by did', () => {
    const [toOrganization] = projectEvent(grant('beta', 'organization'), context);
    expect(toOrganization?.text).toContain('MERGE (e:Organization {id: $grantee})');
    expect(toOrganization?.parameters).toMatchObject({ grantTxId: context.txId, actions: ['read', 'report'], expiresAtMs: 1_800_000_000_000, txId: context.txId, height: 11 });
    const [toActor] = projectEvent(grant('did:key:z6MkPerson', 'did'), context);
    expect(toActor?.text).toContain('MERGE (e:Actor {did: $grantee})');
  });

  it('marks a revoked grant with the revoking transaction', () => {
    const [statement] = projectEvent(
      { type: 'AccessRevoked', grantTxId: '01'.repeat(32), revokeTxId: context.txId, device, owner: 'acme', grantee: 'beta', revokedBy: 'acme', delegationId: null },
      context,
    );
    expect(statement?.text).toContain('g.revoked = true, g.revokeTxId = $txId');
    expect(statement?.parameters).toMatchObject({ grantTxId: '01'.repeat(32), revokedBy: 'acme' });
  });

  it('records a device access event with the ledger decision', () => {
    const event: LedgerEvent = {
      type: 'DeviceAccessRecorded',
      device,
      owner: 'acme',
      actor: 'beta',
      action: 'read',
      result: 'granted',
      atMs: 1_700_000_000_000,
      ledgerAllowed: false,
      ledgerReason: 'REVOKED',
      grantTxId: '01'.repeat(32),
      revokeTxId: '02'.repeat(32),
    };
    const [statement] = projectEvent(event, { ...context, eventIndex: 2 });
    expect(statement?.parameters).toMatchObject({ id: `${context.txId}:2`, ledgerAllowed: false, ledgerReason: 'REVOKED', revokeTxId: '02'.repeat(32), eventIndex: 2 });
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      grant('beta', 'person'),
      { ...grant('beta', 'organization'), grantTxId: '01'.repeat(32) },
      { ...grant('beta', 'organization'), actions: 'read' },
      { type: 'AccessRevoked', grantTxId: '01'.repeat(32), revokeTxId: '02'.repeat(32), device, owner: 'acme', grantee: 'beta', revokedBy: 'acme', delegationId: null },
      { type: 'DeviceAccessRecorded', device, owner: 'acme', actor: 'beta', action: 'read', result: 'maybe', atMs: 1, ledgerAllowed: true, ledgerReason: 'OWNER', grantTxId: null, revokeTxId: null },
      { type: 'DeviceAccessRecorded', device, owner: 'acme', actor: 'beta', action: 'read', result: 'granted', atMs: 1, ledgerAllowed: 'yes', ledgerReason: 'OWNER', grantTxId: null, revokeTxId: null },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
