/**
 * The `twinledger` command, as a function from arguments and an I/O surface to an exit code, so tests
 * run every command in-process and `main.ts` is a thin driver. Commands live in one table: a new one
 * (`submit`, `status`) is one entry with its words, its arguments and its function.
 *
 * Output contract, which scripts rely on: a check prints exactly one line on standard output, `valid: …`
 * (exit 0) or `invalid: <code>: <reason>` (exit 1); a usage mistake or an unusable file prints one line
 * on standard error starting `twinledger: ` (exit 2). See `ExitCode`.
 */
import { createNodeCryptoVerifier, type Ed25519Verifier } from '@twinledger/ledger-core';
import { parseArguments, UsageError, type ArgumentSpec, type ParsedArguments } from './args.js';
import { verifyCheckpointNote } from './commands/checkpoint-verify.js';
import { FileError } from './commands/files.js';
import { keysNew } from './commands/keys-new.js';
import { proof } from './commands/proof.js';
import { status } from './commands/status.js';
import { submit, submitInput } from './commands/submit.js';
import { verifyBundle } from './commands/verify-bundle.js';
import { parseFlagArguments } from './flag-arguments.js';
import { ExitCode, type CliIo } from './io.js';
import { oneLine } from './one-line.js';

export interface RunOptions {
  /** Checks Ed25519 signatures; node:crypto's by default. Every verifier applies the same pinned rule. */
  readonly verifier?: Ed25519Verifier;
}

interface CommandContext {
  readonly io: CliIo;
  readonly verifier: Ed25519Verifier;
}

interface Command {
  /** The words that name the command: `['verify']`, `['keys', 'new']`. */
  readonly words: readonly string[];
  /** Its arguments as the help shows them. */
  readonly synopsis: string;
  /** What it does, for the help; lines of at most 90 characters. */
  readonly description: readonly string[];
  readonly arguments: ArgumentSpec;
  /** Parses the words after the command instead of `arguments`, for flags and optional positionals. */
  readonly parse?: (command: string, argv: readonly string[]) => ParsedArguments;
  readonly run: (args: ParsedArguments, context: CommandContext) => Promise<ExitCode>;
}

const commands: readonly Command[] = [
  {
    words: ['verify'],
    synopsis: '<bundle.json> --consortium <file>',
    description: ["Checks a transaction's proof bundle offline against the consortium's keys."],
    arguments: { positionals: ['<bundle.json>'], options: { consortium: '<file>' }, required: ['consortium'] },
    run: (args, { io, verifier }) =>
      verifyBundle({ bundlePath: args.positionals[0] as string, consortiumPath: args.options.get('consortium') as string }, io, verifier),
  },
  {
    words: ['checkpoint', 'verify'],
    synopsis: '<note-file> --consortium <file>',
    description: ['Checks that a checkpoint note is a quorum certificate of the consortium.'],
    arguments: { positionals: ['<note-file>'], options: { consortium: '<file>' }, required: ['consortium'] },
    run: (args, { io, verifier }) =>
      verifyCheckpointNote({ notePath: args.positionals[0] as string, consortiumPath: args.options.get('consortium') as string }, io, verifier),
  },
  {
    words: ['keys', 'new'],
    synopsis: '[--name <name>] [--out <file>]',
    description: [
      'Makes an Ed25519 key; prints its did:key, base64 public key and signed-note verifier key.',
      'The private key, as signed-note signer key text (PRIVATE+KEY+<name>+<id>+<key>), is',
      'written to <file> with mode 0600 (never over an existing file), or printed without --out.',
      'The key name defaults to the did:key.',
    ],
    arguments: { positionals: [], options: { name: '<name>', out: '<file>' }, required: [] },
    run: (args, { io }) => keysNew({ name: args.options.get('name'), outPath: args.options.get('out') }, io),
  },
  {
    words: ['submit'],
    synopsis: '--node <url>[,<url>...] (--key <key file> --type <type> --payload <json or @file> | <signed-tx.json>) [--no-wait]',
    description: [
      'Sends a transaction to the ledger, trying the next node when one is down. Builds and signs it',
      'from --key (signer key text, as keys new writes it), --type and --payload, or sends the signed',
      'transaction in <signed-tx.json>. Waits for its block and prints `accepted: tx <id> at height <h>',
      'position <p>` (exit 0) or `rejected: tx <id> at height <h>: <CODE>: <reason>` (exit 1); with',
      '--no-wait, or when the wait runs out, `pending: tx <id>` (exit 0).',
    ],
    arguments: { positionals: [], options: { node: '<url>[,<url>...]', key: '<key file>', type: '<type>', payload: '<json or @file>' }, required: ['node'] },
    parse: (name, argv) =>
      parseFlagArguments(name, argv, {
        options: { node: '<url>[,<url>...]', key: '<key file>', type: '<type>', payload: '<json or @file>' },
        required: ['node'],
        flags: ['no-wait'],
        optionalPositionals: ['<signed-tx.json>'],
      }),
    run: (args, { io, verifier }) => submit(submitInput(args.positionals, args.options), io, verifier),
  },
  {
    words: ['status'],
    synopsis: '--node <url>[,<url>...]',
    description: [
      'Prints one line per node: `<name> height <h> qc <q> revision <r> peers <n> alarms <none|codes>`',
      '(n: the peers it reaches), or `<url> unreachable: <why>`. Exit 0 when every node answered',
      'without alarms, 1 otherwise.',
    ],
    arguments: { positionals: [], options: { node: '<url>[,<url>...]' }, required: ['node'] },
    run: (args, { io }) => status(args.options.get('node') as string, io),
  },
  {
    words: ['proof'],
    synopsis: '<txId> --node <url>[,<url>...] --out <bundle.json>',
    description: [
      "Saves a transaction's proof bundle, as a node serves it, to a new file for twinledger verify.",
      'Prints `not found: tx <id>` (exit 1) when no node has the transaction.',
    ],
    arguments: { positionals: ['<txId>'], options: { node: '<url>[,<url>...]', out: '<bundle.json>' }, required: ['node', 'out'] },
    run: (args, { io }) => proof(args.positionals[0] as string, args.options.get('node') as string, args.options.get('out') as string, io),
  },
];

/** The help text: every command with its synopsis and description, and the exit codes. */
export function usage(): string {
  const lines = ['Usage: twinledger <command> [arguments]', '', 'Commands:'];
  for (const command of commands) {
    lines.push(`  twinledger ${command.words.join(' ')} ${command.synopsis}`, ...command.description.map((line) => `      ${line}`));
  }
  lines.push(
    '  twinledger --help',
    '      Prints this text.',
    '',
    `Exit codes: ${ExitCode.ok} valid, or done; ${ExitCode.invalid} invalid (or rejected, not found, unhealthy); ${ExitCode.usage} wrong usage,`,
    `a file that cannot be read or written, a malformed consortium file, or input a node refused;`,
    `${ExitCode.unreachable} no ledger node gave a usable answer; ${ExitCode.internal} internal error.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the command `argv` names (the arguments after the program name). Requires nothing of `argv`;
 * resolves to the exit code, having written the command's output through `io`. Rejects only on a bug.
 */
export async function run(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<ExitCode> {
  const optionWords = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (argv[0] === 'help' || optionWords.includes('--help') || optionWords.includes('-h')) {
    io.stdout(usage());
    return ExitCode.ok;
  }
  try {
    const command = findCommand(argv);
    const name = command.words.join(' ');
    const words = argv.slice(command.words.length);
    const args = command.parse === undefined ? parseArguments(name, words, command.arguments) : command.parse(name, words);
    return await command.run(args, { io, verifier: options.verifier ?? createNodeCryptoVerifier() });
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      io.stderr(`${oneLine(`twinledger: ${error.message} (see twinledger --help)`)}\n`);
      return ExitCode.usage;
    }
    if (error instanceof FileError) {
      io.stderr(`${oneLine(`twinledger: ${error.message}`)}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
}

/** The command whose words begin `argv`, or a UsageError saying which words are not a command. */
function findCommand(argv: readonly string[]): Command {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError('no command given');
  const command = commands.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  if (command !== undefined) return command;
  const group = commands.filter((candidate) => candidate.words.length > 1 && candidate.words[0] === first);
  if (group.length > 0) {
    const choices = group.map((candidate) => candidate.words.slice(1).join(' ')).join(', ');
    if (second === undefined || second.startsWith('-')) throw new UsageError(`${first} needs a subcommand: ${choices}`);
    throw new UsageError(`unknown command ${JSON.stringify(`${first} ${second}`.slice(0, 80))}; ${first} has: ${choices}`);
  }
  throw new UsageError(`unknown command ${JSON.stringify(first.slice(0, 80))}`);
}
