/**
 * The client partners, workers and the CLI use to talk to ledger nodes over the node HTTP API
 * (docs/ledger.md). It holds a list of nodes and moves to the next one when a node cannot answer
 * (connection refused or reset, timeout, 5xx); a node that refuses the request itself (4xx) is final,
 * because every node applies the same rules. Every answer is checked before it is returned, and a
 * proof is trusted only after it verifies offline against the consortium keys the caller holds.
 */
import { performance } from 'node:perf_hooks';
import { createNodeCryptoVerifier } from '../chain/ed25519-node.js';
import type { Ed25519Verifier } from '../chain/ed25519.js';
import { verifyProofBundle, type ProofBundle, type ProofBundleVerification } from '../chain/proof-bundle.js';
import type { Consortium } from '../chain/quorum.js';
import { transactionId, type SignedTransaction } from '../chain/transaction.js';
import { blockRecordBytesMax } from '../execution/build-block.js';
import {
  AnswerShapeError,
  checkBlockAnswer,
  checkCheckpointAnswer,
  checkConsortiumAnswer,
  checkNodeStatus,
  checkPending,
  checkReceipt,
  readErrorBody,
  type BlockAnswer,
  type CheckpointAnswer,
  type NodeStatus,
  type Pending,
  type Receipt,
} from './answers.js';
import {
  LedgerAbortedError,
  LedgerNodeError,
  LedgerProofError,
  LedgerRequestError,
  LedgerResponseError,
  LedgerUnavailableError,
  NodeFailureCode,
  type NodeFailure,
} from './errors.js';
import { createFetchTransport, createNodeHttpTransport, TransportError, type HttpAnswer, type Transport } from './transport.js';

/** Per-request limit when none is given: connect, send and read the whole answer. */
export const requestTimeoutMsDefault = 10_000;
/** How long a node holds a submission for its receipt when the caller does not say (the API's default). */
export const submitWaitMsDefault = 30_000;
/** Longest `waitMs` a caller may ask a node to hold a submission; what a node accepts by default. */
export const submitWaitMsMax = 120_000;
/** Longest `waitMs` of a status long poll; what a node accepts by default. */
export const statusWaitMsMax = 60_000;
/** Sockets per node when none is given. */
export const socketsPerNodeDefault = 8;
/** Most nodes one client talks to; a consortium of this many members is already unusually large. */
export const nodesMax = 64;
/** Largest answer read, in bytes: a block answer carries a whole block record. */
export const responseBytesMaxDefault = blockRecordBytesMax + 1_048_576;
/** `awaitReceipt` polling: first pause, the cap it doubles up to, and the most rounds however long the wait. */
export const receiptPollDelayMsFirst = 50;
export const receiptPollDelayMsMax = 2_000;
export const receiptPollRoundsMax = 1_000;
/** Shortest time one `awaitReceipt` request is given, however little of the wait is left. */
export const receiptPollRequestTimeoutMsMin = 250;
/** Longest `awaitReceipt` wait, in milliseconds. */
export const receiptWaitMsMax = 3_600_000;

export interface LedgerClientOptions {
  /** Base URLs of ledger nodes (`http://host:port`), in order of preference; 1 to `nodesMax`. */
  readonly nodes: readonly string[];
  /** Limit on one request to one node, in milliseconds (a submission adds its `waitMs`). Default `requestTimeoutMsDefault`. */
  readonly timeoutMs?: number;
  /** Sends requests with this fetch instead of node:http; its own pooling then applies. */
  readonly fetch?: typeof fetch;
  /** Most sockets open to one node with the default transport. Default `socketsPerNodeDefault`. */
  readonly socketsPerNodeMax?: number;
  /** Largest answer read, in bytes. Default `responseBytesMaxDefault`. */
  readonly responseBytesMax?: number;
  /** Checks proof signatures; node:crypto's by default. */
  readonly verifier?: Ed25519Verifier;
}

export interface SubmitOptions {
  /** How long the node may hold the request for the receipt: 0 answers at once. Default `submitWaitMsDefault`. */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

export interface AwaitReceiptOptions {
  /** How long to poll before answering pending, in milliseconds; at most `receiptWaitMsMax`. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface ReadOptions {
  readonly signal?: AbortSignal;
}

export interface StatusOptions extends ReadOptions {
  /**
   * With `waitMs`, a long poll: each node answers once its QC height is above this, or when `waitMs`
   * has passed with it unchanged (compare `qcHeight`). A whole number from 0.
   */
  readonly qcHeightAbove?: number;
  /** How long each node may hold the long poll, in milliseconds: 0 to `statusWaitMsMax`; only with `qcHeightAbove`. */
  readonly waitMs?: number;
}

/** One node's answer to `status()`: its status, or why there is none. */
export type NodeStatusResult =
  | { readonly url: string; readonly ok: true; readonly status: NodeStatus }
  | { readonly url: string; readonly ok: false; readonly error: NodeFailure | LedgerRequestError };

/** A proof bundle that verified against the consortium, with what it proves and which node served it. */
export interface VerifiedProof {
  readonly node: string;
  readonly bundle: ProofBundle;
  readonly verification: Extract<ProofBundleVerification, { ok: true }>;
}

/** A configuration the client cannot work with: a bug in the caller, reported before any request. */
export class LedgerClientConfigError extends Error {
  override readonly name = 'LedgerClientConfigError';
  readonly code = 'CLIENT_CONFIG';
}

const hexHashPattern = /^[0-9a-f]{64}$/;

interface FailoverOptions {
  /** A 404 from one node means that node has not got there yet: ask the next. */
  readonly notFoundTriesNext: boolean;
  readonly signal: AbortSignal | undefined;
}

export class LedgerClient {
  readonly nodes: readonly string[];
  private readonly timeoutMs: number;
  private readonly responseBytesMax: number;
  private readonly transport: Transport;
  private readonly verifier: Ed25519Verifier;
  /** The node that answered last: asked first next time, so a dead node costs one failover, not one per call. */
  private preferredIndex = 0;

  /**
   * Requires 1 to `nodesMax` distinct http(s) base URLs without query or fragment, and positive
   * integer limits; throws LedgerClientConfigError otherwise. Call `close()` when done.
   */
  constructor(options: LedgerClientOptions) {
    if (options.nodes.length === 0 || options.nodes.length > nodesMax) throw new LedgerClientConfigError(`give 1 to ${nodesMax} node URLs, got ${options.nodes.length}`);
    this.nodes = options.nodes.map(normalizeNodeUrl);
    if (new Set(this.nodes).size !== this.nodes.length) throw new LedgerClientConfigError('a node URL is listed twice');
    this.timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? requestTimeoutMsDefault);
    this.responseBytesMax = positiveInteger('responseBytesMax', options.responseBytesMax ?? responseBytesMaxDefault);
    const sockets = positiveInteger('socketsPerNodeMax', options.socketsPerNodeMax ?? socketsPerNodeDefault);
    this.transport = options.fetch === undefined ? createNodeHttpTransport({ socketsPerNodeMax: sockets }) : createFetchTransport(options.fetch);
    this.verifier = options.verifier ?? createNodeCryptoVerifier();
  }

  /** Closes idle connections. Requests in flight still finish. */
  close(): void {
    this.transport.close();
  }

  /**
   * Submits `signed` and, unless `waitMs` is 0, lets the node hold the request until the transaction
   * is in a QC'd block. Requires a well-formed transaction (TransactionShapeError otherwise; the
   * signature is the node's to check). Resolves to the receipt (`duplicate: true` if the id was
   * already on the ledger) or pending when `waitMs` passed first. Throws LedgerRequestError for a
   * 4xx, LedgerUnavailableError when no node answered.
   */
  async submit(signed: SignedTransaction, options: SubmitOptions = {}): Promise<Receipt | Pending> {
    const txId = transactionId(signed.tx);
    const waitMs = options.waitMs ?? submitWaitMsDefault;
    if (!Number.isSafeInteger(waitMs) || waitMs < 0 || waitMs > submitWaitMsMax) throw new LedgerClientConfigError(`waitMs must be an integer from 0 to ${submitWaitMsMax}`);
    const body = JSON.stringify(signed);
    // Resubmitting the same signed transaction to the next node is safe: its id is the hash of its
    // bytes, and the ledger answers an id it already holds with the first receipt instead of
    // applying it twice. So a node that took it and then timed out or failed costs nothing but time.
    return this.failover(
      async (node) => {
        const answer = await this.send(node, 'POST', `/v1/transactions?waitMs=${waitMs}`, waitMs + this.timeoutMs, options.signal, body);
        return this.interpret<Receipt | Pending>(node, answer, { 200: (value) => checkReceipt(value, txId), 202: (value) => checkPending(value, txId) });
      },
      { notFoundTriesNext: false, signal: options.signal },
    );
  }

  /**
   * The receipt of `txId`, or pending if a node holds it in flight. Requires a hex transaction id.
   * Throws LedgerRequestError 404 `NOT_FOUND` when no node knows it.
   */
  async receipt(txId: string, options: ReadOptions = {}): Promise<Receipt | Pending> {
    checkTxId(txId);
    return this.failover((node) => this.getReceipt(node, txId, this.timeoutMs, options.signal), { notFoundTriesNext: true, signal: options.signal });
  }

  /**
   * Polls every node for the receipt of `txId` until one has it or `timeoutMs` passes, pausing
   * between rounds (50 ms doubling to 2 s) so a slow block costs few requests. A 404 counts as "not
   * yet": a node learns of a transaction another node took only when its block is cut. Resolves to
   * pending when time runs out; throws LedgerUnavailableError only if no node answered at all, and
   * LedgerRequestError for any other 4xx. Requires a hex id and 0 ≤ timeoutMs ≤ `receiptWaitMsMax`.
   * Takes at most about `timeoutMs` plus one request limit per node, and at most `receiptPollRoundsMax` rounds.
   */
  async awaitReceipt(txId: string, options: AwaitReceiptOptions): Promise<Receipt | Pending> {
    checkTxId(txId);
    if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 0 || options.timeoutMs > receiptWaitMsMax) {
      throw new LedgerClientConfigError(`timeoutMs must be an integer from 0 to ${receiptWaitMsMax}`);
    }
    const deadlineMs = performance.now() + options.timeoutMs;
    let delayMs = receiptPollDelayMsFirst;
    let anyNodeAnswered = false;
    let failures: NodeFailure[] = [];
    for (let round = 0; round < receiptPollRoundsMax; round++) {
      failures = [];
      for (const [index, node] of this.nodesInOrder()) {
        const remainingMs = Math.ceil(deadlineMs - performance.now());
        // The first round asks every node even when the wait is 0, so a receipt that exists is found.
        if (remainingMs <= 0 && round > 0) break;
        try {
          const requestTimeoutMs = Math.min(this.timeoutMs, Math.max(remainingMs, receiptPollRequestTimeoutMsMin));
          const answer = await this.getReceipt(node, txId, requestTimeoutMs, options.signal);
          anyNodeAnswered = true;
          if (answer.status !== 'pending') {
            this.preferredIndex = index;
            return answer;
          }
        } catch (error: unknown) {
          if (error instanceof LedgerRequestError && error.status === 404) anyNodeAnswered = true;
          else if (isNodeFailure(error)) failures.push(error);
          else throw error;
        }
      }
      const remainingMs = deadlineMs - performance.now();
      if (remainingMs <= 0) break;
      await sleep(Math.min(delayMs, remainingMs), options.signal);
      delayMs = Math.min(delayMs * 2, receiptPollDelayMsMax);
    }
    if (!anyNodeAnswered) throw new LedgerUnavailableError(failures);
    return { txId, status: 'pending' };
  }

  /** Block `height` with its record checked against its hash, and its QC note (unverified) or null. Requires height ≥ 1. */
  async block(height: number, options: ReadOptions = {}): Promise<BlockAnswer> {
    if (!Number.isSafeInteger(height) || height < 1) throw new LedgerClientConfigError('a block height is an integer of at least 1');
    return this.read(`/v1/blocks/${height}`, (value) => checkBlockAnswer(value, height), options);
  }

  /** The latest checkpoint with a QC, as note text. Not verified: pass it to `verifyQuorumCertificate` with the consortium. */
  async checkpointLatest(options: ReadOptions = {}): Promise<CheckpointAnswer> {
    return this.read('/v1/checkpoints/latest', (value) => checkCheckpointAnswer(value), options);
  }

  /**
   * The consortium file a node serves. For display and first contact only: a node could serve any
   * keys, so verification uses the consortium file the partner obtained out of band.
   */
  async consortium(options: ReadOptions = {}): Promise<Consortium> {
    return this.read('/v1/consortium', checkConsortiumAnswer, options);
  }

  /**
   * Every node's status, asked in parallel; a node that cannot answer appears with its error, so one
   * dead node never hides the others. Never throws for a node's failure. With `qcHeightAbove` and
   * `waitMs` each node holds the request until its QC height passes `qcHeightAbove` or `waitMs` ends,
   * and each request is allowed `waitMs` more than the client's timeout; the call resolves when every
   * node has answered. Throws LedgerClientConfigError for one of the two without the other, or a value
   * out of range.
   */
  async status(options: StatusOptions = {}): Promise<readonly NodeStatusResult[]> {
    const { path, timeoutMs } = this.statusRequest(options);
    return Promise.all(
      this.nodes.map(async (url): Promise<NodeStatusResult> => {
        try {
          const answer = await this.send(url, 'GET', path, timeoutMs, options.signal);
          return { url, ok: true, status: this.interpret(url, answer, { 200: checkNodeStatus }) };
        } catch (error: unknown) {
          if (isNodeFailure(error) || error instanceof LedgerRequestError) return { url, ok: false, error };
          throw error;
        }
      }),
    );
  }

  /**
   * The inclusion proof bundle of `txId` as a node serves it, checked only for naming that
   * transaction: nothing in it is verified. Use `fetchAndVerify` to trust it. Requires a hex id.
   */
  async fetchProofBundle(txId: string, options: ReadOptions = {}): Promise<ProofBundle> {
    checkTxId(txId);
    return this.failover((node) => this.getProofBundle(node, txId, options.signal), { notFoundTriesNext: true, signal: options.signal });
  }

  /**
   * Fetches the proof bundle of `txId` and verifies it offline against `consortium`: a quorum of its
   * keys signed the checkpoint, the headers chain to it, and the inclusion proof puts this
   * transaction's leaf in its tree. A node whose bundle fails is passed over for the next; throws
   * LedgerProofError when every node that answered served a bundle that does not verify. Requires
   * a hex id and a consortium as `parseConsortiumFile` returns it.
   */
  async fetchAndVerify(txId: string, consortium: Consortium, options: ReadOptions = {}): Promise<VerifiedProof> {
    checkTxId(txId);
    return this.failover(
      async (node) => {
        const bundle = await this.getProofBundle(node, txId, options.signal);
        const verification = verifyProofBundle(bundle, consortium, this.verifier);
        if (!verification.ok) throw new LedgerProofError(node, verification.code, verification.reason);
        if (verification.txId !== txId) throw new LedgerProofError(node, NodeFailureCode.proofWrongTransaction, `the bundle proves tx ${verification.txId}, not ${txId}`);
        return { node, bundle, verification };
      },
      { notFoundTriesNext: true, signal: options.signal },
    );
  }

  /** The path and time limit of a status request: a long poll when the options ask for one. */
  private statusRequest(options: StatusOptions): { readonly path: string; readonly timeoutMs: number } {
    const { qcHeightAbove, waitMs } = options;
    if (qcHeightAbove === undefined && waitMs === undefined) return { path: '/status', timeoutMs: this.timeoutMs };
    if (qcHeightAbove === undefined || !Number.isSafeInteger(qcHeightAbove) || qcHeightAbove < 0) {
      throw new LedgerClientConfigError('a status long poll needs qcHeightAbove, an integer of at least 0');
    }
    if (waitMs === undefined || !Number.isSafeInteger(waitMs) || waitMs < 0 || waitMs > statusWaitMsMax) {
      throw new LedgerClientConfigError(`a status long poll needs waitMs, an integer from 0 to ${statusWaitMsMax}`);
    }
    return { path: `/status?qcHeightAbove=${qcHeightAbove}&waitMs=${waitMs}`, timeoutMs: waitMs + this.timeoutMs };
  }

  private async getReceipt(node: string, txId: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Receipt | Pending> {
    const answer = await this.send(node, 'GET', `/v1/receipts/${txId}`, timeoutMs, signal);
    return this.interpret<Receipt | Pending>(node, answer, { 200: (value) => checkReceipt(value, txId), 202: (value) => checkPending(value, txId) });
  }

  private async getProofBundle(node: string, txId: string, signal: AbortSignal | undefined): Promise<ProofBundle> {
    const answer = await this.send(node, 'GET', `/v1/proofs/inclusion/${txId}`, this.timeoutMs, signal);
    return this.interpret(node, answer, { 200: (value) => checkBundleNamesTransaction(value, txId) });
  }

  private read<T>(path: string, check: (value: unknown) => T, options: ReadOptions): Promise<T> {
    return this.failover(
      async (node) => this.interpret(node, await this.send(node, 'GET', path, this.timeoutMs, options.signal), { 200: check }),
      { notFoundTriesNext: true, signal: options.signal },
    );
  }

  /**
   * Runs `call` on each node in turn, at most once each, until one answers. A node failure moves on;
   * a 4xx is final (a 404 moves on when `notFoundTriesNext`). When every node failed: the first 404
   * if any node said so; the first failure if every node answered but wrongly (a bad answer or a bad
   * proof, not an outage); otherwise LedgerUnavailableError listing each node's failure.
   */
  private async failover<T>(call: (node: string) => Promise<T>, options: FailoverOptions): Promise<T> {
    const failures: NodeFailure[] = [];
    let notFound: LedgerRequestError | undefined;
    for (const [index, node] of this.nodesInOrder()) {
      if (options.signal?.aborted === true) throw new LedgerAbortedError('aborted');
      try {
        const result = await call(node);
        this.preferredIndex = index;
        return result;
      } catch (error: unknown) {
        if (isNodeFailure(error)) failures.push(error);
        else if (error instanceof LedgerRequestError && error.status === 404 && options.notFoundTriesNext) notFound ??= error;
        else throw error;
      }
    }
    if (notFound !== undefined) throw notFound;
    const first = failures[0];
    if (first !== undefined && failures.every((failure) => !(failure instanceof LedgerNodeError))) throw first;
    throw new LedgerUnavailableError(failures);
  }

  /** Node indexes and URLs, the preferred node first and then the rest in their listed order. */
  private nodesInOrder(): Array<[number, string]> {
    const start = this.preferredIndex;
    return this.nodes.map((_, offset): [number, string] => {
      const index = (start + offset) % this.nodes.length;
      return [index, this.nodes[index] as string];
    });
  }

  /** One exchange; TransportError becomes a LedgerNodeError, LedgerResponseError or LedgerAbortedError. */
  private async send(node: string, method: 'GET' | 'POST', path: string, timeoutMs: number, signal: AbortSignal | undefined, body?: string): Promise<HttpAnswer> {
    try {
      return await this.transport.send({ method, url: new URL(`${node}${path}`), body, timeoutMs, responseBytesMax: this.responseBytesMax, signal });
    } catch (error: unknown) {
      if (!(error instanceof TransportError)) throw error;
      switch (error.kind) {
        case 'aborted':
          throw new LedgerAbortedError(error.message);
        case 'timeout':
          throw new LedgerNodeError(node, NodeFailureCode.timeout, error.message);
        case 'too-large':
          throw new LedgerResponseError(node, NodeFailureCode.responseTooLarge, error.message);
        case 'connection':
          throw new LedgerNodeError(node, NodeFailureCode.connectionFailed, error.message);
        default:
          return unreachableKind(error.kind);
      }
    }
  }

  /**
   * The checked value of a 2xx answer whose status `checks` names. Throws LedgerRequestError for a
   * 4xx, LedgerNodeError for a 5xx, LedgerResponseError for anything else or a body that fails its check.
   */
  private interpret<T>(node: string, answer: HttpAnswer, checks: Readonly<Partial<Record<200 | 202, (value: unknown) => T>>>): T {
    const { status } = answer;
    const check = status === 200 || status === 202 ? checks[status] : undefined;
    if (check !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(answer.body);
      } catch {
        throw new LedgerResponseError(node, NodeFailureCode.responseMalformed, `a ${status} answer that is not JSON`, status);
      }
      try {
        return check(value);
      } catch (error: unknown) {
        if (error instanceof AnswerShapeError) throw new LedgerResponseError(node, NodeFailureCode.responseMalformed, error.message, status);
        throw error;
      }
    }
    const errorBody = status >= 400 ? readErrorBody(parseOrUndefined(answer.body)) : undefined;
    if (status >= 400 && status < 500) {
      throw new LedgerRequestError(node, status, errorBody?.code ?? `HTTP_${status}`, errorBody?.message ?? `status ${status}`);
    }
    if (status >= 500 && status < 600) {
      const message = errorBody?.message ?? `status ${status}`;
      throw new LedgerNodeError(node, errorBody?.code ?? NodeFailureCode.nodeError, message, status, retryAfterMs(answer.retryAfter));
    }
    throw new LedgerResponseError(node, NodeFailureCode.responseMalformed, `unexpected status ${status}`, status);
  }
}

/** Whether `error` is one node's failure, after which the next node is asked. */
export function isNodeFailure(error: unknown): error is NodeFailure {
  return error instanceof LedgerNodeError || error instanceof LedgerResponseError || error instanceof LedgerProofError;
}

/**
 * A bundle is passed on unverified by `fetchProofBundle`, but only if it is about the transaction
 * asked for: an object of format version 1 whose leaf transaction has id `txId`.
 */
function checkBundleNamesTransaction(value: unknown, txId: string): ProofBundle {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AnswerShapeError('a proof bundle is a JSON object');
  const bundle = value as { v?: unknown; leaf?: { tx?: { tx?: unknown } } };
  if (bundle.v !== 1) throw new AnswerShapeError('proof bundle "v" must be 1');
  let id: string;
  try {
    id = transactionId(bundle.leaf?.tx?.tx);
  } catch (error: unknown) {
    throw new AnswerShapeError(`the proof bundle's transaction is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (id !== txId) throw new AnswerShapeError(`the proof bundle is for tx ${id}, not ${txId}`);
  return value as ProofBundle;
}

function checkTxId(txId: string): void {
  if (!hexHashPattern.test(txId)) throw new LedgerClientConfigError('a transaction id is 64 lowercase hex digits');
}

function normalizeNodeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LedgerClientConfigError(`not a URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new LedgerClientConfigError(`a node URL is http(s)://host[:port][/path] without credentials, query or fragment: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return url.href.replace(/\/+$/, '');
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new LedgerClientConfigError(`${name} must be a positive integer`);
  return value;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `Retry-After` in delay-seconds form, in milliseconds; undefined for the date form or nonsense. */
function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1_000;
}

function sleep(durationMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new LedgerAbortedError('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LedgerAbortedError('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, durationMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function unreachableKind(kind: never): never {
  throw new Error(`unknown transport failure ${String(kind)}`);
}
