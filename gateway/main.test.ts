/**
 * The command line contract of the gateway process: required flags, `name=url` subgraph lists,
 * port bounds and the JWT flags that must come together.
 */
import { ArgumentError, parseGatewayArguments } from './main.js';

const base = ['--supergraph', 's.graphql', '--subgraph', 'identity=http://127.0.0.1:4001/graphql,ledger=http://127.0.0.1:4002/graphql', '--port', '4000', '--keys', 'k.json', '--identity-key', 'id.pem'];

test('a full command line parses', () => {
  expect(parseGatewayArguments(base)).toEqual({
    supergraphPath: 's.graphql',
    subgraphUrls: { identity: 'http://127.0.0.1:4001/graphql', ledger: 'http://127.0.0.1:4002/graphql' },
    port: 4000,
    host: '127.0.0.1',
    keysPath: 'k.json',
    identityKeyPath: 'id.pem',
    jwtPublicKeyPaths: [],
  });
});

test.each([
  ['a missing flag', base.slice(0, -2)],
  ['an unknown flag', [...base, '--verbose', 'yes']],
  ['a subgraph without url', [...base, '--subgraph', 'finance']],
  ['a non-http url', [...base, '--subgraph', 'finance=ftp://x']],
  ['a port out of range', [...base.slice(0, 4), '--port', '70000', ...base.slice(6)]],
  ['a JWT issuer without a key', [...base, '--jwt-issuer', 'i', '--jwt-audience', 'a']],
])('%s is refused', (_name, argv) => {
  expect(() => parseGatewayArguments(argv)).toThrow(ArgumentError);
});
