import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { ServiceStartError } from './errors.js';
import { findOnPath } from './programs.js';

export interface ChildOptions {
  /** Short name used in logs and errors, e.g. `redis` or `etcd-2`. */
  name: string;
  command: string;
  args: readonly string[];
  /** Everything the child prints goes here, so a failed start can point at it. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A line on stdout or stderr that means the child is ready; omit to be ready once spawned. */
  readyLine?: RegExp;
  readyTimeoutMs?: number;
}

export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  readonly hasExited: () => boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const readyTimeoutMsDefault = 60_000;
const stopGraceMsDefault = 20_000;
const logTailLineCount = 5;

/**
 * When util-linux's setpriv is present, children are started through it with a parent-death signal,
 * so a supervisor that is killed outright (SIGKILL, OOM) still takes its services down with it.
 */
const setprivPath = findOnPath('setpriv');

/**
 * Starts a long-running service process in its own process group (a Ctrl-C meant for the supervisor does
 * not reach it; the supervisor stops services in order) and waits until it prints its ready line.
 * Throws ServiceStartError naming the log file if it exits or stays silent past the timeout.
 */
export async function startChild(options: ChildOptions): Promise<ChildHandle> {
  const logStream = fs.createWriteStream(options.logFile, { flags: 'a' });
  logStream.write(`--- ${new Date().toISOString()} starting ${options.command} ${options.args.join(' ')}\n`);
  const [command, args] =
    setprivPath === undefined
      ? [options.command, options.args]
      : [setprivPath, ['--pdeathsig', 'SIGTERM', '--', options.command, ...options.args]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    const spawnError = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new ServiceStartError(`${options.name}: cannot run ${options.command}: ${spawnError.message}`);
  }

  let exitedValue: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedValue = code ?? signal ?? 'unknown';
      resolve(exitedValue);
    });
  });
  // Wait for both pipes to drain before closing the log, so the last lines a crashing child printed land.
  const streamsClosed = Promise.all([streamClosed(child.stdout), streamClosed(child.stderr)]);
  void exited.then(async () => {
    await streamsClosed;
    logStream.end();
  });

  const ready = waitForReadyLine(child, logStream, options.readyLine);
  const timeoutMs = options.readyTimeoutMs ?? readyTimeoutMsDefault;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);

  const handle: ChildHandle = {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => exitedValue !== undefined,
    stop: (graceMs = stopGraceMsDefault) => stopProcessGroup(child, exited, () => exitedValue !== undefined, graceMs),
  };

  if (outcome === 'ready') return handle;
  if (outcome === 'exited') await streamsClosed;
  else await handle.stop(1_000);
  const tail = lastLines(options.logFile, logTailLineCount);
  const what = outcome === 'exited' ? `exited (${String(exitedValue)}) before it was ready` : `was not ready within ${timeoutMs} ms`;
  throw new ServiceStartError(`${options.name} ${what}; see ${options.logFile}${tail === '' ? '' : `: ${tail}`}`);
}

function streamClosed(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (stream === null) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.once('end', resolve);
  });
}

async function waitForReadyLine(child: ChildProcess, log: fs.WriteStream, readyLine: RegExp | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (readyLine === undefined) resolve();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => {
        log.write(`${line}\n`);
        if (readyLine?.test(line) === true) resolve();
      });
    }
  });
}

async function stopProcessGroup(
  child: ChildProcess,
  exited: Promise<number | string>,
  hasExited: () => boolean,
  graceMs: number,
): Promise<void> {
  if (hasExited()) return;
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      signalGroup(pid, 'SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, killed]);
  await exited;
  clearTimeout(timer);
}

/** Signals the child's whole process group, so helpers it forked (a JVM's, setpriv's exec) go too. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function lastLines(file: string, count: number): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('--- '));
    return lines.slice(-count).join(' | ');
  } catch {
    return '';
  }
}

/** True while a process with this pid exists (zombies included, which a caller reaps by waiting). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
