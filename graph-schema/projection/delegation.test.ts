/**
 * Delegation handlers as data: a grant is a Delegation node keyed by its own transaction between the
 * organisation and the delegate's Actor node; a replacement marks the previous delegation and links
 * to it; a revocation marks the delegation with the revoking transaction; malformed fields are refused.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 5, position: 0, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };
const delegate = 'did:key:z6MkDelegate';

const granted = (replacesDelegationId: string | null): LedgerEvent => ({
  type: 'DelegationGranted',
  delegationId: context.txId,
  organization: 'acme',
  delegate,
  scope: ['access.grant', 'device.register'],
  expiresAtMs: 1_800_000_000_000,
  replacesDelegationId,
});

describe('delegation projection', () => {
  it('creates the delegation, and marks the one it replaces', () => {
    expect(projectEvent(granted(null), context)).toHaveLength(1);
    const statements = projectEvent(granted('01'.repeat(32)), context);
    expect(statements).toHaveLength(2);
    expect(statements[0]?.parameters).toMatchObject({ delegationId: context.txId, scope: ['access.grant', 'device.register'], txId: context.txId, height: 5 });
    expect(statements[1]?.text).toContain("r.status = 'replaced'");
  });

  it('marks a revoked delegation with the revoking transaction', () => {
    const [statement] = projectEvent({ type: 'DelegationRevoked', delegationId: '01'.repeat(32), revokeTxId: context.txId, organization: 'acme', delegate }, context);
    expect(statement?.text).toContain("g.status = 'revoked', g.endedByTxId = $txId");
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { ...granted(null), delegationId: '01'.repeat(32) },
      { ...granted(null), scope: [1] },
      { ...granted(null), replacesDelegationId: 7 },
      { type: 'DelegationRevoked', delegationId: '01'.repeat(32), revokeTxId: '02'.repeat(32), organization: 'acme', delegate },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
