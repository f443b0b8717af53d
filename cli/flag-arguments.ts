/**
 * Arguments for commands that take an on/off flag (`--no-wait`) or an optional positional, which the
 * shared parser does not describe: flags are taken out first, the positionals are counted, and the
 * rest goes through `parseArguments` with the matching spec, so every other mistake reads the same.
 * A flag that is present appears in `options` with the value "true".
 */
import { parseArguments, UsageError, type ArgumentSpec, type ParsedArguments } from './args.js';

export interface FlagArgumentSpec {
  readonly options: Readonly<Record<string, string>>;
  readonly required: readonly string[];
  /** Options without a value, by name without dashes. */
  readonly flags: readonly string[];
  /** Names of positionals that may be given, all or none: `['<signed-tx.json>']`. */
  readonly optionalPositionals: readonly string[];
}

/** Splits `argv` by `spec`. Requires nothing; throws UsageError like `parseArguments`, and for a flag given a value or twice. */
export function parseFlagArguments(command: string, argv: readonly string[], spec: FlagArgumentSpec): ParsedArguments {
  const flags = new Set<string>();
  const rest: string[] = [];
  let optionsEnded = false;
  for (const word of argv) {
    const name = !optionsEnded && word.startsWith('--') ? word.slice(2).split('=')[0] ?? '' : '';
    if (word === '--') optionsEnded = true;
    if (name !== '' && spec.flags.includes(name)) {
      if (word.includes('=')) throw new UsageError(`${command}: --${name} takes no value`);
      if (flags.has(name)) throw new UsageError(`${command}: --${name} is given twice`);
      flags.add(name);
      continue;
    }
    rest.push(word);
  }
  const positionalCount = countPositionals(rest, spec.options);
  const positionals = positionalCount === 0 ? [] : spec.optionalPositionals;
  const argumentSpec: ArgumentSpec = { positionals, options: spec.options, required: spec.required };
  const parsed = parseArguments(command, rest, argumentSpec);
  const options = new Map(parsed.options);
  for (const flag of flags) options.set(flag, 'true');
  return { positionals: parsed.positionals, options };
}

/** Words that are positionals, as `parseArguments` would see them: option values are skipped. */
function countPositionals(argv: readonly string[], options: Readonly<Record<string, string>>): number {
  let count = 0;
  let optionsEnded = false;
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (optionsEnded || !word.startsWith('-') || word === '-') count += 1;
    else if (word === '--') optionsEnded = true;
    else if (word.startsWith('--') && !word.includes('=') && Object.hasOwn(options, word.slice(2))) index += 1;
  }
  return count;
}
