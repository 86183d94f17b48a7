#!/usr/bin/env node
// `npm run bench`: runs every test/bench/*.bench.mjs (or the ones named on
// the command line: `node test/bench/run.mjs host-startup compile-instantiate`),
// one after another, each in its own Node process so that no benchmark warms
// or loads V8 for the next. Each prints its figure lines as it goes; at the
// end a summary table (Markdown) gathers the rows they reported.
//
// Benchmarks are informational: a goal that is not met does not fail the
// run. The exit code is non-zero only when a benchmark crashed (or a name on
// the command line matches no benchmark). Nothing is written to the repo.
// Needs the built dist/ and guests (`npm run bench` runs the set-up first).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSupportedNode } from '../../bin/ensure-node.mjs';

await ensureSupportedNode(import.meta.url, ['--experimental-wasm-jspi']);
const { ROWS_FD_ENV } = await import('./lib.mjs');

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SUFFIX = '.bench.mjs';
const ROWS_FD = 3;

function allBenchmarks() {
  return readdirSync(BENCH_DIR).filter((name) => name.endsWith(SUFFIX)).sort();
}

function selected(names) {
  const all = allBenchmarks();
  if (names.length === 0) return all;
  return names.map((name) => {
    const file = basename(name).replace(/\.bench\.mjs$|\.mjs$/, '') + SUFFIX;
    if (!all.includes(file)) {
      process.stderr.write(`bench: no benchmark ${name}; there are: ${all.map((f) => f.slice(0, -SUFFIX.length)).join(', ')}\n`);
      process.exit(2);
    }
    return file;
  });
}

/** Runs one benchmark file; resolves with its rows and how it ended. */
function runBenchmark(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, join(BENCH_DIR, file)], {
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, [ROWS_FD_ENV]: String(ROWS_FD) },
    });
    const rows = [];
    let pending = '';
    child.stdio[ROWS_FD].setEncoding('utf8');
    child.stdio[ROWS_FD].on('data', (text) => {
      pending += text;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) rows.push(JSON.parse(line));
      }
    });
    child.on('error', (error) => resolve({ rows, ok: false, why: error.message }));
    child.on('close', (code, signal) => {
      const ok = code === 0;
      resolve({ rows, ok, why: ok ? '' : signal ? `killed by ${signal}` : `exit code ${code}` });
    });
  });
}

function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const files = selected(process.argv.slice(2));
const summary = [];
const crashed = [];
for (const file of files) {
  const name = file.slice(0, -SUFFIX.length);
  process.stdout.write(`\n== ${name} ==\n`);
  const started = performance.now();
  const { rows, ok, why } = await runBenchmark(file);
  process.stdout.write(`   (${name}: ${((performance.now() - started) / 1000).toFixed(1)} s${ok ? '' : `, CRASHED: ${why}`})\n`);
  summary.push(...rows);
  if (!ok) crashed.push(`${name} (${why})`);
}

const metText = (met) => (met === null || met === undefined ? '—' : met ? 'yes' : 'no');
const load = loadavg().map((l) => l.toFixed(2)).join(' ');
process.stdout.write(`\n## Summary (Node ${process.versions.node}, ${new Date().toISOString()}, load average ${load} on ${availableParallelism()} cores)\n\n`);
process.stdout.write(
  `${markdownTable(
    ['figure', 'value', 'reference', 'ratio', 'goal', 'met'],
    summary.map((r) => [r.figure, r.value, r.reference, r.ratio, r.goal || '—', metText(r.met)]),
  )}\n`,
);
if (crashed.length > 0) {
  process.stdout.write(`\ncrashed: ${crashed.join(', ')}\n`);
  process.exitCode = 1;
}
