import * as fs from 'node:fs';
import * as path from 'node:path';
import { createConsortium, loadConsortium, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';
import { startChild, type ChildHandle } from './child.js';
import { ServiceStartError } from './errors.js';
import { freePort, isPortFree } from './ports.js';
import { repositoryRoot } from './repository.js';

export interface LedgerNodeLayout {
  name: string;
  port: number;
}

export interface LedgerCluster {
  readonly consortiumDir: string;
  readonly consortium: LoadedConsortium;
  /** Base URLs of the nodes, in member order. */
  readonly urls: string[];
  readonly layout: LedgerNodeLayout[];
  readonly children: ChildHandle[];
  /** Stops one node: SIGTERM for a clean stop, SIGKILL for a crash. */
  stopNode(name: string, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped node again on its data folder and port. */
  startNode(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LedgerClusterOptions {
  dataDir: string;
  logDir: string;
  etcdEndpoints: readonly string[];
  /** Members of a new consortium; ignored when `<dataDir>/ledger/consortium` exists. */
  members?: ReadonlyArray<{ name: string; organizationId: string; organizationName: string }>;
  origin?: string;
}

const layoutFileName = 'nodes.json';
const membersDefault = [
  { name: 'alpha', organizationId: 'alpha-industries', organizationName: 'Alpha Industries' },
  { name: 'beta', organizationId: 'beta-logistics', organizationName: 'Beta Logistics' },
  { name: 'gamma', organizationId: 'gamma-finance', organizationName: 'Gamma Finance' },
];
const nodeReadyTimeoutMs = 120_000;

/** The compiled node entry point (also when tests run this module from its TypeScript source). */
function nodeMainPath(): string {
  return path.join(repositoryRoot(), 'ledger-core', 'dist', 'node', 'main.js');
}

/**
 * Starts one ledger node process per consortium member under `<dataDir>/ledger/<member>`. The first start
 * creates the consortium (genesis, node and organisation keys) in `<dataDir>/ledger/consortium` and picks
 * each node's port; both are kept, so a restarted node is found by its peers where it was.
 */
export async function startLedgerCluster(options: LedgerClusterOptions): Promise<LedgerCluster> {
  const ledgerDir = path.join(options.dataDir, 'ledger');
  const consortiumDir = path.join(ledgerDir, 'consortium');
  fs.mkdirSync(ledgerDir, { recursive: true });
  const consortium = fs.existsSync(path.join(consortiumDir, 'genesis.json'))
    ? loadConsortium(consortiumDir)
    : createConsortium({ dir: consortiumDir, origin: options.origin ?? 'twinledger.local/ledger', members: options.members ?? membersDefault });
  const layout = await loadOrCreateLayout(ledgerDir, consortium.genesis.members.map((member) => member.name));
  const urls = layout.map((node) => `http://127.0.0.1:${node.port}`);
  const children = new Map<string, ChildHandle>();

  const startNode = async (node: LedgerNodeLayout): Promise<void> => {
    const peers = layout.filter((peer) => peer.name !== node.name).map((peer) => `${peer.name}=http://127.0.0.1:${peer.port}`);
    const child = await startChild({
      name: `ledger-${node.name}`,
      command: process.execPath,
      args: [
        nodeMainPath(),
        '--name', node.name,
        '--consortium-dir', consortiumDir,
        '--data-dir', path.join(ledgerDir, node.name),
        '--etcd', options.etcdEndpoints.join(','),
        '--port', String(node.port),
        '--peers', peers.join(','),
      ],
      logFile: path.join(options.logDir, `ledger-${node.name}.log`),
      readyLine: /^twinledger-ledger-node ready /,
      readyTimeoutMs: nodeReadyTimeoutMs,
    });
    children.set(node.name, child);
  };
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map((child) => child.stop()));
    children.clear();
  };
  const nodeByName = (name: string): LedgerNodeLayout => {
    const node = layout.find((entry) => entry.name === name);
    if (node === undefined) throw new ServiceStartError(`no ledger node named ${name}`);
    return node;
  };

  try {
    await Promise.all(layout.map(startNode));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    consortiumDir,
    consortium,
    urls,
    layout,
    get children() {
      return [...children.values()];
    },
    stopNode: async (name, signal = 'SIGTERM') => {
      nodeByName(name);
      const child = children.get(name);
      children.delete(name);
      if (child === undefined) return;
      if (signal === 'SIGKILL') {
        process.kill(-child.pid, 'SIGKILL');
        await child.exited;
      } else {
        await child.stop();
      }
    },
    startNode: async (name) => startNode(nodeByName(name)),
    stop,
  };
}

async function loadOrCreateLayout(ledgerDir: string, names: readonly string[]): Promise<LedgerNodeLayout[]> {
  const layoutPath = path.join(ledgerDir, layoutFileName);
  if (fs.existsSync(layoutPath)) {
    const layout = JSON.parse(fs.readFileSync(layoutPath, 'utf8')) as LedgerNodeLayout[];
    for (const node of layout) {
      if (!(await isPortFree(node.port))) {
        throw new ServiceStartError(`ledger node ${node.name} of ${ledgerDir} needs port ${node.port}, which another process holds`);
      }
    }
    return layout;
  }
  const layout: LedgerNodeLayout[] = [];
  for (const name of names) {
    let port = await freePort();
    while (layout.some((node) => node.port === port)) port = await freePort();
    layout.push({ name, port });
  }
  fs.writeFileSync(layoutPath, `${JSON.stringify(layout, null, 2)}\n`);
  return layout;
}
