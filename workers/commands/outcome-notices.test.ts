/**
 * The outcome notice format: what a worker announces reads back as the same outcome, and anything else
 * on the channel (another writer's message, a damaged one) is ignored rather than taken as an outcome.
 */
import { commandOutcomeChannel, outcomeOfText, outcomeText, type CommandOutcome } from './outcome-notices.js';

test('outcomes read back as announced', () => {
  const outcomes: CommandOutcome[] = [
    { kind: 'completed', value: { txId: 'ab'.repeat(32), status: 'accepted', height: 7 } },
    { kind: 'completed', value: 'text' },
    { kind: 'failed', reason: 'LEDGER_UNAVAILABLE: no ledger node answered' },
    { kind: 'failed', reason: '' },
  ];
  for (const outcome of outcomes) expect(outcomeOfText(outcomeText(outcome))).toEqual(outcome);
});

test('anything else on the channel is no outcome', () => {
  const others = ['', 'not json', 'null', '7', '"completed"', '[]', '{}', '{"failed":7}', '{"failed":null}', '{"completed":1,"failed":"x"}', '{"completed":{},"extra":1}', '{"done":{}}'];
  expect(others.filter((text) => outcomeOfText(text) !== undefined)).toEqual([]);
});

test('each transaction of each queue has a channel of its own', () => {
  expect(commandOutcomeChannel(undefined, 'ab')).toBe('twinledger:command-outcome:bull:ab');
  expect(commandOutcomeChannel('tenant', 'ab')).toBe('twinledger:command-outcome:tenant:ab');
  expect(commandOutcomeChannel('tenant', 'ab')).not.toBe(commandOutcomeChannel('tenant', 'ac'));
});
