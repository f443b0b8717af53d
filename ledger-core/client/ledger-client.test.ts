/**
 * The client's own logic against stand-in nodes on 127.0.0.1 (answers scripted per test; the real
 * nodes are exercised by the end-to-end tests). Proves: a submission fails over to the next node on
 * connection refused, a 503 and a timeout, but never on a 400, which is thrown as a typed
 * LedgerRequestError; with every node down the error lists what each said; malformed answers (not
 * JSON, wrong types, a receipt of another transaction, an unexpected status, too long) are refused
 * with a typed error and the next node is used when it answers well; awaitReceipt polls across
 * nodes, finds a receipt another node has, and stays within its time and request bounds; status
 * reports every node, and a status long poll passes its parameters and gets its wait added to the
 * request's time limit; a real proof bundle is fetched and verified offline against the consortium,
 * and a node serving a tampered or foreign bundle is passed over; connections are kept alive and
 * capped per node; an AbortSignal stops a wait.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createNodeCryptoSigner, didKeyFromPublicKey, signTransaction, transactionId, type SignedTransaction } from '../chain/index.js';
import {
  LedgerAbortedError,
  LedgerClient,
  LedgerNodeError,
  LedgerProofError,
  LedgerRequestError,
  LedgerResponseError,
  LedgerUnavailableError,
  startStandInNode,
  type LedgerClientOptions,
  type StandInAnswer,
  type StandInHandler,
  type StandInNode,
} from './index.js';
import { blockRecordOf, buildLedger, bundleFor, clientSeed, consortium, ledgerNode, members, receiptFor, txIdOf } from './testing.js';

const ledger = buildLedger();
const onLedger = ledger.leaves[1]?.tx as SignedTransaction;
const client = createNodeCryptoSigner(clientSeed);
const fresh: SignedTransaction = signTransaction(
  { v: 1, type: 'device.register', payload: { serial: 'SN-NEW' }, signer: didKeyFromPublicKey(client.publicKey), nonce: 'fresh', time: 1_767_225_700_000 },
  client,
);
const freshId = transactionId(fresh.tx);
const freshReceipt = { txId: freshId, status: 'accepted', height: 3, position: 0, leafIndex: 4, blockHash: 'ab'.repeat(32) };

const started: StandInNode[] = [];
const clients: LedgerClient[] = [];
afterEach(async () => {
  for (const each of clients.splice(0)) each.close();
  await Promise.all(started.splice(0).map((node) => node.close()));
});

async function node(handler: StandInHandler): Promise<StandInNode> {
  const standIn = await startStandInNode(handler);
  started.push(standIn);
  return standIn;
}

function ledgerClient(nodes: readonly string[], options: Partial<LedgerClientOptions> = {}): LedgerClient {
  const made = new LedgerClient({ nodes, timeoutMs: 2_000, ...options });
  clients.push(made);
  return made;
}

/** A URL on which nothing listens: a port the OS handed out and that was then closed. */
async function refusingUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const acceptFresh: StandInHandler = () => ({ status: 200, body: freshReceipt });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('submit', () => {
  it('posts the signed transaction with waitMs and returns the checked receipt', async () => {
    const a = await node(acceptFresh);
    const receipt = await ledgerClient([a.url]).submit(fresh, { waitMs: 1_500 });
    expect(receipt).toEqual(freshReceipt);
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]?.method).toBe('POST');
    expect(a.requests[0]?.path).toBe('/v1/transactions');
    expect(a.requests[0]?.query.get('waitMs')).toBe('1500');
    expect(JSON.parse(a.requests[0]?.body ?? '')).toEqual(fresh);
  });

  it('returns pending on 202 and the first receipt, marked duplicate, for a transaction already on the ledger', async () => {
    const a = await node(ledgerNode(ledger));
    const answers = ledgerClient([a.url]);
    expect(await answers.submit(fresh, { waitMs: 0 })).toEqual({ txId: freshId, status: 'pending' });
    expect(await answers.submit(onLedger)).toEqual({ ...receiptFor(ledger, 1), duplicate: true });
  });

  it('fails over on connection refused', async () => {
    const b = await node(acceptFresh);
    expect(await ledgerClient([await refusingUrl(), b.url]).submit(fresh)).toEqual(freshReceipt);
    expect(b.requests).toHaveLength(1);
  });

  it('fails over on a 503, and on a node that closes the connection without answering', async () => {
    const a = await node(() => ({ status: 503, body: { error: { code: 'BACKPRESSURE', message: 'queue full' } }, headers: { 'retry-after': '2' } }));
    const b = await node(() => 'destroy');
    const c = await node(acceptFresh);
    expect(await ledgerClient([a.url, b.url, c.url]).submit(fresh)).toEqual(freshReceipt);
    expect([a.requests.length, b.requests.length, c.requests.length]).toEqual([1, 1, 1]);
    // The same bytes went to every node: resubmission is of the one signed transaction.
    expect(new Set([...a.requests, ...b.requests, ...c.requests].map((request) => request.body)).size).toBe(1);
  });

  it('fails over on a timeout, within the request limit plus the wait', async () => {
    const a = await node(() => 'hang');
    const b = await node(acceptFresh);
    const startMs = performance.now();
    expect(await ledgerClient([a.url, b.url], { timeoutMs: 300 }).submit(fresh, { waitMs: 100 })).toEqual(freshReceipt);
    const elapsedMs = performance.now() - startMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(390);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('does not fail over on a 400: the typed error carries status, code and message', async () => {
    const a = await node(() => ({ status: 400, body: { error: { code: 'BAD_SIGNATURE', message: 'the signature does not verify' } } }));
    const b = await node(acceptFresh);
    const error = await rejection(ledgerClient([a.url, b.url]).submit(fresh));
    expect(error).toBeInstanceOf(LedgerRequestError);
    expect(error).toMatchObject({ node: a.url, status: 400, code: 'BAD_SIGNATURE', message: 'the signature does not verify' });
    expect(b.requests).toHaveLength(0);
  });

  it('a 413 without an error body is still a typed request error', async () => {
    const a = await node(() => ({ status: 413, body: 'too large' }));
    expect(await rejection(ledgerClient([a.url]).submit(fresh))).toMatchObject({ name: 'LedgerRequestError', status: 413, code: 'HTTP_413' });
  });

  it('with every node down, LedgerUnavailableError lists what each said', async () => {
    const refused = await refusingUrl();
    const a = await node(() => ({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'etcd has no quorum' } } }));
    const b = await node(() => 'hang');
    const error = await rejection(ledgerClient([refused, a.url, b.url], { timeoutMs: 200 }).submit(fresh, { waitMs: 0 }));
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    const failures = (error as LedgerUnavailableError).failures;
    expect(failures.map((failure) => [failure.node, failure.code])).toEqual([
      [refused, 'CONNECTION_FAILED'],
      [a.url, 'UNAVAILABLE'],
      [b.url, 'TIMEOUT'],
    ]);
    expect(failures.every((failure) => failure instanceof LedgerNodeError)).toBe(true);
    expect((error as Error).message).toContain('etcd has no quorum');
  });

  it('asks the node that answered last first, so a dead node costs one failover', async () => {
    const a = await node(() => ({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down' } } }));
    const b = await node(acceptFresh);
    const answers = ledgerClient([a.url, b.url]);
    await answers.submit(fresh);
    await answers.submit(fresh);
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
  });

  it('refuses a malformed transaction before sending anything', async () => {
    const a = await node(acceptFresh);
    const broken = { tx: { ...fresh.tx, type: 'Not A Type' }, signature: fresh.signature };
    expect(await rejection(ledgerClient([a.url]).submit(broken))).toMatchObject({ name: 'TransactionShapeError', code: 'TX_BAD_FIELD' });
    expect(a.requests).toHaveLength(0);
  });
});

describe('malformed answers', () => {
  const malformed: ReadonlyArray<[string, StandInHandler, RegExp]> = [
    ['not JSON', () => ({ status: 200, body: '{"txId":' }), /not JSON/],
    ['a receipt of another transaction', () => ({ status: 200, body: { ...freshReceipt, txId: 'cd'.repeat(32) } }), /is for tx cdcd/],
    ['a height that is a string', () => ({ status: 200, body: { ...freshReceipt, height: '3' } }), /"height" must be an integer/],
    ['an accepted receipt with a rejection code', () => ({ status: 200, body: { ...freshReceipt, code: 'X' } }), /no "code"/],
    ['a rejected receipt without a reason', () => ({ status: 200, body: { ...freshReceipt, status: 'rejected', code: 'DEVICE_EXISTS' } }), /"reason"/],
    ['an unknown status', () => ({ status: 200, body: { ...freshReceipt, status: 'maybe' } }), /"status"/],
    ['leafIndex below position', () => ({ status: 200, body: { ...freshReceipt, position: 5 } }), /below its position/],
    ['a pending answer for another transaction', () => ({ status: 202, body: { txId: 'cd'.repeat(32), status: 'pending' } }), /pending answer is for tx/],
    ['a redirect', () => ({ status: 302, body: '' }), /unexpected status 302/],
    ['an array', () => ({ status: 200, body: [] }), /JSON object/],
  ];

  it.each(malformed)('%s: refused with a typed error', async (_, handler, message) => {
    const a = await node(handler);
    const error = await rejection(ledgerClient([a.url]).submit(fresh));
    expect(error).toBeInstanceOf(LedgerResponseError);
    expect(error).toMatchObject({ node: a.url, code: 'RESPONSE_MALFORMED' });
    expect((error as Error).message).toMatch(message);
  });

  it('a malformed answer from one node is passed over for a good one from the next', async () => {
    const a = await node(() => ({ status: 200, body: { ...freshReceipt, txId: 'cd'.repeat(32) } }));
    const b = await node(acceptFresh);
    expect(await ledgerClient([a.url, b.url]).submit(fresh)).toEqual(freshReceipt);
  });

  it('an answer over the size limit is refused', async () => {
    const a = await node(() => ({ status: 200, body: { ...freshReceipt, padding: 'x'.repeat(10_000) } }));
    expect(await rejection(ledgerClient([a.url], { responseBytesMax: 1_000 }).submit(fresh))).toMatchObject({ name: 'LedgerResponseError', code: 'RESPONSE_TOO_LARGE' });
  });

  it('a malformed answer next to a node that is down gives LedgerUnavailableError with both', async () => {
    const a = await node(() => ({ status: 200, body: 'nonsense' }));
    const error = await rejection(ledgerClient([a.url, await refusingUrl()]).submit(fresh));
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as LedgerUnavailableError).failures.map((failure) => failure.code)).toEqual(['RESPONSE_MALFORMED', 'CONNECTION_FAILED']);
  });

  it('a status with a peer list that is not a list is an error entry, not a status', async () => {
    const a = await node(() => ({ status: 200, body: { node: 'x', height: 1, qcHeight: 1, appliedRevision: 3, treeSize: 2, blockHash: 'ab'.repeat(32), etcd: { reachable: true }, peers: {}, alarms: [] } }));
    const [result] = await ledgerClient([a.url]).status();
    expect(result).toMatchObject({ url: a.url, ok: false, error: { code: 'RESPONSE_MALFORMED' } });
  });
});

describe('awaitReceipt', () => {
  it('polls across nodes until one has the receipt', async () => {
    let polls = 0;
    const a = await node(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    const b = await node(() => (++polls < 3 ? { status: 202, body: { txId: freshId, status: 'pending' } } : { status: 200, body: freshReceipt }));
    expect(await ledgerClient([a.url, b.url]).awaitReceipt(freshId, { timeoutMs: 5_000 })).toEqual(freshReceipt);
    expect(b.requests).toHaveLength(3);
    expect(a.requests.every((request) => request.path === `/v1/receipts/${freshId}`)).toBe(true);
  });

  it('answers pending when time runs out, within its bound, with backoff between rounds', async () => {
    const a = await node(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    const startMs = performance.now();
    expect(await ledgerClient([a.url]).awaitReceipt(freshId, { timeoutMs: 600 })).toEqual({ txId: freshId, status: 'pending' });
    const elapsedMs = performance.now() - startMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(590);
    expect(elapsedMs).toBeLessThan(1_500);
    // 50, 100, 200 and the rest of the 600 ms: five or six polls, not hundreds.
    expect(a.requests.length).toBeGreaterThanOrEqual(4);
    expect(a.requests.length).toBeLessThanOrEqual(7);
  });

  it('throws LedgerUnavailableError when no node ever answered', async () => {
    const error = await rejection(ledgerClient([await refusingUrl()]).awaitReceipt(freshId, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(LedgerUnavailableError);
  });

  it('stops when its AbortSignal fires', async () => {
    const a = await node(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const startMs = performance.now();
    expect(await rejection(ledgerClient([a.url]).awaitReceipt(freshId, { timeoutMs: 60_000, signal: controller.signal }))).toBeInstanceOf(LedgerAbortedError);
    expect(performance.now() - startMs).toBeLessThan(1_500);
  });

  it('refuses a wait beyond its limit before asking anything', async () => {
    const a = await node(acceptFresh);
    await expect(ledgerClient([a.url]).awaitReceipt(freshId, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'CLIENT_CONFIG' });
    expect(a.requests).toHaveLength(0);
  });
});

describe('reads', () => {
  it('receipt, block, latest checkpoint and consortium from a node that has them', async () => {
    const a = await node(ledgerNode(ledger));
    const reads = ledgerClient([a.url]);
    expect(await reads.receipt(txIdOf(ledger, 2))).toEqual(receiptFor(ledger, 2));
    const block = await reads.block(2);
    expect(block.record).toEqual(blockRecordOf(ledger, 2));
    expect(typeof block.qc).toBe('string');
    expect((await reads.checkpointLatest()).height).toBe(2);
    expect(await reads.consortium()).toEqual(consortium);
  });

  it('a 404 from a node that is behind is passed over; from every node it is NOT_FOUND', async () => {
    const behind = await node(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    const a = await node(ledgerNode(ledger));
    expect(await ledgerClient([behind.url, a.url]).receipt(txIdOf(ledger, 0))).toEqual(receiptFor(ledger, 0));
    expect(await rejection(ledgerClient([behind.url, a.url]).receipt(freshId))).toMatchObject({ name: 'LedgerRequestError', status: 404, code: 'NOT_FOUND' });
  });

  it('a block whose record does not hash to its hash, or is another height, is refused', async () => {
    const serve = ledgerNode(ledger);
    const a = await node((request) => {
      const answer = serve(request);
      if (typeof answer === 'string' || request.path !== '/v1/blocks/1') return answer;
      return { status: 200, body: { ...(answer.body as object), hash: 'ab'.repeat(32) } };
    });
    const reads = ledgerClient([a.url]);
    expect(await rejection(reads.block(1))).toMatchObject({ name: 'LedgerResponseError', message: expect.stringMatching(/does not hash/) });
    const b = await node((request) => (request.path === '/v1/blocks/1' ? serve({ ...request, path: '/v1/blocks/2' }) : serve(request)));
    expect(await rejection(ledgerClient([b.url]).block(1))).toMatchObject({ name: 'LedgerResponseError', message: expect.stringMatching(/asked for block 1, got block 2/) });
  });

  it('a node without blocks may give a null block hash; from block 1 on it may not', async () => {
    const body = { node: 'acme.example/node', height: 0, qcHeight: 0, appliedRevision: 0, treeSize: 0, blockHash: null, etcd: { reachable: true }, peers: [], alarms: [] };
    const empty = await node(() => ({ status: 200, body }));
    const lying = await node(() => ({ status: 200, body: { ...body, height: 1 } }));
    const [fresh, wrong] = await ledgerClient([empty.url, lying.url]).status();
    expect(fresh).toMatchObject({ ok: true, status: { height: 0, blockHash: null } });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'RESPONSE_MALFORMED', message: '"blockHash" must be 64 lowercase hex digits' } });
  });

  it('status reports every node, reachable or not, in the order given', async () => {
    const a = await node(ledgerNode(ledger));
    const refused = await refusingUrl();
    const results = await ledgerClient([a.url, refused]).status();
    expect(results[0]).toMatchObject({ url: a.url, ok: true, status: { node: 'acme.example/node', height: 2, qcHeight: 2, treeSize: 4, alarms: [] } });
    expect(results[1]).toMatchObject({ url: refused, ok: false, error: { code: 'CONNECTION_FAILED' } });
  });

  it('a status long poll passes qcHeightAbove and waitMs, and allows waitMs beyond the client timeout', async () => {
    const serve = ledgerNode(ledger);
    // Held longer than the client's 300 ms timeout, but within waitMs plus it.
    const a = await node((request) => ({ ...(serve(request) as Exclude<StandInAnswer, string>), delayMs: 500 }));
    const [result] = await ledgerClient([a.url], { timeoutMs: 300 }).status({ qcHeightAbove: 2, waitMs: 400 });
    expect(result).toMatchObject({ ok: true, status: { qcHeight: 2 } });
    expect(a.requests[0]).toMatchObject({ path: '/status' });
    expect(Object.fromEntries(a.requests[0]!.query)).toEqual({ qcHeightAbove: '2', waitMs: '400' });
    const [plain] = await ledgerClient([a.url], { timeoutMs: 300 }).status();
    expect(plain).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(a.requests[1]?.query.size).toBe(0);
  });

  it.each([
    [{ qcHeightAbove: 1 }],
    [{ waitMs: 100 }],
    [{ qcHeightAbove: -1, waitMs: 100 }],
    [{ qcHeightAbove: 1.5, waitMs: 100 }],
    [{ qcHeightAbove: 1, waitMs: 60_001 }],
  ])('refuses the status long poll %j before asking anything', async (options) => {
    const a = await node(ledgerNode(ledger));
    await expect(ledgerClient([a.url]).status(options)).rejects.toMatchObject({ code: 'CLIENT_CONFIG' });
    expect(a.requests).toHaveLength(0);
  });
});

describe('proofs', () => {
  it('fetches a real bundle and verifies it offline against the consortium', async () => {
    const a = await node(ledgerNode(ledger));
    const proof = await ledgerClient([a.url]).fetchAndVerify(txIdOf(ledger, 2), consortium);
    expect(proof.node).toBe(a.url);
    expect(proof.verification).toMatchObject({ ok: true, txId: txIdOf(ledger, 2), height: 2, leafIndex: 2, outcome: { status: 'rejected', code: 'DEVICE_EXISTS' } });
    expect(proof.bundle).toEqual(bundleFor(ledger, 2));
  });

  it('a node serving a tampered bundle or a minority QC is passed over for one that verifies', async () => {
    const tampered = JSON.parse(JSON.stringify(bundleFor(ledger, 2))) as { leaf: { outcome: unknown } };
    tampered.leaf.outcome = { status: 'accepted', eventsHash: '00'.repeat(32) };
    const liar = await node(() => ({ status: 200, body: tampered }));
    const minority = await node(() => ({ status: 200, body: bundleFor(ledger, 2, members.slice(0, 1)) }));
    const honest = await node(ledgerNode(ledger));
    const proof = await ledgerClient([liar.url, minority.url, honest.url]).fetchAndVerify(txIdOf(ledger, 2), consortium);
    expect(proof.node).toBe(honest.url);
  });

  it('when every node serves a bad bundle, the typed proof error names the refusal', async () => {
    const minority = await node(() => ({ status: 200, body: bundleFor(ledger, 3, members.slice(2)) }));
    const error = await rejection(ledgerClient([minority.url]).fetchAndVerify(txIdOf(ledger, 3), consortium));
    expect(error).toBeInstanceOf(LedgerProofError);
    expect(error).toMatchObject({ code: 'QC_MINORITY' });
  });

  it('a bundle for another transaction is refused, verified or not', async () => {
    const other = await node(() => ({ status: 200, body: bundleFor(ledger, 0) }));
    const reads = ledgerClient([other.url]);
    expect(await rejection(reads.fetchProofBundle(txIdOf(ledger, 1)))).toMatchObject({ name: 'LedgerResponseError', message: expect.stringMatching(/is for tx/) });
    expect(await rejection(reads.fetchAndVerify(txIdOf(ledger, 1), consortium))).toMatchObject({ name: 'LedgerResponseError' });
  });
});

describe('connections', () => {
  it('keeps connections alive: many sequential requests use one socket', async () => {
    const a = await node(acceptFresh);
    const answers = ledgerClient([a.url]);
    for (let index = 0; index < 20; index++) await answers.submit(fresh);
    expect(a.connectionCount).toBe(1);
  });

  it('caps the sockets to one node: 20 concurrent requests open at most socketsPerNodeMax', async () => {
    const a = await node(() => ({ status: 200, body: freshReceipt, delayMs: 20 }));
    const answers = ledgerClient([a.url], { socketsPerNodeMax: 3 });
    await Promise.all(Array.from({ length: 20 }, () => answers.submit(fresh)));
    expect(a.requests).toHaveLength(20);
    expect(a.connectionCount).toBeLessThanOrEqual(3);
  });

  it('works the same over an injected fetch', async () => {
    const a = await node(acceptFresh);
    const b = await node(() => ({ status: 400, body: { error: { code: 'STALE_TIME', message: 'too old' } } }));
    expect(await ledgerClient([await refusingUrl(), a.url], { fetch }).submit(fresh)).toEqual(freshReceipt);
    expect(await rejection(ledgerClient([b.url], { fetch }).submit(fresh))).toMatchObject({ name: 'LedgerRequestError', code: 'STALE_TIME' });
  });

  it('refuses a configuration it cannot work with', () => {
    expect(() => new LedgerClient({ nodes: [] })).toThrow(/1 to 64 node URLs/);
    expect(() => new LedgerClient({ nodes: ['ftp://x'] })).toThrow(/http/);
    expect(() => new LedgerClient({ nodes: ['http://a:1', 'http://a:1/'] })).toThrow(/twice/);
    expect(() => new LedgerClient({ nodes: ['http://a:1'], timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
