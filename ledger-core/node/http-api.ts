/**
 * The node's HTTP API (docs/ledger.md, "Node HTTP API") on node:http with keep-alive. Every refusal
 * is `{error: {code, message}}` with a stable code; unexpected errors answer 500 INTERNAL without
 * detail (the node's log gets it). Limits: request body bytes, concurrent long-polls, `waitMs`. A status
 * long poll (`GET /status?qcHeightAbove=&waitMs=`) is parked in the node until its QC height passes, and
 * leaves when its client disconnects.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bytesToHex } from '@noble/hashes/utils';
import { blockHash } from '../chain/block.js';
import { transactionBytesMax } from '../chain/limits.js';
import { buildProofBundle } from '../chain/proof-bundle.js';
import { ApiError, ApiErrorCode, errorBody } from './errors.js';
import type { LedgerNode } from './ledger-node.js';

export interface HttpApiOptions {
  /** Largest request body, in bytes. Default: the transaction limit plus room for the signature and JSON. */
  readonly bodyBytesMax?: number;
  /** Most submissions waiting for a receipt at once; beyond it a waiting submission is refused. Default 20,000. */
  readonly waitingRequestsMax?: number;
  /** Default `waitMs` when the query has none. Default 30,000. */
  readonly waitMsDefault?: number;
  /** Largest `waitMs` accepted. Default 120,000. */
  readonly waitMsMax?: number;
  /** Largest `waitMs` a status long poll accepts. Default `statusWaitMsMaxDefault`. */
  readonly statusWaitMsMax?: number;
  /** Unexpected errors; default stderr. */
  readonly log?: (line: string) => void;
}

export interface HttpApi {
  readonly server: http.Server;
  /** Listens on `host:port` (0 for any free port); resolves with the port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** A status long poll holds a request at most this long by default: a minute is plenty to learn of a new block. */
export const statusWaitMsMaxDefault = 60_000;

type Answer = { readonly status: number; readonly body: unknown; readonly raw?: string; readonly contentType?: string };

const txIdPattern = /^[0-9a-f]{64}$/;
const heightPattern = /^[1-9][0-9]{0,11}$/;
const sizePattern = /^(?:0|[1-9][0-9]{0,15})$/;

/** Requires an opened node; the caller closes the API before the node. */
export function createHttpApi(node: LedgerNode, options: HttpApiOptions = {}): HttpApi {
  const bodyBytesMax = options.bodyBytesMax ?? transactionBytesMax + 4_096;
  const waitingRequestsMax = options.waitingRequestsMax ?? 20_000;
  const waitMsDefault = options.waitMsDefault ?? 30_000;
  const waitMsMax = options.waitMsMax ?? 120_000;
  const statusWaitMsMax = options.statusWaitMsMax ?? statusWaitMsMaxDefault;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let waitingRequests = 0;

  const server = http.createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: Math.max(waitMsMax, statusWaitMsMax) + 30_000 }, (request, response) => {
    void handle(request, response);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await route(request, response);
    } catch (error: unknown) {
      if (error instanceof ApiError) {
        if (error.status === 413) response.setHeader('Connection', 'close');
        if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
        answer = { status: error.status, body: errorBody(error) };
      } else {
        log(`${node.name}: ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        answer = { status: 500, body: errorBody(new ApiError(500, ApiErrorCode.internal, 'internal error')) };
      }
    }
    // A client that left while its request was parked has nobody to read the answer.
    if (response.destroyed) return;
    const text = answer.raw ?? JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<Answer> {
    const url = new URL(request.url ?? '/', 'http://node');
    const parts = url.pathname.split('/').filter((part) => part.length > 0);
    const method = request.method ?? 'GET';
    if (method === 'POST' && url.pathname === '/v1/transactions') return submit(request, url);
    if (method !== 'GET') {
      await drain(request);
      throw new ApiError(405, ApiErrorCode.methodNotAllowed, `${method} ${url.pathname} is not supported`);
    }
    const [first, second, third, fourth] = parts;
    if (first === 'status' && parts.length === 1) return status(url, response);
    if (first === 'metrics' && parts.length === 1) {
      return { status: 200, body: null, raw: await node.metrics.registry.metrics(), contentType: node.metrics.registry.contentType };
    }
    if (first !== 'v1') throw notFound();
    if (second === 'receipts' && parts.length === 3) {
      const answer = node.receipt(txIdOf(third));
      if (answer === undefined) throw notFound();
      return answer;
    }
    if (second === 'transactions' && parts.length === 3) {
      const found = node.transaction(txIdOf(third));
      if (found === undefined) throw notFound();
      return { status: 200, body: found };
    }
    if (second === 'blocks' && parts.length === 3) return block(heightOf(third));
    if (second === 'proofs' && third === 'inclusion' && parts.length === 4) return inclusion(txIdOf(fourth));
    if (second === 'proofs' && third === 'consistency' && parts.length === 3) return consistency(url);
    if (second === 'checkpoints' && parts.length === 3) {
      const height = third === 'latest' ? node.qcHeight : heightOf(third);
      const note = height === 0 ? undefined : node.qc(height);
      if (note === undefined) throw notFound();
      return { status: 200, body: { height, note } };
    }
    if (second === 'consortium' && parts.length === 2) return { status: 200, body: null, raw: node.consortium.consortiumFileText };
    throw notFound();
  }

  async function submit(request: http.IncomingMessage, url: URL): Promise<Answer> {
    const waitText = url.searchParams.get('waitMs');
    const waitMs = waitText === null ? waitMsDefault : wholeNumber(waitText, waitMsMax);
    if (waitMs === undefined) {
      await drain(request);
      throw new ApiError(400, ApiErrorCode.badRequest, `waitMs must be a whole number of milliseconds from 0 to ${waitMsMax}`);
    }
    const body = await readBody(request, bodyBytesMax);
    if (waitMs > 0 && waitingRequests >= waitingRequestsMax) {
      throw new ApiError(503, ApiErrorCode.backpressure, 'too many submissions are waiting for receipts; retry later or pass waitMs=0', 1);
    }
    waitingRequests++;
    try {
      return await node.submit(body, waitMs);
    } finally {
      waitingRequests--;
    }
  }

  /**
   * `GET /status`, at once; with `qcHeightAbove` and `waitMs` (both, or neither), a long poll that the
   * node answers as soon as its QC height is above `qcHeightAbove`, or at `waitMs` with it unchanged.
   */
  async function status(url: URL, response: http.ServerResponse): Promise<Answer> {
    const aboveText = url.searchParams.get('qcHeightAbove');
    const waitText = url.searchParams.get('waitMs');
    if (aboveText === null && waitText === null) return { status: 200, body: node.status() };
    const qcHeightAbove = aboveText === null ? undefined : wholeNumber(aboveText, Number.MAX_SAFE_INTEGER);
    const waitMs = waitText === null ? undefined : wholeNumber(waitText, statusWaitMsMax);
    if (qcHeightAbove === undefined || waitMs === undefined) {
      throw new ApiError(400, ApiErrorCode.badRequest, `a status long poll takes qcHeightAbove (a whole number) and waitMs (a whole number of milliseconds from 0 to ${statusWaitMsMax}) together`);
    }
    // The response closes before it is answered only when the client disconnected: the wait ends then.
    const left = new AbortController();
    const onClose = (): void => left.abort();
    response.once('close', onClose);
    try {
      return { status: 200, body: await node.statusAbove(qcHeightAbove, waitMs, left.signal) };
    } finally {
      response.off('close', onClose);
    }
  }

  function block(height: number): Answer {
    if (height > node.height) throw notFound();
    const bytes = node.chain.recordBytes(height);
    const record = node.chain.record(height);
    if (bytes === undefined || record === undefined) throw notFound();
    const qc = node.qc(height) ?? null;
    // The record is spliced in as the canonical text the store holds: no re-encoding of a large block.
    const raw = `{"hash":${JSON.stringify(blockHash(record.header))},"qc":${JSON.stringify(qc)},"record":${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')}}`;
    return { status: 200, body: null, raw };
  }

  function inclusion(txId: string): Answer {
    const found = node.transaction(txId);
    if (found === undefined) throw notFound();
    const { receipt } = found;
    const qc = node.qc(receipt.height);
    const record = node.chain.record(receipt.height);
    if (qc === undefined || record === undefined) throw notFound('the transaction’s block has no QC yet');
    const bundle = buildProofBundle({
      leaf: found.leaf as Parameters<typeof buildProofBundle>[0]['leaf'],
      leafIndex: receipt.leafIndex,
      inclusionProof: node.chain.tree.inclusionProof(receipt.leafIndex, record.header.treeSize),
      checkpoint: qc,
      headers: [record.header],
    });
    return { status: 200, body: bundle };
  }

  function consistency(url: URL): Answer {
    const fromText = url.searchParams.get('from') ?? '';
    const toText = url.searchParams.get('to') ?? '';
    const treeSize = node.chain.tree.treeSize;
    if (!sizePattern.test(fromText) || !sizePattern.test(toText)) throw new ApiError(400, ApiErrorCode.badRequest, 'from and to are tree sizes');
    const size1 = Number(fromText);
    const size2 = Number(toText);
    if (size1 > size2 || size2 > treeSize) throw new ApiError(400, ApiErrorCode.badRequest, `need from ≤ to ≤ ${treeSize}`);
    return { status: 200, body: { size1, size2, proof: node.chain.tree.consistencyProof(size1, size2).map((hash) => bytesToHex(hash)) } };
  }

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function txIdOf(text: string | undefined): string {
  if (text === undefined || !txIdPattern.test(text)) throw new ApiError(400, ApiErrorCode.badRequest, 'a transaction id is 64 lowercase hex digits');
  return text;
}

function heightOf(text: string | undefined): number {
  if (text === undefined || !heightPattern.test(text)) throw new ApiError(400, ApiErrorCode.badRequest, 'a height is a whole number from 1');
  return Number(text);
}

/** `text` as a whole number from 0 to `max` (decimal digits, no sign or leading zero), or undefined. */
function wholeNumber(text: string, max: number): number | undefined {
  if (!sizePattern.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= max ? value : undefined;
}

function notFound(message = 'not found'): ApiError {
  return new ApiError(404, ApiErrorCode.notFound, message);
}

/** The body, refused with 413 TX_TOO_LARGE beyond `bytesMax` (by Content-Length, or while reading). */
async function readBody(request: http.IncomingMessage, bytesMax: number): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > bytesMax) {
    request.resume();
    throw new ApiError(413, ApiErrorCode.txTooLarge, `the body is larger than ${bytesMax} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > bytesMax) {
      request.resume();
      throw new ApiError(413, ApiErrorCode.txTooLarge, `the body is larger than ${bytesMax} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

async function drain(request: http.IncomingMessage): Promise<void> {
  request.resume();
  await new Promise<void>((resolve) => {
    if (request.readableEnded) resolve();
    else request.once('end', resolve).once('error', () => resolve());
  });
}
