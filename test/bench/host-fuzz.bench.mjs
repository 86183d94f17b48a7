// Figures for the host fuzzer (issue 11 §1), informational, no goal:
//   - executions per second: import calls the fuzzer makes (and guest
//     sequences: one fresh instance each) in SECONDS of test/fuzz's
//     in-process fuzzer with a fixed seed, against its loopback servers;
//   - distinct code paths reached: V8 block coverage (node:inspector,
//     Profiler.takePreciseCoverage) of the host's own files
//     (dist/operator/src/host/*.js), counted as the blocks executed at
//     least once, beside the blocks there are.
// Builds the fuzzer into dist/ first (test/fuzz/tsconfig.json).
import { spawnSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { REPO_ROOT, printFigure, progress, reportRow } from './lib.mjs';

const SECONDS = Number(process.env.WASI_BENCH_FUZZ_SECONDS ?? 20);
const SEED = 20261205;
const HOST_FILES = '/dist/operator/src/host/';

progress('building the fuzzer (tsc -p test/fuzz/tsconfig.json)');
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/fuzz/tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (tsc.status !== 0) throw new Error('building the fuzzer failed');

// Coverage on before the host's modules load, so every function they hold is counted.
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });

const { fuzzHostImports, describeFailure } = await import('../../dist/test/fuzz/host-imports-fuzz.js');
progress(`fuzzing for ${SECONDS} s, seed ${SEED}`);
const report = await fuzzHostImports({ seed: SEED, seconds: SECONDS, stopAtFirstFailure: false });
const { result } = await session.post('Profiler.takePreciseCoverage');
await session.post('Profiler.stopPreciseCoverage');
session.disconnect();

let blocks = 0;
let covered = 0;
let functions = 0;
let functionsRun = 0;
const files = new Set();
for (const script of result) {
  if (!script.url.includes(HOST_FILES)) continue;
  files.add(script.url);
  for (const fn of script.functions) {
    functions++;
    if (fn.ranges[0]?.count > 0) functionsRun++;
    for (const range of fn.ranges) {
      blocks++;
      if (range.count > 0) covered++;
    }
  }
}

const seconds = report.elapsedMs / 1000;
const callsPerSecond = report.calls / seconds;
const sequencesPerSecond = report.sequences / seconds;
printFigure(
  `host fuzz (seed ${SEED}, ${seconds.toFixed(1)} s, in process): ${callsPerSecond.toFixed(0)} import calls/s, ` +
    `${sequencesPerSecond.toFixed(0)} guest sequences/s (${report.calls} calls, ${report.sequences} sequences); ` +
    `${report.failures.length} property failures; denied connections ${report.deniedConnections}`,
);
printFigure(
  `host fuzz distinct code paths: ${covered} of ${blocks} blocks executed in ${files.size} host files ` +
    `(${functionsRun} of ${functions} functions; V8 block coverage); ${Object.keys(report.outcomes).length} distinct (call, code) outcomes`,
);
for (const failure of report.failures) printFigure(describeFailure(failure));
reportRow({ figure: 'host fuzz: import calls per second', value: callsPerSecond.toFixed(0), reference: '—', ratio: '—' });
reportRow({ figure: 'host fuzz: host code blocks reached', value: `${covered} of ${blocks}`, reference: '—', ratio: '—' });
