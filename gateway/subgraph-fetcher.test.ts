/**
 * The gateway's subgraph fetcher against a loopback HTTP server: it sends the method, headers and body
 * it is given and hands back status, headers and body; it reuses one kept-alive socket for requests in
 * sequence; and a subgraph that never answers costs the request its time limit, not more.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubgraphFetch } from './subgraph-fetcher.js';

interface SeenRequest {
  method: string | undefined;
  identity: string | undefined;
  body: string;
}

async function startServer(answer: (request: SeenRequest, response: http.ServerResponse) => void): Promise<{ url: string; seen: SeenRequest[]; connectionCount: () => number; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const header = request.headers['x-twinledger-identity'];
      const entry = { method: request.method, identity: typeof header === 'string' ? header : undefined, body };
      seen.push(entry);
      answer(entry, response);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    seen,
    connectionCount: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('sends what it is given and returns the answer, over one kept-alive socket', async () => {
  const server = await startServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { echo: request.body } }));
  });
  const { fetcher, close } = createSubgraphFetch(5_000);
  try {
    for (const query of ['{ a }', '{ b }', '{ c }']) {
      const response = await fetcher(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twinledger-identity': 'signed' }, body: JSON.stringify({ query }) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ data: { echo: JSON.stringify({ query }) } });
    }
    expect(server.seen.map((request) => [request.method, request.identity])).toEqual([
      ['POST', 'signed'],
      ['POST', 'signed'],
      ['POST', 'signed'],
    ]);
    expect(server.connectionCount()).toBe(1);
  } finally {
    close();
    await server.close();
  }
});

test('gives up on a subgraph that never answers after its time limit', async () => {
  const server = await startServer(() => undefined);
  const timeoutMs = 300;
  const { fetcher, close } = createSubgraphFetch(timeoutMs);
  try {
    const startedMs = Date.now();
    await expect(fetcher(server.url, { method: 'POST', body: '{}' })).rejects.toThrow(/timeout/i);
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(elapsedMs).toBeLessThan(timeoutMs + 2_000);
  } finally {
    close();
    await server.close();
  }
});

test('refuses a time limit that is not a positive integer', () => {
  for (const timeoutMs of [0, -1, 1.5, Number.NaN]) expect(() => createSubgraphFetch(timeoutMs)).toThrow(RangeError);
});
