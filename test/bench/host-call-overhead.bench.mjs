// Figure: host-call overhead (issue 2, "Figures").
//
// A real redis-server and a real daprd (state.redis component `statestore`)
// are started once and the key `weapon` is saved once. Then, interleaved,
// ROUNDS times each:
//   guest  `wasi-host run dapr-get-loop.wasm -- 2000 weapon statestore` with
//          daprd's env; the figure is the host's own `runMillis` from
//          --result-file (the guest's run, without Node's start-up, the
//          compile or the sidecar readiness check).
//   plain  children/plain-get-loop.mjs: the same 2,000 sequential GETs of
//          /v1.0/state/statestore/weapon with fetch, each body read to its
//          end and its ETag looked at; only the loop is timed (after one
//          untimed GET of healthz/outbound, as the host's readiness check).
// Goal: ratio of the medians guest/plain ≤ 1.2. Informational, in the same
// rounds: each side's client CPU time per GET (children/report-cpu.mjs,
// preloaded), which load on the machine moves much less than wall time.
// daprd and redis are stopped in `finally`, whatever happens.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOST_BIN, REPO_ROOT, childEnv, devImport, guestModule, median, min, ms, printFigure, progress, ratio, reportRow, timedRun,
} from './lib.mjs';

const GETS = 2000;
const ROUNDS = 5;
const WARMUP = 1;
const GOAL_RATIO = 1.2;
const KEY = 'weapon';
const STORE = 'statestore';

const { startRedis } = await devImport('runtime/redis-server.js');
const { startDaprd } = await devImport('runtime/daprd.js');
const plainChild = join(REPO_ROOT, 'test', 'bench', 'children', 'plain-get-loop.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-bench-calls-'));

let redis;
let daprd;
try {
  progress('starting redis-server and daprd');
  redis = await startRedis();
  daprd = await startDaprd({ appId: 'wasi-bench', redisAddress: redis.address });
  const save = await fetch(`${daprd.origin}/v1.0/state/${STORE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ key: KEY, value: 'Death Star' }]),
  });
  if (save.status !== 204) throw new Error(`saving ${KEY} failed: HTTP ${save.status} ${await save.text()}`);

  const resultFile = join(tmp, 'result.json');
  const cpuFile = join(tmp, 'cpu.json');
  const env = childEnv({ ...daprd.env, WASI_BENCH_CPU_FILE: cpuFile });
  const cpuPreload = ['--import', join(REPO_ROOT, 'test', 'bench', 'children', 'report-cpu.mjs')];
  const hostArgs = (gets) => [...cpuPreload, HOST_BIN, 'run', guestModule('dapr-get-loop'), '--result-file', resultFile, '--', String(gets), KEY, STORE];
  const plainArgs = (gets) => [...cpuPreload, plainChild, `${daprd.origin}/v1.0/state/${STORE}/${KEY}`, String(gets)];
  const cpuMillis = () => {
    const { user, system } = JSON.parse(readFileSync(cpuFile, 'utf8'));
    return (user + system) / 1000;
  };

  function runGuest(gets) {
    const run = timedRun(process.execPath, hostArgs(gets), { env });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    if (!result.passed || !run.stdout.includes(`done ${gets}`)) {
      throw new Error(`dapr-get-loop did not pass: ${JSON.stringify(result)}\nstderr: ${run.stderr.slice(-2000)}`);
    }
    return { millis: result.runMillis, wallMillis: run.wallMillis, cpuMillis: cpuMillis() };
  }
  function runPlain(gets) {
    const run = timedRun(process.execPath, plainArgs(gets), { env });
    return { millis: JSON.parse(run.stdout).loopMillis, cpuMillis: cpuMillis() };
  }

  // Per round, interleaved (the order flips each round): both with GETS
  // requests (the figure), then both with none (the CPU baseline: start-up,
  // module load, the sidecar check, fetch loaded).
  const runs = { guest: [], plain: [], guestIdle: [], plainIdle: [] };
  progress(`${ROUNDS} rounds (+${WARMUP} warm-up) of ${GETS} GETs, guest and plain fetch interleaved`);
  for (let i = -WARMUP; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['guest', 'plain'] : ['plain', 'guest'];
    for (const gets of [GETS, 0]) {
      for (const which of order) {
        const run = which === 'guest' ? runGuest(gets) : runPlain(gets);
        if (i >= 0) runs[gets === 0 ? `${which}Idle` : which].push(run);
      }
    }
  }

  const guestMedian = median(runs.guest.map((r) => r.millis));
  const plainMedian = median(runs.plain.map((r) => r.millis));
  const r = guestMedian / plainMedian;
  const met = r <= GOAL_RATIO;
  printFigure(
    `host calls: ${GETS} Dapr state GETs through the ABI (dapr-get-loop.wasm, host runMillis) median ${ms(guestMedian)} ` +
      `(min ${ms(min(runs.guest.map((x) => x.millis)))}; ${(guestMedian * 1000 / GETS).toFixed(0)} µs/GET) over ${ROUNDS}; ` +
      `reference plain Node fetch loop median ${ms(plainMedian)} (min ${ms(min(runs.plain.map((x) => x.millis)))}; ${(plainMedian * 1000 / GETS).toFixed(0)} µs/GET) ` +
      `→ ratio ${ratio(r)}; goal ratio ≤ ${GOAL_RATIO}: ${met ? 'met' : 'NOT met'}`,
  );
  // CPU per GET of each client process: (CPU with GETS requests − median CPU
  // with none) / GETS. Informational: what the host adds per call, with the
  // waiting on daprd and Redis (and on a loaded machine's scheduler) taken out.
  const cpuPerGet = (busy, idle) => {
    const base = median(idle.map((x) => x.cpuMillis));
    return median(busy.map((x) => ((x.cpuMillis - base) * 1000) / GETS));
  };
  const guestCpu = cpuPerGet(runs.guest, runs.guestIdle);
  const plainCpu = cpuPerGet(runs.plain, runs.plainIdle);
  printFigure(
    `  client CPU per GET (process CPU time, minus a 0-GET run): wasi-host ${guestCpu.toFixed(0)} µs, plain fetch ${plainCpu.toFixed(0)} µs → ratio ${ratio(guestCpu / plainCpu)}; ` +
      `whole wasi-host process per ${GETS}-GET run (spawn to exit): median ${ms(median(runs.guest.map((x) => x.wallMillis)))}`,
  );
  reportRow({
    figure: `host calls: ${GETS} GETs guest vs fetch`, value: ms(guestMedian), reference: `plain fetch ${ms(plainMedian)}`,
    ratio: ratio(r), goal: `≤ ${GOAL_RATIO}`, met,
  });
  reportRow({
    figure: 'host calls: client CPU per GET', value: `${guestCpu.toFixed(0)} µs`, reference: `plain fetch ${plainCpu.toFixed(0)} µs`,
    ratio: ratio(guestCpu / plainCpu),
  });
} finally {
  await daprd?.stop();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
