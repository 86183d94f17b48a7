import { parseArgs } from 'node:util';
import { ensureTool } from '../tools/go-build.js';
import { GO_TOOLS, type GoToolPin } from '../tools/pins.js';
import { errorMessage } from '../../operator/src/util/errors.js';

// Two builds at once: `go build` already compiles on every core, but each build
// also spends long single-threaded stretches downloading, loading packages and
// linking, which a second build fills. The pins are independent and Go's module
// and build caches lock themselves, so sharing them is safe.
const PARALLEL_BUILDS = 2;

/** Runs `work` over `items`, at most `limit` at a time; resolves with each item's error, if any. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<Array<{ item: T; error: unknown }>> {
  const failures: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

const USAGE = `usage: wasi-dev tools ensure NAME...|--all (names: ${GO_TOOLS.map((t) => t.name).join(', ')})\n`;

export async function toolsCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'ensure') {
    process.stderr.write(USAGE);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { all: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`wasi-dev tools: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals: names } = parsed;
  if (names.length === 0 && !values.all) {
    process.stderr.write(USAGE);
    return 2;
  }
  const unknown = names.filter((n) => !GO_TOOLS.some((tool) => tool.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown tool(s): ${unknown.join(', ')}\n`);
    return 2;
  }
  const wanted = values.all ? GO_TOOLS : GO_TOOLS.filter((tool) => names.includes(tool.name));
  // One failed build does not stop the others: a later run then has less left to do.
  const failures = await inPool<GoToolPin>(wanted, PARALLEL_BUILDS, (tool) => ensureTool(tool));
  for (const { item, error } of failures) process.stderr.write(`[tools] ${item.name} failed: ${errorMessage(error)}\n`);
  return failures.length === 0 ? 0 : 1;
}
