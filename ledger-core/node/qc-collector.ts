/**
 * Collects the members' signature lines over each block's checkpoint into quorum certificates. Pure:
 * the node feeds it its own signed body and the lines it reads from etcd, and acts on the answers.
 *
 * A signature line carries no body, so a line is judged against this node's own body: it agrees when it
 * verifies over it. Lines that arrive before this node has signed the height are buffered (bounded in
 * heights and, per height, to one line per member). A strict majority agreeing is the QC; a strict
 * majority not agreeing means this node can never get a QC for the block it built: some majority holds
 * another block (or signs garbage under member keys), which the node treats as a fork.
 */
import type { Ed25519Verifier } from '../chain/ed25519.js';
import { noteKeyId, parseNote, SignedNoteError } from '../chain/signed-note.js';
import { quorumSize, type Consortium } from '../chain/quorum.js';

export type QuorumOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'qc'; readonly height: number; readonly note: string; readonly signers: readonly string[] }
  | { readonly kind: 'fork'; readonly height: number; readonly disagreeing: readonly string[] };

export interface QuorumCollectorOptions {
  readonly consortium: Consortium;
  readonly verifier: Ed25519Verifier;
  /** Heights above the newest own block for which lines are buffered; lines further ahead are dropped. Default 1,024. */
  readonly heightsAheadMax?: number;
}

interface HeightEntry {
  readonly lines: Map<string, string>;
  own?: { readonly body: string; readonly bodyBytes: Uint8Array };
  readonly agreeing: Set<string>;
  readonly disagreeing: Set<string>;
}

const pending: QuorumOutcome = { kind: 'pending' };
const textEncoder = new TextEncoder();

export class QuorumCollector {
  private readonly heights = new Map<number, HeightEntry>();
  private readonly memberKeys: Map<string, { readonly publicKey: Uint8Array; readonly keyId: number }>;
  private readonly memberOrder: readonly string[];
  private readonly quorum: number;
  private readonly heightsAheadMax: number;
  /** Heights at or below this have a QC (or were forgotten) and take no more lines. */
  private heightClosedThrough = 0;
  private ownHeightLast = 0;

  /** Requires a consortium `verifyQuorumCertificate` accepts. */
  constructor(private readonly options: QuorumCollectorOptions) {
    this.memberOrder = options.consortium.members.map((member) => member.name);
    this.memberKeys = new Map(
      options.consortium.members.map((member) => [member.name, { publicKey: member.publicKey, keyId: noteKeyId(member.name, member.publicKey) }]),
    );
    this.quorum = quorumSize(options.consortium.members.length);
    this.heightsAheadMax = options.heightsAheadMax ?? 1_024;
  }

  /** Heights holding buffered lines or an own body without a QC yet. */
  get openHeightCount(): number {
    return this.heights.size;
  }

  /**
   * Records this node's own checkpoint body for `height` and its own signature line. Requires each
   * height at most once, in increasing order, above every closed height.
   */
  setOwn(height: number, body: string, ownNode: string, ownLine: string): QuorumOutcome {
    if (height <= this.heightClosedThrough) return pending;
    const entry = this.entry(height);
    if (entry.own !== undefined) return pending;
    entry.own = { body, bodyBytes: textEncoder.encode(body) };
    this.ownHeightLast = Math.max(this.ownHeightLast, height);
    entry.lines.set(ownNode, ownLine);
    for (const [node, line] of entry.lines) this.judge(entry, node, line);
    return this.decide(height, entry);
  }

  /** Records member `node`'s line for `height`. Lines from non-members, for closed heights or too far ahead are dropped. */
  addLine(height: number, node: string, line: string): QuorumOutcome {
    if (height <= this.heightClosedThrough || !this.memberKeys.has(node)) return pending;
    if (height > Math.max(this.ownHeightLast, this.heightClosedThrough) + this.heightsAheadMax) return pending;
    const entry = this.entry(height);
    if (entry.lines.get(node) === line) return pending;
    entry.lines.set(node, line);
    if (entry.own === undefined) return pending;
    this.judge(entry, node, line);
    return this.decide(height, entry);
  }

  /** Forgets every height at or below `height` (their QCs are stored). */
  closeThrough(height: number): void {
    if (height <= this.heightClosedThrough) return;
    this.heightClosedThrough = height;
    for (const key of this.heights.keys()) if (key <= height) this.heights.delete(key);
  }

  private entry(height: number): HeightEntry {
    let entry = this.heights.get(height);
    if (entry === undefined) {
      entry = { lines: new Map(), agreeing: new Set(), disagreeing: new Set() };
      this.heights.set(height, entry);
    }
    return entry;
  }

  private judge(entry: HeightEntry, node: string, line: string): void {
    const own = entry.own;
    if (own === undefined) return;
    entry.agreeing.delete(node);
    entry.disagreeing.delete(node);
    if (this.verifies(own.body, own.bodyBytes, node, line)) entry.agreeing.add(node);
    else entry.disagreeing.add(node);
  }

  private verifies(body: string, bodyBytes: Uint8Array, node: string, line: string): boolean {
    const member = this.memberKeys.get(node);
    if (member === undefined) return false;
    let signature;
    try {
      signature = parseNote(`${body}\n${line}\n`).signatures[0];
    } catch (error: unknown) {
      if (error instanceof SignedNoteError) return false;
      throw error;
    }
    if (signature === undefined || signature.keyName !== node || signature.keyId !== member.keyId) return false;
    return this.options.verifier.verify(signature.signature, bodyBytes, member.publicKey);
  }

  private decide(height: number, entry: HeightEntry): QuorumOutcome {
    const own = entry.own;
    if (own === undefined) return pending;
    if (entry.agreeing.size >= this.quorum) {
      const signers = this.memberOrder.filter((name) => entry.agreeing.has(name));
      const lines = signers.map((name) => entry.lines.get(name));
      return { kind: 'qc', height, note: `${own.body}\n${lines.map((line) => `${line}\n`).join('')}`, signers };
    }
    if (entry.disagreeing.size >= this.quorum) return { kind: 'fork', height, disagreeing: [...entry.disagreeing] };
    return pending;
  }
}
