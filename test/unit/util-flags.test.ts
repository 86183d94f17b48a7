// parseFlags (util/flags.ts): strict parseArgs plus the argument forms our
// commands take that parseArgs refuses, and its mistakes as FlagProblems.
import { parseFlags, type FlagProblem } from '../../operator/src/util/flags.js';

const OPTIONS = {
  name: { type: 'string' },
  tag: { type: 'string', multiple: true },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class ProblemError extends Error {
  constructor(readonly problem: FlagProblem) {
    super(problem.kind);
  }
}
const fail = (problem: FlagProblem) => new ProblemError(problem);

function parse(args: string[], switchValues = false) {
  return parseFlags(args, { options: OPTIONS, strict: true, allowNegative: switchValues, allowPositionals: true }, { fail, switchValues });
}

function problemOf(run: () => unknown): FlagProblem {
  try {
    run();
  } catch (err) {
    if (err instanceof ProblemError) return err.problem;
    throw err;
  }
  throw new Error('expected a problem');
}

describe('parseFlags', () => {
  test('reads --flag value, --flag=value, repeated flags and positionals as parseArgs does', () => {
    const { values, positionals } = parse(['--name', 'a', 'file', '--tag=x', '--tag', 'y', '--name=b', '-h']);
    expect({ ...values }).toEqual({ name: 'b', tag: ['x', 'y'], help: true });
    expect(positionals).toEqual(['file']);
  });

  test('a value flag takes the next argument even when it starts with a dash', () => {
    expect({ ...parse(['--name', '-5', '--tag', '--verbose']).values }).toEqual({ name: '-5', tag: ['--verbose'] });
  });

  test('everything after -- is positional, untouched', () => {
    expect(parse(['--verbose', '--', '--name', '-x']).positionals).toEqual(['--name', '-x']);
  });

  test('with switchValues, --switch=true|false and --no-switch=true|false; the last one wins', () => {
    expect(parse(['--verbose=false'], true).values.verbose).toBe(false);
    expect(parse(['--verbose=true'], true).values.verbose).toBe(true);
    expect(parse(['--no-verbose=false'], true).values.verbose).toBe(true);
    expect(parse(['--no-verbose', '--verbose'], true).values.verbose).toBe(true);
    expect(parse(['--verbose', '--no-verbose'], true).values.verbose).toBe(false);
    expect(problemOf(() => parse(['--verbose=yes'], true))).toEqual({ kind: 'unexpected-value', flag: '--verbose', value: 'yes' });
    expect(problemOf(() => parse(['--no-verbose=1'], true))).toEqual({ kind: 'unexpected-value', flag: '--no-verbose', value: '1' });
  });

  test.each<[string[], FlagProblem]>([
    [['--bogus'], { kind: 'unknown-flag', flag: '--bogus' }],
    [['--bogus=1'], { kind: 'unknown-flag', flag: '--bogus' }],
    [['-x'], { kind: 'unknown-flag', flag: '-x' }],
    [['--no-name'], { kind: 'unknown-flag', flag: '--no-name' }],
    [['--name'], { kind: 'missing-value', flag: '--name' }],
    [['--verbose=true'], { kind: 'unexpected-value', flag: '--verbose', value: 'true' }],
  ])('%j is the problem %j', (args, problem) => {
    expect(problemOf(() => parse(args))).toEqual(problem);
  });

  test('a stray argument, where the command takes none', () => {
    const problem = problemOf(() => parseFlags(['stray'], { options: OPTIONS, strict: true }, { fail }));
    expect(problem).toEqual({ kind: 'unexpected-argument', value: 'stray' });
  });
});
