/**
 * A small ledger for tests, built the way a node builds one: signed `device.register` transactions,
 * their leaves in an `AppendOnlyTree`, block headers chained by hash, checkpoint notes signed by
 * consortium members, and the proof bundles a node serves. Keys come from fixed seeds so every run
 * sees the same bytes and pinned expectations (hashes, ids, failing property seeds) keep holding.
 *
 * Test support only: the package index does not export it. Tests in ledger-core import it by relative
 * path; other workspaces import `@twinledger/ledger-core/chain/testing/fixture-ledger`.
 */
import { blockHash, genesisPrevHash, type BlockHeader } from '../block.js';
import { formatCheckpoint } from '../checkpoint.js';
import { didKeyFromPublicKey } from '../did-key.js';
import type { Ed25519Signer } from '../ed25519.js';
import { createNodeCryptoSigner } from '../ed25519-node.js';
import { eventsHash, leafData, type LedgerLeaf } from '../leaf.js';
import { AppendOnlyTree } from '../merkle/append-only-tree.js';
import { buildProofBundle, type ProofBundle } from '../proof-bundle.js';
import type { Consortium } from '../quorum.js';
import { noteSignerKey, signNote, type NoteSignerKey } from '../signed-note.js';
import { signTransaction, transactionId } from '../transaction.js';

export const origin = 'twinledger.example/consortium';

/** 32 bytes of `value`: a fixed private key. */
export function seed(value: number): Uint8Array {
  return new Uint8Array(32).fill(value);
}

/** The members acme, bolt and cast of a three-member consortium (quorum 2); member `i` has key `seed(firstSeed + i)`. */
export function fixtureMembers(firstSeed: number): readonly [NoteSignerKey, NoteSignerKey, NoteSignerKey] {
  const [acme, bolt, cast] = ['acme.example/node', 'bolt.example/node', 'cast.example/node'].map((name, index) =>
    noteSignerKey(name, createNodeCryptoSigner(seed(firstSeed + index))),
  ) as [NoteSignerKey, NoteSignerKey, NoteSignerKey];
  return [acme, bolt, cast];
}

/** The consortium of `members` under `origin`. */
export function consortiumOf(members: readonly NoteSignerKey[]): Consortium {
  return { origin, members: members.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };
}

/** A key that belongs to no fixture consortium. */
export const outsider = noteSignerKey('mallory.example/node', createNodeCryptoSigner(seed(99)));

export interface FixtureLedger {
  readonly leaves: readonly LedgerLeaf[];
  readonly headers: readonly BlockHeader[];
  readonly tree: AppendOnlyTree;
}

export interface FixtureLedgerShape {
  /** Leaves per block, block 1 first. */
  readonly blockSizes: readonly number[];
  /** The one leaf whose transaction is rejected (its serial is already registered); the others are accepted. */
  readonly rejectedLeaf: number;
  /** The key that signs every transaction. */
  readonly client: Ed25519Signer;
}

/** The events leaf `n` emits when accepted; its outcome's events hash is over these. */
export function deviceEvents(n: number): Array<{ type: string; serial: string }> {
  return [{ type: 'DeviceRegistered', serial: `SN-${n}` }];
}

/** Leaf `n` registers serial `SN-n` with nonce `n-n`; block `b` (from 0) has revisions 10b+1 to 10b+5. */
export function buildFixtureLedger(shape: FixtureLedgerShape): FixtureLedger {
  const signer = didKeyFromPublicKey(shape.client.publicKey);
  const tree = new AppendOnlyTree();
  const leaves: LedgerLeaf[] = [];
  const headers: BlockHeader[] = [];
  for (const [blockIndex, size] of shape.blockSizes.entries()) {
    for (let index = 0; index < size; index++) {
      const n = leaves.length;
      const tx = signTransaction({ v: 1, type: 'device.register', payload: { serial: `SN-${n}` }, signer, nonce: `n-${n}`, time: 1_767_225_600_000 + n }, shape.client);
      const leaf: LedgerLeaf =
        n === shape.rejectedLeaf
          ? { tx, outcome: { status: 'rejected', code: 'DEVICE_EXISTS', reason: `serial SN-${n} is already registered` } }
          : { tx, outcome: { status: 'accepted', eventsHash: eventsHash(deviceEvents(n)) } };
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
      txCount: size,
      treeSize: tree.treeSize,
      rootHash: Buffer.from(tree.root()).toString('hex'),
    });
  }
  return { leaves, headers, tree };
}

// The consortium and ledger the client and command-line tests share.

export const members = fixtureMembers(31);
export const consortium = consortiumOf(members);
/** The seed of the key that signs every transaction of `buildLedger`. */
export const clientSeed = seed(60);

/** Block 1 holds leaves 0 and 1 (accepted), block 2 leaves 2 (rejected) and 3 (accepted). */
export function buildLedger(): FixtureLedger {
  return buildFixtureLedger({ blockSizes: [2, 2], rejectedLeaf: 2, client: createNodeCryptoSigner(clientSeed) });
}

// Reading any fixture ledger.

export function headerAt(ledger: FixtureLedger, height: number): BlockHeader {
  return ledger.headers[height - 1] as BlockHeader;
}

/** The height of the block holding `leafIndex`. */
export function heightOf(ledger: FixtureLedger, leafIndex: number): number {
  return ledger.headers.findIndex((header) => leafIndex < header.treeSize) + 1;
}

/** The id of the transaction in leaf `leafIndex`. */
export function txIdOf(ledger: FixtureLedger, leafIndex: number): string {
  return transactionId((ledger.leaves[leafIndex] as LedgerLeaf).tx.tx);
}

/** The unsigned checkpoint text of `header`. */
export function checkpointText(header: BlockHeader): string {
  return formatCheckpoint({ origin, treeSize: header.treeSize, rootHash: Buffer.from(header.rootHash, 'hex'), blockHeight: header.height, blockHash: Buffer.from(blockHash(header), 'hex') });
}

/** The checkpoint note of block `height`, signed by `signers` (by default a quorum of `members`). */
export function checkpointNote(ledger: FixtureLedger, height: number, signers: readonly NoteSignerKey[] = members.slice(0, 2)): string {
  return signNote(checkpointText(headerAt(ledger, height)), signers);
}

/**
 * The bundle a node would serve for `leafIndex` against the checkpoint of `checkpointHeight` (by
 * default the leaf's own block), signed by `signers`, with the headers from the leaf's block to it.
 */
export function bundleFor(
  ledger: FixtureLedger,
  leafIndex: number,
  signers: readonly NoteSignerKey[] = members.slice(0, 2),
  checkpointHeight = heightOf(ledger, leafIndex),
): ProofBundle {
  return buildProofBundle({
    leaf: ledger.leaves[leafIndex] as LedgerLeaf,
    leafIndex,
    inclusionProof: ledger.tree.inclusionProof(leafIndex, headerAt(ledger, checkpointHeight).treeSize),
    checkpoint: checkpointNote(ledger, checkpointHeight, signers),
    headers: ledger.headers.slice(heightOf(ledger, leafIndex) - 1, checkpointHeight),
  });
}
