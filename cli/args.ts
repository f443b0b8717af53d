/**
 * Command-line arguments: positionals and `--option value` / `--option=value` pairs, checked against
 * what one command accepts. Every mistake is a `UsageError` whose message fits on one line.
 */

/** Wrong usage; the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ArgumentSpec {
  /** Names of the positionals, for messages: `['<bundle.json>']`. All are required. */
  readonly positionals: readonly string[];
  /** Options that take a value, by name without dashes, each with its value's name for messages. */
  readonly options: Readonly<Record<string, string>>;
  /** Options that must be given. */
  readonly required: readonly string[];
}

export interface ParsedArguments {
  readonly positionals: readonly string[];
  readonly options: ReadonlyMap<string, string>;
}

/**
 * Splits `argv` (the words after the command name) by `spec`. Requires nothing; throws UsageError for
 * an unknown or repeated option, an option without a value, a missing required option, or the wrong
 * number of positionals. `--` ends the options, so a file named `--x` can still be given.
 */
export function parseArguments(command: string, argv: readonly string[], spec: ArgumentSpec): ParsedArguments {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  let optionsEnded = false;
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (optionsEnded || !word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      optionsEnded = true;
      continue;
    }
    if (!word.startsWith('--')) throw new UsageError(`${command}: unknown option ${quote(word)}`);
    const equals = word.indexOf('=');
    const name = word.slice(2, equals < 0 ? undefined : equals);
    const valueName = spec.options[name];
    if (!Object.hasOwn(spec.options, name) || valueName === undefined) throw new UsageError(`${command}: unknown option ${quote(`--${name}`)}`);
    if (options.has(name)) throw new UsageError(`${command}: --${name} is given twice`);
    let value: string | undefined;
    if (equals >= 0) value = word.slice(equals + 1);
    else {
      value = argv[index + 1];
      index += 1;
    }
    if (value === undefined || value === '') throw new UsageError(`${command}: --${name} needs ${valueName}`);
    options.set(name, value);
  }
  for (const name of spec.required) {
    if (!options.has(name)) throw new UsageError(`${command}: --${name} ${spec.options[name] ?? ''} is required`);
  }
  if (positionals.length !== spec.positionals.length) {
    const expected = spec.positionals.length === 0 ? 'no file names' : spec.positionals.join(' ');
    throw new UsageError(`${command}: expected ${expected}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
  }
  return { positionals, options };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
