// Figure (issue 11 §3): 20,000 WasiApps sharing one state store. Before, the
// shared Component carried an owner reference and a scope per app and etcd
// refused it at about 6,500 sharers, after which no app of the namespace got
// further. Now: all 20,000 get their Pod; the figure is the time until the
// 20,000th Pod exists, with the operator's CPU and its RSS (goal ≤ 250 MB),
// against the same 20,000 apps with Dapr off (no Component), same run, same
// control plane. The Component's size is printed too.
//
// For each variant a fresh namespace; `wasi-operator controller` (concurrency
// 10) runs as a child process watching it; the 20,000 WasiApps are created
// while it runs (concurrency 20); the clock runs from the first create until
// a watch has seen the last Pod (no node: they stay Pending). Then the
// operator is stopped and the namespace left (etcd keeps growing; the
// variants run in a fixed order, Dapr on first, so the reference runs on the
// fuller etcd).
//
//   node test/bench/shared-store-scale.bench.mjs
//   WASI_BENCH_STORE_APPS=5000 node test/bench/shared-store-scale.bench.mjs
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { printFigure, progress, ratio, reportRow } from './lib.mjs';
import { createApps, cpuSecondsOf, loadNote, memoryOf, mib, startBenchCluster, startOperatorProcess, watchPods, within } from './operator-support.mjs';

const APPS = Number(process.env.WASI_BENCH_STORE_APPS ?? 20_000);
const CREATE_CONCURRENCY = 20;
const GOAL_RSS_MB = 250;

async function runVariant(cluster, dapr) {
  const namespace = await cluster.createNamespace(dapr ? 'bench-store-shared' : 'bench-store-off');
  const op = await startOperatorProcess({
    kubeconfigPath: cluster.kubeconfigPath,
    namespace,
    concurrency: 10,
    logFile: join(cluster.stateDir, `operator-${dapr ? 'shared' : 'off'}.log`),
  });
  try {
    await op.waitReady();
    const watcher = await watchPods(cluster.kc, namespace);
    let peakRssKiB = 0;
    const sample = setInterval(() => (peakRssKiB = Math.max(peakRssKiB, memoryOf(op.pid).rssKiB)), 1000);
    const ticker = setInterval(() => progress(`Dapr ${dapr ? 'on' : 'off'}: ${watcher.count} of ${APPS} Pods; operator RSS ${mib(memoryOf(op.pid).rssKiB)}`), 30_000);
    const cpuBefore = cpuSecondsOf(op.pid);
    const started = performance.now();
    let ended;
    try {
      await createApps(cluster.kc, namespace, APPS, CREATE_CONCURRENCY, { dapr });
      progress(`Dapr ${dapr ? 'on' : 'off'}: ${APPS} WasiApps created after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      ended = await within(watcher.reached(APPS), 60 * 60 * 1000, () => `${watcher.count} of ${APPS} Pods; operator log:\n${op.logTail()}`);
    } finally {
      clearInterval(sample);
      clearInterval(ticker);
      watcher.stop();
    }
    const seconds = (ended - started) / 1000;
    const cpuSeconds = cpuSecondsOf(op.pid) - cpuBefore;
    const rssKiB = memoryOf(op.pid).rssKiB;
    let componentBytes = 0;
    let scopes = 0;
    if (dapr) {
      const list = await cluster.kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'dapr.io', version: 'v1alpha1', plural: 'components', namespace });
      const [component] = list.items;
      componentBytes = JSON.stringify(component ?? {}).length;
      scopes = component?.scopes?.length ?? 0;
    }
    progress(`Dapr ${dapr ? 'on' : 'off'}: ${APPS} Pods after ${seconds.toFixed(1)} s, operator CPU ${cpuSeconds.toFixed(1)} s, RSS ${mib(rssKiB)} (peak ${mib(peakRssKiB)})`);
    return { seconds, cpuSeconds, rssKiB, peakRssKiB, componentBytes, scopes };
  } finally {
    await op.stop();
  }
}

const cluster = await startBenchCluster();
try {
  const shared = await runVariant(cluster, true);
  const off = await runVariant(cluster, false);
  const r = shared.seconds / off.seconds;
  const peakMB = shared.peakRssKiB / 1024;
  const met = peakMB <= GOAL_RSS_MB && shared.scopes === APPS;
  printFigure(
    `${APPS} WasiApps sharing one store → ${APPS} Pods: ${shared.seconds.toFixed(1)} s, operator CPU ${shared.cpuSeconds.toFixed(1)} s,` +
      ` RSS ${mib(shared.rssKiB)} (peak ${mib(shared.peakRssKiB)}); the Component: ${shared.scopes} scopes, ${(shared.componentBytes / 1024).toFixed(0)} KiB;` +
      ` the same apps with Dapr off: ${off.seconds.toFixed(1)} s, CPU ${off.cpuSeconds.toFixed(1)} s, peak RSS ${mib(off.peakRssKiB)} → ratio ${ratio(r)};` +
      ` goal RSS ≤ ${GOAL_RSS_MB} MB and every app in the Component: ${met ? 'met' : 'missed'} (${loadNote(availableParallelism())})`,
  );
  reportRow({
    figure: `${APPS} WasiApps sharing one store → Pods`,
    value: `${shared.seconds.toFixed(1)} s, peak RSS ${mib(shared.peakRssKiB)}`,
    reference: `${off.seconds.toFixed(1)} s (Dapr off)`,
    ratio: ratio(r),
    goal: `RSS ≤ ${GOAL_RSS_MB} MB`,
    met,
  });
} finally {
  await cluster.stop();
}
