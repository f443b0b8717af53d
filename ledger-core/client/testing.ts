/**
 * Fixtures for the client's tests: a three-member consortium (quorum 2) and a two-block ledger with
 * real keys, real Merkle proofs and real quorum certificates, served by a stand-in node that answers
 * from it the way docs/ledger.md says a node does. Keys come from fixed seeds. Test support only.
 */
import {
  blockHash,
  buildProofBundle,
  createNodeCryptoSigner,
  didKeyFromPublicKey,
  eventsHash,
  formatCheckpoint,
  genesisPrevHash,
  leafData,
  noteSignerKey,
  signNote,
  signTransaction,
  transactionId,
  type BlockHeader,
  type Consortium,
  type LedgerLeaf,
  type NoteSignerKey,
  type ProofBundle,
} from '../chain/index.js';
import { AppendOnlyTree } from '../chain/merkle/index.js';
import type { BlockRecord } from '../execution/build-block.js';
import type { Receipt } from './answers.js';
import type { StandInAnswer, StandInRequest } from './stand-in-node.js';

export const origin = 'twinledger.example/consortium';
export const members: readonly NoteSignerKey[] = ['acme.example/node', 'bolt.example/node', 'cast.example/node'].map((name, index) =>
  noteSignerKey(name, createNodeCryptoSigner(new Uint8Array(32).fill(index + 31))),
);
export const consortium: Consortium = { origin, members: members.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };
/** The seed of the key that signs every fixture transaction. */
export const clientSeed = new Uint8Array(32).fill(60);

export interface Ledger {
  readonly leaves: readonly LedgerLeaf[];
  readonly headers: readonly BlockHeader[];
  readonly tree: AppendOnlyTree;
}

function events(n: number): Array<{ type: string; serial: string }> {
  return [{ type: 'DeviceRegistered', serial: `SN-${n}` }];
}

/** Block 1 holds leaves 0 and 1 (accepted), block 2 leaves 2 (rejected) and 3 (accepted). */
export function buildLedger(): Ledger {
  const client = createNodeCryptoSigner(clientSeed);
  const signer = didKeyFromPublicKey(client.publicKey);
  const tree = new AppendOnlyTree();
  const leaves: LedgerLeaf[] = [];
  const headers: BlockHeader[] = [];
  for (const [blockIndex, leafCount] of [2, 2].entries()) {
    for (let index = 0; index < leafCount; index++) {
      const n = leaves.length;
      const tx = signTransaction({ v: 1, type: 'device.register', payload: { serial: `SN-${n}` }, signer, nonce: `n-${n}`, time: 1_767_225_600_000 + n }, client);
      const leaf: LedgerLeaf =
        n === 2
          ? { tx, outcome: { status: 'rejected', code: 'DEVICE_EXISTS', reason: 'serial SN-2 is already registered' } }
          : { tx, outcome: { status: 'accepted', eventsHash: eventsHash(events(n)) } };
      leaves.push(leaf);
      tree.appendLeaf(leafData(leaf));
    }
    const previous = headers[blockIndex - 1];
    headers.push({
      v: 1,
      height: blockIndex + 1,
      prevHash: previous === undefined ? genesisPrevHash : blockHash(previous),
      timeMs: 1_767_225_600_000 + 1_000 * blockIndex,
      revisionFirst: 10 * blockIndex + 1,
      revisionLast: 10 * blockIndex + 5,
      txCount: leafCount,
      treeSize: tree.treeSize,
      rootHash: Buffer.from(tree.root()).toString('hex'),
    });
  }
  return { leaves, headers, tree };
}

/** The height of the block holding `leafIndex`. */
export function heightOf(ledger: Ledger, leafIndex: number): number {
  return ledger.headers.findIndex((header) => leafIndex < header.treeSize) + 1;
}

/** The checkpoint note of block `height`, signed by `signers`. */
export function checkpointNote(ledger: Ledger, height: number, signers: readonly NoteSignerKey[] = members.slice(0, 2)): string {
  const header = ledger.headers[height - 1] as BlockHeader;
  const text = formatCheckpoint({ origin, treeSize: header.treeSize, rootHash: Buffer.from(header.rootHash, 'hex'), blockHeight: header.height, blockHash: Buffer.from(blockHash(header), 'hex') });
  return signNote(text, signers);
}

/** The bundle for `leafIndex` against the QC of its own block, signed by `signers`. */
export function bundleFor(ledger: Ledger, leafIndex: number, signers: readonly NoteSignerKey[] = members.slice(0, 2)): ProofBundle {
  const height = heightOf(ledger, leafIndex);
  const header = ledger.headers[height - 1] as BlockHeader;
  return buildProofBundle({
    leaf: ledger.leaves[leafIndex] as LedgerLeaf,
    leafIndex,
    inclusionProof: ledger.tree.inclusionProof(leafIndex, header.treeSize),
    checkpoint: checkpointNote(ledger, height, signers),
    headers: [header],
  });
}

/** The receipt a node gives for `leafIndex`. */
export function receiptFor(ledger: Ledger, leafIndex: number): Receipt {
  const height = heightOf(ledger, leafIndex);
  const header = ledger.headers[height - 1] as BlockHeader;
  const leaf = ledger.leaves[leafIndex] as LedgerLeaf;
  const position = leafIndex - (header.treeSize - header.txCount);
  const fields = { txId: txIdOf(ledger, leafIndex), height, position, leafIndex, blockHash: blockHash(header) };
  return leaf.outcome.status === 'accepted' ? { ...fields, status: 'accepted' } : { ...fields, status: 'rejected', code: leaf.outcome.code, reason: leaf.outcome.reason };
}

/** The record of block `height` as a node stores it. */
export function blockRecordOf(ledger: Ledger, height: number): BlockRecord {
  const header = ledger.headers[height - 1] as BlockHeader;
  const first = header.treeSize - header.txCount;
  const entries = ledger.leaves.slice(first, header.treeSize).map((leaf, offset) => ({
    tx: leaf.tx,
    outcome: leaf.outcome,
    events: leaf.outcome.status === 'accepted' ? events(first + offset) : [],
  }));
  return { header, entries };
}

/** The id of the transaction in leaf `leafIndex`. */
export function txIdOf(ledger: Ledger, leafIndex: number): string {
  return transactionId((ledger.leaves[leafIndex] as LedgerLeaf).tx.tx);
}

/** The index of the leaf whose transaction has `txId`, or -1. */
export function leafIndexOf(ledger: Ledger, txId: string): number {
  return ledger.leaves.findIndex((_, index) => txIdOf(ledger, index) === txId);
}

/**
 * Answers a request the way a healthy node holding `ledger` does: submissions of a transaction on
 * the ledger get its receipt (duplicate), unknown ones are pending; receipts, blocks, proofs,
 * checkpoints, the consortium and the status come from the ledger.
 */
export function ledgerNode(ledger: Ledger, name = 'acme.example/node'): (request: StandInRequest) => StandInAnswer {
  const notFound: StandInAnswer = { status: 404, body: { error: { code: 'NOT_FOUND', message: 'not on this node' } } };
  return (request) => {
    const [, version, kind, rest] = request.path.split('/');
    if (request.method === 'POST' && request.path === '/v1/transactions') {
      const signed = JSON.parse(request.body) as { tx: unknown };
      const txId = transactionId(signed.tx);
      const index = leafIndexOf(ledger, txId);
      return index < 0 ? { status: 202, body: { txId, status: 'pending' } } : { status: 200, body: { ...receiptFor(ledger, index), duplicate: true } };
    }
    if (request.path === '/status') {
      const header = ledger.headers[ledger.headers.length - 1] as BlockHeader;
      return {
        status: 200,
        body: {
          node: name,
          height: header.height,
          qcHeight: header.height,
          appliedRevision: header.revisionLast,
          treeSize: header.treeSize,
          blockHash: blockHash(header),
          etcd: { reachable: true },
          peers: [{ name: 'bolt.example/node', url: 'http://127.0.0.1:1', height: header.height, reachable: true }],
          alarms: [],
        },
      };
    }
    if (version !== 'v1' || request.method !== 'GET') return notFound;
    if (kind === 'receipts' && rest !== undefined) {
      const index = leafIndexOf(ledger, rest);
      return index < 0 ? notFound : { status: 200, body: receiptFor(ledger, index) };
    }
    if (kind === 'blocks' && rest !== undefined) {
      const height = Number(rest);
      const header = ledger.headers[height - 1];
      return header === undefined ? notFound : { status: 200, body: { hash: blockHash(header), record: blockRecordOf(ledger, height), qc: checkpointNote(ledger, height) } };
    }
    if (kind === 'proofs' && request.path.startsWith('/v1/proofs/inclusion/')) {
      const index = leafIndexOf(ledger, request.path.slice('/v1/proofs/inclusion/'.length));
      return index < 0 ? notFound : { status: 200, body: bundleFor(ledger, index) };
    }
    if (kind === 'checkpoints' && rest === 'latest') return { status: 200, body: { height: ledger.headers.length, note: checkpointNote(ledger, ledger.headers.length) } };
    if (kind === 'consortium') {
      return { status: 200, body: { origin, members: consortium.members.map((member) => ({ name: member.name, publicKey: Buffer.from(member.publicKey).toString('base64') })) } };
    }
    return notFound;
  };
}
