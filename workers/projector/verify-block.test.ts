/**
 * verifyBlock decides on QC and chain alone, never on the serving node: a block under a majority QC
 * that chains to the projected head is accepted and advances the frontier; a missing QC, a minority
 * QC, a QC for another block and entries whose events were altered under a valid QC are refused with
 * their codes; a QC'd block that does not chain to the projected head is a broken invariant.
 */
import { createPortableSigner, didKeyFromPublicKey, type JsonValue, noteSignerKey, portableVerifier, signCheckpoint, type NoteSignerKey } from '@twinledger/ledger-core/chain';
import { AppendOnlyTree } from '@twinledger/ledger-core/chain/merkle';
import { buildTransaction, type BlockAnswer } from '@twinledger/ledger-core/client';
import { consortiumOf, createStandardRegistry, parseGenesis } from '@twinledger/ledger-core/contracts';
import { buildBlock, executeBlock, type BuiltBlock } from '@twinledger/ledger-core/execution';
import { WorkerInvariantError } from '../invariant.js';
import { genesisHead } from './head.js';
import { verifyBlock } from './verify-block.js';

const genesisTimeMs = 1_767_225_600_000;
const names = ['alpha', 'beta', 'gamma'];
const seed = (name: string): Uint8Array => new Uint8Array(32).fill(names.indexOf(name) + 1);
const nodeSeed = (name: string): Uint8Array => new Uint8Array(32).fill(names.indexOf(name) + 11);
const genesis = parseGenesis({
  v: 1,
  origin: 'test.twinledger.example/ledger',
  timeMs: genesisTimeMs,
  members: names.map((name) => ({
    name: `${name}-node`,
    nodePublicKey: Buffer.from(createPortableSigner(nodeSeed(name)).publicKey).toString('base64'),
    organizationId: `${name}-org`,
    organizationDid: didKeyFromPublicKey(createPortableSigner(seed(name)).publicKey),
    organizationName: name,
  })),
  parameters: { txTimePastMs: 60_000, txTimeFutureMs: 5_000 },
});
const consortium = consortiumOf(genesis);
const nodeKeys: NoteSignerKey[] = names.map((name) => noteSignerKey(`${name}-node`, createPortableSigner(nodeSeed(name))));

/** Two blocks of one note write each, built as a node builds them. */
function buildChain(): BuiltBlock[] {
  const tree = new AppendOnlyTree();
  const state = new Map<string, JsonValue>();
  const applied = new Set<string>();
  const blocks: BuiltBlock[] = [];
  for (let height = 1; height <= 2; height++) {
    const timeMs = genesisTimeMs + height * 1_000;
    const { signed } = buildTransaction({ type: 'asset.note', payload: { key: 'k', value: height } }, seed('alpha'), { timeMs, nonce: `n${height}` });
    const execution = executeBlock({
      height,
      previous: blocks[blocks.length - 1]?.header ?? null,
      proposalTimeMs: timeMs,
      transactions: [JSON.parse(JSON.stringify(signed))],
      state: { get: (key) => state.get(key) },
      isApplied: (txId) => applied.has(txId),
      registry: createStandardRegistry(),
      genesis,
      verifier: portableVerifier,
    });
    for (const [key, value] of execution.writes) if (value !== null) state.set(key, value);
    for (const leaf of execution.leaves) applied.add(leaf.txId);
    blocks.push(buildBlock({ execution, revisionFirst: height, revisionLast: height, tree }));
  }
  return blocks;
}

function answerFor(block: BuiltBlock, signers = nodeKeys, qcBlock = block): BlockAnswer {
  const qc = signCheckpoint(
    {
      origin: consortium.origin,
      treeSize: qcBlock.header.treeSize,
      rootHash: new Uint8Array(Buffer.from(qcBlock.header.rootHash, 'hex')),
      blockHeight: qcBlock.header.height,
      blockHash: new Uint8Array(Buffer.from(qcBlock.hash, 'hex')),
    },
    signers,
  );
  return { hash: block.hash, record: block.record, qc };
}

describe('verifyBlock', () => {
  const [first, second] = buildChain();
  if (first === undefined || second === undefined) throw new Error('two blocks expected');

  it('accepts QC-verified blocks that chain, and advances the frontier', () => {
    const one = verifyBlock({ answer: answerFor(first), previous: genesisHead(), consortium, genesis });
    if (!one.ok) throw new Error(one.reason);
    const two = verifyBlock({ answer: answerFor(second), previous: one.head, consortium, genesis });
    if (!two.ok) throw new Error(two.reason);
    expect(two.head).toMatchObject({ height: 2, blockHash: second.hash });
    expect(two.head.frontier.treeSize).toBe(2);
  });

  it('refuses a missing, minority or mismatched QC and altered events', () => {
    const tampered = { ...first.record, entries: first.record.entries.map((entry) => ({ ...entry, events: [{ ...entry.events[0], type: 'NoteWritten', value: 'forged' }] })) };
    const cases: Array<[string, BlockAnswer]> = [
      ['QC_PENDING', { ...answerFor(first), qc: null }],
      ['QC_INVALID', answerFor(first, nodeKeys.slice(0, 1))],
      ['QC_MISMATCH', answerFor(first, nodeKeys, second)],
      ['RECORD_INVALID', { ...answerFor(first), record: tampered }],
    ];
    const failures = cases.flatMap(([code, answer]) => {
      const result = verifyBlock({ answer, previous: genesisHead(), consortium, genesis });
      return result.ok || result.code !== code ? [`${code}: got ${result.ok ? 'ok' : result.code}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('stops on a QC-verified block that does not chain to the projected head', () => {
    const one = verifyBlock({ answer: answerFor(first), previous: genesisHead(), consortium, genesis });
    if (!one.ok) throw new Error(one.reason);
    expect(() => verifyBlock({ answer: answerFor(second), previous: { ...one.head, blockHash: 'ee'.repeat(32) }, consortium, genesis })).toThrow(WorkerInvariantError);
  });
});
