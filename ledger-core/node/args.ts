/**
 * The node process's command line: `--name <member> --consortium-dir <dir> --data-dir <dir>
 * --etcd <endpoints,...> --port <port> --peers <name=url,...>`, each falling back to an environment
 * variable (LEDGER_NAME, LEDGER_CONSORTIUM_DIR, LEDGER_DATA_DIR, ETCD_ENDPOINTS, LEDGER_PORT,
 * LEDGER_PEERS). Pure: argv and env in, options or a typed error out.
 */
import type { Peer } from './peer-client.js';

export interface NodeArgs {
  readonly name: string;
  readonly consortiumDir: string;
  readonly dataDir: string;
  readonly etcdEndpoints: readonly string[];
  readonly port: number;
  readonly peers: readonly Peer[];
}

export class ArgsError extends Error {
  override readonly name = 'ArgsError';
  readonly code = 'BAD_ARGUMENTS';
}

const flags = {
  '--name': 'LEDGER_NAME',
  '--consortium-dir': 'LEDGER_CONSORTIUM_DIR',
  '--data-dir': 'LEDGER_DATA_DIR',
  '--etcd': 'ETCD_ENDPOINTS',
  '--port': 'LEDGER_PORT',
  '--peers': 'LEDGER_PEERS',
} as const;

type Flag = keyof typeof flags;
const argsCountMax = 64;

/** Parses argv (without node and script). Requires nothing; throws ArgsError naming the first problem. */
export function parseNodeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): NodeArgs {
  if (argv.length > argsCountMax) throw new ArgsError(`at most ${argsCountMax} arguments`);
  const given = new Map<Flag, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index] as Flag;
    const value = argv[index + 1];
    if (!(flag in flags)) throw new ArgsError(`unknown argument ${JSON.stringify(argv[index])}`);
    if (value === undefined || value.startsWith('--')) throw new ArgsError(`${flag} needs a value`);
    if (given.has(flag)) throw new ArgsError(`${flag} given twice`);
    given.set(flag, value);
  }
  const value = (flag: Flag, required: boolean): string => {
    const text = given.get(flag) ?? env[flags[flag]];
    if (text === undefined || text.length === 0) {
      if (required) throw new ArgsError(`${flag} (or ${flags[flag]}) is required`);
      return '';
    }
    return text;
  };
  const portText = value('--port', true);
  const port = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || port > 65_535) throw new ArgsError(`--port must be 0 to 65535, got ${JSON.stringify(portText)}`);
  const etcdEndpoints = value('--etcd', true).split(',').map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint.length > 0);
  if (etcdEndpoints.length === 0) throw new ArgsError('--etcd needs at least one endpoint');
  const peers: Peer[] = [];
  for (const entry of value('--peers', false).split(',').filter((part) => part.length > 0)) {
    const separator = entry.indexOf('=');
    const name = entry.slice(0, separator);
    const url = entry.slice(separator + 1).replace(/\/+$/, '');
    if (separator <= 0 || !/^https?:\/\/[^\s]+$/.test(url)) throw new ArgsError(`--peers entry ${JSON.stringify(entry)} is not name=http(s)://host:port`);
    peers.push({ name, url });
  }
  return { name: value('--name', true), consortiumDir: value('--consortium-dir', true), dataDir: value('--data-dir', true), etcdEndpoints, port, peers };
}
