/**
 * Proof bundles: everything a partner needs, besides the consortium file, to check offline that a
 * transaction is on the ledger, what the ledger decided about it, and in which block it landed.
 *
 *   {
 *     "v": 1,
 *     "leaf": { "tx": { "tx": {...}, "signature": "..." }, "outcome": { "status": "accepted", "eventsHash": "..." } },
 *     "leafIndex": 5,
 *     "inclusionProof": ["<hex hash>", ...],
 *     "checkpoint": "<the quorum certificate: a signed checkpoint note>",
 *     "headers": [ { "v": 1, "height": 3, ... }, { "v": 1, "height": 4, ... } ]
 *   }
 *
 * The chain of trust runs from the consortium's keys only:
 *  1. the checkpoint is a quorum certificate of the consortium: a majority signed its tree size, root
 *     and block line;
 *  2. the last header hashes to the block hash on that line and states the same height, tree size and
 *     root; each earlier header is the `prevHash` of the one after it, so the QC vouches for all of them;
 *  3. the inclusion proof puts the leaf at `leafIndex` of the checkpoint's tree;
 *  4. the first header's block holds that index (its leaves are the `txCount` ending at its tree size),
 *     which is the height the transaction landed at.
 * The headers run from the block holding the leaf up to the checkpoint's block: one header when the
 * checkpoint is the leaf's own block (what a node serves by default), more when a later checkpoint is
 * used, since a header can only be tied to a QC through the hashes of the headers after it.
 *
 * The tree size comes from the signed checkpoint and never from the bundle, because some neighbouring
 * tree sizes share a proof shape. Pure and portable (no `node:` imports): the web console bundles this
 * with the portable verifier; the CLI and nodes pass a native one.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { BlockHeaderError, blockHash, checkBlockHeader, type BlockHeader } from './block.js';
import { portableVerifier, type Ed25519Verifier } from './ed25519.js';
import type { LedgerLeaf, TransactionOutcome } from './leaf.js';
import { leafData } from './leaf.js';
import { checkInclusion } from './merkle/verify.js';
import { portableTreeHasher } from './merkle/hash.js';
import { verifyQuorumCertificate, type Consortium, type QuorumRefusalCode } from './quorum.js';
import { verifyTransaction, type SignedTransaction } from './transaction.js';

/** The only bundle format version. */
export const proofBundleVersion = 1;
/** Largest bundle text `verifyProofBundleJson` reads, in UTF-8 bytes. */
export const proofBundleBytesMax = 1_048_576;
/**
 * Most headers one bundle carries. A node answers with the QC of the leaf's own block (one header);
 * a bundle against a much later checkpoint should be served as that one plus a consistency proof.
 */
export const proofBundleHeadersMax = 256;
/** Most inclusion proof hashes: a tree of at most 2^53 - 1 leaves has proofs of at most 53. */
export const inclusionProofHashesMax = 64;
/** Longest rejection code in an outcome; the shape contracts give their codes. */
export const outcomeCodeLengthMax = 64;
/** Longest rejection reason in an outcome, in UTF-16 code units; what contracts are held to. */
export const outcomeReasonLengthMax = 1_024;

export interface ProofBundle {
  /** Format version: `proofBundleVersion`. */
  readonly v: 1;
  readonly leaf: LedgerLeaf;
  /** Position of the leaf in the ledger-wide tree, from 0. */
  readonly leafIndex: number;
  /** RFC 9162 inclusion proof of `leafIndex` against the checkpoint's tree size, bottom-up, lowercase hex. */
  readonly inclusionProof: readonly string[];
  /** The quorum certificate: a C2SP checkpoint note with a majority of member signatures. */
  readonly checkpoint: string;
  /**
   * Consecutive headers in height order, from the block holding the leaf to the checkpoint's block
   * (the last one). Each links to the one before it by `prevHash`.
   */
  readonly headers: readonly BlockHeader[];
}

export type ProofBundleRefusalCode =
  /** Not a bundle: a field is missing, extra, of the wrong type, or beyond a limit. */
  | 'BUNDLE_MALFORMED'
  /** A bundle of a format version this code does not read. */
  | 'BUNDLE_VERSION'
  /** The transaction in the leaf is malformed or its own signature does not verify. */
  | 'TX_INVALID'
  /** The headers do not agree with the checkpoint, with each other, or with the leaf's position. */
  | 'HEADER_MISMATCH'
  /** The inclusion proof does not put this leaf at this index of the checkpoint's tree. */
  | 'INCLUSION_FAILED'
  /** The checkpoint is not a quorum certificate of the consortium; the QC check's own code. */
  | QuorumRefusalCode;

export type ProofBundleVerification =
  | {
      readonly ok: true;
      /** Hex transaction id. */
      readonly txId: string;
      /** Height of the block the transaction landed in. */
      readonly height: number;
      readonly leafIndex: number;
      /** Tree size of the checkpoint the proof is against. */
      readonly treeSize: number;
      /** Height of the checkpoint's block; at least `height`. */
      readonly checkpointHeight: number;
      readonly outcome: TransactionOutcome;
      /** Names of the members whose signatures make the QC, in note order. */
      readonly signers: readonly string[];
      /** The verified leaf, for callers that show the transaction. */
      readonly leaf: LedgerLeaf;
    }
  | { readonly ok: false; readonly code: ProofBundleRefusalCode; readonly reason: string };

/** Why `buildProofBundle` refused its input: the refusal a verifier would give the same bundle. */
export type ProofBundleErrorCode = 'BUNDLE_MALFORMED' | 'HEADER_MISMATCH';

/** A bundle the builder cannot make: its input breaks a precondition. */
export class ProofBundleError extends Error {
  override readonly name = 'ProofBundleError';
  constructor(
    readonly code: ProofBundleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ProofBundleInput {
  readonly leaf: LedgerLeaf;
  readonly leafIndex: number;
  /** The inclusion proof as the tree gives it (32-byte hashes, bottom-up) for the checkpoint's tree size. */
  readonly inclusionProof: readonly Uint8Array[];
  /** The QC note text. */
  readonly checkpoint: string;
  /** Consecutive headers from the block holding the leaf to the checkpoint's block. */
  readonly headers: readonly BlockHeader[];
}

const bundleFields = ['v', 'leaf', 'leafIndex', 'inclusionProof', 'checkpoint', 'headers'];
const leafFields = ['tx', 'outcome'];
const hexHashPattern = /^[0-9a-f]{64}$/;
const outcomeCodePattern = new RegExp(`^[A-Z][A-Z0-9_]{0,${outcomeCodeLengthMax - 1}}$`);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The bundle for a leaf, for the node that serves proofs. Requires the proof to be for `leafIndex`
 * against the checkpoint's tree size and the headers to run, linked, from the leaf's block to the
 * checkpoint's; their shapes, links and the leaf's position are checked here (ProofBundleError), the
 * signatures and the proof are not: a caller holding the consortium runs `verifyProofBundle` on it.
 */
export function buildProofBundle(input: ProofBundleInput): ProofBundle {
  const bundle: ProofBundle = {
    v: proofBundleVersion,
    leaf: { tx: input.leaf.tx, outcome: input.leaf.outcome },
    leafIndex: input.leafIndex,
    inclusionProof: input.inclusionProof.map((hash) => {
      if (hash.length !== 32) throw new ProofBundleError('BUNDLE_MALFORMED', 'inclusion proof hashes are 32 bytes');
      return bytesToHex(hash);
    }),
    checkpoint: input.checkpoint,
    headers: [...input.headers],
  };
  const shape = checkShape(bundle);
  if (!shape.ok) throw new ProofBundleError('BUNDLE_MALFORMED', shape.reason);
  const chain = checkHeaderChain(shape.bundle.headers, shape.bundle.leafIndex);
  if (chain !== undefined) throw new ProofBundleError('HEADER_MISMATCH', chain);
  return shape.bundle;
}

/**
 * Verifies a bundle from outside against the consortium's keys. Requires nothing of `bundle` (parsed
 * JSON, or anything else: bad input is refused, never thrown) and a consortium as
 * `parseConsortiumFile` returns it. `verifier` defaults to the portable one.
 */
export function verifyProofBundle(bundle: unknown, consortium: Consortium, verifier: Ed25519Verifier = portableVerifier): ProofBundleVerification {
  const shape = checkShape(bundle);
  if (!shape.ok) return shape;
  const { leaf, leafIndex, checkpoint, headers } = shape.bundle;

  const transaction = verifyTransaction(leaf.tx, verifier);
  if (!transaction.ok) return refuse('TX_INVALID', `the transaction is not validly signed: ${transaction.code}: ${transaction.reason}`);

  const quorum = verifyQuorumCertificate(checkpoint, consortium, verifier);
  if (!quorum.ok) return quorum;
  const signed = quorum.checkpoint;

  const last = headers[headers.length - 1];
  const first = headers[0];
  if (last === undefined || first === undefined) return refuse('BUNDLE_MALFORMED', 'a bundle carries at least one header');
  const lastHash = blockHash(last);
  if (lastHash !== bytesToHex(signed.blockHash)) {
    return refuse('HEADER_MISMATCH', `the header of height ${last.height} hashes to ${lastHash}, not the checkpoint's block hash ${bytesToHex(signed.blockHash)}`);
  }
  // Implied by the hash unless the consortium signed a checkpoint that misstates its own block.
  if (last.height !== signed.blockHeight || last.treeSize !== signed.treeSize || last.rootHash !== bytesToHex(signed.rootHash)) {
    return refuse('HEADER_MISMATCH', `the checkpoint's height, tree size or root differs from its block header's`);
  }
  // Before the proof, so a bundle whose headers cannot place the leaf in a block is refused for
  // that, whatever its proof says.
  const chain = checkHeaderChain(headers, leafIndex);
  if (chain !== undefined) return refuse('HEADER_MISMATCH', chain);

  const proof = shape.bundle.inclusionProof.map((hash) => hexToBytes(hash));
  const included = checkInclusion(portableTreeHasher.leafHash(leafData(leaf)), leafIndex, signed.treeSize, proof, signed.rootHash);
  if (!included.valid) {
    return refuse('INCLUSION_FAILED', `the proof does not put this leaf at index ${leafIndex} of the checkpoint's ${signed.treeSize} leaves (${included.refusal})`);
  }
  return {
    ok: true,
    txId: transaction.id,
    height: first.height,
    leafIndex,
    treeSize: signed.treeSize,
    checkpointHeight: signed.blockHeight,
    outcome: leaf.outcome,
    signers: quorum.signers,
    leaf,
  };
}

/**
 * `verifyProofBundle` on bundle file contents: UTF-8 JSON of at most `proofBundleBytesMax` bytes.
 * Requires nothing; text that is too large or not JSON is refused as `BUNDLE_MALFORMED`.
 */
export function verifyProofBundleJson(file: string | Uint8Array, consortium: Consortium, verifier: Ed25519Verifier = portableVerifier): ProofBundleVerification {
  if (utf8Length(file) > proofBundleBytesMax) return refuse('BUNDLE_MALFORMED', `a proof bundle is at most ${proofBundleBytesMax} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof file === 'string' ? file : utf8Decoder.decode(file));
  } catch {
    return refuse('BUNDLE_MALFORMED', 'the proof bundle is not UTF-8 JSON');
  }
  return verifyProofBundle(value, consortium, verifier);
}

/** Bytes in UTF-8, without encoding text that is short enough to pass whatever its characters. */
function utf8Length(file: string | Uint8Array): number {
  if (typeof file !== 'string') return file.length;
  // A UTF-16 code unit becomes at most three UTF-8 bytes and at least one.
  if (file.length * 3 <= proofBundleBytesMax || file.length > proofBundleBytesMax) return file.length;
  return new TextEncoder().encode(file).length;
}

type ShapeCheck = { readonly ok: true; readonly bundle: ProofBundle } | { readonly ok: false; readonly code: 'BUNDLE_MALFORMED' | 'BUNDLE_VERSION'; readonly reason: string };

/** The bundle's shape, version first so a newer format is named as such rather than as malformed. */
function checkShape(value: unknown): ShapeCheck {
  const malformed = (reason: string): ShapeCheck => ({ ok: false, code: 'BUNDLE_MALFORMED', reason });
  if (!isRecord(value)) return malformed('a proof bundle is a JSON object');
  const { v, leaf, leafIndex, inclusionProof, checkpoint, headers } = value;
  if (typeof v !== 'number') return malformed('"v" (the format version) is missing or not a number');
  if (v !== proofBundleVersion) return { ok: false, code: 'BUNDLE_VERSION', reason: `bundle format version ${String(v).slice(0, 20)} is not ${proofBundleVersion}, the one this verifier reads` };
  const extra = Object.keys(value).find((key) => !bundleFields.includes(key));
  if (extra !== undefined) return malformed(`unknown field ${quote(extra)}`);

  if (!isRecord(leaf)) return malformed('"leaf" must be an object {"tx", "outcome"}');
  const leafExtra = Object.keys(leaf).find((key) => !leafFields.includes(key));
  if (leafExtra !== undefined) return malformed(`unknown leaf field ${quote(leafExtra)}`);
  if (!('tx' in leaf)) return malformed('"leaf.tx" (the signed transaction) is missing');
  const outcome = checkOutcome(leaf['outcome']);
  if (typeof outcome === 'string') return malformed(outcome);

  if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) return malformed('"leafIndex" must be an integer from 0 to 2^53 - 1');
  if (!Array.isArray(inclusionProof) || inclusionProof.length > inclusionProofHashesMax) {
    return malformed(`"inclusionProof" must be an array of at most ${inclusionProofHashesMax} hex hashes`);
  }
  for (const hash of inclusionProof as unknown[]) {
    if (typeof hash !== 'string' || !hexHashPattern.test(hash)) return malformed('"inclusionProof" hashes are 64 lowercase hex digits');
  }
  if (typeof checkpoint !== 'string') return malformed('"checkpoint" must be the signed checkpoint note text');
  if (!Array.isArray(headers) || headers.length === 0 || headers.length > proofBundleHeadersMax) {
    return malformed(`"headers" must be an array of 1 to ${proofBundleHeadersMax} block headers`);
  }
  const checkedHeaders: BlockHeader[] = [];
  for (const [index, header] of (headers as unknown[]).entries()) {
    try {
      checkedHeaders.push(checkBlockHeader(header));
    } catch (error: unknown) {
      if (error instanceof BlockHeaderError) return malformed(`headers[${index}]: ${error.message}`);
      throw error;
    }
  }
  return {
    ok: true,
    bundle: {
      v: proofBundleVersion,
      // The transaction's own shape is the transaction check's to judge (TX_INVALID), not the bundle's.
      leaf: { tx: leaf['tx'] as SignedTransaction, outcome },
      leafIndex,
      inclusionProof: inclusionProof as string[],
      checkpoint,
      headers: checkedHeaders,
    },
  };
}

/** The outcome, or a sentence saying what is wrong with it. */
function checkOutcome(value: unknown): TransactionOutcome | string {
  if (!isRecord(value)) return '"leaf.outcome" must be an object';
  const keys = Object.keys(value).sort().join(',');
  if (value['status'] === 'accepted') {
    if (keys !== 'eventsHash,status') return 'an accepted outcome has exactly "status" and "eventsHash"';
    const hash = value['eventsHash'];
    if (typeof hash !== 'string' || !hexHashPattern.test(hash)) return '"eventsHash" is 64 lowercase hex digits';
    return { status: 'accepted', eventsHash: hash };
  }
  if (value['status'] === 'rejected') {
    if (keys !== 'code,reason,status') return 'a rejected outcome has exactly "status", "code" and "reason"';
    const { code, reason } = value;
    if (typeof code !== 'string' || !outcomeCodePattern.test(code)) return `a rejection code is 1 to ${outcomeCodeLengthMax} of A-Z, 0-9 and "_", starting with a letter`;
    if (typeof reason !== 'string' || reason.length > outcomeReasonLengthMax || !isWellFormed(reason)) {
      return `a rejection reason is well-formed text of at most ${outcomeReasonLengthMax} characters`;
    }
    return { status: 'rejected', code, reason };
  }
  return '"leaf.outcome.status" must be "accepted" or "rejected"';
}

/**
 * Why the headers do not form a chain ending at the checkpoint's block and starting at the block
 * that holds `leafIndex`, or undefined. Requires headers that passed `checkBlockHeader`.
 */
function checkHeaderChain(headers: readonly BlockHeader[], leafIndex: number): string | undefined {
  for (let index = 1; index < headers.length; index++) {
    const before = headers[index - 1] as BlockHeader;
    const header = headers[index] as BlockHeader;
    if (header.height !== before.height + 1) return `headers must be consecutive: height ${header.height} follows ${before.height}`;
    if (header.prevHash !== blockHash(before)) return `the header of height ${header.height} does not link to the one before it (prevHash)`;
    if (header.treeSize !== before.treeSize + header.txCount) return `the header of height ${header.height} does not add its ${header.txCount} leaves to the tree size before it`;
  }
  const first = headers[0];
  if (first === undefined) return 'a bundle carries at least one header';
  const firstLeafIndex = first.treeSize - first.txCount;
  if (leafIndex < firstLeafIndex || leafIndex >= first.treeSize) {
    const range = first.txCount === 0 ? 'no leaves' : `leaves ${firstLeafIndex} to ${first.treeSize - 1}`;
    return `leaf ${leafIndex} is not in block ${first.height} (${range}); the headers must start at the block that holds the leaf`;
  }
  return undefined;
}

function refuse(code: ProofBundleRefusalCode, reason: string): ProofBundleVerification {
  return { ok: false, code, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** No lone UTF-16 surrogate, which JSON escapes can carry but canonical JSON cannot encode. */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
