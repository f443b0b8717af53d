/**
 * The command worker's command line and the retry rule: good arguments parse with their defaults; a
 * missing, repeated, unknown or out-of-range flag is refused with BAD_ARGUMENTS; and a failed attempt
 * is retried only when asking again could change the answer (no node answered, a receipt still
 * pending), never for a 4xx or a malformed transaction.
 */
import { TransactionShapeError } from '@twinledger/ledger-core/chain';
import { LedgerNodeError, LedgerRequestError, LedgerUnavailableError } from '@twinledger/ledger-core/client';
import { classifyAttemptFailure, commandConcurrencyDefault, failureText, JobDataError, parseCommandWorkerArgs, ReceiptPendingError, reasonFromText } from './index.js';

describe('parseCommandWorkerArgs', () => {
  it('parses the flags, with the default concurrency', () => {
    expect(parseCommandWorkerArgs(['--redis', 'redis://127.0.0.1:6379', '--ledger', 'http://a:1,http://b:2'])).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      ledgerUrls: ['http://a:1', 'http://b:2'],
      concurrency: commandConcurrencyDefault,
      prefix: undefined,
    });
    expect(parseCommandWorkerArgs(['--ledger', 'http://a:1', '--redis', 'redis://r', '--concurrency', '3', '--prefix', 'p']).concurrency).toBe(3);
  });

  it('refuses missing, repeated, unknown and out-of-range flags', () => {
    const bad = [
      [],
      ['--redis', 'redis://r'],
      ['--redis', 'redis://r', '--ledger', ''],
      ['--redis', 'http://r', '--ledger', 'http://a'],
      ['--redis', 'redis://r', '--redis', 'redis://s', '--ledger', 'http://a'],
      ['--redis', 'redis://r', '--ledger', 'http://a', '--concurrency', '0'],
      ['--redis', 'redis://r', '--ledger', 'http://a', '--concurrency', '2.5'],
      ['--redis', 'redis://r', '--ledger', 'http://a', '--concurrency', '100000'],
      ['--redis', 'redis://r', '--ledger', 'http://a', '--verbose', 'yes'],
      ['--redis', '--ledger', 'http://a'],
    ];
    const accepted = bad.filter((argv) => {
      try {
        parseCommandWorkerArgs(argv);
        return true;
      } catch (error: unknown) {
        return !(error instanceof Error && (error as { code?: unknown }).code === 'BAD_ARGUMENTS');
      }
    });
    expect(accepted).toEqual([]);
  });
});

describe('classifyAttemptFailure', () => {
  it('retries outages and pending receipts, and dead-letters 4xx and malformed input at once', () => {
    const nodeDown = new LedgerNodeError('http://a', 'CONNECTION_FAILED', 'refused');
    expect(classifyAttemptFailure(new LedgerUnavailableError([nodeDown]))).toMatchObject({ transient: true, code: 'LEDGER_UNAVAILABLE' });
    expect(classifyAttemptFailure(new LedgerNodeError('http://a', 'UNAVAILABLE', 'busy', 503))).toMatchObject({ transient: true, code: 'UNAVAILABLE' });
    expect(classifyAttemptFailure(new ReceiptPendingError('later'))).toMatchObject({ transient: true, code: 'RECEIPT_PENDING' });
    expect(classifyAttemptFailure(new LedgerRequestError('http://a', 429, 'HTTP_429', 'slow down'))).toMatchObject({ transient: true, status: 429 });
    expect(classifyAttemptFailure(new LedgerRequestError('http://a', 400, 'BAD_SIGNATURE', 'no'))).toMatchObject({ transient: false, code: 'BAD_SIGNATURE', status: 400 });
    expect(classifyAttemptFailure(new TransactionShapeError('TX_BAD_FIELD', 'no'))).toMatchObject({ transient: false, code: 'TX_BAD_FIELD' });
    expect(classifyAttemptFailure(new JobDataError('no'))).toMatchObject({ transient: false, code: 'JOB_DATA_MALFORMED' });
  });

  it('writes a reason as one line that reads back to its code', () => {
    const text = failureText({ code: 'LEDGER_UNAVAILABLE', message: 'no ledger node answered:\n a; b' });
    expect(text).toBe('LEDGER_UNAVAILABLE: no ledger node answered: a; b');
    expect(reasonFromText(text)).toEqual({ code: 'LEDGER_UNAVAILABLE', message: 'no ledger node answered: a; b' });
    expect(reasonFromText('job stalled more than allowable limit')).toEqual({ code: 'JOB_FAILED', message: 'job stalled more than allowable limit' });
  });
});
