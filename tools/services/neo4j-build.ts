/**
 * Builds the embedded Neo4j launcher (tools/neo4j, a Maven project) when, and only when, its sources
 * changed. A warm start reads a few kilobytes of sources, compares one hash and never runs Maven, so
 * `npm start` and the integration tests pay for Maven once per source change, not once per run.
 *
 * The process that runs the launcher lives in ./neo4j.ts; the command line contract it relies on is
 * documented at the top of tools/neo4j/src/main/java/dev/twinledger/neo4j/Launcher.java.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './child.js';
import { ServiceStartError } from './errors.js';
import { requirePrograms } from './programs.js';

export interface Neo4jLauncherPaths {
  /** tools/neo4j: the Maven project. */
  readonly launcherDir: string;
  /** The runnable jar; its manifest puts target/lib/*.jar on the class path, so it moves with lib/. */
  readonly jarPath: string;
  /** Maven's dependency folder next to the jar. */
  readonly libDir: string;
  /** SHA-256 of the sources the current jar was built from; absent until a build succeeds. */
  readonly stampPath: string;
  /** Maven's output from the last build, kept so a failed build can be diagnosed. */
  readonly buildLogPath: string;
}

export interface Neo4jLauncher {
  readonly jarPath: string;
  /** JVM flags to pass before `-jar` (and before or after `-Xmx`); a fresh copy per call. */
  readonly javaArgs: string[];
}

export interface EnsureNeo4jLauncherOptions {
  /** Told when a build starts and ends; a warm start that skips Maven logs nothing. */
  log?: (line: string) => void;
}

/**
 * JVM flags that belong to running the launcher well, so each caller does not rediscover them.
 * The Add-Opens Neo4j needs on Java 17 are in the jar's manifest and need no flag here.
 */
const launcherJavaArgs: readonly string[] = [
  // HotSpot prints its own warnings to stdout by default, which would mix into the launcher's
  // line-based stdout contract.
  '-XX:+DisplayVMOutputToStderr',
  // A DBMS that ran out of heap can stay up refusing every write; exiting lets the supervisor see it.
  '-XX:+ExitOnOutOfMemoryError',
];

const mavenCommand = 'mvn' as const;
const mavenArgs: readonly string[] = ['-q', '-B', 'package'];
/** A cold build downloads about 125 MB from Maven Central; this bounds a hung build, not a slow network. */
const buildTimeoutMs = 15 * 60_000;
/** How long a second process waits for another process's build before giving up. */
const buildLockWaitMs = buildTimeoutMs + 60_000;
const buildLockPollMs = 250;
/** A lock file is created empty and then given its pid; only an unreadable lock older than this is stale. */
const buildLockUnreadableMs = 5_000;
/** tools/neo4j holds one pom and a handful of Java files; far more means the walk went somewhere wrong. */
const sourceFileCountMax = 1_000;
const toolsDirSearchDepthMax = 6;
/** Changes whenever the stamp's meaning changes, so an old stamp never matches a new layout. */
const stampFormat = 'twinledger-neo4j-build-stamp/1';

let pathsCached: Neo4jLauncherPaths | undefined;
let buildInFlight: Promise<void> | undefined;

/**
 * Where the launcher lives. Works from the TypeScript sources (tools/services) and from the compiled
 * output (tools/dist/services) alike by walking up to the folder that holds neo4j/pom.xml.
 */
export function neo4jLauncherPaths(): Neo4jLauncherPaths {
  if (pathsCached !== undefined) return pathsCached;
  let dir = __dirname;
  for (let depth = 0; depth < toolsDirSearchDepthMax; depth += 1) {
    if (fs.existsSync(path.join(dir, 'neo4j', 'pom.xml'))) {
      const launcherDir = path.join(dir, 'neo4j');
      const targetDir = path.join(launcherDir, 'target');
      pathsCached = {
        launcherDir,
        jarPath: path.join(targetDir, 'twinledger-neo4j.jar'),
        libDir: path.join(targetDir, 'lib'),
        stampPath: path.join(targetDir, '.build-stamp'),
        buildLogPath: path.join(targetDir, 'build.log'),
      };
      return pathsCached;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ServiceStartError(`cannot find tools/neo4j/pom.xml above ${__dirname}: the checkout is incomplete`);
}

/**
 * Returns a runnable launcher jar, building it with `mvn -q -B package` first if pom.xml or anything under
 * src/ changed since the last successful build (or the jar or its lib folder is missing).
 *
 * Requires `java` on PATH always, and `mvn` only when a build is needed; throws MissingDependencyError
 * otherwise. A failed build throws ServiceStartError naming the command and the log that holds Maven's
 * output. Safe to call concurrently, within a process and across processes sharing the checkout: one
 * build runs, the others wait for it.
 */
export async function ensureNeo4jLauncherBuilt(options: EnsureNeo4jLauncherOptions = {}): Promise<Neo4jLauncher> {
  requirePrograms(['java']);
  const paths = neo4jLauncherPaths();
  if (!(await isBuildCurrent(paths, await sourceDigest(paths.launcherDir)))) {
    buildInFlight ??= buildUnderLock(paths, options.log).finally(() => {
      buildInFlight = undefined;
    });
    await buildInFlight;
  }
  return { jarPath: paths.jarPath, javaArgs: [...launcherJavaArgs] };
}

/**
 * SHA-256 over pom.xml and every file under src/, each as its relative path and its bytes, in path order,
 * so an edit, an added, a removed or a renamed file each change it.
 */
async function sourceDigest(launcherDir: string): Promise<string> {
  const files = ['pom.xml', ...(await listFiles(launcherDir, 'src'))].sort();
  const hash = createHash('sha256').update(`${stampFormat}\n`);
  for (const relativePath of files) {
    const bytes = await fs.promises.readFile(path.join(launcherDir, relativePath));
    hash.update(`${relativePath}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/** Relative paths with `/` separators, so the digest is the same on every platform. */
async function listFiles(rootDir: string, relativeDir: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [relativeDir];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === undefined) break;
    const entries = await fs.promises.readdir(path.join(rootDir, current), { withFileTypes: true });
    for (const entry of entries) {
      const relativePath = `${current}/${entry.name}`;
      if (entry.isDirectory()) pending.push(relativePath);
      else if (entry.isFile()) found.push(relativePath);
      if (found.length > sourceFileCountMax) {
        throw new ServiceStartError(`${path.join(rootDir, relativeDir)} holds more than ${sourceFileCountMax} files: is a build output inside src/?`);
      }
    }
  }
  return found;
}

async function isBuildCurrent(paths: Neo4jLauncherPaths, digest: string): Promise<boolean> {
  const stamp = await fs.promises.readFile(paths.stampPath, 'utf8').catch(() => undefined);
  return stamp?.trim() === digest && fs.existsSync(paths.jarPath) && fs.existsSync(paths.libDir);
}

/**
 * Another process (a parallel test worker, a second `npm start`) may be building into the same target/
 * folder; a lock file holding the builder's pid keeps two Maven runs from interleaving there. A lock whose
 * pid is gone is stale and taken over.
 */
async function buildUnderLock(paths: Neo4jLauncherPaths, log: ((line: string) => void) | undefined): Promise<void> {
  const targetDir = path.dirname(paths.jarPath);
  const lockPath = path.join(targetDir, '.build-lock');
  fs.mkdirSync(targetDir, { recursive: true });
  const waitStartedMs = Date.now();
  let announcedWait = false;
  for (;;) {
    if (tryCreateLock(lockPath)) break;
    const holderPid = readLockHolder(lockPath);
    if (holderPid === undefined ? lockAgeMs(lockPath) > buildLockUnreadableMs : !isProcessAlive(holderPid)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() - waitStartedMs > buildLockWaitMs) {
      throw new ServiceStartError(`the Neo4j launcher build by process ${holderPid ?? '(unknown)'} did not finish within ${buildLockWaitMs} ms: stop it or remove ${lockPath}`);
    }
    if (!announcedWait) {
      log?.(`waiting for process ${holderPid ?? '(unknown)'}, which is building the Neo4j launcher`);
      announcedWait = true;
    }
    await sleep(buildLockPollMs);
  }
  try {
    // The other process may have finished the same build while this one waited.
    if (await isBuildCurrent(paths, await sourceDigest(paths.launcherDir))) return;
    await build(paths, log);
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

async function build(paths: Neo4jLauncherPaths, log: ((line: string) => void) | undefined): Promise<void> {
  requirePrograms([mavenCommand]);
  // The digest is taken before Maven reads the sources: an edit made during the build then leaves a stamp
  // that no longer matches, and the next start builds again instead of trusting a jar built from older files.
  const digest = await sourceDigest(paths.launcherDir);
  // A stale stamp must not survive a build that dies halfway; old classes and jars must not outlive the
  // sources or the dependency versions that produced them (copy-dependencies only adds files).
  fs.rmSync(paths.stampPath, { force: true });
  fs.rmSync(paths.libDir, { recursive: true, force: true });
  fs.rmSync(path.join(paths.launcherDir, 'target', 'classes'), { recursive: true, force: true });

  const command = `${mavenCommand} ${mavenArgs.join(' ')}`;
  log?.(`building the Neo4j launcher: ${command} in ${paths.launcherDir} (the first build downloads about 125 MB from Maven Central)`);
  const startedMs = Date.now();
  const outcome = await runToLog(mavenCommand, mavenArgs, paths.launcherDir, paths.buildLogPath, buildTimeoutMs);
  if (outcome !== 0) {
    const how = outcome === 'timeout' ? `did not finish within ${buildTimeoutMs} ms` : `failed (${outcome})`;
    throw new ServiceStartError(`${command} in ${paths.launcherDir} ${how}: Maven's output is in ${paths.buildLogPath}`);
  }
  if (!fs.existsSync(paths.jarPath) || !fs.existsSync(paths.libDir)) {
    throw new ServiceStartError(`${command} in ${paths.launcherDir} succeeded but left no ${paths.jarPath} with its lib/ folder: see ${paths.buildLogPath}`);
  }
  const stampTemporaryPath = `${paths.stampPath}.${process.pid}`;
  fs.writeFileSync(stampTemporaryPath, `${digest}\n`);
  fs.renameSync(stampTemporaryPath, paths.stampPath);
  log?.(`built the Neo4j launcher in ${Date.now() - startedMs} ms`);
}

/** Runs a command with stdout and stderr appended to a fresh log file; resolves with how it ended. */
function runToLog(command: string, args: readonly string[], cwd: string, logPath: string, timeoutMs: number): Promise<0 | 'timeout' | string> {
  const logFd = fs.openSync(logPath, 'w');
  return new Promise((resolve) => {
    let timedOut = false;
    const child = spawn(command, args, { cwd, stdio: ['ignore', logFd, logFd] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (outcome: 0 | 'timeout' | string): void => {
      clearTimeout(timer);
      fs.closeSync(logFd);
      resolve(outcome);
    };
    child.once('error', (error) => finish(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (timedOut) finish('timeout');
      else if (code === 0) finish(0);
      else finish(code === null ? `killed by ${String(signal)}` : `exit code ${code}`);
    });
  });
}

function tryCreateLock(lockPath: string): boolean {
  try {
    fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readLockHolder(lockPath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function lockAgeMs(lockPath: string): number {
  try {
    return Date.now() - fs.statSync(lockPath).mtimeMs;
  } catch {
    // Gone already: as good as stale, and the next attempt to create it decides.
    return Number.POSITIVE_INFINITY;
  }
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}
