/**
 * A tiny real subgraph for the gateway's tests: Apollo Server with a federated schema behind
 * node:http, which refuses every request whose identity header the gateway did not sign for it.
 * It records the identities it accepted so tests can see what the gateway passed on.
 */
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse } from 'graphql';
import type { Identity } from '../identity.js';
import { identityHeaderName, verifyIdentityHeader } from '../identity-header.js';

export const registrySubgraphName = 'registry';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query {
    whoami: Caller!
    device(did: ID!): Device
    devices(first: Int): [Device!]!
    boom: String
  }
  type Caller { organizationId: ID! role: String! subject: String! }
  type Device @key(fields: "did") { did: ID! name: String! parent: Device }
`);

interface SubgraphContext {
  identity: Identity;
}

function device(did: string): { did: string; name: string } {
  return { did, name: `device ${did}` };
}

export interface RunningSubgraph {
  url: string;
  accepted: Identity[];
  supergraphSdl: string;
  stop(): Promise<void>;
}

/** Starts the subgraph on 127.0.0.1 and composes a supergraph that points at it. */
export async function startRegistrySubgraph(gatewayVerifyKey: KeyObject): Promise<RunningSubgraph> {
  const accepted: Identity[] = [];
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: {
      Query: {
        whoami: (_parent: unknown, _args: unknown, context: unknown) => (context as SubgraphContext).identity,
        device: (_parent: unknown, args: { did: string }) => device(args.did),
        devices: (_parent: unknown, args: { first?: number | null }) =>
          Array.from({ length: Math.min(args.first ?? 2, 10) }, (_unused, index) => device(`did:${index}`)),
        boom: () => {
          throw new Error('database password is hunter2');
        },
      },
      Device: {
        __resolveReference: (reference: { did: string }) => device(reference.did),
        parent: (self: { did: string }) => device(`${self.did}/parent`),
      },
    },
  });
  const apollo = new ApolloServer<SubgraphContext>({ schema, includeStacktraceInErrorResponses: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  const httpServer = createServer((request, response) => {
    void (async () => {
      if (request.url === '/health') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: request.method ?? 'GET',
          headers,
          search: new URL(request.url ?? '/', 'http://subgraph.invalid').search,
          body: text === '' ? undefined : JSON.parse(text),
        },
        context: async () => {
          const verified = await verifyIdentityHeader(request.headers[identityHeaderName], gatewayVerifyKey, registrySubgraphName);
          if (!verified.ok) throw new GraphQLError(verified.message, { extensions: { code: verified.code, http: { status: 401 } } });
          accepted.push(verified.identity);
          return { identity: verified.identity };
        },
      });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of result.headers) responseHeaders[name] = value;
      response.writeHead(result.status ?? 200, responseHeaders);
      response.end(result.body.kind === 'complete' ? result.body.string : '');
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  const composition = composeServices([{ name: registrySubgraphName, typeDefs, url }]);
  if (composition.errors !== undefined) throw new Error(composition.errors.map((error) => error.message).join('\n'));
  return {
    url,
    accepted,
    supergraphSdl: composition.supergraphSdl,
    async stop() {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await apollo.stop();
    },
  };
}
