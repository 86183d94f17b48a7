#!/usr/bin/env node
// Builds every AssemblyScript guest into guest/build/<name>.wasm.
//
//   node scripts/build-guests.mjs [--force] [NAME...]
//
// A guest is each guest/src/*.ts and guest/src/tests/*.ts file; its name is the
// file name without .ts. One more, `seed-as018`, is the seed's own test in
// guest/seed/, built as the seed's repository builds it: AssemblyScript 0.18
// (installed as the npm alias assemblyscript-0.18) with as-wasi, which leaves
// its code in the module's start section. A guest is rebuilt only when something it depends on
// is newer than its .wasm: a file in its import closure (relative imports,
// followed transitively), this script (it holds the compiler flags) or the
// package.json of the compiler, the WASI shim or json-as (their versions).
// Plain JavaScript with no dependencies beyond node_modules, because
// scripts/setup.mjs runs it, possibly under the machine's older Node.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const guestDir = join(root, 'guest');
const buildDir = join(guestDir, 'build');
const SOURCE_DIRS = [join(guestDir, 'src'), join(guestDir, 'src', 'tests')];
const ascBin = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

// Release build without debug info: the host compiles and instantiates a guest
// on every start, so a small module matters more than peak guest speed
// (-O3 with shrink level 2 is about 20% smaller than plain -O3 here).
const RELEASE_FLAGS = [
  '--config', join('node_modules', '@assemblyscript', 'wasi-shim', 'asconfig.json'),
  '--optimizeLevel', '3',
  '--shrinkLevel', '2',
  '--noAssert',
  // json-as's own sources raise 32/64-bit cast warnings on every build, which
  // would bury the one line per guest; errors are still printed in full.
  '--disableWarning',
];
const JSON_TRANSFORM = ['--transform', 'json-as/transform'];

const TOOLCHAIN_FILES = [
  fileURLToPath(import.meta.url),
  join(root, 'node_modules', 'assemblyscript', 'package.json'),
  join(root, 'node_modules', 'json-as', 'package.json'),
  join(root, 'node_modules', '@assemblyscript', 'wasi-shim', 'package.json'),
];

// The seed repository's `asbuild` script: asc index.ts -b build/optimized.wasm
// --use abort=wasi_abort --debug, with as-wasi 0.4.4.
const SEED_GUEST = {
  name: 'seed-as018',
  entry: join(guestDir, 'seed', 'index.ts'),
  output: join(buildDir, 'seed-as018.wasm'),
  compiler: join(root, 'node_modules', 'assemblyscript-0.18', 'bin', 'asc'),
  flags: (output) => ['-b', output, '--use', 'abort=wasi_abort', '--debug'],
  toolchain: [
    fileURLToPath(import.meta.url),
    join(root, 'node_modules', 'assemblyscript-0.18', 'package.json'),
    join(root, 'node_modules', 'as-wasi', 'package.json'),
    join(root, 'node_modules', 'assemblyscript-json', 'package.json'),
  ],
};

function listTs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(dir, entry.name));
}

function findGuests() {
  const guests = new Map();
  for (const dir of SOURCE_DIRS) {
    for (const entry of listTs(dir)) {
      const name = basename(entry, '.ts');
      if (guests.has(name)) {
        throw new Error(`two guests are named ${name}: ${relative(root, guests.get(name).entry)} and ${relative(root, entry)}; rename one`);
      }
      guests.set(name, {
        name,
        entry,
        output: join(buildDir, `${name}.wasm`),
        compiler: ascBin,
        flags: (output, usesJson) => [...RELEASE_FLAGS, ...(usesJson ? JSON_TRANSFORM : []), '-o', output],
        toolchain: TOOLCHAIN_FILES,
      });
    }
  }
  guests.set(SEED_GUEST.name, SEED_GUEST);
  return guests;
}

// `import … from "x"`, `export … from "x"` and the side-effect form `import "x"`.
const IMPORT_FROM = /\b(?:(?:import|export)\s[^;]*?\bfrom\s*|import\s*)["']([^"']+)["']/g;

/** The guest's own files (entry plus relative imports, transitively) and whether any uses json-as. */
function importClosure(entry) {
  const files = new Set();
  let usesJson = false;
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file) || !existsSync(file)) continue;
    files.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT_FROM)) {
      if (specifier === 'json-as' || specifier.startsWith('json-as/')) usesJson = true;
      else if (specifier.startsWith('.')) pending.push(resolve(dirname(file), `${specifier}.ts`));
    }
  }
  return { files: [...files], usesJson };
}

function mtimeOf(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function isUpToDate(guest, dependencies) {
  const built = mtimeOf(guest.output);
  return built > 0 && dependencies.every((file) => mtimeOf(file) < built);
}

function compile(guest, usesJson) {
  // asc writes its output in one go, but a host test may read the file while we
  // rebuild: write beside it and rename, so readers see the old or the new file.
  const partial = join(buildDir, `.${guest.name}.wasm.partial`);
  const args = [guest.compiler, relative(root, guest.entry), ...guest.flags(partial, usesJson)];
  const started = performance.now();
  return new Promise((resolvePromise) => {
    // cwd is the root so asc resolves `json-as/transform` and the shim from node_modules.
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
        resolvePromise({ ok: false, output: output || `asc exited with ${code ?? signal}\n` });
      }
    });
  });
}

async function main(argv) {
  const force = argv.includes('--force');
  const wanted = argv.filter((arg) => arg !== '--force');
  const guests = findGuests();
  for (const name of wanted) {
    if (!guests.has(name)) throw new Error(`no guest named ${name}; guests: ${[...guests.keys()].join(', ')}`);
  }
  mkdirSync(buildDir, { recursive: true });

  const stale = [];
  for (const guest of guests.values()) {
    if (wanted.length > 0 && !wanted.includes(guest.name)) continue;
    const closure = importClosure(guest.entry);
    if (force || !isUpToDate(guest, [...closure.files, ...guest.toolchain])) stale.push({ guest, usesJson: closure.usesJson });
  }

  // One asc per core: each is a single-threaded compile of a second or two.
  const failures = [];
  const queue = [...stale];
  const workers = Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const result = await compile(job.guest, job.usesJson);
      const shown = relative(root, job.guest.output);
      if (result.ok) {
        const kib = (statSync(job.guest.output).size / 1024).toFixed(1);
        process.stdout.write(`[guests] built ${shown} (${kib} KiB, ${(result.millis / 1000).toFixed(1)} s)\n`);
      } else {
        failures.push(job.guest.name);
        process.stderr.write(`[guests] failed to build ${shown} from ${relative(root, job.guest.entry)}:\n${result.output}`);
      }
    }
  });
  await Promise.all(workers);
  if (failures.length > 0) throw new Error(`could not build guest(s): ${failures.join(', ')}`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`[guests] ${err.message}\n`);
  process.exit(1);
});
