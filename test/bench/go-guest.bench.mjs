// Figures for the Go guest (issue 9, "Figures"): guest/build/go-*.wasm, built
// from guest/go by scripts/build-go-guests.mjs.
//
// (a) compile + instantiate of go-dapr-state-test.wasm (a few MB: Go's
//     runtime, encoding/json, the Dapr client) in a fresh process, FRESH_RUNS
//     times each, interleaved:
//       host   `wasi-host run` — its own compileMillis + instantiateMillis
//              from --result-file. No sidecar and no allow-list: the guest's
//              first request is denied (exit 1) after compile and
//              instantiate, which is all this series looks at.
//       plain  children/plain-compile-instantiate.mjs: plain node:wasi in a
//              fresh process, timed the same way.
//     Every run gets bytes no process has compiled before (the module plus a
//     custom section with a counter), as compile-instantiate.bench.mjs does.
//     Informational, same rounds: the AssemblyScript seed under wasi-host.
// (b) 2,000 Dapr state GETs against a real daprd + redis-server, ROUNDS times
//     each, interleaved (the order rotates): the Go guest go-dapr-get-loop
//     under wasi-host (the host's runMillis: the guest's run without Node's
//     start-up, the compile or the sidecar check) vs children/plain-get-loop.mjs
//     (the same GETs with fetch, the loop timed). Goal: ratio ≤ 1.0.
//     Informational, same rounds: the AssemblyScript dapr-get-loop, and each
//     client's CPU per GET (children/report-cpu.mjs preloaded; the CPU of a
//     0-GET run taken off), which the machine's load moves much less than
//     wall time, and the Go guest's loop without the Go runtime's start (the
//     0-GET run's runMillis), which the reference's timing leaves out too.
// daprd and redis are stopped in `finally`, whatever happens.
import { readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOST_BIN, REPO_ROOT, childEnv, devImport, guestModule, median, min, ms, printFigure, progress, ratio, reportRow, timedRun,
} from './lib.mjs';

const SEED = 'go-dapr-state-test';
const AS_SEED = 'dapr-state-test';
const FRESH_RUNS = 20;
const GETS = 2000;
const ROUNDS = 5;
const WARMUP = 1;
const GOAL_GET_RATIO = 1.0;
const KEY = 'weapon';
const STORE = 'statestore';

const { startRedis } = await devImport('runtime/redis-server.js');
const { startDaprd } = await devImport('runtime/daprd.js');
const plainCompileChild = join(REPO_ROOT, 'test', 'bench', 'children', 'plain-compile-instantiate.mjs');
const plainGetChild = join(REPO_ROOT, 'test', 'bench', 'children', 'plain-get-loop.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-bench-go-'));
const resultFile = join(tmp, 'result.json');

/** A copy of the guest with a trailing custom section `wasi-bench` holding `n`: new bytes, same code. */
let counter = 0;
function freshCopy(name) {
  const bytes = readFileSync(guestModule(name));
  const sectionName = Buffer.from('wasi-bench');
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(counter++);
  const content = Buffer.concat([Buffer.from([sectionName.length]), sectionName, payload]);
  const path = join(tmp, `${name}-${counter}.wasm`);
  writeFileSync(path, Buffer.concat([bytes, Buffer.from([0, content.length]), content]));
  return path;
}

/** wasi-host's own compile + instantiate of a fresh copy, from its result file. */
function hostCompileInstantiate(name) {
  const path = freshCopy(name);
  try {
    timedRun(process.execPath, [HOST_BIN, 'run', path, '--env', 'WASI_BENCH=1', '--result-file', resultFile], { expectStatus: 1 });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    return { total: result.compileMillis + result.instantiateMillis, compile: result.compileMillis, instantiate: result.instantiateMillis };
  } finally {
    rmSync(path, { force: true });
  }
}

function plainCompileInstantiate(name) {
  const path = freshCopy(name);
  try {
    const p = JSON.parse(timedRun(process.execPath, ['--no-warnings', plainCompileChild, path]).stdout);
    return { total: p.compileMillis + p.instantiateMillis, compile: p.compileMillis, instantiate: p.instantiateMillis };
  } finally {
    rmSync(path, { force: true });
  }
}

let redis;
let daprd;
try {
  // (a) compile + instantiate in fresh processes.
  const seedKib = (readFileSync(guestModule(SEED)).byteLength / 1024).toFixed(0);
  progress(`fresh processes: ${FRESH_RUNS} × wasi-host and plain node:wasi on ${SEED}.wasm (${seedKib} KiB), plus the AssemblyScript seed`);
  const fresh = { host: [], plain: [], asHost: [] };
  for (let i = 0; i < FRESH_RUNS; i++) {
    const order = [['host', () => hostCompileInstantiate(SEED)], ['plain', () => plainCompileInstantiate(SEED)], ['asHost', () => hostCompileInstantiate(AS_SEED)]];
    for (let k = 0; k < order.length; k++) {
      const [which, run] = order[(i + k) % order.length];
      fresh[which].push(run());
    }
  }
  const part = (list, key) => median(list.map((s) => s[key]));
  const host = part(fresh.host, 'total');
  const plain = part(fresh.plain, 'total');
  const asHost = part(fresh.asHost, 'total');
  printFigure(
    `compile+instantiate ${SEED}.wasm (${seedKib} KiB; fresh wasi-host process, host-reported): median ${ms(host)} ` +
      `(compile ${ms(part(fresh.host, 'compile'))} + instantiate ${ms(part(fresh.host, 'instantiate'))}; min ${ms(min(fresh.host.map((s) => s.total)))}) over ${FRESH_RUNS}; ` +
      `reference plain node:wasi fresh process ${ms(plain)} (compile ${ms(part(fresh.plain, 'compile'))} + instantiate ${ms(part(fresh.plain, 'instantiate'))}) ` +
      `→ ratio ${ratio(host / plain)}; the AssemblyScript seed under wasi-host ${ms(asHost)} (Go/AS ${ratio(host / asHost)})`,
  );
  reportRow({
    figure: 'Go seed compile+instantiate, fresh process', value: ms(host), reference: `plain node:wasi ${ms(plain)}`, ratio: ratio(host / plain),
  });

  // (b) 2,000 GETs.
  progress('starting redis-server and daprd');
  redis = await startRedis();
  daprd = await startDaprd({ appId: 'wasi-bench-go', redisAddress: redis.address });
  const save = await fetch(`${daprd.origin}/v1.0/state/${STORE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ key: KEY, value: 'Death Star' }]),
  });
  if (save.status !== 204) throw new Error(`saving ${KEY} failed: HTTP ${save.status} ${await save.text()}`);
  const cpuFile = join(tmp, 'cpu.json');
  const env = childEnv({ ...daprd.env, WASI_BENCH_CPU_FILE: cpuFile });
  const cpuPreload = ['--import', join(REPO_ROOT, 'test', 'bench', 'children', 'report-cpu.mjs')];
  const cpuMillis = () => {
    const { user, system } = JSON.parse(readFileSync(cpuFile, 'utf8'));
    return (user + system) / 1000;
  };

  function runGuest(name, gets) {
    const args = [...cpuPreload, HOST_BIN, 'run', guestModule(name), '--result-file', resultFile, '--', String(gets), KEY, STORE];
    const run = timedRun(process.execPath, args, { env });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    if (!result.passed || !run.stdout.includes(`done ${gets}`)) {
      throw new Error(`${name} did not pass: ${JSON.stringify(result)}\nstderr: ${run.stderr.slice(-2000)}`);
    }
    return { millis: result.runMillis, cpu: cpuMillis() };
  }
  function runPlain(gets) {
    const run = timedRun(process.execPath, [...cpuPreload, plainGetChild, `${daprd.origin}/v1.0/state/${STORE}/${KEY}`, String(gets)], { env });
    return { millis: JSON.parse(run.stdout).loopMillis, cpu: cpuMillis() };
  }
  const series = {
    go: (gets) => runGuest('go-dapr-get-loop', gets),
    plain: (gets) => runPlain(gets),
    as: (gets) => runGuest('dapr-get-loop', gets),
  };
  const names = Object.keys(series);
  const runs = Object.fromEntries(names.map((name) => [name, { busy: [], idle: [] }]));
  progress(`${ROUNDS} rounds (+${WARMUP} warm-up) of ${GETS} GETs and of none: Go guest, plain fetch, AssemblyScript guest, interleaved`);
  for (let round = -WARMUP; round < ROUNDS; round++) {
    for (const gets of [GETS, 0]) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(((round % names.length) + names.length) % names.length + k) % names.length];
        const sample = series[name](gets);
        if (round >= 0) runs[name][gets === 0 ? 'idle' : 'busy'].push(sample);
      }
    }
  }
  const wall = (name) => runs[name].busy.map((s) => s.millis);
  // CPU per GET of the client process: (CPU with GETS − median CPU with none) / GETS, in µs.
  const cpuPerGet = (name) => {
    const base = median(runs[name].idle.map((s) => s.cpu));
    return median(runs[name].busy.map((s) => ((s.cpu - base) * 1000) / GETS));
  };
  const go = median(wall('go'));
  const fetchMedian = median(wall('plain'));
  const as = median(wall('as'));
  const r = go / fetchMedian;
  const met = r <= GOAL_GET_RATIO;
  const perGet = (millis) => `${((millis * 1000) / GETS).toFixed(0)} µs/GET`;
  printFigure(
    `host calls from Go: ${GETS} Dapr state GETs (go-dapr-get-loop.wasm, host runMillis) median ${ms(go)} (min ${ms(min(wall('go')))}; ${perGet(go)}) over ${ROUNDS}; ` +
      `reference plain Node fetch loop ${ms(fetchMedian)} (min ${ms(min(wall('plain')))}; ${perGet(fetchMedian)}) → ratio ${ratio(r)}; ` +
      `goal ratio ≤ ${GOAL_GET_RATIO}: ${met ? 'met' : 'NOT met'}; the AssemblyScript guest ${ms(as)} (${perGet(as)}; Go/AS ${ratio(go / as)})`,
  );
  // Information, not the goal: runMillis includes the Go runtime's own start (its 0-GET run), which the
  // reference's loop timing leaves out (Node's start-up, and fetch loaded before the loop starts).
  const goStart = median(runs.go.idle.map((s) => s.millis));
  printFigure(
    `  the Go runtime's start (runMillis of a 0-GET run) ${ms(goStart)}; the Go guest's loop without it ${ms(go - goStart)} ` +
      `→ ratio ${ratio((go - goStart) / fetchMedian)} to the plain fetch loop`,
  );
  const [goCpu, plainCpu, asCpu] = ['go', 'plain', 'as'].map(cpuPerGet);
  printFigure(
    `  client CPU per GET (process CPU time, minus a 0-GET run): Go guest in wasi-host ${goCpu.toFixed(0)} µs, plain fetch ${plainCpu.toFixed(0)} µs ` +
      `→ ratio ${ratio(goCpu / plainCpu)}; AssemblyScript guest ${asCpu.toFixed(0)} µs (Go/AS ${ratio(goCpu / asCpu)})`,
  );
  reportRow({
    figure: 'Go guest: client CPU per GET', value: `${goCpu.toFixed(0)} µs`, reference: `plain fetch ${plainCpu.toFixed(0)} µs`, ratio: ratio(goCpu / plainCpu),
  });
  reportRow({
    figure: `Go guest: ${GETS} GETs vs fetch`, value: ms(go), reference: `plain fetch ${ms(fetchMedian)}`, ratio: ratio(r), goal: `≤ ${GOAL_GET_RATIO}`, met,
  });
} finally {
  await daprd?.stop();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
