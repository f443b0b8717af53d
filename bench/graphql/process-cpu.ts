/**
 * CPU time of the platform's processes over a measured window, grouped by component, from Linux's
 * `/proc/<pid>/stat`: which part of the platform spends how much CPU per mutation under load. The
 * platform's processes are the benchmark process's descendants, so other work on the machine is left out.
 * Parsing and grouping are pure; `readProcessSamples` and `readMachineCpuTicks` are the I/O.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface ProcessSample {
  readonly pid: number;
  readonly parentPid: number;
  /** User plus system time, in clock ticks. */
  readonly cpuTicks: number;
  /** `/proc/<pid>/cmdline`, split at its NUL bytes. */
  readonly commandLine: readonly string[];
}

/**
 * The parent pid and user + system ticks from the text of `/proc/<pid>/stat`. The command name in
 * parentheses may itself hold spaces and parentheses, so fields are counted after its last `)`.
 * Returns undefined for text that is not a stat line.
 */
export function parseProcStat(text: string): { parentPid: number; cpuTicks: number } | undefined {
  const nameEnd = text.lastIndexOf(')');
  if (nameEnd < 0) return undefined;
  // After ") ": state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
  const fields = text.slice(nameEnd + 2).trim().split(' ');
  const parentPid = Number(fields[1]);
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (![parentPid, userTicks, systemTicks].every((value) => Number.isSafeInteger(value) && value >= 0)) return undefined;
  return { parentPid, cpuTicks: userTicks + systemTicks };
}

const nodeEntryPoints: ReadonlyArray<readonly [RegExp, string]> = [
  [/ledger-core\/dist\/node\/main\.js$/, 'ledger nodes'],
  [/gateway\/dist\/main\.js$/, 'gateway'],
  [/workers\/dist\/commands\/main\.js$/, 'command worker'],
  [/workers\/dist\/projector\/main\.js$/, 'projector'],
  [/subgraphs\/dist\/identity\/main\.js$/, 'identity subgraph'],
  // Named apart: the query path's provenance and proof bundles run here.
  [/subgraphs\/dist\/ledger\/main\.js$/, 'ledger subgraph'],
  [/subgraphs\/dist\/[a-z-]+\/main\.js$/, 'other subgraphs'],
];

/** The component a process belongs to, from its command line. */
export function componentOf(commandLine: readonly string[]): string {
  const program = (commandLine[0] ?? '').split('/').pop() ?? '';
  if (program === 'java') return 'neo4j';
  if (program.startsWith('redis-server')) return 'redis';
  if (program === 'etcd') return 'etcd';
  for (const argument of commandLine.slice(1, 3)) {
    for (const [pattern, component] of nodeEntryPoints) if (pattern.test(argument)) return component;
  }
  return program === '' ? 'other' : program;
}

/** `rootPid` and every process below it, following parent pids. */
export function descendantsOf(rootPid: number, samples: ReadonlyMap<number, ProcessSample>): Set<number> {
  const children = new Map<number, number[]>();
  for (const sample of samples.values()) {
    const siblings = children.get(sample.parentPid) ?? [];
    siblings.push(sample.pid);
    children.set(sample.parentPid, siblings);
  }
  const found = new Set<number>([rootPid]);
  const frontier = [rootPid];
  // Each pid enters the frontier once: the set stops a cycle, which pids reused mid-read could fake.
  while (frontier.length > 0) {
    for (const child of children.get(frontier.pop()!) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/**
 * CPU milliseconds per component between two samplings, over the descendants of `rootPid` in `after`
 * (a process started in between counts from zero; one gone by `after` is not counted). `rootPid`
 * itself is labelled `rootComponent`. Sorted by CPU, largest first.
 */
export function cpuMsByComponent(
  before: ReadonlyMap<number, ProcessSample>,
  after: ReadonlyMap<number, ProcessSample>,
  rootPid: number,
  rootComponent: string,
  ticksPerSecond: number,
): Array<{ component: string; cpuMs: number }> {
  const totals = new Map<string, number>();
  for (const pid of descendantsOf(rootPid, after)) {
    const sample = after.get(pid);
    if (sample === undefined) continue;
    const earlier = before.get(pid);
    // A reused pid belongs to a different process: its ticks are its own from zero.
    const startTicks = earlier !== undefined && earlier.commandLine.join('\0') === sample.commandLine.join('\0') ? earlier.cpuTicks : 0;
    const component = pid === rootPid ? rootComponent : componentOf(sample.commandLine);
    totals.set(component, (totals.get(component) ?? 0) + ((sample.cpuTicks - startTicks) * 1000) / ticksPerSecond);
  }
  return [...totals].map(([component, cpuMs]) => ({ component, cpuMs })).sort((a, b) => b.cpuMs - a.cpuMs);
}

/** Every readable process's sample now. Processes that exit while being read are skipped. */
export function readProcessSamples(): Map<number, ProcessSample> {
  const samples = new Map<number, ProcessSample>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parsed = parseProcStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (parsed === undefined) continue;
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
      samples.set(Number(entry), { pid: Number(entry), ...parsed, commandLine });
    } catch {
      // The process exited between listing and reading.
    }
  }
  return samples;
}

/** Busy and total ticks of all CPUs from `/proc/stat` (busy = all but idle and iowait). */
export function parseMachineCpuTicks(procStatText: string): { busyTicks: number; totalTicks: number } {
  const line = procStatText.split('\n').find((text) => text.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat has no cpu line');
  // user nice system idle iowait irq softirq steal; the guest fields after them are already in user.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const totalTicks = ticks.reduce((sum, value) => sum + value, 0);
  return { busyTicks: totalTicks - (ticks[3] ?? 0) - (ticks[4] ?? 0), totalTicks };
}

export function readMachineCpuTicks(): { busyTicks: number; totalTicks: number } {
  return parseMachineCpuTicks(fs.readFileSync('/proc/stat', 'utf8'));
}

/** The kernel's clock ticks per second (`getconf CLK_TCK`), which `/proc` counts in. */
export function clockTicksPerSecond(): number {
  const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`getconf CLK_TCK answered ${value}`);
  return value;
}
