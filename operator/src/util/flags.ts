// node:util's parseArgs (strict) for the controller's and wasi-host's command
// lines, plus the forms they have always taken that strict parseArgs refuses:
//
//  - `--flag VALUE` with a VALUE that starts with '-' (`--success-output
//    -ok-`, `--timeout -1`): parseArgs calls that ambiguous and wants
//    `--flag=VALUE`; our flags take the next argument, whatever it is, so
//    that form is rewritten to the `=` one first;
//  - `--switch=true`, `--switch=false` (and `--no-switch=…`), where a command
//    asks for them (the controller's switches mirror environment variables
//    set to true or false): rewritten to `--switch` or `--no-switch`, which
//    parseArgs reads with allowNegative.
//
// parseArgs' own errors say what is wrong in its words; a command says it in
// its own, under its own error code, so a mistake reaches the command as a
// FlagProblem that names the flag.
import { parseArgs, type ParseArgsConfig, type ParseArgsOptionDescriptor, type ParseArgsOptionsConfig } from 'node:util';

/** parseArgs' configuration, strict, with the arguments given separately. */
export type FlagConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'> & { options: ParseArgsOptionsConfig; strict: true };

export type FlagProblem =
  | { kind: 'unknown-flag'; flag: string }
  | { kind: 'missing-value'; flag: string }
  /** A value given to a flag that takes none (or, with switchValues, one other than true or false). */
  | { kind: 'unexpected-value'; flag: string; value: string }
  | { kind: 'unexpected-argument'; value: string }
  /** Anything else parseArgs refused, in its words. */
  | { kind: 'other'; message: string };

export interface FlagHandling {
  /** The command's error for a mistake on its command line. */
  fail(problem: FlagProblem): Error;
  /** Read `--switch=true|false` and `--no-switch=true|false`; needs allowNegative in the FlagConfig. */
  switchValues?: boolean;
}

export function parseFlags<const T extends FlagConfig>(args: readonly string[], config: T, handling: FlagHandling): ReturnType<typeof parseArgs<T>> {
  const normalized = normalize(args, config.options, handling);
  try {
    return parseArgs({ ...config, args: normalized }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw err;
    throw handling.fail(firstProblem(normalized, config) ?? { kind: 'other', message: (err as Error).message });
  }
}

function optionOf(options: ParseArgsOptionsConfig, name: string): ParseArgsOptionDescriptor | undefined {
  return Object.hasOwn(options, name) ? options[name] : undefined;
}

/** The arguments in the forms strict parseArgs reads; everything from `--` on is left as it is. */
function normalize(args: readonly string[], options: ParseArgsOptionsConfig, handling: FlagHandling): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const [name, value] = long ? [long[1]!, long[2]] : [undefined, undefined];
    if (name !== undefined && value === undefined && optionOf(options, name)?.type === 'string' && i + 1 < args.length) {
      out.push(`${arg}=${args[++i]!}`);
    } else if (name !== undefined && value !== undefined && handling.switchValues) {
      out.push(switchArgument(name, value, options, handling) ?? arg);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `--switch=true` → `--switch`, `--no-switch=true` → `--no-switch`, and the opposites for false; undefined: not a switch. */
function switchArgument(name: string, value: string, options: ParseArgsOptionsConfig, handling: FlagHandling): string | undefined {
  const negated = optionOf(options, name) === undefined && name.startsWith('no-');
  const switchName = negated ? name.slice(3) : name;
  if (optionOf(options, switchName)?.type !== 'boolean') return undefined;
  if (value !== 'true' && value !== 'false') throw handling.fail({ kind: 'unexpected-value', flag: `--${name}`, value });
  return (value === 'true') !== negated ? `--${switchName}` : `--no-${switchName}`;
}

/** What strict parseArgs refused, from parseArgs' own reading of the arguments when it is lenient. */
function firstProblem(args: string[], config: FlagConfig): FlagProblem | undefined {
  const { tokens } = parseArgs({ ...config, args, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional' && !config.allowPositionals) return { kind: 'unexpected-argument', value: token.value };
    if (token.kind !== 'option') continue;
    const option = optionOf(config.options, token.name);
    // Lenient parseArgs reads `--no-x` as x even when x is not a switch; strict calls it unknown.
    if (option === undefined || (token.rawName === `--no-${token.name}` && option.type !== 'boolean')) {
      return { kind: 'unknown-flag', flag: token.rawName };
    }
    if (option.type === 'string' && token.value === undefined) return { kind: 'missing-value', flag: token.rawName };
    if (option.type === 'boolean' && token.value !== undefined) return { kind: 'unexpected-value', flag: token.rawName, value: token.value };
  }
  return undefined;
}
