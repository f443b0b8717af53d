/**
 * The built executable, as a shell or a script runs it: `node cli/dist/main.js` in a child process
 * (the test script builds before jest runs). Proves that a valid bundle exits 0 and an invalid one
 * exits 1, each printing exactly one line on standard output and nothing on standard error, that a
 * usage mistake exits 2 with one line on standard error, and that the file starts with the `#!` line
 * that lets npm install it as the `twinledger` command.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from './io.js';
import { buildLedger, bundleFor, consortiumFile, txIdOf, writeFixtureFolder } from './testing.js';

const executable = path.join(__dirname, 'dist', 'main.js');
const ledger = buildLedger();
const invalid = JSON.parse(JSON.stringify(bundleFor(ledger, 0))) as { leafIndex: number };
invalid.leafIndex = 1;
const folder = writeFixtureFolder({
  'consortium.json': consortiumFile(),
  'valid.json': JSON.stringify(bundleFor(ledger, 0)),
  'invalid.json': JSON.stringify(invalid),
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function twinledger(...argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [executable, ...argv], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

it('is built, as an executable script', () => {
  expect(fs.readFileSync(executable, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
});

it('verifies a valid bundle: exit 0, one line', () => {
  const consortium = path.join(folder, 'consortium.json');
  expect(twinledger('verify', path.join(folder, 'valid.json'), '--consortium', consortium)).toEqual({
    status: ExitCode.ok,
    stdout: `valid: tx ${txIdOf(ledger, 0)} at height 1, leaf 0 of 2, accepted, signed by acme.example/node, bolt.example/node\n`,
    stderr: '',
  });
});

it('refuses an invalid bundle: exit 1, one line', () => {
  const consortium = path.join(folder, 'consortium.json');
  expect(twinledger('verify', path.join(folder, 'invalid.json'), '--consortium', consortium)).toEqual({
    status: ExitCode.invalid,
    stdout: "invalid: INCLUSION_FAILED: the proof does not put this leaf at index 1 of the checkpoint's 2 leaves (root-mismatch)\n",
    stderr: '',
  });
});

it('reports a usage mistake: exit 2, one line on standard error', () => {
  expect(twinledger('frobnicate')).toEqual({ status: ExitCode.usage, stdout: '', stderr: 'twinledger: unknown command "frobnicate" (see twinledger --help)\n' });
});
