/**
 * The EPCIS service process's HTTP server: `POST /epcis/capture`, `GET /epcis/events` and `/health`.
 * Like a subgraph it sits behind the gateway: every request under `/epcis` must carry the gateway's
 * signed identity header with audience `epcis`, or it is refused (401) before anything is read.
 * Every refusal is problem JSON (problem.ts); an unexpected failure is a 500 that says nothing more.
 */
import * as http from 'node:http';
import type { KeyObject } from 'node:crypto';
import { IdentityHeaderVerifier, identityHeaderName, type Identity } from '@twinledger/gateway';
import type { Driver } from 'neo4j-driver';
import type { WritePath } from '../shared/commit.js';
import { readRequestBody } from '../shared/request-body.js';
import { captureDocument, retryAfterSeconds } from './capture.js';
import { EpcisProblem, EpcisProblemType, problem, sendJson, sendProblem } from './problem.js';
import { queryEvents } from './query.js';
import { compileEpcisSchema, type SchemaCheck } from './validate.js';

/** The audience of the identity headers this service accepts: its name towards the gateway. */
export const epcisServiceName = 'epcis';
export const capturePath = '/epcis/capture';
export const eventsPath = '/epcis/events';
/** Largest capture body read, in bytes; a bigger one is refused with 413 before it is parsed. */
export const captureBodyBytesMax = 8_388_608;

export interface EpcisServerOptions {
  readonly driver: Driver;
  /** The gateway's Ed25519 public key. */
  readonly identityVerifyKey: KeyObject;
  /** Absent: the service answers queries only and refuses captures with 503. */
  readonly write: WritePath | undefined;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** The compiled schema; compiled here when not given. */
  readonly check?: (document: unknown) => SchemaCheck;
}

export interface RunningEpcisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function isJsonContentType(value: string | undefined): boolean {
  const type = (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type === 'application/ld+json';
}

async function parseCaptureBody(request: http.IncomingMessage): Promise<unknown> {
  if (!isJsonContentType(request.headers['content-type'])) {
    throw problem(EpcisProblemType.validation, 415, 'Unsupported media type', 'send the EPCISDocument as application/json or application/ld+json');
  }
  const body = await readRequestBody(request, captureBodyBytesMax);
  if (body === undefined) throw problem(EpcisProblemType.captureLimit, 413, 'Document too large', `a capture body is at most ${captureBodyBytesMax} bytes: split the document`);
  try {
    return JSON.parse(body) as unknown;
  } catch (error: unknown) {
    throw problem(EpcisProblemType.validation, 400, 'The body is not JSON', `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function startEpcisServer(options: EpcisServerOptions): Promise<RunningEpcisServer> {
  const check = options.check ?? compileEpcisSchema();
  const identityHeaders = new IdentityHeaderVerifier(options.identityVerifyKey, epcisServiceName);

  async function authenticate(request: http.IncomingMessage): Promise<Identity> {
    const verified = await identityHeaders.verify(request.headers[identityHeaderName]);
    if (!verified.ok) throw problem(EpcisProblemType.security, 401, 'Unauthenticated', verified.message);
    return verified.identity;
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://epcis.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    if (url.pathname === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const allowed = url.pathname === capturePath ? 'POST' : url.pathname === eventsPath ? 'GET' : undefined;
    if (allowed === undefined) throw problem(EpcisProblemType.noSuchResource, 404, 'Not found', `${url.pathname} is not an EPCIS resource here: capture at ${capturePath}, query at ${eventsPath}`);
    const identity = await authenticate(request);
    if (method !== allowed) {
      sendProblem(response, { type: EpcisProblemType.noSuchResource, title: 'Method not allowed', status: 405, detail: `${url.pathname} answers ${allowed} only` }, { allow: allowed });
      return;
    }
    if (allowed === 'POST') {
      const document = await parseCaptureBody(request);
      const answer = await captureDocument({ identity, driver: options.driver, write: options.write, check }, document);
      sendJson(response, 200, answer);
      return;
    }
    const answer = await queryEvents(options.driver, identity, url.searchParams, url.pathname, Date.now());
    sendJson(response, 200, answer.document, answer.link === undefined ? {} : { link: answer.link }, 'application/ld+json');
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof EpcisProblem) {
        sendProblem(response, error.problem, error.problem.status === 503 ? { 'retry-after': String(retryAfterSeconds) } : {});
        return;
      }
      // The operator's log gets the cause; the client gets none of it.
      process.stderr.write(`epcis: ${request.method ?? ''} ${request.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      sendProblem(response, { type: EpcisProblemType.implementation, title: 'Internal error', status: 500, detail: 'the EPCIS service failed to answer; nothing about the cause is shown here' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the EPCIS server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
