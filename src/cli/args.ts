/** Command-line parsing shared by the `gatepass` commands: errors with exit codes, and value checks. */
import { parseScope } from '../index.js';

/** A failure to report in one line on stderr, with the process's exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/** A mistake on the command line: exit code 2, and a hint to `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** One `gatepass` command. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[]): Promise<void>;
}

/**
 * Runs `parseArgs` (strict) and rewrites its errors as a {@link UsageError} that names the option.
 * Values are never echoed: a mistyped flag may be followed by a password or a key.
 */
export function parseOrExplain<T>(parse: () => T, hints: { positional?: string; options?: Record<string, string> } = {}): T {
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const option = /'(-{1,2}[^' =<]*)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`unexpected argument${hints.positional ? `: ${hints.positional}` : ' (this command takes options only)'}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
      const hint = hints.options?.[option];
      throw new UsageError(`unknown option '${option}'${hint ? `: ${hint}` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      if (/does not take an argument/.test(message)) throw new UsageError(`option '${option}' takes no value`);
      if (/ambiguous/.test(message)) throw new UsageError(`option '${option}' needs a value (write ${option}=<value> for one starting with '-')`);
      throw new UsageError(`option '${option}' needs a value`);
    }
    throw new UsageError((message.split('\n')[0] ?? message).replace(/^\w/, (c) => c.toLowerCase()));
  }
}

/** A negative number, as someone may give one to an option that takes a number. */
const NEGATIVE_NUMBER = /^-\d+(?:\.\d+)?$/;

/**
 * Joins `--flag -5` into `--flag=-5` for the options in `numeric`, those whose value is a number.
 * `parseArgs` calls a value starting with '-' ambiguous (it may be a mistyped option) and
 * {@link parseOrExplain} would say the option needs a value; a negative number is a value, which the
 * option's own check then refuses as out of range, naming it. Anything else after the option is left
 * for `parseArgs`, so text that is not a number is never echoed. Arguments after `--` are left alone.
 */
export function numbersAsValues(args: readonly string[], numeric: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (numeric.includes(arg) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses a whole number within bounds, for the option `flag`. */
export function integer(flag: string, value: string, min: number, max: number): number {
  const number = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${value}'`);
  }
  return number;
}

/** Checks that an option's value is one of `choices`. */
export function oneOf<const C extends string>(flag: string, value: string, choices: readonly C[]): C {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) throw new UsageError(`${flag} must be ${choices.join(' or ')}, not '${value}'`);
  return found;
}

/** Refuses an empty value for an option that needs text. */
export function nonEmpty(flag: string, value: string): string {
  if (value === '') throw new UsageError(`${flag} must not be empty`);
  return value;
}

/** Checks one scope name against the RFC 6749 §3.3 grammar. */
export function scopeName(flag: string, name: string): string {
  let parsed: string[] = [];
  try {
    parsed = parseScope(name);
  } catch {
    // reported below
  }
  if (parsed.length !== 1 || parsed[0] !== name) {
    throw new UsageError(`${flag}: '${name}' is not a scope name (RFC 6749 §3.3: printable ASCII, no space, quote or backslash)`);
  }
  return name;
}
