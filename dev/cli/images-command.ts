// `wasi-dev images ensure --registry HOST:PORT [NAME…]`: builds the local
// cluster's images without a Docker engine and pushes them to a running
// registry; prints each image's reference, size and what this run did.
import { parseArgs } from 'node:util';

const USAGE = `usage: wasi-dev images ensure --registry HOST:PORT [--json] [NAME...]

Builds (when their inputs changed) and pushes (when the registry lacks them)
the images the local cluster runs. NAMEs: wasi-operator node dapr coredns redis
pause noop seed-module go-seed-module (default: all). The registry must be running.
`;

export async function imagesCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === '--help' || verb === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (verb !== 'ensure') {
    process.stderr.write(USAGE);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { registry: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { ensureImages, IMAGE_NAMES } = await import('../images/images.js');
  const unknown = positionals.filter((name) => !(IMAGE_NAMES as readonly string[]).includes(name));
  if (!values.registry || !/^[^/\s]+:\d+$/.test(values.registry) || unknown.length > 0) {
    process.stderr.write(`${unknown.length > 0 ? `unknown image(s): ${unknown.join(', ')}\n` : ''}${USAGE}`);
    return 2;
  }
  const set = await ensureImages({
    registry: values.registry,
    ...(positionals.length > 0 ? { only: positionals as Array<(typeof IMAGE_NAMES)[number]> } : {}),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(set, null, 2)}\n`);
    return 0;
  }
  for (const report of set.reports) {
    const what = report.built ? `built in ${report.buildSeconds}s` : 'cached';
    process.stdout.write(`${report.reference}\t${(report.size / 1024 / 1024).toFixed(2)} MB\t${what}, ${report.pushed ? 'pushed' : 'already in the registry'}\n`);
  }
  for (const reference of set.skipped) process.stdout.write(`${reference}\tskipped\n`);
  return 0;
}
