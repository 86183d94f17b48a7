// Figure: compile + instantiate of dapr-state-test.wasm (issue 2, "Figures").
//
// Goal: median of 100 under 1 ms. Quoted reference: the seed's 333 ms of
// module instantiation on Wasmtime (not measurable here). Measured reference,
// in the same run: the same work with plain node:wasi (its own import object,
// as `wasi.start()` would use it, no host wrapper), so host/plain is the
// host's own overhead.
//
// In-process series, interleaved per round (the order rotates each round):
//   host   the host's own code path: loadModule() (read, compile, import and
//          export checks), then the import object and `new WebAssembly.Instance`
//          — everything up to `_start`. run-guest.ts does not expose that part
//          on its own (runGuest also runs the guest), so unless it exports
//          `instantiateGuest(module, spec) → {instance, instantiateMillis}`
//          (used when present), this file builds the import object exactly as
//          runGuest() does, from the host's own functions: node:wasi's imports
//          with our fd_write (passStdioThrough) and proc_exit, and the JSPI
//          wasi_experimental_http imports from createHttpImports. Keep the two
//          in step until the helper exists.
//   plain  readFileSync + `new WebAssembly.Module` + `new WASI` +
//          `new WebAssembly.Instance` with `wasi.wasiImport` (no-op functions
//          for the http imports, which plain node:wasi does not have).
//   js     (informational) the same, with plain JS functions for every
//          import: what the module itself costs, without import binding.
// Every compile gets bytes this process has never compiled (the module plus a
// custom section carrying a counter): V8 would otherwise hand back its cached
// native module, which a host — one guest per process — never gets.
//
// Fresh-process series (what one Pod pays, once): `wasi-host run` reports
// its own compileMillis + instantiateMillis in the result file; the plain
// reference is children/plain-compile-instantiate.mjs, both interleaved.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  HOST_BIN, REPO_ROOT, distImport, guestModule, median, min, ms, percentile, printFigure, progress, ratio, reportRow, timedRun,
} from './lib.mjs';

const GUEST = 'dapr-state-test';
const ROUNDS = 100;
const WARMUP_ROUNDS = 10;
const FRESH_RUNS = 30;
const GOAL_MS = 1;
const SEED_WASMTIME_MS = 333;

const { loadModule } = await distImport('host/load-module.js');
const { loadWasi } = await distImport('host/load-wasi.js');
const { GuestMemory } = await distImport('host/guest-memory.js');
const { passStdioThrough } = await distImport('host/stdio-passthrough.js');
const { OutputCapture } = await distImport('host/output-capture.js');
const { createHttpImports, HTTP_IMPORT_MODULE } = await distImport('host/http-imports.js');
const { parseAllowList } = await distImport('host/allow-list.js');
const { instantiateGuest } = await distImport('host/run-guest.js');
const { WASI } = loadWasi();

const guestPath = guestModule(GUEST);
const guestBytes = readFileSync(guestPath);
const guestImports = WebAssembly.Module.imports(new WebAssembly.Module(guestBytes));
const tmp = mkdtempSync(join(tmpdir(), 'wasi-bench-compile-'));

/** The guest with a trailing custom section `wasi-bench` holding `n`: new bytes, same code. */
let fileCounter = 0;
function freshModuleFile() {
  const name = Buffer.from('wasi-bench');
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(fileCounter);
  const content = Buffer.concat([Buffer.from([name.length]), name, payload]);
  const path = join(tmp, `${GUEST}-${fileCounter++}.wasm`);
  writeFileSync(path, Buffer.concat([guestBytes, Buffer.from([0, content.length]), content]));
  return path;
}

/** The GuestRunSpec run-host.ts builds for a guest without a sidecar. */
function guestSpec(path) {
  return {
    args: [basename(path)],
    env: {},
    allowedHosts: [],
    maxOpenResponses: 16,
    requestTimeoutMs: 30_000,
    maxResponseBytes: 16 * 2 ** 20,
    capture: OutputCapture.create(undefined).state,
  };
}

/** As run-host.ts + run-guest.ts do it, up to (not including) `_start`. */
function hostCompileInstantiate(path) {
  const started = performance.now();
  const loaded = loadModule(path, undefined);
  const loadedAt = performance.now();
  if (typeof instantiateGuest === 'function') {
    const spec = guestSpec(path);
    const specAt = performance.now();
    const { instantiateMillis } = instantiateGuest(loaded.module, spec);
    const done = performance.now();
    const instantiate = instantiateMillis ?? done - specAt;
    return { total: done - started, load: loadedAt - started, compile: loaded.compileMillis, imports: done - loadedAt - instantiate, instantiate };
  }
  const spec = guestSpec(path);
  const wasi = new WASI({ version: 'preview1', args: spec.args, env: spec.env, preopens: {}, returnOnExit: true });
  let instance;
  const memory = new GuestMemory(() => instance?.exports.memory);
  const wasiImports = { ...wasi.getImportObject().wasi_snapshot_preview1 };
  passStdioThrough(wasiImports, memory, OutputCapture.attach(spec.capture));
  wasiImports.proc_exit = (code) => {
    throw new Error(`exit ${code}`);
  };
  const httpImports = createHttpImports(memory, {
    allowList: parseAllowList(spec.allowedHosts),
    maxOpenResponses: spec.maxOpenResponses,
    requestTimeoutMs: spec.requestTimeoutMs,
    maxResponseBytes: spec.maxResponseBytes,
    onError: () => undefined,
  });
  const importsAt = performance.now();
  instance = new WebAssembly.Instance(loaded.module, { wasi_snapshot_preview1: wasiImports, [HTTP_IMPORT_MODULE]: httpImports });
  const done = performance.now();
  return { total: done - started, load: loadedAt - started, compile: loaded.compileMillis, imports: importsAt - loadedAt, instantiate: done - importsAt };
}

function plainCompileInstantiate(path) {
  const started = performance.now();
  const module = new WebAssembly.Module(readFileSync(path));
  const wasi = new WASI({ version: 'preview1', args: [basename(path)], env: {}, returnOnExit: true });
  const imports = { wasi_snapshot_preview1: wasi.wasiImport };
  for (const { module: name, name: field } of guestImports) {
    if (name !== 'wasi_snapshot_preview1') (imports[name] ??= {})[field] = () => 0;
  }
  new WebAssembly.Instance(module, imports);
  return { total: performance.now() - started };
}

function jsCompileInstantiate(path) {
  const started = performance.now();
  const module = new WebAssembly.Module(readFileSync(path));
  const imports = {};
  for (const { module: name, name: field } of guestImports) (imports[name] ??= {})[field] = () => 0;
  new WebAssembly.Instance(module, imports);
  return { total: performance.now() - started };
}

const series = { host: hostCompileInstantiate, plain: plainCompileInstantiate, js: jsCompileInstantiate };
const order = Object.keys(series);

try {
  // The first call of each, as a fresh process would see it (informational).
  const first = {};
  for (const name of order) first[name] = series[name](freshModuleFile()).total;

  const samples = Object.fromEntries(order.map((name) => [name, []]));
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    const rotation = ((round % order.length) + order.length) % order.length;
    for (let k = 0; k < order.length; k++) {
      const name = order[(rotation + k) % order.length];
      const sample = series[name](freshModuleFile());
      if (round >= 0) samples[name].push(sample);
    }
  }
  const totals = (name) => samples[name].map((s) => s.total);
  const host = median(totals('host'));
  const hostP90 = percentile(totals('host'), 90);
  const plain = median(totals('plain'));
  const js = median(totals('js'));
  const part = (key) => median(samples.host.map((s) => s[key]));
  const met = host < GOAL_MS;

  printFigure(
    `compile+instantiate ${GUEST}.wasm (host code path${typeof instantiateGuest === 'function' ? ' via instantiateGuest()' : ''}, in process): median ${ms(host)} (p90 ${ms(hostP90)}) over ${ROUNDS}; ` +
      `reference plain node:wasi ${ms(plain)} → ratio ${ratio(host / plain)}; ` +
      `seed (Wasmtime, quoted) ${SEED_WASMTIME_MS} ms → ratio ${ratio(host / SEED_WASMTIME_MS)}; ` +
      `goal < ${GOAL_MS} ms: ${met ? 'met' : 'NOT met'}`,
  );
  printFigure(
    `  host breakdown (medians): loadModule ${ms(part('load'))} (of which compile ${ms(part('compile'))}), ` +
      `import object ${ms(part('imports'))}, instantiate ${ms(part('instantiate'))}; ` +
      `all-JS imports (no node:wasi functions) ${ms(js)}; first call in this process: host ${ms(first.host)}, plain ${ms(first.plain)}, all-JS ${ms(first.js)}`,
  );
  reportRow({
    figure: 'compile+instantiate (median of 100)', value: ms(host), reference: `plain node:wasi ${ms(plain)}`,
    ratio: ratio(host / plain), goal: `< ${GOAL_MS} ms`, met,
  });
  reportRow({
    figure: 'compile+instantiate vs seed', value: ms(host), reference: `Wasmtime ${SEED_WASMTIME_MS} ms (quoted)`,
    ratio: ratio(host / SEED_WASMTIME_MS),
  });

  // Fresh processes: the host's own figures from its result file, once per Pod.
  progress(`fresh processes: ${FRESH_RUNS} × wasi-host run ${GUEST}.wasm and ${FRESH_RUNS} × plain node:wasi, interleaved`);
  const resultFile = join(tmp, 'result.json');
  const plainChild = join(REPO_ROOT, 'test', 'bench', 'children', 'plain-compile-instantiate.mjs');
  const fresh = { host: [], hostCompile: [], hostInstantiate: [], plain: [] };
  for (let i = 0; i < FRESH_RUNS; i++) {
    // No sidecar and no allow-list: the guest's first request is denied (exit 1)
    // after compile and instantiate, which is all this series looks at. The
    // --env keeps the guest's environment non-empty (see the bench's notes).
    const path = freshModuleFile();
    timedRun(process.execPath, [HOST_BIN, 'run', path, '--env', 'WASI_BENCH=1', '--result-file', resultFile], { expectStatus: 1 });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    fresh.host.push(result.compileMillis + result.instantiateMillis);
    fresh.hostCompile.push(result.compileMillis);
    fresh.hostInstantiate.push(result.instantiateMillis);
    const plainRun = timedRun(process.execPath, ['--no-warnings', plainChild, freshModuleFile()]);
    const p = JSON.parse(plainRun.stdout);
    fresh.plain.push(p.compileMillis + p.instantiateMillis);
  }
  const freshHost = median(fresh.host);
  const freshPlain = median(fresh.plain);
  const freshMet = freshHost < GOAL_MS;
  printFigure(
    `compile+instantiate ${GUEST}.wasm (fresh wasi-host process, host-reported): median ${ms(freshHost)} ` +
      `(compile ${ms(median(fresh.hostCompile))} + instantiate ${ms(median(fresh.hostInstantiate))}; min ${ms(min(fresh.host))}) over ${FRESH_RUNS}; ` +
      `reference plain node:wasi fresh process ${ms(freshPlain)} → ratio ${ratio(freshHost / freshPlain)}; ` +
      `seed (Wasmtime, quoted) ${SEED_WASMTIME_MS} ms → ratio ${ratio(freshHost / SEED_WASMTIME_MS)}; goal < ${GOAL_MS} ms: ${freshMet ? 'met' : 'NOT met'}`,
  );
  reportRow({
    figure: 'compile+instantiate, fresh process', value: ms(freshHost), reference: `plain node:wasi ${ms(freshPlain)}`,
    ratio: ratio(freshHost / freshPlain), goal: `< ${GOAL_MS} ms`, met: freshMet,
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
