/**
 * The gateway's `/epcis/*` route in process, over a stand-in EPCIS service on 127.0.0.1 that records
 * what reaches it: without credentials (or with bad ones) the gateway answers 401 problem JSON and
 * nothing is forwarded; with an API key the request arrives with its method, path, query and body and an
 * identity header that verifies for audience `epcis` only; the service's status, problem JSON and
 * `Link` header come back unchanged and its other headers do not; a body over the limit is 413 before
 * forwarding; an unreachable service is 502 problem JSON. Without `epcisUrl` the route does not exist.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKeyStore, generateApiKey } from './auth/api-key-store.js';
import { epcisRequestBodyBytesMax } from './epcis-route.js';
import { identityHeaderName, verifyIdentityHeader } from './identity-header.js';
import { parseGatewayArguments } from './main.js';
import { startGateway, type RunningGateway } from './server.js';
import { startRegistrySubgraph, type RunningSubgraph } from './test-support/registry-subgraph.js';

const identityKeys = generateKeyPairSync('ed25519');
const partner = generateApiKey('org-acme', 'partner', 'acme-ci');

interface Received {
  method: string;
  url: string;
  body: string;
  identityHeader: string | undefined;
  contentType: string | undefined;
}

let subgraph: RunningSubgraph;
let gateway: RunningGateway;
let gatewayWithoutEpcis: RunningGateway;
let service: http.Server;
let received: Received[] = [];
let gatewayBase: string;

beforeAll(async () => {
  service = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const header = request.headers[identityHeaderName];
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        identityHeader: typeof header === 'string' ? header : undefined,
        contentType: request.headers['content-type'],
      });
      if (request.url?.startsWith('/epcis/events') === true) {
        response.writeHead(200, { 'content-type': 'application/ld+json', link: '</epcis/events?nextPageToken=abc>; rel="next"', 'x-internal': 'secret' });
        response.end('{"type":"EPCISQueryDocument"}');
        return;
      }
      response.writeHead(400, { 'content-type': 'application/problem+json' });
      response.end('{"type":"epcisException:ValidationException","status":400}');
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', () => resolve()));
  subgraph = await startRegistrySubgraph(identityKeys.publicKey);
  const common = {
    supergraphSdl: subgraph.supergraphSdl,
    subgraphUrls: { registry: subgraph.url },
    port: 0,
    auth: { apiKeys: createApiKeyStore({ keys: [partner.entry] }) },
    identitySigningKey: identityKeys.privateKey,
    mode: 'production' as const,
  };
  gateway = await startGateway({ ...common, epcisUrl: `http://127.0.0.1:${(service.address() as AddressInfo).port}` });
  gatewayWithoutEpcis = await startGateway(common);
  gatewayBase = gateway.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await gateway?.stop();
  await gatewayWithoutEpcis?.stop();
  await subgraph?.stop();
  await new Promise<void>((resolve) => service.close(() => resolve()));
});

beforeEach(() => {
  received = [];
});

test('without credentials, or with an unknown key, 401 problem JSON and nothing is forwarded', async () => {
  for (const headers of [{}, { authorization: 'Bearer tl_notakey' }] as Array<Record<string, string>>) {
    const response = await fetch(`${gatewayBase}/epcis/events`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ type: 'epcisException:SecurityException', title: 'Unauthenticated', status: 401 });
  }
  expect(received).toEqual([]);
});

test('a capture reaches the service as sent, with an identity header for audience epcis only', async () => {
  const body = JSON.stringify({ type: 'EPCISDocument' });
  const response = await fetch(`${gatewayBase}/epcis/capture`, { method: 'POST', headers: { 'content-type': 'application/ld+json', 'x-api-key': partner.apiKey }, body });
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(await response.json()).toEqual({ type: 'epcisException:ValidationException', status: 400 });
  expect(received).toHaveLength(1);
  const [arrived] = received;
  expect(arrived).toMatchObject({ method: 'POST', url: '/epcis/capture', body, contentType: 'application/ld+json' });
  const verified = await verifyIdentityHeader(arrived?.identityHeader, identityKeys.publicKey, 'epcis');
  expect(verified).toEqual({ ok: true, identity: { organizationId: 'org-acme', role: 'partner', subject: 'api-key:acme-ci' } });
  expect(await verifyIdentityHeader(arrived?.identityHeader, identityKeys.publicKey, 'registry')).toMatchObject({ ok: false, reason: 'wrong_audience' });
});

test('a query keeps its parameters; the answer keeps its status, type and Link, and nothing else of the service\'s headers', async () => {
  const response = await fetch(`${gatewayBase}/epcis/events?eventType=ObjectEvent&perPage=2`, { headers: { authorization: `Bearer ${partner.apiKey}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('link')).toBe('</epcis/events?nextPageToken=abc>; rel="next"');
  expect(response.headers.get('content-type')).toBe('application/ld+json');
  expect(response.headers.get('x-internal')).toBeNull();
  expect(await response.json()).toEqual({ type: 'EPCISQueryDocument' });
  expect(received.map((request) => request.url)).toEqual(['/epcis/events?eventType=ObjectEvent&perPage=2']);
});

test('a body over the limit is refused with 413 before it is forwarded', async () => {
  const response = await fetch(`${gatewayBase}/epcis/capture`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': partner.apiKey },
    body: 'x'.repeat(epcisRequestBodyBytesMax + 1),
  });
  expect(response.status).toBe(413);
  expect(await response.json()).toMatchObject({ type: 'epcisException:CaptureLimitExceededException', status: 413 });
  expect(received).toEqual([]);
});

test('an unreachable service is 502 problem JSON; a gateway without --epcis has no such route', async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const probe = http.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const unreachable = await startGateway({
    supergraphSdl: subgraph.supergraphSdl,
    subgraphUrls: { registry: subgraph.url },
    port: 0,
    auth: { apiKeys: createApiKeyStore({ keys: [partner.entry] }) },
    identitySigningKey: identityKeys.privateKey,
    mode: 'production',
    epcisUrl: `http://127.0.0.1:${closedPort}`,
  });
  try {
    const response = await fetch(unreachable.url.replace(/\/graphql$/, '/epcis/events'), { headers: { 'x-api-key': partner.apiKey } });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ type: 'epcisException:ImplementationException', status: 502 });
  } finally {
    await unreachable.stop();
  }
  const missing = await fetch(gatewayWithoutEpcis.url.replace(/\/graphql$/, '/epcis/events'), { headers: { 'x-api-key': partner.apiKey } });
  expect(missing.status).toBe(404);
});

test('--epcis takes one http(s) URL', () => {
  const base = ['--supergraph', 's.graphql', '--subgraph', 'registry=http://127.0.0.1:1/graphql', '--port', '0', '--keys', 'k.json', '--identity-key', 'i.pem'];
  expect(parseGatewayArguments(base).epcisUrl).toBeUndefined();
  expect(parseGatewayArguments([...base, '--epcis', 'http://127.0.0.1:4000']).epcisUrl).toBe('http://127.0.0.1:4000');
  expect(() => parseGatewayArguments([...base, '--epcis', 'ftp://x'])).toThrow('--epcis: "ftp://x" is not an http(s) URL');
  expect(() => parseGatewayArguments([...base, '--epcis', 'http://a', '--epcis', 'http://b'])).toThrow('--epcis given twice');
});
