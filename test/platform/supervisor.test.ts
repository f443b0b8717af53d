/**
 * `npm start` as a person uses it: two platforms on one machine get their own free ports; a second start
 * on a data folder in use says so in one line; a missing program names its Debian package in one line
 * and exits non-zero; Ctrl-C stops every process the supervisor started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { findOnPath, isProcessAlive, repositoryRoot } from '@twinledger/tools';

const root = repositoryRoot();
const supervisorScript = path.join(root, 'tools', 'dist', 'supervisor', 'main.js');
const startTimeoutMs = 180_000;

interface RunningPlatform {
  process: ChildProcess;
  output: string[];
  ready: Promise<void>;
  /** Exit code, or the signal's name when npm re-raises the Ctrl-C it got, as shells expect. */
  exited: Promise<number | string | null>;
  /** Settles once the process has exited and every holder of its output pipes (the supervisor) is gone. */
  closed: Promise<void>;
}

/** Environment without the harness's endpoints, so each run embeds its own services. */
function embeddedEnv(dataDir: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TWINLEDGER_DATA_DIR: dataDir, ...overrides };
  delete env.NEO4J_URI;
  delete env.REDIS_URL;
  delete env.ETCD_ENDPOINTS;
  delete env.LEDGER_PEERS;
  return env;
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv): RunningPlatform {
  // Its own process group, like a terminal's foreground job, so the test can Ctrl-C the whole group.
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('twinledger ready')) markReady();
    });
  }
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { process: child, output, ready, exited, closed };
}

async function readyOrExit(platform: RunningPlatform): Promise<void> {
  const outcome = await Promise.race([platform.ready.then(() => 'ready'), platform.exited.then((code) => `exited ${String(code)}`)]);
  if (outcome !== 'ready') throw new Error(`platform did not start (${outcome}):\n${platform.output.join('\n')}`);
}

/** The `pids` line as name → pid pairs, in the order printed. */
function children(platform: RunningPlatform): Array<[name: string, pid: number]> {
  const line = platform.output.find((l) => l.startsWith('pids '));
  if (line === undefined) throw new Error('no pids line');
  return line
    .slice('pids '.length)
    .trim()
    .split(/\s+/)
    .map((entry) => [entry.slice(0, entry.indexOf('=')), Number(entry.slice(entry.indexOf('=') + 1))]);
}

/** Every process `npm start` runs, by the name it prints. */
const platformProcessNames = [
  'neo4j',
  'redis',
  'etcd-member-1',
  'etcd-member-2',
  'etcd-member-3',
  'ledger-alpha',
  'ledger-beta',
  'ledger-gamma',
  'projector',
  'commands',
  'subgraph-identity',
  'subgraph-ledger',
  'subgraph-production',
  'subgraph-supply',
  'epcis',
  'gateway',
];

function listeningPorts(platform: RunningPlatform): number[] {
  return platform.output
    .filter((line) => /^(neo4j|redis|etcd|ledger) /.test(line))
    .flatMap((line) => [...line.matchAll(/:(\d+)/g)].map((match) => Number(match[1])));
}

let dataDirA: string;
let dataDirB: string;

beforeAll(() => {
  dataDirA = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-start-a-'));
  dataDirB = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-start-b-'));
});

afterAll(() => {
  fs.rmSync(dataDirA, { recursive: true, force: true });
  fs.rmSync(dataDirB, { recursive: true, force: true });
});

test(
  'two platforms run side by side; a second start on a folder in use is refused; Ctrl-C leaves nothing running',
  async () => {
    const first = launch('npm', ['start', '--silent'], embeddedEnv(dataDirA));
    const second = launch(process.execPath, [supervisorScript], embeddedEnv(dataDirB));
    try {
      await Promise.all([readyOrExit(first), readyOrExit(second)]);
      const firstPorts = listeningPorts(first);
      const secondPorts = listeningPorts(second);
      // Neo4j, Redis, three etcd members and three ledger nodes each; the GraphQL line is counted apart.
      expect(firstPorts).toHaveLength(8);
      expect(secondPorts).toHaveLength(8);
      expect(firstPorts.filter((port) => secondPorts.includes(port))).toEqual([]);
      const gatewayUrls = [first, second].map((platform) => platform.output.find((line) => line.startsWith('graphql ')));
      expect(gatewayUrls[0]).toMatch(/^graphql http:\/\/127\.0\.0\.1:\d+\/graphql  \(demo API key: tl_/);
      expect(gatewayUrls[0]).not.toEqual(gatewayUrls[1]);

      const clash = launch(process.execPath, [supervisorScript], embeddedEnv(dataDirA));
      expect(await clash.exited).toBe(1);
      const errorLines = clash.output.filter((line) => line.startsWith('twinledger:'));
      expect(errorLines).toEqual([expect.stringMatching(/data folder .* is in use by process \d+/)]);
    } finally {
      for (const platform of [first, second]) {
        if (platform.process.pid !== undefined && platform.process.exitCode === null) process.kill(-platform.process.pid, 'SIGINT');
      }
    }
    for (const platform of [first, second]) expect(children(platform).map(([name]) => name).sort()).toEqual([...platformProcessNames].sort());
    const pids = [...children(first), ...children(second)].map(([, pid]) => pid);
    expect(new Set(pids).size).toBe(2 * platformProcessNames.length);
    expect([0, 'SIGINT']).toContain(await first.exited);
    expect(await second.exited).toBe(0);
    await Promise.all([first.closed, second.closed]);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(first.output).toContain('twinledger stopped');
  },
  startTimeoutMs,
);

describe('a missing program is one line naming its Debian package', () => {
  const cases: Array<[program: string, debianPackage: string]> = [
    ['java', 'openjdk-17-jdk-headless'],
    ['redis-server', 'redis-server'],
    ['etcd', 'etcd-server'],
  ];
  test.each(cases)('without %s', async (missing, debianPackage) => {
    // A PATH holding only the programs the supervisor may look for, less the one under test.
    const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-path-'));
    try {
      for (const program of ['java', 'mvn', 'redis-server', 'etcd']) {
        const found = findOnPath(program);
        if (program !== missing && found !== undefined) fs.symlinkSync(found, path.join(binDir, program));
      }
      const run = launch(process.execPath, [supervisorScript], embeddedEnv(path.join(binDir, 'data'), { PATH: binDir }));
      expect(await run.exited).toBe(1);
      const errorLines = run.output.filter((line) => !line.startsWith('twinledger starting'));
      expect(errorLines).toEqual([`twinledger: ${missing} not found on PATH: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`]);
    } finally {
      fs.rmSync(binDir, { recursive: true, force: true });
    }
  });
});
