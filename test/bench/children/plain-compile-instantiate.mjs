// The fresh-process reference for compile-instantiate.bench.mjs: what a plain
// node:wasi program pays for its first (and only) compile and instantiate of a
// module, timed like wasi-host times its own (`new WebAssembly.Module` for
// compile, `new WebAssembly.Instance` for instantiate), with node:wasi's own
// import object as `wasi.start()` would use it and no-op functions for the
// `wasi_experimental_http` imports that plain node:wasi does not provide.
// Prints one JSON line {compileMillis, instantiateMillis}. It first lets the
// event loop idle for as long as wasi-host takes to reach its compile (its
// modules load first), so that both compile at the same point of a process's
// life, not while Node's own start-up work is still running beside it.
//
//   node test/bench/children/plain-compile-instantiate.mjs FILE.wasm
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const HOST_LOAD_MILLIS = 30;
const path = process.argv[2];
const { WASI } = process.getBuiltinModule('node:wasi');
const bytes = readFileSync(path);
await sleep(HOST_LOAD_MILLIS);

const compileStarted = performance.now();
const module = new WebAssembly.Module(bytes);
const compileMillis = performance.now() - compileStarted;

const wasi = new WASI({ version: 'preview1', args: [basename(path)], env: {}, returnOnExit: true });
const imports = { wasi_snapshot_preview1: wasi.wasiImport };
for (const { module: name, name: field } of WebAssembly.Module.imports(module)) {
  if (name !== 'wasi_snapshot_preview1') (imports[name] ??= {})[field] = () => 0;
}
const instantiateStarted = performance.now();
new WebAssembly.Instance(module, imports);
const instantiateMillis = performance.now() - instantiateStarted;

process.stdout.write(`${JSON.stringify({ compileMillis, instantiateMillis })}\n`);
