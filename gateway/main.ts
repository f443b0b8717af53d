/**
 * The gateway process.
 *
 *   node gateway/dist/main.js --supergraph <file> --subgraph name=url[,name=url...] --port <n>
 *     --keys <api key store file> --identity-key <Ed25519 PKCS#8 PEM file>
 *     [--host 127.0.0.1] [--epcis <EPCIS service base URL>] [--jwt-issuer <iss> --jwt-audience <aud> [--jwt-secret-file <file>] [--jwt-public-key <PEM file>]...]
 *
 * Prints `twinledger-gateway ready http://127.0.0.1:<port>/graphql` once it serves; stops cleanly on
 * SIGTERM or SIGINT (exit 0). Bad arguments exit 2 with one line on stderr; a failed start exits 1.
 */
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadApiKeyStore } from './auth/api-key-store.js';
import { assertJwtConfig, type JwtConfig } from './auth/jwt.js';
import { identitySigningKeyFromPem } from './identity-header.js';
import { startGateway } from './server.js';

export interface GatewayArguments {
  supergraphPath: string;
  subgraphUrls: Record<string, string>;
  port: number;
  host: string;
  keysPath: string;
  identityKeyPath: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtSecretPath?: string;
  jwtPublicKeyPaths: string[];
  /** The EPCIS service's base URL, served at `/epcis/*`. */
  epcisUrl?: string;
}

export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

const subgraphNamePattern = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Parses the command line (without node and script). Throws ArgumentError naming the problem. */
export function parseGatewayArguments(argv: readonly string[]): GatewayArguments {
  const values = new Map<string, string[]>();
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === undefined || !flag.startsWith('--') || value === undefined) throw new ArgumentError(`expected --flag value at "${flag ?? ''}"`);
    values.set(flag.slice(2), [...(values.get(flag.slice(2)) ?? []), value]);
  }
  const known = new Set(['supergraph', 'subgraph', 'port', 'host', 'keys', 'identity-key', 'jwt-issuer', 'jwt-audience', 'jwt-secret-file', 'jwt-public-key', 'epcis']);
  for (const flag of values.keys()) if (!known.has(flag)) throw new ArgumentError(`unknown flag --${flag}`);
  const one = (flag: string): string | undefined => {
    const list = values.get(flag);
    if (list !== undefined && list.length > 1) throw new ArgumentError(`--${flag} given twice`);
    return list?.[0];
  };
  const required = (flag: string): string => {
    const value = one(flag);
    if (value === undefined) throw new ArgumentError(`--${flag} is required`);
    return value;
  };
  const subgraphUrls: Record<string, string> = {};
  for (const pair of (values.get('subgraph') ?? []).flatMap((list) => list.split(','))) {
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator);
    const url = pair.slice(separator + 1);
    if (separator < 1 || !subgraphNamePattern.test(name)) throw new ArgumentError(`--subgraph expects name=url, got "${pair}"`);
    if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new ArgumentError(`--subgraph ${name}: "${url}" is not an http(s) URL`);
    if (name in subgraphUrls) throw new ArgumentError(`--subgraph ${name} given twice`);
    subgraphUrls[name] = url;
  }
  if (Object.keys(subgraphUrls).length === 0) throw new ArgumentError('--subgraph is required');
  const portText = required('port');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new ArgumentError('--port must be an integer 0..65535');
  const jwtIssuer = one('jwt-issuer');
  const jwtAudience = one('jwt-audience');
  const jwtSecretPath = one('jwt-secret-file');
  const jwtPublicKeyPaths = values.get('jwt-public-key') ?? [];
  const jwtKeyGiven = jwtSecretPath !== undefined || jwtPublicKeyPaths.length > 0;
  if ((jwtIssuer === undefined) !== (jwtAudience === undefined) || (jwtIssuer === undefined) === jwtKeyGiven) {
    if (jwtIssuer !== undefined || jwtAudience !== undefined || jwtKeyGiven) {
      throw new ArgumentError('JWTs need --jwt-issuer, --jwt-audience and --jwt-secret-file and/or --jwt-public-key');
    }
  }
  const epcisUrl = one('epcis');
  if (epcisUrl !== undefined && (!/^https?:\/\//.test(epcisUrl) || !URL.canParse(epcisUrl))) throw new ArgumentError(`--epcis: "${epcisUrl}" is not an http(s) URL`);
  return {
    supergraphPath: required('supergraph'),
    subgraphUrls,
    port,
    host: one('host') ?? '127.0.0.1',
    keysPath: required('keys'),
    identityKeyPath: required('identity-key'),
    ...(jwtIssuer === undefined ? {} : { jwtIssuer }),
    ...(jwtAudience === undefined ? {} : { jwtAudience }),
    ...(jwtSecretPath === undefined ? {} : { jwtSecretPath }),
    jwtPublicKeyPaths,
    ...(epcisUrl === undefined ? {} : { epcisUrl }),
  };
}

async function loadJwtConfig(args: GatewayArguments): Promise<JwtConfig | undefined> {
  if (args.jwtIssuer === undefined || args.jwtAudience === undefined) return undefined;
  const config: JwtConfig = {
    issuer: args.jwtIssuer,
    audience: args.jwtAudience,
    ...(args.jwtSecretPath === undefined ? {} : { hs256Secret: new Uint8Array(await readFile(args.jwtSecretPath)) }),
    eddsaPublicKeys: await Promise.all(
      args.jwtPublicKeyPaths.map(async (path) => ({ key: createPublicKey(await readFile(path, 'utf8')) })),
    ),
  };
  assertJwtConfig(config);
  return config;
}

async function main(): Promise<void> {
  let args: GatewayArguments;
  try {
    args = parseGatewayArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`twinledger-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const gateway = await startGateway({
    supergraphSdl: await readFile(args.supergraphPath, 'utf8'),
    subgraphUrls: args.subgraphUrls,
    port: args.port,
    host: args.host,
    auth: { apiKeys: await loadApiKeyStore(args.keysPath), ...(await loadJwtConfig(args).then((jwt) => (jwt === undefined ? {} : { jwt }))) },
    identitySigningKey: identitySigningKeyFromPem(await readFile(args.identityKeyPath, 'utf8')),
    ...(args.epcisUrl === undefined ? {} : { epcisUrl: args.epcisUrl }),
  });
  process.stdout.write(`twinledger-gateway ready ${gateway.url}\n`);
  const stop = (): void => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`twinledger-gateway: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
