/**
 * One subgraph process: Apollo Server over node:http at `/graphql`, `/health` for the gateway's probe.
 * Every GraphQL request must carry the gateway's signed identity header for this subgraph; without a
 * valid one it is refused with UNAUTHENTICATED (HTTP 401) before any resolver runs.
 */
import * as http from 'node:http';
import type { KeyObject } from 'node:crypto';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { IdentityHeaderVerifier, identityHeaderName, type Identity } from '@twinledger/gateway';
import type { GraphQLSchema } from 'graphql';
import { subgraphError, SubgraphErrorCode } from './errors.js';
import { readRequestBody } from './request-body.js';

/** Largest request body read, in bytes; a bigger one is refused with 413. */
export const requestBodyBytesMax = 1_048_576;

export interface SubgraphContext extends BaseContext {
  readonly identity: Identity;
}

export interface SubgraphServerOptions<TContext extends SubgraphContext> {
  /** The subgraph's name in the supergraph: the audience its identity headers must name. */
  readonly name: string;
  readonly schema: GraphQLSchema;
  /** The gateway's Ed25519 public key. */
  readonly identityVerifyKey: KeyObject;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** The per-request context beyond the identity (fresh DataLoaders, for one). */
  readonly contextFor: (identity: Identity) => TContext;
}

export interface RunningSubgraph {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts the server; resolves once it listens. Requires a schema built with buildSubgraphSchema. */
export async function startSubgraphServer<TContext extends SubgraphContext>(options: SubgraphServerOptions<TContext>): Promise<RunningSubgraph> {
  const apollo = new ApolloServer<TContext>({
    schema: options.schema,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    introspection: false,
    // Apollo Server installs federation's inline tracing in every subgraph by default; nothing here
    // collects the traces, and they would hand resolver timings to whoever asks.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const identityHeaders = new IdentityHeaderVerifier(options.identityVerifyKey, options.name);
  const server = http.createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}');
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://subgraph.invalid');
    if (url.pathname === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname !== '/graphql') {
      response.writeHead(404).end();
      return;
    }
    const body = await readRequestBody(request, requestBodyBytesMax);
    if (body === undefined) {
      response.writeHead(413).end();
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let parsedBody: unknown = undefined;
    if (body.length > 0) {
      try {
        parsedBody = JSON.parse(body);
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"body is not JSON","extensions":{"code":"BAD_REQUEST"}}]}');
        return;
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body: parsedBody },
      context: async () => {
        const verified = await identityHeaders.verify(request.headers[identityHeaderName]);
        if (!verified.ok) throw subgraphError(SubgraphErrorCode.unauthenticated, verified.message, { reason: verified.reason });
        return options.contextFor(verified.identity);
      },
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of result.headers) responseHeaders[name] = value;
    response.writeHead(result.status ?? 200, responseHeaders);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the subgraph server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/graphql`,
    port: address.port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
