/**
 * The gateway end to end, in process, over a real subgraph on 127.0.0.1: a request without
 * credentials or with bad ones is UNAUTHENTICATED; an API key and a JWT (HS256 and EdDSA) both reach
 * the subgraph, which sees a verifiable identity header and refuses a direct call without one; depth,
 * alias, cost, token and body bombs are refused with their own codes; malformed input gets a coded
 * error; no response carries a stack trace or internal message; the GraphQL-over-HTTP audits pass;
 * /health and /metrics answer.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { serverAudits } from 'graphql-http';
import { createApiKeyStore, generateApiKey } from './auth/api-key-store.js';
import { startGateway, type RunningGateway } from './server.js';
import { startRegistrySubgraph, type RunningSubgraph } from './test-support/registry-subgraph.js';

const identityKeys = generateKeyPairSync('ed25519');
const partnerJwtKeys = generateKeyPairSync('ed25519');
const jwtSecret = new Uint8Array(32).fill(7);
const jwtIssuer = 'https://login.example.test';
const jwtAudience = 'twinledger';
const partner = generateApiKey('org-acme', 'partner', 'acme-ci');

let subgraph: RunningSubgraph;
let gateway: RunningGateway;

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function post(body: unknown, headers: Record<string, string> = { 'x-api-key': partner.apiKey }): Promise<{ status: number; body: GraphQLBody; text: string }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as GraphQLBody, text };
}

function codes(body: GraphQLBody): unknown[] {
  return (body.errors ?? []).map((error) => error.extensions?.['code']);
}

beforeAll(async () => {
  subgraph = await startRegistrySubgraph(identityKeys.publicKey);
  gateway = await startGateway({
    supergraphSdl: subgraph.supergraphSdl,
    subgraphUrls: { registry: subgraph.url },
    port: 0,
    auth: {
      apiKeys: createApiKeyStore({ keys: [partner.entry] }),
      jwt: { issuer: jwtIssuer, audience: jwtAudience, hs256Secret: jwtSecret, eddsaPublicKeys: [{ key: partnerJwtKeys.publicKey }] },
    },
    limits: { queryDepthMax: 4, queryAliasCountMax: 5, queryCostMax: 200, queryTokenCountMax: 300, requestBodyBytesMax: 8 * 1024 },
    identitySigningKey: identityKeys.privateKey,
    mode: 'development',
  });
});

afterAll(async () => {
  await gateway?.stop();
  await subgraph?.stop();
});

describe('authentication', () => {
  test('no credentials → 401 UNAUTHENTICATED', async () => {
    const result = await post({ query: '{ whoami { subject } }' }, {});
    expect(result.status).toBe(401);
    expect(codes(result.body)).toEqual(['UNAUTHENTICATED']);
  });

  test('unknown API key and a forged JWT → UNAUTHENTICATED', async () => {
    const unknownKey = await post({ query: '{ whoami { subject } }' }, { authorization: 'Bearer tl_notakey' });
    expect(codes(unknownKey.body)).toEqual(['UNAUTHENTICATED']);
    const forged = await new SignJWT({ org: 'org-acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(jwtIssuer)
      .setAudience(jwtAudience)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new Uint8Array(32).fill(8));
    const forgedResult = await post({ query: '{ whoami { subject } }' }, { authorization: `Bearer ${forged}` });
    expect(forgedResult.status).toBe(401);
    expect(codes(forgedResult.body)).toEqual(['UNAUTHENTICATED']);
  });

  test('an API key reaches the subgraph as a signed identity', async () => {
    const result = await post({ query: '{ whoami { organizationId role subject } }' }, { authorization: `Bearer ${partner.apiKey}` });
    expect(result.body).toEqual({ data: { whoami: { organizationId: 'org-acme', role: 'partner', subject: 'api-key:acme-ci' } } });
    expect(subgraph.accepted.at(-1)).toEqual({ organizationId: 'org-acme', role: 'partner', subject: 'api-key:acme-ci' });
  });

  test('HS256 and EdDSA JWTs both work', async () => {
    const hs256 = await new SignJWT({ org: 'org-reg', role: 'regulator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(jwtIssuer)
      .setAudience(jwtAudience)
      .setSubject('inspector-1')
      .setExpirationTime('5m')
      .sign(jwtSecret);
    const eddsa = await new SignJWT({ org: 'org-bank', role: 'analyst' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(jwtIssuer)
      .setAudience(jwtAudience)
      .setSubject('analyst-7')
      .setExpirationTime('5m')
      .sign(partnerJwtKeys.privateKey);
    const viaHs256 = await post({ query: '{ whoami { organizationId role subject } }' }, { authorization: `Bearer ${hs256}` });
    expect(viaHs256.body.data).toEqual({ whoami: { organizationId: 'org-reg', role: 'regulator', subject: 'inspector-1' } });
    const viaEddsa = await post({ query: '{ whoami { organizationId role subject } }' }, { authorization: `Bearer ${eddsa}` });
    expect(viaEddsa.body.data).toEqual({ whoami: { organizationId: 'org-bank', role: 'analyst', subject: 'analyst-7' } });
  });

  test('the subgraph refuses a direct call without the gateway signature', async () => {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twinledger-identity': 'eyJhbGciOiJub25lIn0.e30.' },
      body: JSON.stringify({ query: '{ whoami { subject } }' }),
    });
    const body = (await response.json()) as GraphQLBody;
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('limits', () => {
  test('a depth bomb is refused with QUERY_TOO_DEEP', async () => {
    const result = await post({ query: '{ device(did: "a") { parent { parent { parent { parent { did } } } } } }' });
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual(['QUERY_TOO_DEEP']);
    expect(result.body.errors?.[0]?.message).toBe('Query depth 6 exceeds the limit of 4.');
  });

  test('an alias bomb is refused with QUERY_TOO_MANY_ALIASES', async () => {
    const aliases = Array.from({ length: 6 }, (_unused, index) => `a${index}: whoami { subject }`).join(' ');
    const result = await post({ query: `{ ${aliases} }` });
    expect(codes(result.body)).toEqual(['QUERY_TOO_MANY_ALIASES']);
  });

  test('a costly connection request is refused with QUERY_TOO_COSTLY', async () => {
    const result = await post({ query: '{ devices(first: 100) { did name parent { did } } }' });
    expect(codes(result.body)).toEqual(['QUERY_TOO_COSTLY']);
  });

  test('a token bomb is refused with QUERY_TOO_MANY_TOKENS before parsing', async () => {
    const result = await post({ query: `{ ${'__typename '.repeat(400)} }` });
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual(['QUERY_TOO_MANY_TOKENS']);
  });

  test('an oversized body is refused with REQUEST_TOO_LARGE', async () => {
    const result = await post({ query: '{ __typename }', variables: { padding: 'x'.repeat(9 * 1024) } });
    expect(result.status).toBe(413);
    expect(codes(result.body)).toEqual(['REQUEST_TOO_LARGE']);
  });
});

describe('errors', () => {
  test('malformed JSON, a syntax error and an unknown field get coded errors', async () => {
    expect(codes((await post('{"query": ')).body)).toEqual(['BAD_REQUEST']);
    expect(codes((await post({ query: '{ whoami {' })).body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes((await post({ query: '{ nope }' })).body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes((await post({ query: 42 })).body)).toEqual(['BAD_REQUEST']);
  });

  test('a resolver failure leaks neither stack nor message', async () => {
    const result = await post({ query: '{ boom }' });
    expect(result.text).not.toMatch(/stacktrace|hunter2|at .*\.ts:\d+/);
    for (const error of result.body.errors ?? []) {
      expect(typeof error.extensions?.['code']).toBe('string');
      expect(Object.keys(error.extensions ?? {})).toEqual(['code']);
    }
    expect(result.body.errors?.length).toBeGreaterThan(0);
  });
});

test('GraphQL over HTTP audits report no error', async () => {
  const fetchWithKey = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    headers.set('x-api-key', partner.apiKey);
    return fetch(input, { ...init, headers });
  };
  const failures: string[] = [];
  const audits = serverAudits({ url: gateway.url, fetchFn: fetchWithKey });
  for (const audit of audits) {
    const result = await audit.fn();
    if (result.status === 'error') failures.push(`${audit.name}: ${result.reason}`);
  }
  expect(`${failures.length} out of ${audits.length} failed\n${failures.join('\n')}`).toBe(`0 out of ${audits.length} failed\n`);
});

test('/health checks each subgraph and /metrics counts requests, auth failures and refusals', async () => {
  const origin = new URL(gateway.url).origin;
  const health = await fetch(`${origin}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', subgraphs: { registry: 'ok' } });
  const metrics = await (await fetch(`${origin}/metrics`)).text();
  expect(metrics).toMatch(/twinledger_gateway_requests_total\{operation_type="query",outcome="ok"\} \d+/);
  expect(metrics).toMatch(/twinledger_gateway_auth_failures_total\{reason="missing_credentials"\} 1/);
  expect(metrics).toMatch(/twinledger_gateway_limit_refusals_total\{code="QUERY_TOO_DEEP"\} 1/);
  expect(metrics).toMatch(/twinledger_gateway_request_duration_seconds_bucket/);
});

describe('GraphiQL in development', () => {
  const origin = (): string => new URL(gateway.url).origin;

  /** Every `src` and `href` in the page, in order. */
  function references(html: string): string[] {
    return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
  }

  test('the page loads everything from the gateway itself, under a self-only policy', async () => {
    const page = await fetch(`${origin()}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>/);
    const referenced = references(html);
    expect(referenced.length).toBeGreaterThanOrEqual(4);
    for (const reference of referenced) expect(reference).toMatch(/^\/graphiql\/assets\/[a-z-]+\.(js|css)$/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("style-src 'self'");
    expect(policy).not.toMatch(/https?:|unsafe-|\*/);
  });

  test('each asset the page references is served with its type and a validator', async () => {
    const html = await (await fetch(`${origin()}/graphiql`)).text();
    for (const reference of references(html)) {
      const asset = await fetch(`${origin()}${reference}`);
      expect([reference, asset.status]).toEqual([reference, 200]);
      const expected = reference.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
      expect([reference, asset.headers.get('content-type')]).toEqual([reference, expected]);
      expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await asset.text();
      expect(body.length).toBeGreaterThan(0);
      const etag = asset.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${origin()}${reference}`, { headers: { 'if-none-match': etag ?? '' } });
      expect(again.status).toBe(304);
    }
  });

  test('the browser builds are the installed packages: React and GraphiQL globals', async () => {
    const graphiql = await (await fetch(`${origin()}/graphiql/assets/graphiql.js`)).text();
    // Booleans, so that a failure does not print megabytes of script.
    expect(graphiql.includes('window.GraphiQL =')).toBe(true);
    const react = await (await fetch(`${origin()}/graphiql/assets/react.js`)).text();
    expect(/\.version="18\.\d+\.\d+"/.test(react)).toBe(true);
    const reactDom = await (await fetch(`${origin()}/graphiql/assets/react-dom.js`)).text();
    expect(reactDom.includes('createRoot')).toBe(true);
  });

  test('only the listed assets are served: anything else is 404', async () => {
    for (const path of [
      '/graphiql/assets/',
      '/graphiql/assets/nope.js',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/../../package.json',
      '/graphiql/assets/%2e%2e%2fpackage.json',
      '/graphiql/assets/react.js/',
      '/graphiql/assets/__proto__',
      '/graphiql/assets/constructor',
    ]) {
      const response = await fetch(`${origin()}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
    }
  });
});

test('in production there is no GraphiQL page and no asset', async () => {
  const production = await startGateway({
    supergraphSdl: subgraph.supergraphSdl,
    subgraphUrls: { registry: subgraph.url },
    port: 0,
    auth: { apiKeys: createApiKeyStore({ keys: [partner.entry] }) },
    identitySigningKey: identityKeys.privateKey,
    mode: 'production',
  });
  try {
    const origin = new URL(production.url).origin;
    for (const path of ['/graphiql', '/graphiql/assets/graphiql.js', '/graphiql/assets/mount.js']) {
      const response = await fetch(`${origin}${path}`, { headers: { accept: 'text/html' } });
      expect([path, response.status]).toEqual([path, 404]);
    }
    const graphqlPage = await fetch(production.url, { headers: { accept: 'text/html' } });
    expect(graphqlPage.headers.get('content-type')).not.toContain('text/html');
  } finally {
    await production.stop();
  }
});
