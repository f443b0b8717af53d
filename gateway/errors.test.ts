/**
 * What an error may carry out of the gateway: `extensions.code` always; on ledger errors also the
 * contract's code, the transaction id and the height, each only in its expected form; nothing else
 * (no stack, no exception, no subgraph internals), and an uncoded error becomes a fixed internal one.
 */
import { formatGatewayError, internalErrorMessage } from './errors.js';

const txId = 'a'.repeat(64);

it('passes the ledger answer on with ledger errors and drops everything else', () => {
  const formatted = formatGatewayError(
    { message: 'rejected', extensions: { code: 'LEDGER_REJECTED', ledgerCode: 'DEVICE_EXISTS', txId, height: 7, stacktrace: ['at x'], exception: { secret: 1 } } },
    undefined,
  );
  expect(formatted).toEqual({ message: 'rejected', extensions: { code: 'LEDGER_REJECTED', ledgerCode: 'DEVICE_EXISTS', txId, height: 7 } });
});

it('keeps ledger fields off other codes and refuses malformed ones', () => {
  expect(formatGatewayError({ message: 'no', extensions: { code: 'FORBIDDEN', ledgerCode: 'X', txId } }, undefined).extensions).toEqual({ code: 'FORBIDDEN' });
  expect(
    formatGatewayError({ message: 'r', extensions: { code: 'LEDGER_REJECTED', ledgerCode: 'not a code', txId: 'xyz', height: -1 } }, undefined).extensions,
  ).toEqual({ code: 'LEDGER_REJECTED' });
});

it('turns an uncoded error into the fixed internal error', () => {
  expect(formatGatewayError({ message: 'TypeError: x is undefined' }, undefined)).toEqual({
    message: internalErrorMessage,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
});
