/**
 * What the end-to-end tests that run a platform of their own share: starting that platform with a
 * gateway key store made before its first start (each key asked for by a name the test picks),
 * posting GraphQL to the gateway with a Bearer API key, reading an answer's error code, and verifying
 * proof bundles offline with the CLI against the consortium file, as an auditor without access to the
 * platform would.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { generateApiKey, type ApiKeyEntry, type IdentityRole } from '@twinledger/gateway';
import { repositoryRoot, startPlatform, type Platform } from '@twinledger/tools';

const run = promisify(execFile);
const cliMain = path.join(repositoryRoot(), 'cli', 'dist', 'main.js');
const verifyTimeoutMs = 30_000;
/** Variables that point the platform at shared services; a platform of a test's own starts its own. */
const sharedServiceVariables = ['NEO4J_URI', 'REDIS_URL', 'ETCD_ENDPOINTS', 'LEDGER_PEERS', 'LEDGER_CONSORTIUM_DIR'] as const;

/** A GraphQL answer with the HTTP status it came with. */
export interface GraphqlAnswer {
  readonly status: number;
  readonly data?: Record<string, unknown> | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
}

/** POSTs `{query, variables}` to the gateway, with `apiKey` as a Bearer token unless it is undefined. */
export async function postGraphql(gatewayUrl: string, apiKey: string | undefined, query: string, variables: Record<string, unknown>, timeoutMs: number): Promise<GraphqlAnswer> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as Omit<GraphqlAnswer, 'status'>;
  return { status: response.status, ...body };
}

/** The `code` extension of the answer's first error. */
export function errorCode(answer: GraphqlAnswer): unknown {
  return answer.errors?.[0]?.extensions?.['code'];
}

/** The exit code of a failed child process, or -1 when it has none (killed, timed out, not started). */
function exitCodeOf(error: unknown): number {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : -1;
}

/**
 * Writes each proof bundle to a file in `workDir` and runs `twinledger verify <file> --consortium
 * <consortiumDir>/consortium.json` on it; answers the exit codes, in the bundles' order.
 */
export async function verifyBundlesOffline(bundles: readonly unknown[], consortiumDir: string, workDir: string): Promise<number[]> {
  const consortiumFile = path.join(consortiumDir, 'consortium.json');
  const codes: number[] = [];
  for (const [index, bundle] of bundles.entries()) {
    const file = path.join(workDir, `bundle-${index}.json`);
    fs.writeFileSync(file, JSON.stringify(bundle));
    try {
      await run(process.execPath, [cliMain, 'verify', file, '--consortium', consortiumFile], { timeout: verifyTimeoutMs });
      codes.push(0);
    } catch (error: unknown) {
      codes.push(exitCodeOf(error));
    }
  }
  return codes;
}

/** One key of the gateway's key store: who holds it, in what role, and the name a test asks for it by. */
export interface ApiKeyHolder {
  readonly name: string;
  readonly organizationId: string;
  readonly role: IdentityRole;
  readonly label: string;
}

/** A started platform with its own data folder and the API keys its gateway accepts. */
export interface PlatformWithApiKeys {
  readonly platform: Platform;
  readonly dataDir: string;
  readonly gatewayUrl: string;
  /** Each holder's API key, by the holder's name. */
  readonly apiKeys: ReadonlyMap<string, string>;
  /** The API key of the holder called `name`; throws when there is none. */
  apiKeyOf(name: string): string;
  /** Stops the platform and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * Writes the gateway's key store, `<dataDir>/gateway/api-keys.json`, with a new key for each holder,
 * and `demo-api-key` with the first holder's key; answers the keys by holder name.
 */
function writeApiKeyStore(dataDir: string, holders: readonly ApiKeyHolder[]): Map<string, string> {
  const gatewayDir = path.join(dataDir, 'gateway');
  fs.mkdirSync(gatewayDir, { recursive: true, mode: 0o700 });
  const apiKeys = new Map<string, string>();
  const entries: ApiKeyEntry[] = [];
  for (const holder of holders) {
    const generated = generateApiKey(holder.organizationId, holder.role, holder.label);
    apiKeys.set(holder.name, generated.apiKey);
    entries.push(generated.entry);
  }
  fs.writeFileSync(path.join(gatewayDir, 'demo-api-key'), `${apiKeys.get(holders[0]?.name ?? '') ?? ''}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(gatewayDir, 'api-keys.json'), `${JSON.stringify({ keys: entries }, null, 2)}\n`, { mode: 0o600 });
  return apiKeys;
}

/** The environment with the variables that name shared services removed. */
function ownServicesEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of sharedServiceVariables) delete env[name];
  return env;
}

/**
 * Starts every process `npm start` runs on a new temporary data folder (named after
 * `dataDirPrefix`), on services of its own rather than the ones the test run shares, with a gateway
 * key store holding a key for each of `holders`. The first holder's key is the demo key. When the
 * start fails the folder is removed.
 */
export async function startPlatformWithApiKeys(dataDirPrefix: string, holders: readonly ApiKeyHolder[]): Promise<PlatformWithApiKeys> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix));
  let platform: Platform;
  let apiKeys: Map<string, string>;
  try {
    apiKeys = writeApiKeyStore(dataDir, holders);
    platform = await startPlatform({ dataDir, env: ownServicesEnvironment() });
  } catch (error: unknown) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    platform,
    dataDir,
    gatewayUrl: platform.endpoints.gatewayUrl ?? '',
    apiKeys,
    apiKeyOf(name: string): string {
      const key = apiKeys.get(name);
      if (key === undefined) throw new Error(`no API key for ${name}`);
      return key;
    },
    async stop(): Promise<void> {
      try {
        await platform.stop();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
