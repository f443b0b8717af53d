/**
 * The one place the command line reaches the ledger client, so the commands share one import and one
 * way of turning the client's typed errors into a line and an exit code.
 */
import {
  LedgerClient,
  LedgerClientConfigError,
  LedgerProofError,
  LedgerRequestError,
  LedgerResponseError,
  LedgerUnavailableError,
  type LedgerClientOptions,
} from '@twinledger/ledger-core/client';
import { UsageError } from '../args.js';
import { ExitCode, type CliIo } from '../io.js';
import { oneLine } from '../one-line.js';

export {
  buildTransaction,
  LedgerClient,
  LedgerRequestError,
  signingKeyFromFileBytes,
  SigningKeyError,
  signingKeyFileBytesMax,
  type NodeStatus,
  type NodeStatusResult,
  type Pending,
  type Receipt,
} from '@twinledger/ledger-core/client';

/** Most node URLs one `--node` option lists. */
export const nodeUrlsMax = 64;

/**
 * A client for the comma-separated node URLs of `--node`. Requires nothing of the text; throws
 * UsageError when a URL is empty, not http(s), or listed twice. The caller closes the client.
 */
export function clientForNodes(command: string, nodeOption: string, options: Omit<LedgerClientOptions, 'nodes'> = {}): LedgerClient {
  const nodes = nodeOption.split(',').map((url) => url.trim());
  if (nodes.some((url) => url === '')) throw new UsageError(`${command}: --node is a comma-separated list of node URLs without empty entries`);
  if (nodes.length > nodeUrlsMax) throw new UsageError(`${command}: --node lists more than ${nodeUrlsMax} URLs`);
  try {
    return new LedgerClient({ ...options, nodes });
  } catch (error: unknown) {
    if (error instanceof LedgerClientConfigError) throw new UsageError(`${command}: --node: ${error.message}`);
    throw error;
  }
}

/**
 * Reports a client error on one line of standard error and gives its exit code: a node refusing the
 * request (4xx) is bad input, exit 2; no node giving a usable answer (down, or answering outside the
 * API, or serving a proof that does not verify) is exit 3. Rethrows anything else: a bug.
 */
export function reportLedgerError(io: CliIo, error: unknown, what: string): ExitCode {
  if (error instanceof LedgerRequestError) {
    io.stderr(`${oneLine(`twinledger: ${error.node} refused ${what}: ${error.code}: ${error.message}`)}\n`);
    return ExitCode.usage;
  }
  if (error instanceof LedgerUnavailableError) {
    io.stderr(`${oneLine(`twinledger: ${error.message}`)}\n`);
    return ExitCode.unreachable;
  }
  if (error instanceof LedgerResponseError || error instanceof LedgerProofError) {
    io.stderr(`${oneLine(`twinledger: no usable answer: ${error.node}: ${error.code}: ${error.message}`)}\n`);
    return ExitCode.unreachable;
  }
  throw error;
}
