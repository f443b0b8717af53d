/**
 * The ledger node process. Prints exactly one line on stdout when it serves:
 *   twinledger-ledger-node ready <name> http://127.0.0.1:<port> height <h>
 * Stops cleanly on SIGTERM / SIGINT (the current block finishes, stores close, exit 0). Bad arguments
 * or unusable data print one line on stderr and exit 2 / 1. LEDGER_CPU_PROFILE_DIR: see cpu-profile.ts.
 */
import { parseNodeArgs, ArgsError } from './args.js';
import { startCpuProfile } from './cpu-profile.js';
import { createHttpApi } from './http-api.js';
import { LedgerNode } from './ledger-node.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseNodeArgs(process.argv.slice(2), process.env);
  } catch (error: unknown) {
    if (error instanceof ArgsError) {
      process.stderr.write(`twinledger-ledger-node: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const profile = startCpuProfile(process.env.LEDGER_CPU_PROFILE_DIR, args.name);
  let node: LedgerNode;
  try {
    node = await LedgerNode.open({
      name: args.name,
      consortiumDir: args.consortiumDir,
      dataDir: args.dataDir,
      etcdEndpoints: args.etcdEndpoints,
      peers: args.peers,
      defaultMetrics: true,
      onFatal: (error) => {
        process.stderr.write(`twinledger-ledger-node: stopped: ${oneLine(error)}\n`);
        void shutdown(1);
      },
    });
  } catch (error: unknown) {
    process.stderr.write(`twinledger-ledger-node: cannot start ${args.name}: ${oneLine(error)}\n`);
    process.exit(1);
  }
  const api = createHttpApi(node);
  let port: number;
  try {
    port = await api.listen(args.port);
  } catch (error: unknown) {
    process.stderr.write(`twinledger-ledger-node: cannot listen on port ${args.port}: ${oneLine(error)}\n`);
    await node.close();
    process.exit(1);
  }
  let stopping = false;
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    await api.close();
    await node.close();
    await profile?.stop();
    process.exit(code);
  }
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  process.stdout.write(`twinledger-ledger-node ready ${args.name} http://127.0.0.1:${port} height ${node.height}\n`);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
}

void main();
