/**
 * Device handlers as data: registration, offer, transfer and report become statements stamped with
 * their transaction and height; a transfer closes the previous owner's history entry and opens the
 * next one; a replaced offer is marked; the same event gives the same statements; malformed fields
 * are refused with BAD_EVENT_FIELD.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 9, position: 1, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };
const did = 'did:key:z6MkDevice';
const offerTxId = '01'.repeat(32);

describe('device projection', () => {
  const events: LedgerEvent[] = [
    { type: 'DeviceRegistered', did, model: 'M1', serial: 'S1', category: 'pump', owner: 'acme', delegationId: null },
    { type: 'DeviceTransferOffered', did, from: 'acme', to: 'beta', offerTxId, expiresAtMs: 1_700_000_100_000, replacesOfferTxId: '02'.repeat(32), delegationId: null },
    { type: 'DeviceTransferred', did, from: 'acme', to: 'beta', offerTxId, ownerIndex: 1, delegationId: 'ef'.repeat(32) },
    { type: 'DeviceReported', did, owner: 'beta', kind: 'temperature', data: { celsius: 21 }, grantTxId: '03'.repeat(32) },
  ];

  it('stamps every statement and is deterministic', () => {
    for (const event of events) {
      const statements = projectEvent(event, context);
      expect(statements.length).toBeGreaterThan(0);
      expect(projectEvent(event, context)).toEqual(statements);
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 9 });
        expect(statement.text).toContain('$txId');
      }
    }
  });

  it('registers with OWNS and the first OWNED_BY history entry', () => {
    const [statement] = projectEvent(events[0] as LedgerEvent, context);
    expect(statement?.text).toContain('CREATE (o)-[:OWNS');
    expect(statement?.text).toContain('ownerIndex: 0, fromHeight: $height');
    expect(statement?.parameters).toMatchObject({ did, model: 'M1', serial: 'S1', category: 'pump', owner: 'acme', delegationId: null });
  });

  it('marks a replaced offer before opening the new one', () => {
    const statements = projectEvent(events[1] as LedgerEvent, context);
    expect(statements).toHaveLength(2);
    expect(statements[0]?.text).toContain("r.status = 'replaced'");
    expect(statements[1]?.parameters).toMatchObject({ offerTxId, to: 'beta' });
  });

  it('closes the previous owner entry and opens the next on transfer', () => {
    const [close, open] = projectEvent(events[2] as LedgerEvent, context);
    expect(close?.text).toContain('SET h.toHeight = $height');
    expect(close?.text).toContain('DELETE owns');
    expect(close?.parameters).toMatchObject({ previousOwnerIndex: 0, ownerIndex: 1, from: 'acme', to: 'beta' });
    expect(open?.text).toContain("t.status = 'accepted'");
  });

  it('stores a report with the canonical JSON of its data under an event-scoped id', () => {
    const [statement] = projectEvent(events[3] as LedgerEvent, context);
    expect(statement?.parameters).toMatchObject({ id: `${context.txId}:0`, dataJson: '{"celsius":21}', kind: 'temperature' });
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { type: 'DeviceRegistered', did, model: 'M1', serial: 'S1', category: 'pump', owner: 'acme' },
      { type: 'DeviceRegistered', did: '', model: 'M1', serial: 'S1', category: 'pump', owner: 'acme', delegationId: null },
      { type: 'DeviceTransferred', did, from: 'acme', to: 'beta', offerTxId, ownerIndex: 0, delegationId: null },
      { type: 'DeviceTransferOffered', did, from: 'acme', to: 'beta', offerTxId, expiresAtMs: -1, replacesOfferTxId: null, delegationId: null },
      { type: 'DeviceReported', did, owner: 'beta', kind: 'temperature', grantTxId: '03'.repeat(32) },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
