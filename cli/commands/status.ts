/**
 * `twinledger status --node <url>[,<url>...]`: one line per node, so an operator (or a monitoring
 * script) sees at once which nodes are up, how far each has got, and whether any raised an alarm.
 */
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';
import { clientForNodes, type NodeStatus, type NodeStatusResult } from './ledger-client.js';

/** Per-request limit for a status, in milliseconds: a node that takes longer counts as unreachable. */
export const statusTimeoutMs = 5_000;

/**
 * Prints, per node in the order given, `<name> height <h> qc <q> revision <r> peers <n> alarms
 * <none|codes>` (n: peers it reaches) or `<url> unreachable: <why>`. Exit 0 when every node answered
 * without alarms, 1 otherwise. Throws UsageError (exit 2) for a bad --node list.
 */
export async function status(nodes: string, io: CliIo): Promise<ExitCode> {
  const client = clientForNodes('status', nodes, { timeoutMs: statusTimeoutMs });
  let results: readonly NodeStatusResult[];
  try {
    results = await client.status();
  } finally {
    client.close();
  }
  let healthy = true;
  for (const result of results) {
    if (result.ok) {
      if (result.status.alarms.length > 0) healthy = false;
      io.stdout(`${oneLine(describe(result.status))}\n`);
    } else {
      healthy = false;
      io.stdout(`${oneLine(`${result.url} unreachable: ${result.error.code}: ${result.error.message}`)}\n`);
    }
  }
  return healthy ? ExitCode.ok : ExitCode.invalid;
}

function describe(node: NodeStatus): string {
  const peersReached = node.peers.filter((peer) => peer.reachable).length;
  const alarms = node.alarms.length === 0 ? 'none' : node.alarms.map((alarm) => alarm.code).join(',');
  return `${node.node} height ${node.height} qc ${node.qcHeight} revision ${node.appliedRevision} peers ${peersReached} alarms ${alarms}`;
}
