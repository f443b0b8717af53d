/**
 * The embedded Neo4j launcher, end to end, driven the way tools/services/neo4j.ts drives it.
 *
 * Proves that:
 * - ensureNeo4jLauncherBuilt builds at most once: a second call with unchanged sources runs no Maven
 *   (it logs nothing, the stamp and jar keep their modification times, and it answers well within a second);
 * - the jar started with the returned javaArgs prints exactly its ready line, serves Bolt without
 *   authentication, and on SIGTERM prints its stopped line and exits 0;
 * - what was written survives a stop and a start on the same data folder;
 * - a second launcher on a data folder that is in use exits non-zero at once with one line saying so,
 *   and leaves the first one serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import neo4j from 'neo4j-driver';
import { ensureNeo4jLauncherBuilt, neo4jLauncherPaths, type Neo4jLauncher } from './neo4j-build.js';

/** A cold build downloads Neo4j from Maven Central. */
const buildTimeoutMs = 15 * 60_000;
const readyTimeoutMs = 120_000;
const stopTimeoutMs = 30_000;
const warmCallDurationMsMax = 1_000;
const heapArgument = '-Xmx512m';

interface RunningLauncher {
  readonly child: ChildProcess;
  readonly stdoutLines: string[];
  readonly stderrLines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: RunningLauncher[] = [];
let launcher: Neo4jLauncher | undefined;
let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-neo4j-launcher-'));
});

afterAll(async () => {
  // A failed assertion must not leave a JVM holding the data folder.
  for (const running of started) {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await running.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}, stopTimeoutMs);

test(
  'a second ensureNeo4jLauncherBuilt with unchanged sources does not run Maven',
  async () => {
    const first = await ensureNeo4jLauncherBuilt({ log: () => undefined });
    const paths = neo4jLauncherPaths();
    expect(first.jarPath).toBe(paths.jarPath);
    expect(fs.existsSync(first.jarPath)).toBe(true);
    const stampMtimeMs = fs.statSync(paths.stampPath).mtimeMs;
    const jarMtimeMs = fs.statSync(paths.jarPath).mtimeMs;

    const logged: string[] = [];
    const startedMs = performance.now();
    const second = await ensureNeo4jLauncherBuilt({ log: (line) => logged.push(line) });
    const durationMs = performance.now() - startedMs;

    expect(logged).toEqual([]);
    expect(durationMs).toBeLessThan(warmCallDurationMsMax);
    expect(fs.statSync(paths.stampPath).mtimeMs).toBe(stampMtimeMs);
    expect(fs.statSync(paths.jarPath).mtimeMs).toBe(jarMtimeMs);
    expect(second).toEqual(first);
    launcher = second;
  },
  buildTimeoutMs,
);

test(
  'the launcher serves Bolt, stops cleanly on SIGTERM and keeps its data across a restart',
  async () => {
    const port = await freePort();
    const key = `probe-${process.pid}-${Date.now()}`;

    const first = startLauncher(port);
    expect(await readyLine(first)).toBe(`twinledger-neo4j ready bolt://127.0.0.1:${port}`);
    await withDriver(port, async (driver) => {
      await driver.executeQuery('CREATE (:LauncherProbe {key: $key})', { key });
      const { records } = await driver.executeQuery('MATCH (p:LauncherProbe {key: $key}) RETURN p.key AS key', { key });
      expect(records.map((record) => record.get('key') as unknown)).toEqual([key]);
    });
    await expectCleanStop(first);
    expect(first.stdoutLines).toEqual([`twinledger-neo4j ready bolt://127.0.0.1:${port}`, 'twinledger-neo4j stopped']);

    const second = startLauncher(port);
    await readyLine(second);
    await withDriver(port, async (driver) => {
      const { records } = await driver.executeQuery('MATCH (p:LauncherProbe) RETURN p.key AS key');
      expect(records.map((record) => record.get('key') as unknown)).toEqual([key]);
    });
    await expectCleanStop(second);
  },
  2 * readyTimeoutMs + 2 * stopTimeoutMs,
);

test(
  'a second launcher on a data folder in use exits non-zero with one clear line',
  async () => {
    const port = await freePort();
    const owner = startLauncher(port);
    await readyLine(owner);

    const intruder = startLauncher(await freePort());
    const { code } = await withTimeout(intruder.exited, readyTimeoutMs, 'the second launcher did not exit');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(intruder.stdoutLines).toEqual([]);
    expect(intruder.stderrLines).toEqual([`twinledger-neo4j: data folder ${dataDir} is in use by another process (its store lock is held): stop that process first`]);

    // The owner is unharmed by the attempt.
    await withDriver(port, async (driver) => {
      const { records } = await driver.executeQuery('RETURN 1 AS one');
      const one: unknown = records[0]?.get('one');
      expect(neo4j.isInt(one) ? one.toNumber() : one).toBe(1);
    });
    await expectCleanStop(owner);
  },
  2 * readyTimeoutMs + stopTimeoutMs,
);

function startLauncher(port: number): RunningLauncher {
  if (launcher === undefined) throw new Error('the build test did not run first');
  const child = spawn('java', [...launcher.javaArgs, heapArgument, '-jar', launcher.jarPath, '--data-dir', dataDir, '--bolt-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  collectLines(child.stdout, stdoutLines);
  collectLines(child.stderr, stderrLines);
  // 'close' rather than 'exit': it waits for stdout to drain, so the stopped line is in by then.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const running = { child, stdoutLines, stderrLines, exited };
  started.push(running);
  return running;
}

function collectLines(stream: NodeJS.ReadableStream | null, lines: string[]): void {
  if (stream === null) throw new Error('the launcher was spawned without piped output');
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
}

/** Resolves with the ready line; rejects with the launcher's stderr if it exits or stalls first. */
async function readyLine(running: RunningLauncher): Promise<string> {
  const deadlineMs = Date.now() + readyTimeoutMs;
  for (;;) {
    const line = running.stdoutLines.find((candidate) => candidate.startsWith('twinledger-neo4j ready '));
    if (line !== undefined) return line;
    if (running.child.exitCode !== null || Date.now() > deadlineMs) {
      throw new Error(`the launcher was not ready (exit code ${String(running.child.exitCode)}): ${running.stderrLines.join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function expectCleanStop(running: RunningLauncher): Promise<void> {
  running.child.kill('SIGTERM');
  const { code, signal } = await withTimeout(running.exited, stopTimeoutMs, 'the launcher did not stop after SIGTERM');
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(running.stdoutLines.at(-1)).toBe('twinledger-neo4j stopped');
}

async function withDriver(port: number, use: (driver: ReturnType<typeof neo4j.driver>) => Promise<void>): Promise<void> {
  // No credentials: the launcher disables authentication, so a connection that offers none is accepted.
  const driver = neo4j.driver(`bolt://127.0.0.1:${port}`, undefined, { maxConnectionPoolSize: 1 });
  try {
    await use(driver);
  } finally {
    await driver.close();
  }
}

/** A port the kernel just handed out on loopback; free again once this resolves. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('listening on port 0 gave no port'));
      });
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
