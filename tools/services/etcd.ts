import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startChild, type ChildHandle } from './child.js';
import { ServiceStartError } from './errors.js';
import { freePort, isPortFree } from './ports.js';

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
}

/** What an etcd cluster's data folder was created with; reused on restart so peers find each other. */
export interface EtcdClusterLayout {
  token: string;
  members: EtcdMember[];
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly layout: EtcdClusterLayout;
  readonly children: ChildHandle[];
  /** Stops one member (fault tests); the others keep serving while a majority is up. */
  stopMember(name: string): Promise<void>;
  /** Starts a stopped member again on its data folder. */
  startMember(name: string): Promise<void>;
  stop(): Promise<void>;
}

const layoutFileName = 'cluster.json';
const memberCountDefault = 3;
const healthTimeoutMsDefault = 30_000;

/**
 * Starts (or restarts) an etcd cluster of Debian's etcd-server under `<dataDir>/etcd/<member>/`.
 *
 * etcd remembers its members' peer URLs inside its data folder, so the ports chosen on the first start
 * are written to `<dataDir>/etcd/cluster.json` and reused on every later start of the same folder.
 */
export async function startEtcdCluster(dataDir: string, logDir: string, memberCount = memberCountDefault): Promise<EtcdCluster> {
  const etcdDir = path.join(dataDir, 'etcd');
  fs.mkdirSync(etcdDir, { recursive: true });
  const layout = await loadOrCreateLayout(etcdDir, memberCount);
  const initialCluster = layout.members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const children = new Map<string, ChildHandle>();

  const startMember = async (member: EtcdMember): Promise<void> => {
    const memberDir = path.join(etcdDir, member.name);
    const isNew = !fs.existsSync(path.join(memberDir, 'member'));
    const child = await startChild({
      name: `etcd-${member.name}`,
      command: 'etcd',
      args: [
        '--name', member.name,
        '--data-dir', memberDir,
        '--listen-client-urls', `http://127.0.0.1:${member.clientPort}`,
        '--advertise-client-urls', `http://127.0.0.1:${member.clientPort}`,
        '--listen-peer-urls', `http://127.0.0.1:${member.peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${member.peerPort}`,
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', layout.token,
        '--initial-cluster-state', isNew ? 'new' : 'existing',
        '--logger', 'zap',
        '--log-outputs', 'stderr',
      ],
      logFile: path.join(logDir, `etcd-${member.name}.log`),
      // Listening is enough here: serving clients needs a quorum of members, which the health check awaits.
      readyLine: /now serving peer\/client\/metrics/,
    });
    children.set(member.name, child);
  };

  const endpoints = layout.members.map((m) => `http://127.0.0.1:${m.clientPort}`);
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map((child) => child.stop()));
  };
  try {
    await Promise.all(layout.members.map(startMember));
    await waitForEtcdHealth(endpoints, healthTimeoutMsDefault);
  } catch (error) {
    await stop();
    throw error;
  }

  const memberByName = (name: string): EtcdMember => {
    const member = layout.members.find((m) => m.name === name);
    if (member === undefined) throw new ServiceStartError(`no etcd member named ${name}`);
    return member;
  };
  return {
    endpoints,
    layout,
    get children() {
      return [...children.values()];
    },
    stopMember: async (name) => {
      memberByName(name);
      await children.get(name)?.stop();
      children.delete(name);
    },
    startMember: async (name) => startMember(memberByName(name)),
    stop,
  };
}

async function loadOrCreateLayout(etcdDir: string, memberCount: number): Promise<EtcdClusterLayout> {
  const layoutPath = path.join(etcdDir, layoutFileName);
  if (fs.existsSync(layoutPath)) {
    const layout = JSON.parse(fs.readFileSync(layoutPath, 'utf8')) as EtcdClusterLayout;
    for (const member of layout.members) {
      for (const port of [member.clientPort, member.peerPort]) {
        if (!(await isPortFree(port))) {
          throw new ServiceStartError(
            `etcd member ${member.name} of ${etcdDir} needs port ${port}, which another process holds; free it or use another data folder`,
          );
        }
      }
    }
    return layout;
  }
  const members: EtcdMember[] = [];
  const taken = new Set<number>();
  const distinctFreePort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  for (let index = 1; index <= memberCount; index++) {
    members.push({ name: `member-${index}`, clientPort: await distinctFreePort(), peerPort: await distinctFreePort() });
  }
  const layout: EtcdClusterLayout = { token: `twinledger-${randomBytes(6).toString('hex')}`, members };
  fs.writeFileSync(layoutPath, `${JSON.stringify(layout, null, 2)}\n`);
  return layout;
}

/** Resolves once every endpoint answers etcd's /health with {"health":"true"} (its Raft has a leader). */
export async function waitForEtcdHealth(endpoints: readonly string[], timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  const unhealthy = new Set(endpoints);
  let lastProblem = '';
  while (unhealthy.size > 0) {
    for (const endpoint of [...unhealthy]) {
      const problem = await etcdHealthProblem(endpoint);
      if (problem === undefined) unhealthy.delete(endpoint);
      else lastProblem = `${endpoint}: ${problem}`;
    }
    if (unhealthy.size === 0) return;
    if (Date.now() > deadlineMs) throw new ServiceStartError(`etcd not healthy within ${timeoutMs} ms (${lastProblem})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** undefined when healthy, else why not. */
export async function etcdHealthProblem(endpoint: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { health?: string; reason?: string };
    return body.health === 'true' ? undefined : `unhealthy${body.reason ? `: ${body.reason}` : ''}`;
  } catch (error) {
    return (error as Error).message;
  }
}
