/**
 * The QC collector: lines that arrive before this node's own block are buffered and counted once it
 * signs; a strict majority over this node's body is a QC whose note `verifyQuorumCertificate` accepts;
 * a strict majority over another body is a fork; lines from non-members or far-ahead heights are dropped.
 */
import { formatCheckpoint } from '../chain/checkpoint.js';
import { portableVerifier } from '../chain/ed25519.js';
import { verifyQuorumCertificate, type Consortium } from '../chain/quorum.js';
import { noteSignerKey, signNote } from '../chain/signed-note.js';
import { sha256 } from '@noble/hashes/sha2';
import { createPortableSigner } from '../chain/ed25519.js';
import { QuorumCollector } from './qc-collector.js';

const names = ['alpha', 'bravo', 'charlie'];
const keys = names.map((name) => noteSignerKey(name, createPortableSigner(sha256(new TextEncoder().encode(name)))));
const consortium: Consortium = { origin: 'test/origin', members: keys.map((key) => ({ name: key.keyName, publicKey: key.publicKey })) };

function body(height: number, fill: number): string {
  return formatCheckpoint({ origin: 'test/origin', treeSize: height, rootHash: new Uint8Array(32).fill(fill), blockHeight: height, blockHash: new Uint8Array(32).fill(fill) });
}

function line(text: string, index: number): string {
  const note = signNote(text, [keys[index]!]);
  return note.slice(text.length + 1, -1);
}

describe('QuorumCollector', () => {
  it('buffers early lines and makes a QC the consortium accepts once this node signs', () => {
    const collector = new QuorumCollector({ consortium, verifier: portableVerifier });
    const own = body(1, 1);
    expect(collector.addLine(1, 'bravo', line(own, 1))).toEqual({ kind: 'pending' });
    const outcome = collector.setOwn(1, own, 'alpha', line(own, 0));
    expect(outcome.kind).toBe('qc');
    if (outcome.kind !== 'qc') return;
    expect(outcome.signers).toEqual(['alpha', 'bravo']);
    expect(verifyQuorumCertificate(outcome.note, consortium)).toMatchObject({ ok: true, signers: ['alpha', 'bravo'] });
  });

  it('reports a fork when a majority signs another body', () => {
    const collector = new QuorumCollector({ consortium, verifier: portableVerifier });
    const other = body(2, 9);
    expect(collector.setOwn(2, body(2, 2), 'alpha', line(body(2, 2), 0))).toEqual({ kind: 'pending' });
    expect(collector.addLine(2, 'bravo', line(other, 1))).toEqual({ kind: 'pending' });
    expect(collector.addLine(2, 'charlie', line(other, 2))).toMatchObject({ kind: 'fork', height: 2 });
  });

  it('drops lines from non-members, for closed heights and too far ahead', () => {
    const collector = new QuorumCollector({ consortium, verifier: portableVerifier, heightsAheadMax: 4 });
    collector.closeThrough(3);
    expect(collector.addLine(3, 'bravo', 'x')).toEqual({ kind: 'pending' });
    expect(collector.addLine(5, 'mallory', 'x')).toEqual({ kind: 'pending' });
    expect(collector.addLine(50, 'bravo', 'x')).toEqual({ kind: 'pending' });
    expect(collector.openHeightCount).toBe(0);
    // A line signed by another member's key under bravo's name never counts.
    const own = body(4, 4);
    collector.addLine(4, 'bravo', line(own, 2));
    expect(collector.setOwn(4, own, 'alpha', line(own, 0))).toEqual({ kind: 'pending' });
  });
});
