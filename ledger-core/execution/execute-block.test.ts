/**
 * executeBlock, step by step against docs/ledger.md "Execution". Proves: the ledger time is
 * max(proposal time, previous block's time), starting from the genesis time; transactions that are
 * malformed or badly signed are skipped and are not leaves (a forged one keeps its id for the receipt,
 * and does not reserve it); a transaction id with a leaf already, earlier or in the same block, is
 * skipped; unknown types are rejected leaves; a rejected transaction writes nothing; later transactions
 * see earlier writes and deletions; the context counts leaves, not inputs; timers become
 * `TimerScheduled` events; and every way a contract can break its rules (throwing, writing outside its
 * prefix or an unstorable key, changing the signed payload, malformed rejections or events) stops
 * execution with ExecutionInvariantError instead of producing a block.
 */
import { base64urlnopad } from '@scure/base';
import { createNodeCryptoSigner, createNodeCryptoVerifier } from '../chain/ed25519-node.js';
import type { BlockHeader } from '../chain/block.js';
import type { JsonValue } from '../chain/json-value.js';
import { eventsHash } from '../chain/leaf.js';
import { transactionBytes, transactionId, type SignedTransaction } from '../chain/transaction.js';
import type { Contract, ContractCall, ContractEffects, StateView } from '../contracts/contract.js';
import { createContractRegistry } from '../contracts/registry.js';
import { standardContracts } from '../contracts/standard.js';
import { executeBlock, type BlockExecution, type ExecuteBlockInput } from './execute-block.js';
import { ExecutionInvariantError } from './invariant.js';
import { seededParty, signedTransaction, testGenesis, testGenesisTimeMs } from './testing/fixtures.js';

const verifier = createNodeCryptoVerifier();
const alpha = seededParty('alpha', createNodeCryptoSigner);
const beta = seededParty('beta', createNodeCryptoSigner);
const mallory = seededParty('mallory', createNodeCryptoSigner);
const genesis = testGenesis([alpha, beta]);

/**
 * A contract whose operations each do one thing, good or bad, so a test can name the behaviour it
 * wants: `probe.write` writes its payload's [key, value] pairs and reports its context and what it
 * read; the others break one rule each.
 */
const probeContract: Contract = {
  name: 'probe',
  types: [
    'probe.write',
    'probe.refuse',
    'probe.timer',
    'probe.throwInValidate',
    'probe.throwInApply',
    'probe.writeOutside',
    'probe.writeNul',
    'probe.mutatePayload',
    'probe.badRejection',
    'probe.emitTimerEvent',
    'probe.nonJsonEvent',
    'probe.timerInPast',
    'probe.timerForeignType',
    'probe.tooManyWrites',
  ],
  validate(call: ContractCall, state: StateView) {
    switch (call.type) {
      case 'probe.refuse':
        return { code: 'PROBE_REFUSED', reason: 'asked to refuse' };
      case 'probe.throwInValidate':
        throw new TypeError('validate broke');
      case 'probe.badRejection':
        return { code: 'lower case', reason: 'bad code' };
      default:
        void state;
        return undefined;
    }
  },
  apply(call: ContractCall, state: StateView): ContractEffects {
    const { context } = call;
    switch (call.type) {
      case 'probe.write': {
        const pairs = call.payload as ReadonlyArray<readonly [string, JsonValue | null]>;
        const seen = pairs.map(([key]) => state.get(key) ?? '(none)');
        return {
          writes: pairs,
          events: [{ type: 'ProbeWrote', position: context.position, height: context.height, ledgerTimeMs: context.ledgerTimeMs, txId: context.txId, signer: context.signer, seen }],
        };
      }
      case 'probe.timer':
        return {
          writes: [],
          events: [{ type: 'ProbeTimed' }],
          timers: [
            { timerId: 'expire', dueTimeMs: context.ledgerTimeMs + 60_000, type: 'probe.write', payload: [] },
            { timerId: 'remind', dueTimeMs: context.ledgerTimeMs, type: 'probe.refuse', payload: null },
          ],
        };
      case 'probe.throwInApply':
        throw new RangeError('apply broke');
      case 'probe.writeOutside':
        return { writes: [['organization/id/acme', null]], events: [] };
      case 'probe.writeNul':
        return { writes: [['probe/a\u0000b', 1]], events: [] };
      case 'probe.mutatePayload':
        (call.payload as { amount: number }).amount = 1_000_000;
        return { writes: [], events: [] };
      case 'probe.emitTimerEvent':
        return { writes: [], events: [{ type: 'TimerScheduled', timerId: 'fake' }] };
      case 'probe.nonJsonEvent':
        return { writes: [], events: [{ type: 'ProbeOdd', value: Number.NaN }] };
      case 'probe.timerInPast':
        return { writes: [], events: [], timers: [{ timerId: 'late', dueTimeMs: context.ledgerTimeMs - 1, type: 'probe.write', payload: [] }] };
      case 'probe.timerForeignType':
        return { writes: [], events: [], timers: [{ timerId: 'other', dueTimeMs: context.ledgerTimeMs, type: 'asset.note', payload: null }] };
      case 'probe.tooManyWrites':
        return { writes: Array.from({ length: 1_025 }, (_, i): [string, JsonValue] => [`probe/${i}`, i]), events: [] };
      default:
        return { writes: [], events: [] };
    }
  },
};

const registry = createContractRegistry([...standardContracts, probeContract]);

let nonceCounter = 0;
function tx(party: typeof alpha, type: string, payload: JsonValue, timeMs = testGenesisTimeMs + 1_000): SignedTransaction {
  nonceCounter++;
  return signedTransaction(party, type, payload, timeMs, `n${nonceCounter}`);
}

function execute(transactions: readonly unknown[], overrides: Partial<ExecuteBlockInput> = {}): BlockExecution {
  return executeBlock({
    height: 1,
    previous: null,
    proposalTimeMs: testGenesisTimeMs + 1_000,
    transactions,
    state: { get: () => undefined },
    isApplied: () => false,
    registry,
    genesis,
    verifier,
    ...overrides,
  });
}

function headerAt(height: number, timeMs: number): BlockHeader {
  return { v: 1, height, prevHash: 'a'.repeat(64), timeMs, revisionFirst: height, revisionLast: height, txCount: 0, treeSize: 0, rootHash: 'b'.repeat(64) };
}

function outcomes(execution: BlockExecution): string[] {
  return execution.leaves.map(({ leaf }) => (leaf.outcome.status === 'accepted' ? 'accepted' : `rejected ${leaf.outcome.code}`));
}

describe('ledger time', () => {
  it('is the proposal time, never below the previous block, starting from the genesis time', () => {
    expect(execute([], { proposalTimeMs: testGenesisTimeMs + 5 }).ledgerTimeMs).toBe(testGenesisTimeMs + 5);
    expect(execute([], { proposalTimeMs: testGenesisTimeMs - 5 }).ledgerTimeMs).toBe(testGenesisTimeMs);
    const previous = headerAt(4, testGenesisTimeMs + 9_000);
    expect(execute([], { height: 5, previous, proposalTimeMs: testGenesisTimeMs + 8_000 }).ledgerTimeMs).toBe(testGenesisTimeMs + 9_000);
    expect(execute([], { height: 5, previous, proposalTimeMs: testGenesisTimeMs + 9_500 }).ledgerTimeMs).toBe(testGenesisTimeMs + 9_500);
  });

  it('bounds the transaction time window on both sides, inclusively', () => {
    const ledgerTimeMs = testGenesisTimeMs + 100_000;
    const { txTimePastMs, txTimeFutureMs } = genesis.parameters;
    const at = (timeMs: number) => tx(alpha, 'probe.write', [], timeMs);
    const execution = execute(
      [at(ledgerTimeMs - txTimePastMs), at(ledgerTimeMs - txTimePastMs - 1), at(ledgerTimeMs + txTimeFutureMs), at(ledgerTimeMs + txTimeFutureMs + 1)],
      { proposalTimeMs: ledgerTimeMs },
    );
    expect(outcomes(execution)).toEqual(['accepted', 'rejected STALE_TIME', 'accepted', 'rejected FUTURE_TIME']);
  });
});

describe('skipped transactions', () => {
  it('skips what cannot be attributed to a signer, with its id when it has one', () => {
    const good = tx(alpha, 'probe.write', []);
    const forged: SignedTransaction = { tx: good.tx, signature: base64urlnopad.encode(mallory.signer.sign(transactionBytes(good.tx))) };
    const badSigner = { tx: { ...good.tx, signer: 'did:web:alpha.example' }, signature: good.signature };
    const execution = execute([42, { tx: good.tx }, badSigner, forged, good]);
    expect(execution.skipped).toEqual([
      { index: 0, code: 'TX_BAD_FIELD', reason: expect.any(String) },
      { index: 1, code: 'TX_BAD_FIELD', reason: expect.any(String) },
      { index: 2, txId: transactionId(badSigner.tx), code: 'BAD_SIGNER', reason: expect.any(String) },
      { index: 3, txId: transactionId(good.tx), code: 'BAD_SIGNATURE', reason: expect.any(String) },
    ]);
    // The forgery did not reserve the id: the genuine transaction after it is a leaf.
    expect(execution.leaves.map((leaf) => leaf.txId)).toEqual([transactionId(good.tx)]);
  });

  it('skips an id with a leaf earlier in the block or in an earlier block', () => {
    const first = tx(alpha, 'probe.write', [['probe/x', 1]]);
    const second = tx(alpha, 'probe.write', [['probe/x', 2]]);
    const rejected = tx(alpha, 'probe.refuse', null);
    const execution = execute([first, rejected, JSON.parse(JSON.stringify(first)), JSON.parse(JSON.stringify(rejected)), second], {
      isApplied: (txId) => txId === transactionId(second.tx),
    });
    expect(outcomes(execution)).toEqual(['accepted', 'rejected PROBE_REFUSED']);
    expect(execution.skipped.map(({ index, code }) => `${index} ${code}`)).toEqual(['2 DUPLICATE', '3 DUPLICATE', '4 DUPLICATE']);
    expect(execution.writes).toEqual(new Map([['probe/x', 1]]));
  });
});

describe('outcomes and writes', () => {
  it('rejects a type no contract handles', () => {
    expect(outcomes(execute([tx(alpha, 'unhandled.operation', {})]))).toEqual(['rejected UNKNOWN_TYPE']);
  });

  it('lets later transactions see earlier writes and deletions, and a rejection write nothing', () => {
    const committed = new Map<string, JsonValue>([['probe/kept', 'old'], ['probe/gone', 'old']]);
    const execution = execute(
      [
        tx(alpha, 'probe.write', [['probe/new', 'one'], ['probe/gone', null]]),
        tx(alpha, 'probe.refuse', null),
        tx(alpha, 'probe.write', [['probe/new', 'two'], ['probe/kept', 'new']]),
        tx(beta, 'probe.write', [['probe/new', 'three'], ['probe/gone', 'back']]),
      ],
      { state: { get: (key) => committed.get(key) } },
    );
    expect(outcomes(execution)).toEqual(['accepted', 'rejected PROBE_REFUSED', 'accepted', 'accepted']);
    const seen = execution.leaves.map((leaf) => leaf.events[0]?.['seen'] ?? null);
    expect(seen).toEqual([['(none)', 'old'], null, ['one', 'old'], ['two', '(none)']]);
    expect([...execution.writes]).toEqual([
      ['probe/new', 'three'],
      ['probe/gone', 'back'],
      ['probe/kept', 'new'],
    ]);
    expect(committed).toEqual(new Map([['probe/kept', 'old'], ['probe/gone', 'old']]));
  });

  it('gives contracts a context whose position counts leaves, not inputs', () => {
    const write = tx(beta, 'probe.write', []);
    const execution = execute([tx(alpha, 'probe.refuse', null), 'noise', write], { height: 3, previous: headerAt(2, testGenesisTimeMs) });
    expect(execution.leaves[1]?.events[0]).toEqual({
      type: 'ProbeWrote',
      position: 1,
      height: 3,
      ledgerTimeMs: testGenesisTimeMs + 1_000,
      txId: transactionId(write.tx),
      signer: beta.did,
      seen: [],
    });
  });

  it('records timers as TimerScheduled events after the contract\'s own, with ledger-wide ids', () => {
    const timed = tx(alpha, 'probe.timer', null);
    const [leaf] = execute([timed]).leaves;
    const txId = transactionId(timed.tx);
    expect(leaf?.events).toEqual([
      { type: 'ProbeTimed' },
      { type: 'TimerScheduled', timerId: `${txId}/expire`, dueTimeMs: testGenesisTimeMs + 61_000, txType: 'probe.write', payload: [], scheduledBy: alpha.did },
      { type: 'TimerScheduled', timerId: `${txId}/remind`, dueTimeMs: testGenesisTimeMs + 1_000, txType: 'probe.refuse', payload: null, scheduledBy: alpha.did },
    ]);
  });

  it('commits accepted outcomes to the events as the leaf format hashes them', () => {
    const execution = execute([tx(alpha, 'probe.timer', null), tx(beta, 'probe.write', [['probe/k', { a: [1, 'x'] }]])]);
    for (const { leaf, events } of execution.leaves) {
      expect(leaf.outcome).toEqual({ status: 'accepted', eventsHash: eventsHash(events) });
    }
  });

  it('freezes what was signed and what was written', () => {
    const write = tx(alpha, 'probe.write', [['probe/v', { nested: [1] }]]);
    const execution = execute([write]);
    expect(Object.isFrozen(write.tx.payload)).toBe(true);
    const value = execution.writes.get('probe/v') as { nested: number[] };
    expect(() => value.nested.push(2)).toThrow(TypeError);
    expect(Object.isFrozen(execution.leaves[0]?.events[0])).toBe(true);
  });
});

describe('a contract that breaks its rules stops execution', () => {
  it.each([
    ['throws in validate', 'probe.throwInValidate', /threw in validate.*TypeError: validate broke/],
    ['throws in apply', 'probe.throwInApply', /threw in apply.*RangeError: apply broke/],
    ['writes outside its prefix', 'probe.writeOutside', /outside probe\//],
    ['writes a key the state store cannot hold', 'probe.writeNul', /cannot hold/],
    ['changes the signed payload', 'probe.mutatePayload', /threw in apply.*TypeError/],
    ['returns a malformed rejection', 'probe.badRejection', /malformed rejection/],
    ['emits the TimerScheduled event itself', 'probe.emitTimerEvent', /only execution emits/],
    ['emits an event that is not JSON', 'probe.nonJsonEvent', /not JSON/],
    ['schedules a timer before the ledger time', 'probe.timerInPast', /not a time at or after the ledger time/],
    ['schedules a timer of another contract\'s type', 'probe.timerForeignType', /not one of its own types/],
    ['returns more writes than the limit', 'probe.tooManyWrites', /more than 1024 writes/],
  ])('when it %s', (_, type, message) => {
    const attempt = () => execute([tx(alpha, type, { amount: 1 })]);
    expect(attempt).toThrow(ExecutionInvariantError);
    expect(attempt).toThrow(message);
  });
});

describe('preconditions', () => {
  it.each<[string, Partial<ExecuteBlockInput>]>([
    ['block 1 after a block', { height: 1, previous: headerAt(1, testGenesisTimeMs) }],
    ['block 2 after the genesis', { height: 2, previous: null }],
    ['a height that skips one', { height: 4, previous: headerAt(2, testGenesisTimeMs) }],
    ['a negative proposal time', { proposalTimeMs: -1 }],
    ['a fractional proposal time', { proposalTimeMs: 1.5 }],
  ])('refuses %s', (_, overrides) => {
    expect(() => execute([], overrides)).toThrow(ExecutionInvariantError);
  });
});
