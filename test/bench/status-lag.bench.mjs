// Figure (issue 10): status lag — from a run's Pod terminating to the
// WasiApp's status.lastRun saying so, median over 100 runs, against the
// Job controller's own lag for the same Pods (Pod terminated → the Job's
// status counts it succeeded), measured on the same events in the same run.
//
// A fresh control plane without a node; the operator (`wasi-operator
// controller`, a child process as in the image) runs the apps' Jobs, and
// this script plays the kubelet: one app at a time, it waits for the run's
// Pod, writes the Pod's status (host container terminated with a passing
// result), and times, from the moment that write returned, when a watch sees
// the Job succeeded and when a watch sees the WasiApp's lastRun Succeeded.
//
//   node test/bench/status-lag.bench.mjs
//   WASI_BENCH_LAG_RUNS=20 node test/bench/status-lag.bench.mjs
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { median, printFigure, progress, ratio, reportRow } from './lib.mjs';
import { benchApp, controlPlaneQuiet, pooledKubeConfig, startBenchCluster, startOperatorProcess, within } from './operator-support.mjs';

const RUNS = Number(process.env.WASI_BENCH_LAG_RUNS ?? 100);
const WASIAPPS = { group: 'wasi-operator.dev', version: 'v1alpha1', plural: 'wasiapps' };
const RESULT = JSON.stringify({ exitCode: 0, passed: true, output: 'ok\n', compileMillis: 1, instantiateMillis: 1, runMillis: 1 });

/** Calls `onObject` for every ADDED/MODIFIED object at `path` until stopped; first waits for the watch to open. */
async function watchAll(kc, path, onObject) {
  const watch = new Watch(kc);
  let stopped = false;
  let controller;
  const connect = async () => {
    controller = await watch.watch(path, {}, (type, obj) => (type === 'ADDED' || type === 'MODIFIED') && onObject(obj), () => {
      if (!stopped) setTimeout(() => void connect(), 200);
    });
  };
  await connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

/** Resolves with performance.now() when `predicate` first holds for a watched object named `name`. */
function waiter() {
  const pending = new Map();
  return {
    wait(name) {
      return new Promise((resolve) => pending.set(name, resolve));
    },
    offer(name, holds) {
      const resolve = pending.get(name);
      if (resolve && holds) {
        pending.delete(name);
        resolve(performance.now());
      }
    },
  };
}

const cluster = await startBenchCluster();
let operator;
try {
  const kc = await pooledKubeConfig(cluster.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = await cluster.createNamespace('bench-lag');
  operator = await startOperatorProcess({ kubeconfigPath: cluster.kubeconfigPath, namespace, concurrency: 10, logFile: join(cluster.stateDir, 'operator.log') });
  await operator.waitReady();

  const pods = new Map();
  const podWaiter = waiter();
  const jobWaiter = waiter();
  const appWaiter = waiter();
  const stops = await Promise.all([
    watchAll(kc, `/api/v1/namespaces/${namespace}/pods`, (pod) => {
      const app = pod.metadata?.annotations?.['wasi-operator.dev/wasiapp'];
      if (!app) return;
      pods.set(app, pod);
      podWaiter.offer(app, true);
    }),
    watchAll(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, (job) => {
      jobWaiter.offer(job.metadata?.annotations?.['wasi-operator.dev/wasiapp'], (job.status?.succeeded ?? 0) >= 1);
    }),
    watchAll(kc, `/apis/${WASIAPPS.group}/${WASIAPPS.version}/namespaces/${namespace}/${WASIAPPS.plural}`, (app) => {
      appWaiter.offer(app.metadata?.name, app.status?.lastRun?.phase === 'Succeeded');
    }),
  ]);

  const jobLags = [];
  const statusLags = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `lag-${String(i).padStart(4, '0')}`;
    const podSeen = podWaiter.wait(name);
    await custom.createNamespacedCustomObject({ ...WASIAPPS, namespace, body: benchApp(namespace, name) });
    await within(podSeen, 60_000, () => `no Pod for ${name}`);
    const pod = pods.get(name);
    if (i % 20 === 0) await controlPlaneQuiet(cluster.pids);
    const jobDone = jobWaiter.wait(name);
    const statusDone = appWaiter.wait(name);
    const now = new Date().toISOString();
    await core.patchNamespacedPodStatus(
      {
        name: pod.metadata.name,
        namespace,
        body: {
          status: {
            phase: 'Succeeded',
            startTime: now,
            containerStatuses: [
              {
                name: 'wasi-host',
                image: pod.spec.containers[0].image,
                imageID: '',
                ready: false,
                restartCount: 0,
                state: { terminated: { exitCode: 0, reason: 'Completed', message: RESULT, startedAt: now, finishedAt: now } },
              },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const written = performance.now();
    const [jobAt, statusAt] = await within(Promise.all([jobDone, statusDone]), 60_000, () => `${name}: Job or status never caught up`);
    jobLags.push(jobAt - written);
    statusLags.push(statusAt - written);
    if ((i + 1) % 20 === 0) progress(`${i + 1} of ${RUNS} runs: status lag median ${median(statusLags).toFixed(0)} ms, Job ${median(jobLags).toFixed(0)} ms`);
  }
  for (const stop of stops) stop();

  const statusMedian = median(statusLags);
  const jobMedian = median(jobLags);
  const r = statusMedian / jobMedian;
  printFigure(
    `status lag, Pod terminated → WasiApp status.lastRun Succeeded: median ${statusMedian.toFixed(0)} ms over ${RUNS} runs;` +
      ` the Job controller's own lag for the same Pods (Job status succeeded=1): ${jobMedian.toFixed(0)} ms → ratio ${ratio(r)}` +
      ` (operator as a child process, one run at a time, control plane on this machine)`,
  );
  reportRow({
    figure: 'status lag: Pod terminated → status.lastRun',
    value: `${statusMedian.toFixed(0)} ms (median of ${RUNS})`,
    reference: `${jobMedian.toFixed(0)} ms (the Job controller's lag, same Pods)`,
    ratio: ratio(r),
  });
} finally {
  await operator?.stop();
  await cluster.stop();
}
