#!/usr/bin/env node
// `npm run fuzz [-- --seconds N] [--seed S] [--sequence N] [--keep-going]`:
// runs the host-imports fuzzer (host-imports-fuzz.ts, built into dist/ by
// test/fuzz/tsconfig.json) for as long as asked, printing progress, and on a
// failure the seed, the sequence and its calls, which replay alone with
// `--seed S --sequence N`. Exit code 1 when a property failed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureSupportedNode } from '../../bin/ensure-node.mjs';

await ensureSupportedNode(import.meta.url, ['--experimental-wasm-jspi']);

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    sequence: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!values['no-build']) {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/fuzz/tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
const { fuzzHostImports, describeFailure } = await import('../../dist/test/fuzz/host-imports-fuzz.js');

const seed = values.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(values.seed) >>> 0;
const seconds = Number(values.seconds);
process.stdout.write(`fuzz: seed ${seed}, ${values.sequence === undefined ? `${seconds} s` : `sequence ${values.sequence} only`}\n`);
let lastPrint = 0;
const report = await fuzzHostImports({
  seed,
  seconds: values.sequence === undefined ? seconds : undefined,
  onlySequence: values.sequence === undefined ? undefined : Number(values.sequence),
  stopAtFirstFailure: !values['keep-going'],
  onCall: values.verbose ? (sequence, line) => process.stdout.write(`  [${sequence}] ${line.slice(0, 300)}\n`) : undefined,
  onProgress: (r) => {
    if (r.elapsedMs - lastPrint < 5000) return;
    lastPrint = r.elapsedMs;
    process.stdout.write(`  ${(r.elapsedMs / 1000).toFixed(0)} s: ${r.sequences} sequences, ${r.calls} calls (${(r.calls / (r.elapsedMs / 1000)).toFixed(0)}/s), ${r.failures.length} failures\n`);
  },
});
const top = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
process.stdout.write(
  `fuzz: ${report.sequences} sequences, ${report.calls} calls in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
    `(${(report.calls / (report.elapsedMs / 1000)).toFixed(0)} calls/s); denied connections ${report.deniedConnections}\n` +
    `  outcomes: ${top.map(([k, v]) => `${k}×${v}`).join(' ')}\n`,
);
for (const failure of report.failures) process.stdout.write(`${describeFailure(failure)}\n`);
process.exitCode = report.failures.length > 0 ? 1 : 0;
