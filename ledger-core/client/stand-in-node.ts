/**
 * A stand-in for a ledger node in unit tests of code that talks to nodes: an HTTP server on
 * 127.0.0.1 at a free port whose every answer comes from a handler the test gives, so a test can
 * play a node that is slow, overloaded, wrong or gone. It implements nothing of the ledger itself;
 * tests against real nodes run the node process. Test support only: no client code imports it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  readonly method: string;
  /** The path without the query: `/v1/receipts/<id>`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The body as text; empty for GET. */
  readonly body: string;
}

export type StandInAnswer =
  /** Answer with `status`, `body` (JSON-encoded unless it is a string) and any extra headers, after `delayMs`. */
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>>; readonly delayMs?: number }
  /** Close the connection without answering. */
  | 'destroy'
  /** Never answer (until the server closes). */
  | 'hang';

export type StandInHandler = (request: StandInRequest) => StandInAnswer | Promise<StandInAnswer>;

export interface StandInNode {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly StandInRequest[];
  /** TCP connections accepted so far: how a test sees keep-alive reuse and socket limits. */
  readonly connectionCount: number;
  /** Replaces the handler. */
  handle(handler: StandInHandler): void;
  /** Stops listening and drops every connection, answered or not. */
  close(): Promise<void>;
}

/** Largest request body read, in bytes. */
const requestBodyBytesMax = 1_048_576;

/** Starts a stand-in node answering with `handler`. Requires a free loopback port (the OS picks it). */
export async function startStandInNode(handler: StandInHandler): Promise<StandInNode> {
  let current = handler;
  const requests: StandInRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    incoming.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= requestBodyBytesMax) chunks.push(chunk);
    });
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://stand-in');
      const request: StandInRequest = { method: incoming.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      void Promise.resolve(current(request)).then((answer) => {
        if (answer === 'hang') return;
        if (answer === 'destroy') {
          incoming.socket.destroy();
          return;
        }
        const send = (): void => {
          const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
          outgoing.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          outgoing.end(body);
        };
        if (answer.delayMs === undefined) send();
        else {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!outgoing.destroyed) send();
          }, answer.delayMs);
          timers.add(timer);
        }
      });
    });
  });
  let connectionCount = 0;
  server.on('connection', () => {
    connectionCount += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    handle(next) {
      current = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
