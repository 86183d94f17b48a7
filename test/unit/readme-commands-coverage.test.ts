// The README's commands are all placed: run as written by
// readme-commands.test.ts, run by another named test file, or not run here
// with the reason (test/helpers/readme-commands.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { CLUSTER_VALUE, commandToRun, README_COMMAND_COVERAGE, readmeCommands, readReadme } from '../helpers/readme-commands.js';

describe('the README’s commands', () => {
  const commands = readmeCommands(readReadme()).map((c) => c.command);

  test('each one is run by a test, or says why it cannot be run here', () => {
    const unplaced = commands.filter((command) => !(command in README_COMMAND_COVERAGE));
    expect(unplaced).toEqual([]);
  });

  test('the table names no command the README no longer shows', () => {
    expect(Object.keys(README_COMMAND_COVERAGE).filter((command) => !commands.includes(command))).toEqual([]);
  });

  test('the test files named as running a command exist', () => {
    const files = Object.values(README_COMMAND_COVERAGE).flatMap((coverage) =>
      'coveredBy' in coverage ? [coverage.coveredBy] : 'run' in coverage ? [coverage.run] : [],
    );
    expect(files.filter((file) => !existsSync(join(packageRoot(), 'test', 'integration', file)))).toEqual([]);
  });

  test('every substitution applies to its command and leaves no placeholder', () => {
    const values = Object.fromEntries(Object.values(CLUSTER_VALUE).map((placeholder) => [placeholder, 'x']));
    for (const [command, coverage] of Object.entries(README_COMMAND_COVERAGE)) {
      if ('run' in coverage) expect(() => commandToRun(command, values)).not.toThrow();
    }
  });
});

describe('readmeCommands', () => {
  test('joins continuation lines, drops trailing comments, and reads only shell blocks', () => {
    const markdown = [
      '```yaml',
      'kind: WasiApp',
      '```',
      '```sh',
      'helm install x chart \\',
      '  --set a=b   # a comment',
      '# a whole-line comment',
      'echo "# not a comment"',
      '```',
    ].join('\n');
    expect(readmeCommands(markdown)).toEqual([
      { line: 5, command: 'helm install x chart --set a=b' },
      { line: 8, command: 'echo "# not a comment"' },
    ]);
  });

  test('also reads inline code that starts with a command, across a line break, and not inline code in a block', () => {
    const markdown = ['Rerun it (`kubectl annotate wasiapp seed', 'x=1`), see `status.runs`.', '```sh', 'echo `npm test`', '```'].join('\n');
    expect(readmeCommands(markdown)).toEqual([
      { line: 4, command: 'echo `npm test`' },
      { line: 1, command: 'kubectl annotate wasiapp seed x=1' },
    ]);
  });
});
