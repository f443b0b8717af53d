/**
 * Fixtures for the client's tests: a three-member consortium (quorum 2) and a two-block ledger with
 * real keys, real Merkle proofs and real quorum certificates, served by a stand-in node that answers
 * from it the way docs/ledger.md says a node does. Keys come from fixed seeds. Test support only.
 */
import { blockHash, transactionId, type BlockHeader, type LedgerLeaf } from '../chain/index.js';
import { bundleFor, checkpointNote, consortium, deviceEvents, headerAt, heightOf, origin, txIdOf, type FixtureLedger as Ledger } from '../chain/testing/fixture-ledger.js';
import type { BlockRecord } from '../execution/build-block.js';
import type { Receipt } from './answers.js';
import type { StandInAnswer, StandInRequest } from './stand-in-node.js';

// The same consortium and ledger the command-line tests use, so both read the same bytes.
export {
  buildLedger,
  bundleFor,
  checkpointNote,
  clientSeed,
  consortium,
  heightOf,
  members,
  origin,
  txIdOf,
  type FixtureLedger as Ledger,
} from '../chain/testing/fixture-ledger.js';

/** The receipt a node gives for `leafIndex`. */
export function receiptFor(ledger: Ledger, leafIndex: number): Receipt {
  const height = heightOf(ledger, leafIndex);
  const header = headerAt(ledger, height);
  const leaf = ledger.leaves[leafIndex] as LedgerLeaf;
  const position = leafIndex - (header.treeSize - header.txCount);
  const fields = { txId: txIdOf(ledger, leafIndex), height, position, leafIndex, blockHash: blockHash(header) };
  return leaf.outcome.status === 'accepted' ? { ...fields, status: 'accepted' } : { ...fields, status: 'rejected', code: leaf.outcome.code, reason: leaf.outcome.reason };
}

/** The record of block `height` as a node stores it. */
export function blockRecordOf(ledger: Ledger, height: number): BlockRecord {
  const header = headerAt(ledger, height);
  const first = header.treeSize - header.txCount;
  const entries = ledger.leaves.slice(first, header.treeSize).map((leaf, offset) => ({
    tx: leaf.tx,
    outcome: leaf.outcome,
    events: leaf.outcome.status === 'accepted' ? deviceEvents(first + offset) : [],
  }));
  return { header, entries };
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
