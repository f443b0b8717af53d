/**
 * The gateway's `/epcis/*` route: EPCIS 2.0 capture and query over HTTP, forwarded to the EPCIS service
 * after the same authentication as GraphQL, with an identity header signed for audience `epcis`.
 * The service answers the request itself (status, problem JSON, `Link` for paging); the gateway only
 * proves who asked, bounds the body and the wait, and passes the answer on. Its own refusals are
 * problem JSON too (RFC 9457), so an EPCIS client meets one error format on this route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from './identity.js';
import { identityHeaderName, type IdentityHeaderSigner } from './identity-header.js';
import { readBodyWithLimit } from './limits/index.js';

export const epcisPathPrefix = '/epcis';
/** The audience of the identity header sent to the EPCIS service. */
export const epcisAudience = 'epcis';
/** Largest EPCIS request body forwarded, in bytes: the EPCIS service's own capture limit. */
export const epcisRequestBodyBytesMax = 8_388_608;
/**
 * How long the gateway waits for the EPCIS service, in milliseconds. Longer than a GraphQL request's
 * wait: a capture answers once every event of the document is on the ledger and projected, and a
 * document of 1,000 events takes about a minute at the rate BENCHMARKS.md measured.
 */
export const epcisForwardTimeoutMs = 300_000;
/** Response headers passed on from the EPCIS service; nothing else of its answer's headers leaves. */
const passedResponseHeaders = ['content-type', 'link', 'allow', 'retry-after'] as const;

export interface EpcisRouteOptions {
  /** The EPCIS service's base URL (`http://host:port`); request paths are appended as they came. */
  readonly baseUrl: string;
  readonly identityHeaders: IdentityHeaderSigner;
  readonly timeoutMs: number;
}

/** True when `pathname` belongs to the EPCIS route. */
export function isEpcisPath(pathname: string): boolean {
  return pathname === epcisPathPrefix || pathname.startsWith(`${epcisPathPrefix}/`);
}

/** RFC 9457 problem JSON as the EPCIS REST binding types it. */
export function epcisProblemBody(type: string, title: string, status: number, detail: string): string {
  return JSON.stringify({ type, title, status, detail });
}

function sendProblem(response: ServerResponse, status: number, type: string, title: string, detail: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(epcisProblemBody(type, title, status, detail));
}

/** Refuses an unauthenticated EPCIS request: 401 problem JSON. */
export function refuseEpcisUnauthenticated(response: ServerResponse, detail: string): void {
  sendProblem(response, 401, 'epcisException:SecurityException', 'Unauthenticated', detail, { 'www-authenticate': 'Bearer' });
}

/** Forwards an authenticated request to the EPCIS service and passes its answer on. */
export async function forwardEpcis(request: IncomingMessage, response: ServerResponse, url: URL, identity: Identity, options: EpcisRouteOptions): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  let body: string | undefined;
  if (method === 'POST' || method === 'PUT') {
    const read = await readBodyWithLimit(request, epcisRequestBodyBytesMax);
    if (!read.ok) {
      return sendProblem(response, 413, 'epcisException:CaptureLimitExceededException', 'Request too large', `an EPCIS request body is at most ${epcisRequestBodyBytesMax} bytes`, { connection: 'close' });
    }
    body = read.body;
  }
  const headers: Record<string, string> = { [identityHeaderName]: await options.identityHeaders.headerFor(identity, epcisAudience) };
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) headers['content-type'] = contentType;
  const accept = request.headers['accept'];
  if (accept !== undefined) headers['accept'] = accept;
  let upstream: Response;
  try {
    upstream = await fetch(new URL(`${url.pathname}${url.search}`, options.baseUrl), { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
  } catch (error: unknown) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return sendProblem(
      response,
      timedOut ? 504 : 502,
      'epcisException:ImplementationException',
      timedOut ? 'The EPCIS service did not answer in time' : 'The EPCIS service is unreachable',
      timedOut ? `no answer within ${options.timeoutMs} ms; a capture may be sent again: the same events answer the same IDs` : 'the gateway could not reach the EPCIS service',
    );
  }
  const text = await upstream.text();
  const passed: Record<string, string> = { 'cache-control': 'no-store' };
  for (const name of passedResponseHeaders) {
    const value = upstream.headers.get(name);
    if (value !== null) passed[name] = value;
  }
  // A relative next-page link stays relative: the gateway serves the same paths the service does.
  response.writeHead(upstream.status, passed);
  response.end(text);
}
