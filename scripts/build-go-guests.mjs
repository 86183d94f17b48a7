#!/usr/bin/env node
// Builds every Go guest into guest/build/go-<name>.wasm.
//
//   node scripts/build-go-guests.mjs [--force] [NAME...]
//
// A guest is each directory guest/go/cmd/<name> (a `main` package of the
// module in guest/go). All guests are rebuilt when any input is newer than
// their .wasm: a .go file of the module (tests excepted), go.mod or go.sum,
// this script (it holds the flags) or the go binary itself (its version).
// The module is small and every guest imports most of it, so one shared
// input set is simpler than tracking each guest's imports and costs little.
// Go's own build cache (GOCACHE, left at its default) makes a rebuild of an
// unchanged package nearly free anyway; this check saves starting `go` at all.
//
// Plain JavaScript with no dependencies, because scripts/setup.mjs runs it,
// possibly under the machine's older Node. Go is found as
// dev/tools/go-build.ts finds it: `go` on PATH, else
// /usr/local/go/bin/go.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = join(root, 'guest', 'go');
const cmdDir = join(moduleDir, 'cmd');
const buildDir = join(root, 'guest', 'build');

// -trimpath: no machine paths in the module (smaller, and the same bytes on
// every machine). GOFLAGS is cleared so a developer's own flags do not change
// what the tests run; GOWORK=off so a go.work above the repo is not picked up.
const BUILD_ARGS = ['build', '-trimpath'];
const BUILD_ENV = { GOOS: 'wasip1', GOARCH: 'wasm', GOFLAGS: '', GOWORK: 'off' };

function findGo() {
  const onPath = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() !== '') return onPath.stdout.trim();
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go (>= 1.26) is needed to build the Go guests; install it at /usr/local/go or put `go` on PATH');
}

function findGuests() {
  if (!existsSync(cmdDir)) return [];
  return readdirSync(cmdDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ name: entry.name, pkg: `./cmd/${entry.name}`, output: join(buildDir, `go-${entry.name}.wasm`) }));
}

/** Every file whose change can change a guest's bytes. */
function moduleInputs(dir = moduleDir, files = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) moduleInputs(path, files);
    else if ((entry.name.endsWith('.go') && !entry.name.endsWith('_test.go')) || entry.name === 'go.mod' || entry.name === 'go.sum') files.push(path);
  }
  return files;
}

function mtimeOf(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function build(go, guest) {
  // Written beside the output and renamed, so a test reading the old file
  // while we rebuild sees the old or the new one, never half of one.
  const partial = join(buildDir, `.go-${guest.name}.wasm.partial`);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(go, [...BUILD_ARGS, '-o', partial, guest.pkg], {
      cwd: moduleDir,
      env: { ...process.env, ...BUILD_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', (err) => resolvePromise({ ok: false, output: `${err.message}\n` }));
    child.on('close', (code, signal) => {
      if (code === 0 && existsSync(partial)) {
        renameSync(partial, guest.output);
        resolvePromise({ ok: true, millis: performance.now() - started });
      } else {
        rmSync(partial, { force: true });
        resolvePromise({ ok: false, output: output || `go build exited with ${code ?? signal}\n` });
      }
    });
  });
}

async function main(argv) {
  const force = argv.includes('--force');
  const wanted = argv.filter((arg) => arg !== '--force').map((name) => name.replace(/^go-/, ''));
  const guests = findGuests();
  for (const name of wanted) {
    if (!guests.some((g) => g.name === name)) throw new Error(`no Go guest named ${name}; Go guests: ${guests.map((g) => g.name).join(', ')}`);
  }
  const selected = guests.filter((g) => wanted.length === 0 || wanted.includes(g.name));
  if (selected.length === 0) return;

  const go = findGo();
  const newestInput = Math.max(...[...moduleInputs(), fileURLToPath(import.meta.url), go].map(mtimeOf));
  const stale = selected.filter((g) => force || mtimeOf(g.output) <= newestInput);
  if (stale.length === 0) return;
  mkdirSync(buildDir, { recursive: true });

  // One at a time: `go build` already uses every core for one guest.
  const failures = [];
  for (const guest of stale) {
    const result = await build(go, guest);
    const shown = relative(root, guest.output);
    if (result.ok) {
      const mib = (statSync(guest.output).size / 2 ** 20).toFixed(2);
      process.stdout.write(`[guests] built ${shown} (${mib} MiB, ${(result.millis / 1000).toFixed(1)} s)\n`);
    } else {
      failures.push(guest.name);
      process.stderr.write(`[guests] failed to build ${shown} from guest/go/${guest.pkg.slice(2)}:\n${result.output}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not build Go guest(s): ${failures.join(', ')}`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`[guests] ${err.message}\n`);
  process.exit(1);
});
