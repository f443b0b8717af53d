/**
 * Fixtures for the command-line tests: a three-member consortium (quorum 2) and a two-block ledger,
 * written as the files a partner would hold. Keys come from fixed seeds so every run sees the same
 * bytes. Test support only; nothing in the command imports it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AppendOnlyTree,
  blockHash,
  buildProofBundle,
  createNodeCryptoSigner,
  didKeyFromPublicKey,
  eventsHash,
  formatCheckpoint,
  formatConsortiumFile,
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
} from '@twinledger/ledger-core';

export const origin = 'twinledger.example/consortium';
export const members: readonly NoteSignerKey[] = ['acme.example/node', 'bolt.example/node', 'cast.example/node'].map((name, index) =>
  noteSignerKey(name, createNodeCryptoSigner(new Uint8Array(32).fill(index + 31))),
);
export const outsider = noteSignerKey('mallory.example/node', createNodeCryptoSigner(new Uint8Array(32).fill(99)));
export const consortium: Consortium = { origin, members: members.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };

export interface Ledger {
  readonly leaves: readonly LedgerLeaf[];
  readonly headers: readonly BlockHeader[];
  readonly tree: AppendOnlyTree;
}

/** Block 1 holds leaves 0 and 1 (accepted), block 2 leaves 2 (rejected) and 3 (accepted). */
export function buildLedger(): Ledger {
  const client = createNodeCryptoSigner(new Uint8Array(32).fill(60));
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
          : { tx, outcome: { status: 'accepted', eventsHash: eventsHash([{ type: 'DeviceRegistered', serial: `SN-${n}` }]) } };
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

/** The checkpoint note of block `height`, signed by `signers`. */
export function checkpointNote(ledger: Ledger, height: number, signers: readonly NoteSignerKey[]): string {
  const header = ledger.headers[height - 1] as BlockHeader;
  const text = formatCheckpoint({
    origin,
    treeSize: header.treeSize,
    rootHash: Buffer.from(header.rootHash, 'hex'),
    blockHeight: header.height,
    blockHash: Buffer.from(blockHash(header), 'hex'),
  });
  return signNote(text, signers);
}

/** The bundle for `leafIndex` against the checkpoint of the block that holds it, under a QC of `signers`. */
export function bundleFor(ledger: Ledger, leafIndex: number, signers: readonly NoteSignerKey[] = members.slice(0, 2)): ProofBundle {
  const height = ledger.headers.findIndex((header) => leafIndex < header.treeSize) + 1;
  const header = ledger.headers[height - 1] as BlockHeader;
  return buildProofBundle({
    leaf: ledger.leaves[leafIndex] as LedgerLeaf,
    leafIndex,
    inclusionProof: ledger.tree.inclusionProof(leafIndex, header.treeSize),
    checkpoint: checkpointNote(ledger, height, signers),
    headers: [header],
  });
}

/** The id of the transaction in leaf `leafIndex`. */
export function txIdOf(ledger: Ledger, leafIndex: number): string {
  return transactionId((ledger.leaves[leafIndex] as LedgerLeaf).tx.tx);
}

/** A fresh temporary folder holding `files` (name → contents); the caller removes it. */
export function writeFixtureFolder(files: Readonly<Record<string, string>>): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-cli-'));
  for (const [name, contents] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), contents);
  return folder;
}

/** The consortium file text. */
export function consortiumFile(): string {
  return formatConsortiumFile(consortium);
}
