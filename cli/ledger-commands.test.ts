/**
 * `submit`, `status` and `proof` in-process against stand-in nodes on 127.0.0.1 (scripted answers;
 * the real nodes are exercised end to end elsewhere). Proves each command's one line and exit code:
 * submit prints `accepted: …` (0), `rejected: …` (1), `pending: …` (0 with --no-wait, which asks
 * the node not to wait), for a transaction it builds from a key file, type and payload (inline or
 * @file) and for an already signed one, failing over past a dead node; a node's 400 or bad local
 * input is one `twinledger: …` line with exit 2 and sends nothing when the input is bad locally; no
 * node reachable is exit 3. status prints one line per node and exits 1 for an alarm or an unreachable
 * node. proof saves a bundle that `verify` then accepts, says `not found` (1) for an unknown
 * transaction, and never overwrites a file.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createNodeCryptoSigner, didKeyFromPublicKey, formatSignerKey, signTransaction, transactionId, type SignedTransaction } from '@twinledger/ledger-core';
import { startStandInNode, type StandInHandler, type StandInNode } from '@twinledger/ledger-core/client';
import { ExitCode, type CliIo } from './io.js';
import { nodeIo } from './node-io.js';
import { run } from './run.js';
import { buildLedger, bundleFor, consortiumFile, txIdOf, writeFixtureFolder } from './testing.js';

const ledger = buildLedger();
const seed = new Uint8Array(32).fill(7);
const did = didKeyFromPublicKey(createNodeCryptoSigner(seed).publicKey);
const signed = ledger.leaves[1]?.tx as SignedTransaction;
const badlySigned = { ...signed, signature: `${signed.signature.slice(0, -2)}AA` };
const folder = writeFixtureFolder({
  'writer.key': `${formatSignerKey('acme.example/writer', seed)}\n`,
  'not-a.key': 'PRIVATE+KEY+nothing\n',
  'payload.json': '{"serial":"SN-FROM-FILE"}',
  'signed.json': JSON.stringify(signed),
  'badly-signed.json': JSON.stringify(badlySigned),
  'consortium.json': consortiumFile(),
});
const file = (name: string): string => path.join(folder, name);
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const started: StandInNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.close()));
});

async function node(handler: StandInHandler): Promise<StandInNode> {
  const standIn = await startStandInNode(handler);
  started.push(standIn);
  return standIn;
}

async function refusingUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function twinledger(argv: readonly string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { ...nodeIo(), stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

function expectOneLine(outcome: Outcome, stream: 'stdout' | 'stderr', code: number, line: string | RegExp): void {
  const other = stream === 'stdout' ? outcome.stderr : outcome.stdout;
  const text = outcome[stream];
  expect({ code: outcome.code, other, lines: text.split('\n').length - 1 }).toEqual({ code, other: '', lines: 1 });
  if (typeof line === 'string') expect(text).toBe(`${line}\n`);
  else expect(text).toMatch(line);
}

const blockHash = 'ab'.repeat(32);
/** The id of the transaction a request body carries. */
const idOf = (body: string): string => transactionId((JSON.parse(body) as { tx: unknown }).tx);
const accepting: StandInHandler = (request) => ({ status: 200, body: { txId: idOf(request.body), status: 'accepted', height: 7, position: 2, leafIndex: 40, blockHash } });

describe('submit', () => {
  const build = ['--key', file('writer.key'), '--type', 'device.register'];

  it('builds, signs and sends a transaction: accepted, exit 0', async () => {
    const a = await node(accepting);
    const outcome = await twinledger(['submit', '--node', a.url, ...build, '--payload', '{"serial":"SN-9"}']);
    const sent = JSON.parse(a.requests[0]?.body ?? '') as SignedTransaction;
    expectOneLine(outcome, 'stdout', ExitCode.ok, `accepted: tx ${transactionId(sent.tx)} at height 7 position 2`);
    expect(sent.tx).toMatchObject({ v: 1, type: 'device.register', payload: { serial: 'SN-9' }, signer: did });
    expect(a.requests[0]?.query.get('waitMs')).toBe('30000');
  });

  it('a payload from @file; a rejection by the ledger is exit 1 with its code and reason', async () => {
    const a = await node((request) => ({
      status: 200,
      body: { txId: idOf(request.body), status: 'rejected', code: 'DEVICE_EXISTS', reason: 'serial SN-FROM-FILE is already registered', height: 8, position: 0, leafIndex: 41, blockHash },
    }));
    const outcome = await twinledger(['submit', '--node', a.url, ...build, '--payload', `@${file('payload.json')}`]);
    const sent = JSON.parse(a.requests[0]?.body ?? '') as SignedTransaction;
    expect(sent.tx.payload).toEqual({ serial: 'SN-FROM-FILE' });
    expectOneLine(outcome, 'stdout', ExitCode.invalid, `rejected: tx ${transactionId(sent.tx)} at height 8: DEVICE_EXISTS: serial SN-FROM-FILE is already registered`);
  });

  it('--no-wait asks the node not to wait and prints pending, exit 0', async () => {
    const a = await node((request) => ({ status: 202, body: { txId: idOf(request.body), status: 'pending' } }));
    const outcome = await twinledger(['submit', '--no-wait', '--node', a.url, ...build, '--payload', 'null']);
    expect(a.requests[0]?.query.get('waitMs')).toBe('0');
    expectOneLine(outcome, 'stdout', ExitCode.ok, `pending: tx ${idOf(a.requests[0]?.body ?? '')}`);
  });

  it('sends an already signed transaction as it is, past a node that is down', async () => {
    const b = await node(accepting);
    const outcome = await twinledger(['submit', '--node', `${await refusingUrl()},${b.url}`, file('signed.json')]);
    expectOneLine(outcome, 'stdout', ExitCode.ok, `accepted: tx ${txIdOf(ledger, 1)} at height 7 position 2`);
    expect(JSON.parse(b.requests[0]?.body ?? '')).toEqual(signed);
  });

  it('a badly signed file, a bad key, a bad payload or type: exit 2 and nothing sent', async () => {
    const a = await node(accepting);
    expectOneLine(await twinledger(['submit', '--node', a.url, file('badly-signed.json')]), 'stderr', ExitCode.usage, /^twinledger: .*badly-signed\.json is not a valid signed transaction: BAD_SIGNATURE: /);
    expectOneLine(await twinledger(['submit', '--node', a.url, '--key', file('not-a.key'), '--type', 'a.b', '--payload', '1']), 'stderr', ExitCode.usage, /^twinledger: submit: SIGNING_KEY_MALFORMED: /);
    expectOneLine(await twinledger(['submit', '--node', a.url, ...build, '--payload', '{serial:1}']), 'stderr', ExitCode.usage, /^twinledger: submit: --payload is not JSON/);
    expectOneLine(await twinledger(['submit', '--node', a.url, '--key', file('writer.key'), '--type', 'Device Register', '--payload', '1']), 'stderr', ExitCode.usage, /^twinledger: submit: TX_BAD_FIELD: type must be/);
    expectOneLine(await twinledger(['submit', '--node', a.url, ...build, '--payload', `@${file('missing.json')}`]), 'stderr', ExitCode.usage, /^twinledger: cannot read .*missing\.json: no such file or directory$/m);
    expect(a.requests).toHaveLength(0);
  });

  it("a node's 400 is bad input: exit 2 with the node's code, and no other node is asked", async () => {
    const a = await node(() => ({ status: 400, body: { error: { code: 'STALE_TIME', message: 'time is 2 hours ago' } } }));
    const b = await node(accepting);
    const outcome = await twinledger(['submit', '--node', `${a.url},${b.url}`, file('signed.json')]);
    expectOneLine(outcome, 'stderr', ExitCode.usage, `twinledger: ${a.url} refused tx ${txIdOf(ledger, 1)}: STALE_TIME: time is 2 hours ago`);
    expect(b.requests).toHaveLength(0);
  });

  it('no node reachable: exit 3, one line naming each node', async () => {
    const [first, second] = [await refusingUrl(), await refusingUrl()];
    const outcome = await twinledger(['submit', '--node', `${first},${second}`, file('signed.json')]);
    expectOneLine(outcome, 'stderr', ExitCode.unreachable, /^twinledger: no ledger node answered: .*CONNECTION_FAILED.*; .*CONNECTION_FAILED/);
    expect(outcome.stderr).toContain(first);
    expect(outcome.stderr).toContain(second);
  });

  it('a node answering outside the API: exit 3', async () => {
    const a = await node(() => ({ status: 200, body: { txId: 'cd'.repeat(32), status: 'accepted' } }));
    expectOneLine(await twinledger(['submit', '--node', a.url, file('signed.json')]), 'stderr', ExitCode.unreachable, /^twinledger: no usable answer: .*RESPONSE_MALFORMED: the receipt is for tx cdcd/);
  });

  it('usage mistakes: exit 2', async () => {
    const cases: Array<[readonly string[], string]> = [
      [['submit', file('signed.json')], 'submit: --node <url>[,<url>...] is required'],
      [['submit', '--node', 'http://127.0.0.1:1', '--key', file('writer.key'), '--payload', '1'], 'submit: --type is required unless a signed transaction file is given'],
      [['submit', '--node', 'http://127.0.0.1:1', ...build, '--payload', '1', file('signed.json')], 'submit: give a signed transaction file or --key, --type and --payload, not both'],
      [['submit', '--node', 'http://127.0.0.1:1', file('signed.json'), file('signed.json')], 'submit: expected <signed-tx.json>, got 2 arguments'],
      [['submit', '--node', 'http://127.0.0.1:1', '--no-wait=yes', file('signed.json')], 'submit: --no-wait takes no value'],
      [['submit', '--node', 'http://127.0.0.1:1', '--no-wait', '--no-wait', file('signed.json')], 'submit: --no-wait is given twice'],
      [['submit', '--node', 'ftp://example', file('signed.json')], 'submit: --node: a node URL is http(s)://host[:port][/path] without credentials, query or fragment: "ftp://example"'],
      [['submit', '--node', 'http://127.0.0.1:1,', file('signed.json')], 'submit: --node is a comma-separated list of node URLs without empty entries'],
    ];
    for (const [argv, message] of cases) {
      expectOneLine(await twinledger(argv), 'stderr', ExitCode.usage, `twinledger: ${message} (see twinledger --help)`);
    }
  });
});

function healthy(name: string, alarms: ReadonlyArray<{ code: string; message: string }> = []): StandInHandler {
  return () => ({
    status: 200,
    body: {
      node: name,
      height: 12,
      qcHeight: 11,
      appliedRevision: 340,
      treeSize: 96,
      blockHash,
      etcd: { reachable: true },
      peers: [
        { name: 'bolt.example/node', url: 'http://bolt', height: 12, reachable: true },
        { name: 'cast.example/node', url: 'http://cast', reachable: false },
      ],
      alarms,
    },
  });
}

describe('status', () => {
  it('one line per node; all reachable without alarms: exit 0', async () => {
    const a = await node(healthy('acme.example/node'));
    const b = await node(healthy('bolt.example/node'));
    const outcome = await twinledger(['status', '--node', `${a.url},${b.url}`]);
    expect(outcome).toEqual({
      code: ExitCode.ok,
      stdout: 'acme.example/node height 12 qc 11 revision 340 peers 1 alarms none\nbolt.example/node height 12 qc 11 revision 340 peers 1 alarms none\n',
      stderr: '',
    });
  });

  it('an alarm or an unreachable node: exit 1, every node still listed in order', async () => {
    const a = await node(healthy('acme.example/node', [{ code: 'FORK', message: 'fork at 9' }, { code: 'DISK_FULL', message: 'disk' }]));
    const refused = await refusingUrl();
    const outcome = await twinledger(['status', '--node', `${a.url},${refused}`]);
    expect(outcome.code).toBe(ExitCode.invalid);
    expect(outcome.stderr).toBe('');
    const lines = outcome.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('acme.example/node height 12 qc 11 revision 340 peers 1 alarms FORK,DISK_FULL');
    expect(lines[1]).toMatch(new RegExp(`^${refused} unreachable: CONNECTION_FAILED: `));
    expect(lines).toHaveLength(2);
  });
});

describe('proof', () => {
  it('saves the bundle a node serves, and verify accepts the file', async () => {
    const a = await node((request) => (request.path === `/v1/proofs/inclusion/${txIdOf(ledger, 2)}` ? { status: 200, body: bundleFor(ledger, 2) } : { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    const out = file('proof-2.json');
    expectOneLine(await twinledger(['proof', txIdOf(ledger, 2), '--node', a.url, '--out', out]), 'stdout', ExitCode.ok, `saved: proof of tx ${txIdOf(ledger, 2)} to ${out}; check it with twinledger verify`);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(bundleFor(ledger, 2));
    expectOneLine(await twinledger(['verify', out, '--consortium', file('consortium.json')]), 'stdout', ExitCode.ok, /^valid: tx [0-9a-f]{64} at height 2, leaf 2 of 4, rejected DEVICE_EXISTS/);
    expectOneLine(await twinledger(['proof', txIdOf(ledger, 2), '--node', a.url, '--out', out]), 'stderr', ExitCode.usage, `twinledger: ${out} already exists; not overwriting it`);
  });

  it('not found on every node: exit 1; no node reachable: exit 3; a bad id: exit 2', async () => {
    const a = await node(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no' } } }));
    expectOneLine(await twinledger(['proof', txIdOf(ledger, 0), '--node', a.url, '--out', file('none.json')]), 'stdout', ExitCode.invalid, `not found: tx ${txIdOf(ledger, 0)}`);
    expect(fs.existsSync(file('none.json'))).toBe(false);
    expectOneLine(await twinledger(['proof', txIdOf(ledger, 0), '--node', await refusingUrl(), '--out', file('none.json')]), 'stderr', ExitCode.unreachable, /^twinledger: no ledger node answered: /);
    expectOneLine(await twinledger(['proof', 'XYZ', '--node', a.url, '--out', file('none.json')]), 'stderr', ExitCode.usage, 'twinledger: proof: a transaction id is 64 lowercase hex digits (see twinledger --help)');
  });
});

it('--help lists the ledger commands and exit code 3', async () => {
  const outcome = await twinledger(['--help']);
  for (const text of ['twinledger submit --node', 'twinledger status --node', 'twinledger proof <txId>', '3 no ledger node gave a usable answer']) expect(outcome.stdout).toContain(text);
});
