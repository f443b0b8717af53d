/**
 * Bad input to the running ledger node processes, each refused with a clear error and no effect on
 * anything else: a forged signature, a signer that is not a did:key, a stale or future `time`, an
 * oversize transaction, malformed JSON and an unknown type are refused before they reach the ordering log
 * (the ledger never learns of them); a replayed transaction is answered with its first receipt; a signer
 * no organisation registered and a broken contract rule are decided by the ledger, as rejected leaves
 * with the contract's reason.
 */
import { buildTransaction } from '@twinledger/ledger-core/client';
import type { JsonObject, SignedTransaction } from '@twinledger/ledger-core/chain';
import { generatePrivateKey } from '@twinledger/ledger-core/chain';
import { memberSigner } from './cluster';

const urls = (process.env.LEDGER_URLS ?? '').split(',').filter((url) => url !== '');
const consortiumDir = process.env.LEDGER_CONSORTIUM_DIR ?? '';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function post(body: string, nodeIndex = 0): Promise<Answer> {
  const response = await fetch(`${urls[nodeIndex]}/v1/transactions?waitMs=20000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function receiptStatus(txId: string): Promise<number> {
  return (await fetch(`${urls[1]}/v1/receipts/${txId}`)).status;
}

function errorCode(answer: Answer): unknown {
  return (answer.body.error as { code?: unknown } | undefined)?.code;
}

const { signer } = memberSigner(consortiumDir);

function note(key: string, overrides: { timeMs?: number; value?: string; expectedVersion?: number } = {}): { txId: string; signed: SignedTransaction } {
  const payload: JsonObject = {
    key,
    value: overrides.value ?? 'v',
    ...(overrides.expectedVersion === undefined ? {} : { expectedVersion: overrides.expectedVersion }),
  };
  return buildTransaction({ type: 'asset.note', payload }, signer, overrides.timeMs === undefined ? {} : { timeMs: overrides.timeMs });
}

describe('refused before the log', () => {
  test('a forged signature', async () => {
    const { txId, signed } = note(`forged-${Date.now()}`);
    const forged = { ...signed, signature: `${signed.signature.startsWith('A') ? 'B' : 'A'}${signed.signature.slice(1)}` };
    const answer = await post(JSON.stringify(forged));
    expect([answer.status, errorCode(answer)]).toEqual([400, 'BAD_SIGNATURE']);
    expect(await receiptStatus(txId)).toBe(404);
  });

  test('a signer that is not a did:key', async () => {
    const { signed } = note(`signer-${Date.now()}`);
    const answer = await post(JSON.stringify({ ...signed, tx: { ...signed.tx, signer: 'did:web:example.com' } }));
    expect([answer.status, errorCode(answer)]).toEqual([400, 'BAD_SIGNER']);
  });

  test.each([
    ['STALE_TIME', -3_600_000],
    ['FUTURE_TIME', 3_600_000],
  ])('a %s', async (code, offsetMs) => {
    const { txId, signed } = note(`time-${code}-${Date.now()}`, { timeMs: Date.now() + offsetMs });
    const answer = await post(JSON.stringify(signed));
    expect([answer.status, errorCode(answer)]).toEqual([400, code]);
    expect(await receiptStatus(txId)).toBe(404);
  });

  test('an oversize transaction', async () => {
    const { signed } = note(`large-${Date.now()}`, { value: 'x'.repeat(8_000) });
    const padded = { ...signed, tx: { ...signed.tx, payload: { key: 'large', value: 'x'.repeat(8_000), extra: Array.from({ length: 12 }, () => 'y'.repeat(8_000)) } } };
    const answer = await post(JSON.stringify(padded));
    expect(answer.status).toBe(413);
    expect(errorCode(answer)).toBe('TX_TOO_LARGE');
  });

  test('malformed JSON', async () => {
    const answer = await post('{"tx": {"v": 1, "type": "asset.note"');
    expect([answer.status, errorCode(answer)]).toEqual([400, 'MALFORMED_JSON']);
  });

  test('an unknown transaction type', async () => {
    const { txId, signed } = buildTransaction({ type: 'warp.drive', payload: {} }, signer);
    const answer = await post(JSON.stringify(signed));
    expect([answer.status, errorCode(answer)]).toEqual([400, 'UNKNOWN_TYPE']);
    expect(await receiptStatus(txId)).toBe(404);
  });

  test('no error answer carries a stack trace', async () => {
    const answer = await post('[');
    expect(JSON.stringify(answer.body)).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe('decided by the ledger', () => {
  test('a replayed transaction is answered with its first receipt, on any node', async () => {
    const { txId, signed } = note(`replay-${Date.now()}`);
    const first = await post(JSON.stringify(signed), 0);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ txId, status: 'accepted' });
    const replay = await post(JSON.stringify(signed), 2);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, duplicate: true });
  });

  test('a signer no organisation registered is a rejected leaf with the reason', async () => {
    const stranger = buildTransaction({ type: 'asset.note', payload: { key: `stranger-${Date.now()}`, value: 'v' } }, generatePrivateKey());
    const answer = await post(JSON.stringify(stranger.signed));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ txId: stranger.txId, status: 'rejected', code: 'WRITER_NOT_ACTIVE' });
  });

  test('a broken contract rule is a rejected leaf and changes nothing', async () => {
    const key = `versioned-${Date.now()}`;
    const created = await post(JSON.stringify(note(key, { value: 'first' }).signed));
    expect(created.body).toMatchObject({ status: 'accepted' });
    const conflicting = await post(JSON.stringify(note(key, { value: 'second', expectedVersion: 7 }).signed));
    expect(conflicting.body).toMatchObject({ status: 'rejected', code: 'VERSION_MISMATCH' });
    const next = await post(JSON.stringify(note(key, { value: 'third', expectedVersion: 1 }).signed));
    expect(next.body).toMatchObject({ status: 'accepted' });
  });
});
