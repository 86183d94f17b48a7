// Figure (issue 3): the operator's RSS with 5,000 WasiApps in its cache.
// Goal: ≤ 150 MB.
//
// A fresh control plane; `wasi-operator controller` (defaults: concurrency
// 10, info logs) runs as a child process watching one namespace; 5,000
// WasiApps (spec.dapr.enabled=false) are created there while it runs, so it
// makes 5,000 Pods: its caches end up holding 5,000 WasiApps with their
// status and 5,000 Pods (the scheduler has marked them Unschedulable: no
// node). Once every Pod exists, the work queue is empty and no reconcile has
// run for a few seconds, VmRSS (the figure) and VmHWM (the peak, during the
// burst) are read from /proc/<pid>/status.
// Reference, in the same run: the RSS of the same Node running a script that
// imports @kubernetes/client-node, loads the same kubeconfig, makes one API
// call and idles — what a client costs before it caches anything.
//
// RSS depends much on V8's heap sizing: by default the young generation
// grows to 64 MB under the burst and old-space garbage waits for a major GC;
// node --optimize-for-size keeps both small (at more operator CPU). Try such
// flags with WASI_BENCH_OPERATOR_NODE_ARGS (the reference runs without them).
//
//   node test/bench/operator-memory.bench.mjs
//   WASI_BENCH_MEMORY_APPS=1000 node test/bench/operator-memory.bench.mjs
//   WASI_BENCH_OPERATOR_NODE_ARGS="--optimize-for-size" node test/bench/operator-memory.bench.mjs
//   WASI_BENCH_OPERATOR_BIN=/other/build/bin/wasi-operator.mjs …   (A/B against another build)
//   WASI_BENCH_DAPR=1 node test/bench/operator-memory.bench.mjs   (the apps with Dapr on: one shared Component)
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, childEnv, printFigure, progress, ratio, reportRow } from './lib.mjs';
import { createApps, cpuSecondsOf, loadNote, memoryOf, mib, startBenchCluster, startOperatorProcess, watchPods, within } from './operator-support.mjs';

const APPS = Number(process.env.WASI_BENCH_MEMORY_APPS ?? 5000);
const CREATE_CONCURRENCY = Number(process.env.WASI_BENCH_MEMORY_CONCURRENCY ?? 20);
const GOAL_MB = 150;
const QUIET_MS = 5000;
const SETTLE_TIMEOUT_MS = 180_000;

const BASELINE_SCRIPT = `
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
const kc = new KubeConfig();
kc.loadFromFile(process.env.BENCH_KUBECONFIG);
await kc.makeApiClient(CoreV1Api).listNamespace({ limit: 1 });
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`;

/** RSS of an idle client-node script, read after it has made its API call and settled. */
async function baselineRss(kubeconfigPath) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BASELINE_SCRIPT], {
    cwd: REPO_ROOT,
    env: childEnv({ BENCH_KUBECONFIG: kubeconfigPath }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await within(
      new Promise((resolve, reject) => {
        child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`baseline script exited with ${code}`)));
      }),
      30_000,
      () => 'baseline script not ready',
    );
    await sleep(2000);
    return memoryOf(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Waits until the queue is empty and no reconcile has finished for QUIET_MS. */
async function settle(op) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const m = await op.metrics();
    const total = m['wasi_operator_reconcile_duration_seconds_count'];
    if (total !== last) {
      last = total;
      quietSince = Date.now();
    } else if (m['wasi_operator_workqueue_depth'] === 0 && Date.now() - quietSince >= QUIET_MS) {
      return m;
    }
    if (Date.now() > deadline) throw new Error(`operator did not settle within ${SETTLE_TIMEOUT_MS / 1000} s (${total} reconciles)`);
    await sleep(500);
  }
}

const cluster = await startBenchCluster();
try {
  const baseline = await baselineRss(cluster.kubeconfigPath);
  progress(`idle client-node script: RSS ${mib(baseline.rssKiB)}`);
  const namespace = await cluster.createNamespace('bench-memory');
  const op = await startOperatorProcess({
    kubeconfigPath: cluster.kubeconfigPath,
    namespace,
    concurrency: 10,
    logFile: join(cluster.stateDir, 'operator.log'),
  });
  try {
    await op.waitReady();
    progress(`operator ready: RSS ${mib(memoryOf(op.pid).rssKiB)}; creating ${APPS} WasiApps at concurrency ${CREATE_CONCURRENCY}`);
    const watcher = await watchPods(cluster.kc, namespace);
    const started = performance.now();
    const ticker = setInterval(() => progress(`${watcher.count} of ${APPS} Pods; operator RSS ${mib(memoryOf(op.pid).rssKiB)}`), 15_000);
    try {
      await createApps(cluster.kc, namespace, APPS, CREATE_CONCURRENCY, { dapr: process.env.WASI_BENCH_DAPR === '1' });
      progress(`${APPS} WasiApps created after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await within(watcher.reached(APPS), 15 * 60 * 1000, () => `${watcher.count} of ${APPS} Pods; operator log:\n${op.logTail()}`);
    } finally {
      clearInterval(ticker);
      watcher.stop();
    }
    progress(`${APPS} Pods exist after ${((performance.now() - started) / 1000).toFixed(1)} s; waiting for the operator to settle`);
    const m = await settle(op);
    const mem = memoryOf(op.pid);
    progress(
      `settled: ${m['wasi_operator_reconcile_duration_seconds_count']} reconciles (${m['wasi_operator_reconcile_errors_total']} failed);` +
        ` operator CPU ${cpuSecondsOf(op.pid).toFixed(1)} s`,
    );

    const rssMB = mem.rssKiB / 1024;
    const met = rssMB <= GOAL_MB;
    const r = mem.rssKiB / baseline.rssKiB;
    printFigure(
      `operator RSS with ${APPS} WasiApps + ${APPS} Pods in its cache: ${mib(mem.rssKiB)} (peak ${mib(mem.hwmKiB)});` +
        ` idle client-node script: ${mib(baseline.rssKiB)} → ratio ${ratio(r)}; goal ≤ ${GOAL_MB} MB: ${met ? 'met' : 'missed'}` +
        ` (Dapr ${process.env.WASI_BENCH_DAPR === '1' ? 'on, one shared Component' : 'off'}; ${loadNote(availableParallelism())})`,
    );
    reportRow({
      figure: `operator RSS, ${APPS} WasiApps cached`,
      value: mib(mem.rssKiB),
      reference: `${mib(baseline.rssKiB)} (idle client-node script)`,
      ratio: ratio(r),
      goal: `≤ ${GOAL_MB} MB`,
      met,
    });
  } finally {
    await op.stop();
  }
} finally {
  await cluster.stop();
}
