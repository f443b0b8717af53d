import { componentOf, cpuMsByComponent, descendantsOf, parseMachineCpuTicks, parseProcStat, type ProcessSample } from './process-cpu.js';

// A line as Linux writes it (proc(5)): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
const statLine = (comm: string, parentPid: number, userTicks: number, systemTicks: number): string =>
  `4242 (${comm}) S ${parentPid} 4242 4242 0 -1 4194560 1000 0 0 0 ${userTicks} ${systemTicks} 0 0 20 0 11 0 123 456 789\n`;

function sample(pid: number, parentPid: number, cpuTicks: number, commandLine: string[]): ProcessSample {
  return { pid, parentPid, cpuTicks, commandLine };
}

describe('parseProcStat', () => {
  it('reads the parent pid and adds user and system ticks', () => {
    expect(parseProcStat(statLine('node', 17, 250, 40))).toEqual({ parentPid: 17, cpuTicks: 290 });
  });

  it('counts fields after the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStat(statLine('a) S 99 (b', 17, 3, 4))).toEqual({ parentPid: 17, cpuTicks: 7 });
  });

  it('refuses text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('4242 (node) S')).toBeUndefined();
    expect(parseProcStat('4242 (node) S x 1 1 0 -1 0 0 0 0 0 a b')).toBeUndefined();
  });
});

describe('componentOf', () => {
  it.each([
    [['java', '-XX:+ExitOnOutOfMemoryError', '-cp', 'x.jar'], 'neo4j'],
    [['/usr/bin/java', '-cp', 'x.jar'], 'neo4j'],
    [['redis-server 127.0.0.1:45885'], 'redis'],
    [['/usr/bin/redis-server', '--port', '1'], 'redis'],
    [['etcd', '--name', 'member-1'], 'etcd'],
    [['/usr/bin/node', '/repo/ledger-core/dist/node/main.js', '--name', 'n1'], 'ledger nodes'],
    [['/usr/bin/node', '/repo/gateway/dist/main.js', '--supergraph', 'x'], 'gateway'],
    [['/usr/bin/node', '/repo/workers/dist/commands/main.js', '--redis', 'x'], 'command worker'],
    [['/usr/bin/node', '/repo/workers/dist/projector/main.js', '--ledger', 'x'], 'projector'],
    [['/usr/bin/node', '/repo/subgraphs/dist/identity/main.js', '--port', '1'], 'identity subgraph'],
    [['/usr/bin/node', '/repo/subgraphs/dist/ledger/main.js', '--port', '1'], 'ledger subgraph'],
    [['/usr/bin/node', '/repo/subgraphs/dist/supply/main.js', '--port', '1'], 'other subgraphs'],
    [['/usr/bin/node', '/repo/subgraphs/dist/epcis/main.js', '--port', '1'], 'other subgraphs'],
    [['/usr/bin/node', '/repo/somewhere/else.js'], 'node'],
    [[], 'other'],
  ])('%j is %s', (commandLine, component) => {
    expect(componentOf(commandLine)).toBe(component);
  });
});

describe('descendantsOf', () => {
  it('follows parent pids down every level and leaves other processes out', () => {
    const samples = new Map(
      [sample(1, 0, 0, ['init']), sample(10, 1, 0, ['bench']), sample(11, 10, 0, ['java']), sample(12, 11, 0, ['child of java']), sample(20, 1, 0, ['other user'])].map(
        (entry) => [entry.pid, entry] as const,
      ),
    );
    expect([...descendantsOf(10, samples)].sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it('stops on a cycle of parent pids', () => {
    const samples = new Map([sample(10, 11, 0, ['a']), sample(11, 10, 0, ['b'])].map((entry) => [entry.pid, entry] as const));
    expect([...descendantsOf(10, samples)].sort((a, b) => a - b)).toEqual([10, 11]);
  });
});

describe('cpuMsByComponent', () => {
  const nodeLedger = ['/usr/bin/node', '/r/ledger-core/dist/node/main.js'];
  const before = new Map(
    [sample(10, 1, 500, ['node', 'bench.js']), sample(11, 10, 100, nodeLedger), sample(12, 10, 200, nodeLedger), sample(13, 10, 50, ['java']), sample(30, 1, 0, ['elsewhere'])].map(
      (entry) => [entry.pid, entry] as const,
    ),
  );

  it('adds the ticks each descendant spent in the window by component, largest first, in milliseconds', () => {
    const after = new Map(
      [
        sample(10, 1, 520, ['node', 'bench.js']),
        sample(11, 10, 180, nodeLedger),
        sample(12, 10, 260, nodeLedger),
        sample(13, 10, 150, ['java']),
        // Started during the window: all of its ticks count.
        sample(14, 10, 5, ['etcd']),
        // Not the benchmark's: left out however busy.
        sample(30, 1, 900, ['elsewhere']),
      ].map((entry) => [entry.pid, entry] as const),
    );
    expect(cpuMsByComponent(before, after, 10, 'load process', 100)).toEqual([
      { component: 'ledger nodes', cpuMs: 1400 },
      { component: 'neo4j', cpuMs: 1000 },
      { component: 'load process', cpuMs: 200 },
      { component: 'etcd', cpuMs: 50 },
    ]);
  });

  it('counts a reused pid from zero and leaves out a process gone by the end', () => {
    const after = new Map([sample(10, 1, 500, ['node', 'bench.js']), sample(12, 10, 30, ['etcd'])].map((entry) => [entry.pid, entry] as const));
    expect(cpuMsByComponent(before, after, 10, 'load process', 100)).toEqual([
      { component: 'etcd', cpuMs: 300 },
      { component: 'load process', cpuMs: 0 },
    ]);
  });
});

describe('parseMachineCpuTicks', () => {
  it('counts all but idle and iowait as busy, and leaves out the guest fields already in user', () => {
    const text = 'cpu  100 5 30 800 20 3 2 1 40 0\ncpu0 50 2 15 400 10 1 1 0 20 0\nintr 1\n';
    expect(parseMachineCpuTicks(text)).toEqual({ busyTicks: 141, totalTicks: 961 });
  });

  it('refuses text without the cpu line', () => {
    expect(() => parseMachineCpuTicks('intr 1\n')).toThrow('no cpu line');
  });
});
