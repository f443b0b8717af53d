/**
 * The gateway process's core: Apollo Gateway over a static supergraph, behind a small node:http
 * server that authenticates, bounds the request, and serves /graphql, /health, /metrics and (outside
 * production) /graphiql. Apollo Server 5 has no HTTP framework of its own, and its standalone server
 * cannot add routes, so requests are handed to `executeHTTPGraphQLRequest` here.
 */
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { authenticate, type AuthConfig } from './auth/authenticate.js';
import { epcisForwardTimeoutMs, forwardEpcis, isEpcisPath, refuseEpcisUnauthenticated } from './epcis-route.js';
import { errorBody, formatGatewayError } from './errors.js';
import { graphiqlAsset, graphiqlAssetsPath, type GraphiqlAsset, graphiqlContentSecurityPolicy, graphiqlPage, graphiqlPagePath } from './graphiql.js';
import { checkSubgraphs, type GatewayHealth } from './health.js';
import type { Identity } from './identity.js';
import { IdentityHeaderSigner, identityHeaderName } from './identity-header.js';
import { createSubgraphFetch, type SubgraphFetcher } from './subgraph-fetcher.js';
import {
  checkTokenLimit,
  isLimitCode,
  queryAliasCountMaxDefault,
  queryAliasRule,
  queryCostMaxDefault,
  queryCostRule,
  queryDepthMaxDefault,
  queryDepthRule,
  queryTokenCountMaxDefault,
  readBodyWithLimit,
  requestBodyBytesMaxDefault,
  type GatewayLimits,
} from './limits/index.js';
import { createGatewayMetrics, type GatewayMetrics, type OperationType } from './metrics.js';

export const graphqlPath = '/graphql';
export const subgraphRequestTimeoutMsDefault = 30_000;
/** How long `stop()` lets in-flight requests finish before closing their sockets. */
export const stopGraceMs = 5_000;
/** How long one round of subgraph health probes answers /health. */
export const healthCacheMs = 1_000;

export const gatewayLimitsDefault: GatewayLimits = {
  queryDepthMax: queryDepthMaxDefault,
  queryAliasCountMax: queryAliasCountMaxDefault,
  queryTokenCountMax: queryTokenCountMaxDefault,
  queryCostMax: queryCostMaxDefault,
  requestBodyBytesMax: requestBodyBytesMaxDefault,
};

/** What one GraphQL request records for metrics while Apollo Server runs it. */
export interface RequestRecord {
  operationType: OperationType;
  /** 'ok', or the first error's code. */
  outcome: string | null;
}

/** Apollo Server's context for every operation: who asked, and where to record how it went. */
export interface GatewayContext {
  identity: Identity;
  record: RequestRecord;
}

export interface GatewayOptions {
  /** The composed supergraph SDL; it is served as given, never fetched or polled. */
  supergraphSdl: string;
  /** A URL for every subgraph the supergraph names (by its `join__Graph` name). */
  subgraphUrls: Readonly<Record<string, string>>;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  auth: AuthConfig;
  limits?: Partial<GatewayLimits>;
  /** Ed25519 private key that signs `x-twinledger-identity`. */
  identitySigningKey: KeyObject;
  /** Default from NODE_ENV: 'production' turns off GraphiQL, introspection and schema hints in errors. */
  mode?: 'development' | 'production';
  subgraphRequestTimeoutMs?: number;
  /** The EPCIS service's base URL: `/epcis/*` is forwarded there after authentication. Absent: 404. */
  epcisUrl?: string;
}

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  port: number;
  metrics: GatewayMetrics;
  stop(): Promise<void>;
}

function isGatewayContext(context: unknown): context is GatewayContext {
  return typeof context === 'object' && context !== null && 'identity' in context && 'record' in context;
}

/** Sends each subgraph request with an identity header for that subgraph, bounded in time by its fetcher. */
class IdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly subgraphName: string,
    url: string,
    private readonly identityHeaders: IdentityHeaderSigner,
    fetcher: SubgraphFetcher,
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = options.request.http?.headers;
    if (headers === undefined) throw new Error('invariant: subgraph request has no HTTP headers');
    // Only incoming operations carry an identity; with a static supergraph nothing else is sent.
    if (!isGatewayContext(options.context)) return;
    headers.set(identityHeaderName, await this.identityHeaders.headerFor(options.context.identity, this.subgraphName));
  }
}

function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          contextValue.record.operationType = operation?.operation ?? 'unknown';
        },
        async willSendResponse({ response, contextValue }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          const codes = (errors ?? []).map((error) => error.extensions?.['code']);
          for (const code of codes) if (isLimitCode(code)) metrics.limitRefusal(code);
          const firstCode = codes[0];
          contextValue.record.outcome = codes.length === 0 ? 'ok' : typeof firstCode === 'string' ? firstCode : 'INTERNAL_SERVER_ERROR';
        },
      };
    },
  };
}

function resolveLimits(limits: Partial<GatewayLimits> | undefined): GatewayLimits {
  const resolved = { ...gatewayLimitsDefault, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`limit ${name} must be an integer ≥ 1`);
  }
  return resolved;
}

function headerMapOf(request: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function sendText(response: ServerResponse, status: number, contentType: string, body: string, extraHeaders: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...extraHeaders });
  response.end(body);
}

/**
 * The files only change when the gateway is upgraded, but a cached copy must not outlive that, so
 * browsers revalidate each time and get a bodiless 304 while the ETag matches.
 */
function sendGraphiqlAsset(request: IncomingMessage, response: ServerResponse, asset: GraphiqlAsset): void {
  const headers = {
    'content-type': asset.contentType,
    'cache-control': 'no-cache',
    etag: asset.etag,
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === asset.etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': String(asset.body.length) });
  response.end(asset.body);
}

/**
 * Starts the gateway and resolves once it listens. Requires: `supergraphSdl` is a composed
 * supergraph, `subgraphUrls` names every one of its subgraphs, `identitySigningKey` is Ed25519.
 * Rejects (and leaves nothing running) if the supergraph does not load.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const limits = resolveLimits(options.limits);
  const mode = options.mode ?? (process.env['NODE_ENV'] === 'production' ? 'production' : 'development');
  const development = mode === 'development';
  const subgraphTimeoutMs = options.subgraphRequestTimeoutMs ?? subgraphRequestTimeoutMsDefault;
  const metrics = createGatewayMetrics();
  const identityHeaders = new IdentityHeaderSigner(options.identitySigningKey);
  const subgraphFetch = createSubgraphFetch(subgraphTimeoutMs);

  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService({ name }) {
      const url = options.subgraphUrls[name];
      if (url === undefined) throw new Error(`no URL given for subgraph "${name}"`);
      return new IdentityDataSource(name, url, identityHeaders, subgraphFetch.fetcher);
    },
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError: formatGatewayError,
    introspection: development,
    hideSchemaDetailsFromClientErrors: !development,
    allowBatchedHttpRequests: false,
    // The process entry owns signals and stops the HTTP server first.
    stopOnTerminationSignals: false,
    // Credentials travel in headers a browser cannot send cross-origin without a preflight, so their
    // presence is the same proof of a preflight that Apollo's own CSRF headers are.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization', 'x-api-key'] },
    parseOptions: { maxTokens: limits.queryTokenCountMax },
    validationRules: [queryDepthRule(limits.queryDepthMax), queryAliasRule(limits.queryAliasCountMax), queryCostRule(limits.queryCostMax)],
    plugins: [metricsPlugin(metrics), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  async function handleGraphQL(request: IncomingMessage, response: ServerResponse, url: URL, startedMs: number): Promise<void> {
    const record: RequestRecord = { operationType: 'unknown', outcome: null };
    const finish = (outcome: string): void => metrics.observeRequest(record.operationType, outcome, (performance.now() - startedMs) / 1000);
    const refuse = (status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): void => {
      sendText(response, status, 'application/json; charset=utf-8', errorBody(code, message), extraHeaders);
      finish(code);
    };
    const method = (request.method ?? 'GET').toUpperCase();

    const auth = await authenticate(request.headers, options.auth);
    if (!auth.ok) {
      metrics.authFailure(auth.reason);
      const message = auth.reason === 'missing_credentials' ? 'Authentication required: send an API key or a bearer token' : 'Invalid credentials';
      return refuse(401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer' });
    }

    let body: unknown = undefined;
    if (method === 'POST') {
      const read = await readBodyWithLimit(request, limits.requestBodyBytesMax);
      if (!read.ok) {
        metrics.limitRefusal(read.refusal.limitCode);
        return refuse(413, read.refusal.limitCode, read.refusal.message, { connection: 'close' });
      }
      body = read.body;
      if ((request.headers['content-type'] ?? '').toLowerCase().includes('json')) {
        try {
          body = JSON.parse(read.body);
        } catch {
          return refuse(400, 'BAD_REQUEST', 'Request body is not valid JSON');
        }
      }
    }

    const query = method === 'GET' ? url.searchParams.get('query') : (body as { query?: unknown } | null)?.query;
    if (typeof query === 'string') {
      const refusal = checkTokenLimit(query, limits.queryTokenCountMax);
      if (refusal !== null) {
        metrics.limitRefusal(refusal.limitCode);
        return refuse(400, refusal.limitCode, refusal.message);
      }
    }

    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers: headerMapOf(request), search: url.search, body },
      context: async () => ({ identity: auth.identity, record }),
    });
    const status = result.status ?? 200;
    const headers: Record<string, string> = {};
    for (const [name, value] of result.headers) headers[name] = value;
    response.writeHead(status, headers);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
    finish(record.outcome ?? (status < 400 ? 'ok' : 'BAD_REQUEST'));
  }

  async function handleEpcis(request: IncomingMessage, response: ServerResponse, url: URL, epcisUrl: string): Promise<void> {
    const auth = await authenticate(request.headers, options.auth);
    if (!auth.ok) {
      metrics.authFailure(auth.reason);
      return refuseEpcisUnauthenticated(response, auth.reason === 'missing_credentials' ? 'Authentication required: send an API key or a bearer token' : 'Invalid credentials');
    }
    return forwardEpcis(request, response, url, auth.identity, { baseUrl: epcisUrl, identityHeaders, timeoutMs: epcisForwardTimeoutMs });
  }

  let healthProbe: { startedMs: number; result: Promise<GatewayHealth> } | null = null;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedMs = performance.now();
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    if (url.pathname === '/health' && method === 'GET') {
      // /health needs no credentials, so probes are shared for `healthCacheMs`: a flood of health
      // requests cannot become a flood of subgraph requests.
      if (healthProbe === null || performance.now() - healthProbe.startedMs > healthCacheMs) {
        healthProbe = { startedMs: performance.now(), result: checkSubgraphs(options.subgraphUrls) };
      }
      const health = await healthProbe.result;
      return sendText(response, health.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(health));
    }
    if (url.pathname === '/metrics' && method === 'GET') {
      return sendText(response, 200, metrics.registry.contentType, await metrics.registry.metrics());
    }
    const wantsPage = method === 'GET' && !url.searchParams.has('query') && (request.headers.accept ?? '').includes('text/html');
    if (development && ((url.pathname === graphiqlPagePath && method === 'GET') || (url.pathname === graphqlPath && wantsPage))) {
      return sendText(response, 200, 'text/html; charset=utf-8', graphiqlPage(graphqlPath), {
        'content-security-policy': graphiqlContentSecurityPolicy,
        'x-content-type-options': 'nosniff',
      });
    }
    if (development && method === 'GET' && url.pathname.startsWith(graphiqlAssetsPath)) {
      const found = graphiqlAsset(url.pathname.slice(graphiqlAssetsPath.length));
      if (found !== null) return sendGraphiqlAsset(request, response, await found);
    }
    if (url.pathname === graphqlPath) return handleGraphQL(request, response, url, startedMs);
    if (options.epcisUrl !== undefined && isEpcisPath(url.pathname)) return handleEpcis(request, response, url, options.epcisUrl);
    return sendText(response, 404, 'application/json; charset=utf-8', errorBody('NOT_FOUND', 'Not found'));
  }

  const httpServer = createServer((request, response) => {
    handle(request, response).catch(() => {
      // The handler answers every expected failure itself; this is a bug, and says nothing about it.
      if (!response.headersSent) sendText(response, 500, 'application/json; charset=utf-8', errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
      else response.destroy();
    });
  });
  httpServer.requestTimeout = subgraphTimeoutMs + 5_000;
  httpServer.headersTimeout = 10_000;

  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await apollo.stop();
    subgraphFetch.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}${graphqlPath}`,
    port,
    metrics,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const grace = setTimeout(() => httpServer.closeAllConnections(), stopGraceMs);
        await closed;
        clearTimeout(grace);
        await apollo.stop();
        subgraphFetch.close();
      })();
      return stopping;
    },
  };
}
