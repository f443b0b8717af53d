/**
 * Scenario scripts: a contract lifecycle as a small text file of commands, each followed by `----` and
 * the output it must produce, run through the real pipeline (signatures, `executeBlock`, `buildBlock`)
 * over a `MemoryLedger`. `runScenario` returns the script with every output recomputed, so a test can
 * compare it with the file or, when asked to rewrite, replace the file and leave the change to review
 * as a diff. Pure: the caller reads and writes the file.
 *
 * Commands (one case is one or more command lines, `----`, the expected output, a blank line):
 *
 *   genesis <member>... [txTimePastMs=<ms>] [txTimeFutureMs=<ms>]
 *       starts a ledger whose consortium members' organisations are named <member> (must come first)
 *   advance <ms>
 *       moves the proposal clock by <ms>, backwards if negative (each block also advances it by 1,000 ms)
 *   submit <party> <type> [offset=<ms>] [nonce=<text>] [signedBy=<party>] <payload JSON>
 *       a transaction signed by <party> (or, forged, by signedBy's key) made at the block's proposal time
 *       plus offset; consecutive submit / replay / garbage lines in one case form one block
 *   replay tx<n>
 *       the n-th transaction submitted in this script, byte for byte
 *   garbage <JSON>
 *       a log entry that is not a signed transaction
 *   state <key>
 *       the world-state value at <key> (where <did:name> stands for that party's DID), or (none)
 *
 * Parties are named by words; each one's key is derived from its name, and its DID prints as <did:name>.
 */
import { base64urlnopad } from '@scure/base';
import { canonicalize } from '../../chain/canonical.js';
import { portableVerifier } from '../../chain/ed25519.js';
import type { JsonValue } from '../../chain/json-value.js';
import { transactionBytes, type SignedTransaction } from '../../chain/transaction.js';
import { createStandardRegistry } from '../../contracts/standard.js';
import type { ContractRegistry } from '../../contracts/registry.js';
import { seededParty, signedTransaction, testGenesis, testGenesisTimeMs, type TestParty } from './fixtures.js';
import { MemoryLedger } from './memory-ledger.js';

export interface ScenarioRun {
  /** The script with every case's output recomputed. */
  readonly rewritten: string;
  /** One message per case whose output differs from the script, with the line it starts on. */
  readonly failures: readonly string[];
  readonly caseCount: number;
}

/** Proposal time added before each block, in milliseconds. */
const blockIntervalMs = 1_000;
/** Longest script, in lines: a bound on the interpreter's loop, far above any readable script. */
const scriptLinesMax = 10_000;

interface ScenarioCase {
  readonly lineNumber: number;
  readonly commands: readonly string[];
  readonly expected: readonly string[];
}

/** Runs `script`. Requires a well-formed script; a command it does not know throws an Error naming the line. */
export function runScenario(script: string, registry: ContractRegistry = createStandardRegistry()): ScenarioRun {
  const endsWithNewline = script.endsWith('\n');
  const lines = (endsWithNewline ? script.slice(0, -1) : script).split('\n');
  if (lines.length > scriptLinesMax) throw new Error(`a scenario script has at most ${scriptLinesMax} lines`);
  const out: string[] = [];
  const failures: string[] = [];
  const interpreter = new Interpreter(registry);
  let caseCount = 0;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (line.trim() === '' || line.startsWith('#')) {
      out.push(line);
      index++;
      continue;
    }
    const parsed = readCase(lines, index);
    index = parsed.nextIndex;
    const scenarioCase = parsed.scenarioCase;
    caseCount++;
    let actual: string[];
    try {
      actual = interpreter.run(scenarioCase.commands);
    } catch (error: unknown) {
      throw new Error(`line ${scenarioCase.lineNumber}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    out.push(...scenarioCase.commands, '----', ...actual);
    if (index < lines.length) out.push('');
    if (actual.join('\n') !== scenarioCase.expected.join('\n')) {
      failures.push(
        `line ${scenarioCase.lineNumber}: ${scenarioCase.commands.join(' / ')}\n  expected:\n${indent(scenarioCase.expected)}\n  actual:\n${indent(actual)}`,
      );
    }
  }
  return { rewritten: `${out.join('\n')}${endsWithNewline ? '\n' : ''}`, failures, caseCount };
}

function readCase(lines: readonly string[], start: number): { scenarioCase: ScenarioCase; nextIndex: number } {
  const commands: string[] = [];
  let index = start;
  while (index < lines.length && lines[index] !== '----') {
    const line = lines[index] ?? '';
    if (line.trim() === '') throw new Error(`line ${start + 1}: a case needs "----" after its commands`);
    commands.push(line);
    index++;
  }
  if (index >= lines.length) throw new Error(`line ${start + 1}: a case needs "----" after its commands`);
  index++; // the separator
  const expected: string[] = [];
  while (index < lines.length && (lines[index] ?? '').trim() !== '') {
    expected.push(lines[index] ?? '');
    index++;
  }
  if (index < lines.length) index++; // the blank line that ends the case
  return { scenarioCase: { lineNumber: start + 1, commands, expected }, nextIndex: index };
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `    ${line}`).join('\n');
}

class Interpreter {
  private ledger: MemoryLedger | undefined;
  private readonly parties = new Map<string, TestParty>();
  private readonly submitted: SignedTransaction[] = [];
  private clockMs = testGenesisTimeMs;

  constructor(private readonly registry: ContractRegistry) {}

  run(commands: readonly string[]): string[] {
    const [first] = commands;
    const word = first?.split(' ')[0];
    if (word === 'submit' || word === 'replay' || word === 'garbage') return this.block(commands);
    if (commands.length !== 1 || first === undefined) throw new Error('only submit, replay and garbage lines share a case');
    const [command, ...args] = first.split(' ');
    switch (command) {
      case 'genesis':
        return this.genesis(args);
      case 'advance': {
        const stepMs = Number(args[0]);
        if (!Number.isSafeInteger(stepMs)) throw new Error('advance takes a whole number of milliseconds');
        this.clockMs += stepMs;
        return [`proposal clock +${this.clockMs - testGenesisTimeMs}ms`];
      }
      case 'state': {
        const value = this.requireLedger().state.get(this.resolved(args.join(' ')));
        return [value === undefined ? '(none)' : this.named(canonicalize(value))];
      }
      default:
        throw new Error(`unknown command ${JSON.stringify(command)}`);
    }
  }

  private genesis(args: readonly string[]): string[] {
    if (this.ledger !== undefined) throw new Error('genesis comes once, first');
    const options = new Map<string, string>();
    const names: string[] = [];
    for (const arg of args) {
      const [key, value] = arg.split('=');
      if (value === undefined) names.push(arg);
      else options.set(key ?? '', value);
    }
    const members = names.map((name) => this.party(name));
    const genesis = testGenesis(members, {
      txTimePastMs: optionalNumber(options.get('txTimePastMs'), 'txTimePastMs'),
      txTimeFutureMs: optionalNumber(options.get('txTimeFutureMs'), 'txTimeFutureMs'),
    });
    this.ledger = new MemoryLedger(genesis, this.registry, portableVerifier);
    const quorum = Math.floor(members.length / 2) + 1;
    return [
      `members ${names.join(' ')}; approvals needed ${quorum}`,
      `window -${genesis.parameters.txTimePastMs}ms +${genesis.parameters.txTimeFutureMs}ms`,
    ];
  }

  private block(commands: readonly string[]): string[] {
    const ledger = this.requireLedger();
    this.clockMs += blockIntervalMs;
    const proposalTimeMs = this.clockMs;
    const labels: string[] = [];
    const transactions: unknown[] = [];
    for (const command of commands) {
      const [word, ...args] = command.split(' ');
      if (word === 'submit') {
        const signed = this.submit(args, proposalTimeMs);
        this.submitted.push(signed);
        labels.push(`tx${this.submitted.length}`);
        transactions.push(signed);
      } else if (word === 'replay') {
        const number = Number((args[0] ?? '').replace(/^tx/, ''));
        const signed = this.submitted[number - 1];
        if (signed === undefined) throw new Error(`no transaction ${args[0] ?? ''} to replay`);
        labels.push(`tx${number}`);
        transactions.push(JSON.parse(JSON.stringify(signed)));
      } else if (word === 'garbage') {
        labels.push('garbage');
        transactions.push(JSON.parse(args.join(' ')) as unknown);
      } else {
        throw new Error(`${word ?? ''} cannot be part of a block`);
      }
    }
    const { execution, block } = ledger.runBlock(transactions, proposalTimeMs);
    const out = [`block ${block.header.height} at +${execution.ledgerTimeMs - testGenesisTimeMs}ms: ${block.header.txCount} leaves, ${execution.writes.size} writes`];
    let leafIndex = 0;
    let skipIndex = 0;
    for (let index = 0; index < transactions.length; index++) {
      const skipped = execution.skipped[skipIndex];
      if (skipped !== undefined && skipped.index === index) {
        out.push(`${labels[index] ?? ''} skipped ${skipped.code}`);
        skipIndex++;
        continue;
      }
      const executed = execution.leaves[leafIndex++];
      if (executed === undefined) throw new Error('a transaction is neither a leaf nor skipped');
      const { outcome } = executed.leaf;
      if (outcome.status === 'rejected') {
        out.push(`${labels[index] ?? ''} rejected ${outcome.code}: ${this.named(outcome.reason)}`);
        continue;
      }
      out.push(`${labels[index] ?? ''} accepted`);
      for (const event of executed.events) {
        const { type, ...fields } = event;
        out.push(`  ${type} ${this.named(canonicalize(fields))}`);
      }
    }
    return out;
  }

  private submit(args: readonly string[], proposalTimeMs: number): SignedTransaction {
    const [partyName, type, ...rest] = args;
    if (partyName === undefined || type === undefined) throw new Error('submit <party> <type> [options] <payload>');
    let offsetMs = 0;
    let nonce = `n${this.submitted.length + 1}`;
    let signedBy: TestParty | undefined;
    let position = 0;
    for (; position < rest.length && /^[A-Za-z]+=/.test(rest[position] ?? ''); position++) {
      const [key, value = ''] = (rest[position] ?? '').split('=');
      if (key === 'offset') offsetMs = Number(value);
      else if (key === 'nonce') nonce = value;
      else if (key === 'signedBy') signedBy = this.party(value);
      else throw new Error(`unknown submit option ${key ?? ''}`);
    }
    const payload = JSON.parse(rest.slice(position).join(' ')) as JsonValue;
    const party = this.party(partyName);
    const signed = signedTransaction(party, type, payload, proposalTimeMs + offsetMs, nonce);
    if (signedBy === undefined) return signed;
    // Forged: the same transaction, signed by another key than the one its signer field names.
    return { tx: signed.tx, signature: base64urlnopad.encode(signedBy.signer.sign(transactionBytes(signed.tx))) };
  }

  private party(name: string): TestParty {
    let party = this.parties.get(name);
    if (party === undefined) {
      party = seededParty(name);
      this.parties.set(name, party);
    }
    return party;
  }

  /** `text` with every <did:name> replaced by that party's DID. */
  private resolved(text: string): string {
    return text.replace(/<did:([^>]+)>/g, (_, name: string) => this.party(name).did);
  }

  /** `text` with every known party's DID written as <did:name>. */
  private named(text: string): string {
    let result = text;
    for (const party of this.parties.values()) result = result.split(party.did).join(`<did:${party.name}>`);
    return result;
  }

  private requireLedger(): MemoryLedger {
    if (this.ledger === undefined) throw new Error('genesis must come first');
    return this.ledger;
  }
}

function wholeNumber(text: string | undefined, what: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} takes a whole number of milliseconds`);
  return value;
}

function optionalNumber(text: string | undefined, what: string): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, what);
}

