/**
 * The `twinledger` command in-process, with the real file system in a temporary folder. Proves, for
 * each command and each exit code: `verify` prints one `valid: …` line (exit 0) for an accepted and a
 * rejected leaf, one `invalid: <code>: <reason>` line (exit 1) for a tampered leaf, a minority QC, a
 * bundle that is not JSON; `checkpoint verify` likewise for a QC, a minority and unknown signers only;
 * `keys new` writes a signer key that parses back to the printed public key, with mode 0600, refuses
 * to overwrite a file, and prints the key when there is no --out; usage mistakes, unreadable files and
 * malformed consortium files give one `twinledger: …` line on standard error and exit 2; `--help`
 * prints every command. The portable verifier gives the same answers as the default native one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPortableVerifier, parseSignerKey, parseVerifierKey, publicKeyFromDidKey } from '@twinledger/ledger-core';
import { ExitCode, type CliIo } from './io.js';
import { nodeIo } from './node-io.js';
import { oneLine } from './one-line.js';
import { run, type RunOptions } from './run.js';
import { buildLedger, bundleFor, checkpointNote, consortiumFile, members, outsider, txIdOf, writeFixtureFolder } from './testing.js';

const ledger = buildLedger();
const [acme, bolt, cast] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const tampered = JSON.parse(JSON.stringify(bundleFor(ledger, 2))) as { leaf: { outcome: unknown } };
tampered.leaf.outcome = { status: 'accepted', eventsHash: '00'.repeat(32) };

const folder = writeFixtureFolder({
  'consortium.json': consortiumFile(),
  'accepted.json': JSON.stringify(bundleFor(ledger, 1)),
  'rejected.json': JSON.stringify(bundleFor(ledger, 2, [cast, acme, bolt])),
  'tampered.json': JSON.stringify(tampered),
  'minority.json': JSON.stringify(bundleFor(ledger, 3, [bolt])),
  'not-json.json': '{"v":1,',
  'checkpoint.note': checkpointNote(ledger, 2, [acme, cast]),
  'minority.note': checkpointNote(ledger, 2, [acme]),
  'unknown.note': checkpointNote(ledger, 2, [outsider]),
  'bad-consortium.json': JSON.stringify({ origin: 'twinledger.example/consortium', members: [] }),
});
const file = (name: string): string => path.join(folder, name);
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function twinledger(argv: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { ...nodeIo(), stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const code = await run(argv, io, options);
  return { code, stdout, stderr };
}

/** Exactly one line on one stream and nothing on the other. */
function expectOneLine(outcome: Outcome, stream: 'stdout' | 'stderr', code: number, line: string | RegExp): void {
  const other = stream === 'stdout' ? outcome.stderr : outcome.stdout;
  const text = outcome[stream];
  expect({ code: outcome.code, other, lines: text.split('\n').length - 1, endsInNewline: text.endsWith('\n') }).toEqual({ code, other: '', lines: 1, endsInNewline: true });
  if (typeof line === 'string') expect(text).toBe(`${line}\n`);
  else expect(text).toMatch(line);
}

describe('verify', () => {
  const consortiumArgs = ['--consortium', file('consortium.json')];

  it('an accepted transaction: exit 0, one line saying what is proven', async () => {
    const outcome = await twinledger(['verify', file('accepted.json'), ...consortiumArgs]);
    expectOneLine(outcome, 'stdout', ExitCode.ok, `valid: tx ${txIdOf(ledger, 1)} at height 1, leaf 1 of 2, accepted, signed by acme.example/node, bolt.example/node`);
  });

  it('a rejected transaction, with --consortium=<file> and the options first', async () => {
    const outcome = await twinledger(['verify', `--consortium=${file('consortium.json')}`, file('rejected.json')]);
    expectOneLine(outcome, 'stdout', ExitCode.ok, `valid: tx ${txIdOf(ledger, 2)} at height 2, leaf 2 of 4, rejected DEVICE_EXISTS, signed by cast.example/node, acme.example/node, bolt.example/node`);
  });

  it('a leaf whose outcome was flipped: exit 1, one line with the code', async () => {
    const outcome = await twinledger(['verify', file('tampered.json'), ...consortiumArgs]);
    expectOneLine(outcome, 'stdout', ExitCode.invalid, "invalid: INCLUSION_FAILED: the proof does not put this leaf at index 2 of the checkpoint's 4 leaves (root-mismatch)");
  });

  it('a QC of one member of three', async () => {
    expectOneLine(await twinledger(['verify', file('minority.json'), ...consortiumArgs]), 'stdout', ExitCode.invalid, 'invalid: QC_MINORITY: 1 of 3 members signed; a quorum is 2');
  });

  it('a bundle that is not JSON, or not a bundle', async () => {
    expectOneLine(await twinledger(['verify', file('not-json.json'), ...consortiumArgs]), 'stdout', ExitCode.invalid, 'invalid: BUNDLE_MALFORMED: the proof bundle is not UTF-8 JSON');
    expectOneLine(await twinledger(['verify', file('checkpoint.note'), ...consortiumArgs]), 'stdout', ExitCode.invalid, /^invalid: BUNDLE_MALFORMED: /);
    expectOneLine(await twinledger(['verify', file('consortium.json'), ...consortiumArgs]), 'stdout', ExitCode.invalid, /^invalid: BUNDLE_MALFORMED: "v" /);
  });

  it('files it cannot use: exit 2, one line on standard error', async () => {
    expectOneLine(await twinledger(['verify', file('missing.json'), ...consortiumArgs]), 'stderr', ExitCode.usage, `twinledger: cannot read ${file('missing.json')}: no such file or directory`);
    expectOneLine(await twinledger(['verify', folder, ...consortiumArgs]), 'stderr', ExitCode.usage, `twinledger: cannot read ${folder}: it is a directory`);
    expectOneLine(await twinledger(['verify', file('accepted.json'), '--consortium', file('missing.json')]), 'stderr', ExitCode.usage, /^twinledger: cannot read .*missing\.json: no such file or directory\n$/);
    expectOneLine(
      await twinledger(['verify', file('accepted.json'), '--consortium', file('bad-consortium.json')]),
      'stderr',
      ExitCode.usage,
      `twinledger: consortium file ${file('bad-consortium.json')}: CONSORTIUM_BAD_MEMBERS: "members" must be a non-empty array`,
    );
  });

  it('usage mistakes: exit 2, one line on standard error', async () => {
    const cases: Array<[readonly string[], string]> = [
      [['verify', file('accepted.json')], 'verify: --consortium <file> is required'],
      [['verify', ...consortiumArgs], 'verify: expected <bundle.json>, got 0 arguments'],
      [['verify', file('accepted.json'), file('rejected.json'), ...consortiumArgs], 'verify: expected <bundle.json>, got 2 arguments'],
      [['verify', file('accepted.json'), '--consortium'], 'verify: --consortium needs <file>'],
      [['verify', file('accepted.json'), '--consortium='], 'verify: --consortium needs <file>'],
      [['verify', file('accepted.json'), ...consortiumArgs, ...consortiumArgs], 'verify: --consortium is given twice'],
      [['verify', file('accepted.json'), ...consortiumArgs, '--fast'], 'verify: unknown option "--fast"'],
      [['verify', file('accepted.json'), ...consortiumArgs, '-f'], 'verify: unknown option "-f"'],
      [['verify', file('accepted.json'), '--toString', 'x'], 'verify: unknown option "--toString"'],
    ];
    for (const [argv, message] of cases) {
      expectOneLine(await twinledger(argv), 'stderr', ExitCode.usage, `twinledger: ${message} (see twinledger --help)`);
    }
  });

  it('gives the same answers with the portable verifier', async () => {
    const portable = { verifier: createPortableVerifier() };
    for (const name of ['accepted.json', 'rejected.json', 'tampered.json', 'minority.json']) {
      expect(await twinledger(['verify', file(name), ...consortiumArgs], portable)).toEqual(await twinledger(['verify', file(name), ...consortiumArgs]));
    }
  });
});

describe('checkpoint verify', () => {
  const consortiumArgs = ['--consortium', file('consortium.json')];

  it('a quorum certificate: exit 0, one line', async () => {
    expectOneLine(
      await twinledger(['checkpoint', 'verify', file('checkpoint.note'), ...consortiumArgs]),
      'stdout',
      ExitCode.ok,
      'valid: checkpoint twinledger.example/consortium size 4 height 2 signed by acme.example/node, cast.example/node',
    );
  });

  it('a minority, or unknown signers only: exit 1, one line', async () => {
    expectOneLine(await twinledger(['checkpoint', 'verify', file('minority.note'), ...consortiumArgs]), 'stdout', ExitCode.invalid, 'invalid: QC_MINORITY: 1 of 3 members signed; a quorum is 2');
    expectOneLine(await twinledger(['checkpoint', 'verify', file('unknown.note'), ...consortiumArgs]), 'stdout', ExitCode.invalid, 'invalid: QC_MINORITY: 0 of 3 members signed; a quorum is 2');
    expectOneLine(await twinledger(['checkpoint', 'verify', file('accepted.json'), ...consortiumArgs]), 'stdout', ExitCode.invalid, /^invalid: QC_MALFORMED: /);
  });

  it('usage mistakes and unreadable files: exit 2', async () => {
    expectOneLine(await twinledger(['checkpoint', 'verify', file('missing.note'), ...consortiumArgs]), 'stderr', ExitCode.usage, `twinledger: cannot read ${file('missing.note')}: no such file or directory`);
    expectOneLine(await twinledger(['checkpoint', 'verify', file('checkpoint.note')]), 'stderr', ExitCode.usage, 'twinledger: checkpoint verify: --consortium <file> is required (see twinledger --help)');
    expectOneLine(await twinledger(['checkpoint']), 'stderr', ExitCode.usage, 'twinledger: checkpoint needs a subcommand: verify (see twinledger --help)');
    expectOneLine(await twinledger(['checkpoint', 'sign']), 'stderr', ExitCode.usage, 'twinledger: unknown command "checkpoint sign"; checkpoint has: verify (see twinledger --help)');
  });
});

describe('keys new', () => {
  const lines = (text: string): Record<string, string> =>
    Object.fromEntries(text.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));

  it('writes the signer key with mode 0600 and prints the public forms of the same key', async () => {
    const out = file('acme.key');
    const outcome = await twinledger(['keys', 'new', '--name', 'acme.example/node', '--out', out]);
    expect(outcome).toMatchObject({ code: ExitCode.ok, stderr: '' });
    const printed = lines(outcome.stdout);
    expect(Object.keys(printed)).toEqual(['did', 'public key', 'verifier key', 'private key']);
    expect(printed['private key']).toBe(`written to ${out} (mode 0600)`);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const signerKey = parseSignerKey(fs.readFileSync(out, 'utf8').trimEnd());
    expect(signerKey.keyName).toBe('acme.example/node');
    const publicKey = Buffer.from(signerKey.publicKey);
    expect(printed['public key']).toBe(publicKey.toString('base64'));
    expect(Buffer.from(publicKeyFromDidKey(printed['did'] ?? ''))).toEqual(publicKey);
    expect(parseVerifierKey(printed['verifier key'] ?? '')).toEqual({ keyName: 'acme.example/node', keyId: signerKey.keyId, publicKey: signerKey.publicKey });
  });

  it('refuses to overwrite an existing file, leaving it as it was', async () => {
    const out = file('existing.key');
    fs.writeFileSync(out, 'keep me\n');
    expectOneLine(await twinledger(['keys', 'new', '--out', out]), 'stderr', ExitCode.usage, `twinledger: ${out} already exists; not overwriting it`);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  it('without --out prints the signer key, named by its did:key unless --name is given', async () => {
    const outcome = await twinledger(['keys', 'new']);
    expect(outcome).toMatchObject({ code: ExitCode.ok, stderr: '' });
    const printed = lines(outcome.stdout);
    const signerKey = parseSignerKey(printed['private key'] ?? '');
    expect(signerKey.keyName).toBe(printed['did']);
    expect(Buffer.from(signerKey.publicKey).toString('base64')).toBe(printed['public key']);
    const second = lines((await twinledger(['keys', 'new'])).stdout);
    expect(second['did']).not.toBe(printed['did']);
  });

  it('usage mistakes and unwritable files: exit 2', async () => {
    expectOneLine(await twinledger(['keys', 'new', '--name', 'acme node']), 'stderr', ExitCode.usage, /^twinledger: keys new: --name must be a signed-note key name/);
    expectOneLine(await twinledger(['keys', 'new', '--name', 'acme+node']), 'stderr', ExitCode.usage, /^twinledger: keys new: --name must be a signed-note key name/);
    expectOneLine(await twinledger(['keys', 'new', 'acme']), 'stderr', ExitCode.usage, 'twinledger: keys new: expected no file names, got 1 argument (see twinledger --help)');
    expectOneLine(await twinledger(['keys']), 'stderr', ExitCode.usage, 'twinledger: keys needs a subcommand: new (see twinledger --help)');
    expectOneLine(await twinledger(['keys', 'new', '--out', file('no-such-folder/acme.key')]), 'stderr', ExitCode.usage, `twinledger: cannot write ${file('no-such-folder/acme.key')}: no such file or directory`);
  });
});

describe('the dispatcher', () => {
  it('--help, -h and help print every command on standard output', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['verify', '--help']]) {
      const outcome = await twinledger(argv);
      expect(outcome).toMatchObject({ code: ExitCode.ok, stderr: '' });
      for (const command of ['twinledger verify <bundle.json> --consortium <file>', 'twinledger checkpoint verify <note-file>', 'twinledger keys new [--name <name>] [--out <file>]', 'Exit codes:']) {
        expect(outcome.stdout).toContain(command);
      }
    }
  });

  it('no command or an unknown one: exit 2, one line', async () => {
    expectOneLine(await twinledger([]), 'stderr', ExitCode.usage, 'twinledger: no command given (see twinledger --help)');
    expectOneLine(await twinledger(['publish', 'tx.json']), 'stderr', ExitCode.usage, 'twinledger: unknown command "publish" (see twinledger --help)');
    expectOneLine(await twinledger(['verify\u001b[2J']), 'stderr', ExitCode.usage, 'twinledger: unknown command "verify\\u001b[2J" (see twinledger --help)');
  });

  it('writes control and bidirectional characters as escapes', () => {
    expect(oneLine('a\nb\r\u001b[31m\u202ec\u2028d')).toBe('a\\u000ab\\u000d\\u001b[31m\\u202ec\\u2028d');
  });
});
