/**
 * Scenario scripts for contracts whose payloads name parties by DID. The scenario interpreter reads
 * payloads as plain JSON, so a script writes a party's DID as the placeholder <did:name> and the
 * recorded output keeps the placeholder.
 */
import { runScenario } from '../../execution/testing/scenario.js';
import { seededParty } from '../../execution/testing/fixtures.js';

/**
 * Runs a scenario whose payloads name parties' DIDs as <did:name>: every placeholder is spelled out
 * before the run and written back after it, and the script is compared with the result line by line.
 */
export function runScenarioWithDids(script: string): { rewritten: string; failures: readonly string[]; caseCount: number } {
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
