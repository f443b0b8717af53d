/**
 * The pure projection handlers: each known event becomes statements stamped with its transaction and
 * height, the same event always gives the same statements, a malformed field is refused with
 * BAD_EVENT_FIELD, and an unknown event type is refused with UNKNOWN_EVENT_TYPE instead of skipped.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { mergeHandlerTables, noteHandlers, projectEvent, ProjectionError, ProjectionErrorCode, type ProjectionContext } from './index.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 7, position: 2, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };

function refusal(run: () => unknown): ProjectionError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof ProjectionError) return error;
    throw error;
  }
  throw new Error('expected a ProjectionError');
}

describe('projection handlers', () => {
  it('stamps every organisation statement with txId and height', () => {
    const events: LedgerEvent[] = [
      { type: 'OrganizationRegistrationRequested', id: 'acme', name: 'Acme', did: 'did:key:z6Mk' },
      { type: 'OrganizationApproved', id: 'acme', approver: 'alpha-industries', approvalCount: 1, quorum: 2 },
      { type: 'OrganizationRegistered', id: 'acme', name: 'Acme', did: 'did:key:z6Mk', approvals: ['alpha-industries', 'beta-logistics'] },
    ];
    for (const event of events) {
      const statements = projectEvent(event, context);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 7 });
        expect(statement.text).toContain('$txId');
        expect(statement.text).toContain('createdTxId');
      }
    }
  });

  it('writes a note version with the canonical JSON of its value, deterministically', () => {
    const event = { type: 'NoteWritten', key: 'k1', value: { b: 1, a: [true, null] }, version: 3, writer: 'alpha-industries' };
    const first = projectEvent(event, context);
    expect(first).toEqual(projectEvent(event, context));
    expect(first[0]?.parameters).toMatchObject({ key: 'k1', version: 3, versionId: 'k1@3', valueJson: '{"a":[true,null],"b":1}', writer: 'alpha-industries' });
    expect(first[0]?.text).toContain('CREATE (v:NoteVersion');
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { type: 'NoteWritten', key: 'k1', value: 1, version: 0, writer: 'w' },
      { type: 'NoteWritten', key: 'k1', version: 1, writer: 'w' },
      { type: 'NoteWritten', key: '', value: 1, version: 1, writer: 'w' },
      { type: 'OrganizationApproved', id: 'acme', approver: 'alpha', approvalCount: -1, quorum: 2 },
      { type: 'OrganizationRegistered', id: 'acme', name: 'Acme', did: 'd', approvals: [1] },
    ];
    const failures = bad.filter((event) => refusal(() => projectEvent(event, context)).code !== ProjectionErrorCode.badEventField);
    expect(failures).toEqual([]);
  });

  it('refuses an unknown event type instead of skipping it', () => {
    const error = refusal(() => projectEvent({ type: 'DeviceBlessed', did: 'did:key:z' }, context));
    expect(error.code).toBe(ProjectionErrorCode.unknownEventType);
    expect(error.eventType).toBe('DeviceBlessed');
  });

  it('refuses two tables that handle the same event type', () => {
    expect(refusal(() => mergeHandlerTables([noteHandlers, noteHandlers])).code).toBe(ProjectionErrorCode.duplicateHandler);
  });
});
