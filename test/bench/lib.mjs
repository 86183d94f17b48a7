// Shared helpers for the benchmarks: paths, statistics, one-line figures, and
// the hand-off of each figure to run.mjs's summary table.
//
// A benchmark is a plain ESM file `test/bench/<name>.bench.mjs`, run on its
// own by `node test/bench/<name>.bench.mjs` or by `node test/bench/run.mjs`.
// It prints its figure lines on stdout and calls `reportRow` once per summary
// row; under run.mjs the rows also go, as JSON lines, to the file descriptor
// named by WASI_BENCH_ROWS_FD (run.mjs opens it as a pipe), so stdout stays
// plain text.
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(REPO_ROOT, 'dist', 'operator', 'src');
export const HOST_BIN = join(REPO_ROOT, 'bin', 'wasi-host.mjs');
export const ROWS_FD_ENV = 'WASI_BENCH_ROWS_FD';

/** Path of a guest built by scripts/build-guests.mjs. */
export function guestModule(name) {
  return join(REPO_ROOT, 'guest', 'build', `${name}.wasm`);
}

/** Import a compiled module of the operator, e.g. distImport('host/load-module.js'). */
export function distImport(relative) {
  return import(new URL(`../../dist/operator/src/${relative}`, import.meta.url).href);
}

/** The development harness (local cluster, redis/daprd launchers, tool builds), compiled to dist/dev. */
export function devImport(relative) {
  return import(new URL(`../../dist/dev/${relative}`, import.meta.url).href);
}

export function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values, p) {
  const s = sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function median(values) {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function min(values) {
  return Math.min(...values);
}

/** Milliseconds with a precision that suits their size. */
export function ms(value) {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  if (value >= 1) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(3)} ms`;
}

/** A ratio with about three significant digits. */
export function ratio(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 10) return value.toFixed(1);
  if (value >= 0.01) return value.toFixed(2);
  return value.toPrecision(2);
}

/**
 * One row of run.mjs's summary table. `value` and `reference` are display
 * strings; `goal` is the goal as text (or '' for an informational row) and
 * `met` true/false (or null when the row has no goal).
 */
export function reportRow({ figure, value, reference, ratio: r, goal = '', met = null }) {
  const row = { figure, value, reference, ratio: r, goal, met };
  const fd = Number(process.env[ROWS_FD_ENV]);
  if (Number.isInteger(fd) && fd > 2) writeSync(fd, `${JSON.stringify(row)}\n`);
  return row;
}

/** Prints a figure line (the lines the README and the issue note quote). */
export function printFigure(line) {
  process.stdout.write(`${line}\n`);
}

/** Progress for long benchmarks, on stderr so the figure lines stay clean. */
export function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

/**
 * The environment for child processes: ours without any Dapr sidecar
 * variables (the host would wait for a sidecar) and without the rows fd.
 */
export function childEnv(extra = {}) {
  const env = { ...process.env };
  delete env.DAPR_HTTP_PORT;
  delete env.DAPR_HTTP_ENDPOINT;
  delete env[ROWS_FD_ENV];
  return { ...env, ...extra };
}

/**
 * Runs a command to its end and returns its wall time in ms (spawn to exit,
 * as seen by this process) plus what it printed. Throws when it fails, so a
 * broken host shows up as a crashed benchmark, not as a fast one.
 */
export function timedRun(command, args, { env = childEnv(), expectStatus = 0, cwd = REPO_ROOT } = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { env, cwd, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const wallMillis = performance.now() - started;
  if (result.error) throw result.error;
  if (result.status !== expectStatus) {
    throw new Error(
      `${[command, ...args].join(' ')} exited with ${result.status ?? result.signal} (expected ${expectStatus})\n` +
        `stdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`,
    );
  }
  return { wallMillis, stdout: result.stdout, stderr: result.stderr };
}
