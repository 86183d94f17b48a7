// Figure (issue 10, after issue 3): 1,000 WasiApps applied at once → 1,000
// Jobs → all 1,000 Pods exist, the operator's time against a plain
// client-node script creating the same 1,000 Jobs at the same concurrency, on
// the same fresh control plane, in the same run. Both go through the same Job
// controller (kube-controller-manager), which makes the Pods. Goal: ratio ≤ 1.2.
//
// (a) reference: 1,000 WasiApps are created (untimed) in a namespace no
//     operator watches, buildRunJob turns each into its run's Job (owner
//     reference included), and the clock runs from the first Job create to
//     the moment a watch has seen the 1,000th Pod; C creates in flight at a
//     time, with client-node on one reused connection pool. For information,
//     the operator's own small REST client (kube/) server-side applies the
//     same Jobs, as the operator does: the request's own cost, without
//     informers, queue or reconciles.
// (b) the figure: 1,000 WasiApps are created (untimed) in a second namespace
//     while no operator runs — applied at once — then `wasi-operator
//     controller --concurrency=C` starts as a child process watching it; the
//     clock runs from its spawn (Node start-up, the first lists included)
//     until the same kind of watch has seen the 1,000th Pod.
//     The reference and (b) alternate, ROUNDS times each (default 3), and the
//     figure is the ratio of their medians: on 2 shared cores a single run of
//     either moves by 20-40 %. Each timed step starts once the control plane
//     is quiet (controlPlaneQuiet).
// (c) informational: the operator already running and ready while a client
//     creates 1,000 WasiApps in a third namespace at concurrency C; the clock
//     runs from the first create, so it holds 1,000 WasiApp creates the
//     reference does not make.
// Every client uses the cluster's admin kubeconfig (system:masters: the
// exempt priority level) and no client-side rate limit. The figure's apps run
// with spec.dapr.enabled=false: one Job and one Pod each and no state-store
// Component. Each round also runs the figure with Dapr on (the default: the
// 1,000 apps of a namespace share one Component; issue 11's goal ≤ 1.5),
// against the plain client creating the same Pods (the Jobs of Dapr-on apps,
// with Dapr's annotations) just before it: a control plane that has made
// and deleted thousands of Pods is slower, so the first reference would flatter
// any later run. (c) is repeated with Dapr on. Each run starts with no Pods of
// an earlier run left on the control plane.
//
//   node test/bench/operator-scale.bench.mjs
//   WASI_BENCH_SCALE_APPS=200 WASI_BENCH_CONCURRENCY=10 node test/bench/operator-scale.bench.mjs
//   WASI_BENCH_SCALE_ROUNDS=5 node test/bench/operator-scale.bench.mjs   (rounds of the figure; default 3)
//   WASI_BENCH_OPERATOR_BIN=/other/build/bin/wasi-operator.mjs …   (A/B against another build)
//   WASI_BENCH_OPERATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" …   (Node flags for the operator)
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { BatchV1Api } from '@kubernetes/client-node';
import { distImport, printFigure, progress, ratio, reportRow } from './lib.mjs';
import {
  OPERATOR_CONFIG,
  controlPlaneCpuByProcess,
  controlPlaneCpuSeconds,
  controlPlaneQuiet,
  describeCpuSince,
  cpuSecondsOf,
  createApps,
  emptyNamespace,
  loadNote,
  ownCpuSeconds,
  pooledKubeConfig,
  runPool,
  startBenchCluster,
  startOperatorProcess,
  watchPods,
  within,
} from './operator-support.mjs';

const APPS = Number(process.env.WASI_BENCH_SCALE_APPS ?? 1000);
const ROUNDS = Number(process.env.WASI_BENCH_SCALE_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.WASI_BENCH_CONCURRENCY ?? 10);
const GOAL = 1.2;
// Issue 11: the same figure with Dapr on, against the plain client creating the same (Dapr-on) Jobs.
const DAPR_GOAL = 1.5;
const TIMEOUT_MS = 15 * 60 * 1000;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs `create` for each of `jobs` at CONCURRENCY; ms from the first create until a watch has seen a Pod for each. */
async function timeJobCreates(label, cluster, watchKc, namespace, jobs, create) {
  await controlPlaneQuiet(cluster.pids);
  const watcher = await watchPods(watchKc, namespace);
  progress(`${label}: creating ${jobs.length} Jobs at concurrency ${CONCURRENCY}`);
  const cpu = { own: ownCpuSeconds(), plane: controlPlaneCpuSeconds(cluster.pids), byProcess: controlPlaneCpuByProcess(cluster.pids) };
  const started = performance.now();
  await runPool(jobs.length, CONCURRENCY, (i) => create(jobs[i]));
  const done = await within(watcher.reached(jobs.length), TIMEOUT_MS, () => `${watcher.count} of ${jobs.length} Pods seen`);
  watcher.stop();
  const millis = done - started;
  progress(
    `${label}: ${seconds(millis)}; CPU: client ${(ownCpuSeconds() - cpu.own).toFixed(1)} s,` +
      ` control plane ${(controlPlaneCpuSeconds(cluster.pids) - cpu.plane).toFixed(1)} s` +
      ` (${describeCpuSince(cpu.byProcess, controlPlaneCpuByProcess(cluster.pids))})`,
  );
  return millis;
}

/**
 * The reference: client-node on pooled connections creating each app's run
 * Job; then, for information, the operator's own REST client server-side
 * applying the same Jobs: the cost of the request alone.
 */
async function plainClient(cluster, pooled, namespace, daprNamespace) {
  const [{ buildRunJob }, { jobNameFor }, { KubeApiClient }, { loadClusterAccess }, { applyObject }] = await Promise.all([
    distImport('resources/job.js'),
    distImport('resources/names.js'),
    distImport('kube/api-client.js'),
    distImport('kube/cluster-access.js'),
    distImport('kube/requests.js'),
  ]);
  progress(`reference: creating ${APPS} WasiApps (untimed) in ${namespace} to build their Jobs from`);
  const apps = await createApps(pooled, namespace, APPS, CONCURRENCY);
  const jobs = apps.map((app) => buildRunJob(app, OPERATOR_CONFIG, jobNameFor(app, undefined), 'Spec'));
  // The Dapr-on figure's reference creates the same Jobs the operator makes for Dapr-on apps (their Pods
  // carry Dapr's annotations), from apps of its own namespace.
  progress(`reference: creating ${APPS} WasiApps with Dapr (untimed) in ${daprNamespace} to build their Jobs from`);
  const daprApps = await createApps(pooled, daprNamespace, APPS, CONCURRENCY, { dapr: true });
  const daprJobs = daprApps.map((app) => buildRunJob(app, OPERATOR_CONFIG, jobNameFor(app, undefined), 'Spec'));
  const batch = pooled.makeApiClient(BatchV1Api);
  const viaClientNode = (job) => batch.createNamespacedJob({ namespace: job.metadata.namespace, body: job });
  const pooledMillis = await timeJobCreates('reference, pooled client-node', cluster, pooled, namespace, jobs, viaClientNode);
  const api = new KubeApiClient(await loadClusterAccess(cluster.kubeconfigPath));
  try {
    await emptyNamespace(pooled, namespace, { keepApps: true });
    const leanApplyMillis = await timeJobCreates("the operator's REST client, server-side apply", cluster, pooled, namespace, jobs, (job) =>
      applyObject({ api }, job),
    );
    await emptyNamespace(pooled, namespace, { keepApps: true });
    /** A reference run once more (its namespace is empty of Jobs again afterwards). */
    const referenceRun = async (label, runNamespace, runJobs) => {
      const millis = await timeJobCreates(label, cluster, pooled, runNamespace, runJobs, viaClientNode);
      await emptyNamespace(pooled, runNamespace, { keepApps: true });
      return millis;
    };
    const pooledAgain = (round) => referenceRun(`reference, round ${round}`, namespace, jobs);
    /** The Dapr-on figure's reference: the Dapr-on apps' Jobs. */
    const pooledDapr = (round) => referenceRun(`reference with Dapr, round ${round}`, daprNamespace, daprJobs);
    return { pooledMillis, leanApplyMillis, pooledAgain, pooledDapr };
  } finally {
    await api.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** CPU use since `cpu` was taken, as "operator 1.2 s, app creator 0.3 s, control plane 4.5 s". */
function cpuSince(cpu, cluster, op) {
  return (
    `operator ${(cpuSecondsOf(op.pid) - cpu.op).toFixed(1)} s, app creator ${(ownCpuSeconds() - cpu.own).toFixed(1)} s,` +
    ` control plane ${(controlPlaneCpuSeconds(cluster.pids) - cpu.plane).toFixed(1)} s` +
    ` (${describeCpuSince(cpu.byProcess, controlPlaneCpuByProcess(cluster.pids))})`
  );
}

async function reconcileCounts(op) {
  const m = await op.metrics();
  return (
    `reconciles so far ${m['wasi_operator_reconcile_total{result="success"}']} ok,` +
    ` ${m['wasi_operator_reconcile_total{result="requeue"}']} requeued, ${m['wasi_operator_reconcile_errors_total']} failed`
  );
}

/**
 * The figure: 1,000 WasiApps exist (applied at once, with no operator
 * running), then the operator starts; the clock runs from its spawn (Node
 * start-up, the informers' first lists and the caches included) until the
 * watch has seen the 1,000th Pod. This is the operator's own time to turn the
 * applied apps into Pods, next to the reference's time to create the Pods.
 */
async function operatorOnAppliedApps(cluster, pooled, namespace, logFile, { dapr = false } = {}) {
  const what = dapr ? 'WasiApps with Dapr' : 'WasiApps';
  progress(`operator: creating ${APPS} ${what} (untimed, no operator running) in ${namespace}`);
  await createApps(pooled, namespace, APPS, CONCURRENCY, { dapr });
  await controlPlaneQuiet(cluster.pids);
  const watcher = await watchPods(pooled, namespace);
  const cpu = { own: ownCpuSeconds(), plane: controlPlaneCpuSeconds(cluster.pids), byProcess: controlPlaneCpuByProcess(cluster.pids), op: 0 };
  const started = performance.now();
  const op = await startOperatorProcess({ kubeconfigPath: cluster.kubeconfigPath, namespace, concurrency: CONCURRENCY, logFile });
  try {
    const done = await within(watcher.reached(APPS), TIMEOUT_MS, () => `${watcher.count} of ${APPS} Pods seen; operator log tail:\n${op.logTail()}`);
    watcher.stop();
    const millis = done - started;
    progress(`operator on ${APPS} applied ${what}: ${seconds(millis)} from its start; CPU: ${cpuSince(cpu, cluster, op)}; ${await reconcileCounts(op)}`);
    return millis;
  } finally {
    await op.stop();
  }
}

/**
 * Informational: the operator already running while a client creates the
 * 1,000 WasiApps at concurrency C (like `kubectl apply` of many files in
 * parallel); the clock runs from the first create to the 1,000th Pod, so it
 * holds the creates too, which the reference does not do.
 */
async function operatorWhileApplying(cluster, pooled, namespace, logFile, { dapr = false } = {}) {
  const what = dapr ? 'WasiApps with Dapr' : 'WasiApps';
  const op = await startOperatorProcess({ kubeconfigPath: cluster.kubeconfigPath, namespace, concurrency: CONCURRENCY, logFile });
  try {
    await op.waitReady();
    await controlPlaneQuiet(cluster.pids);
    const watcher = await watchPods(pooled, namespace);
    progress(`operator running: creating ${APPS} ${what} at concurrency ${CONCURRENCY} in ${namespace}`);
    const cpu = {
      own: ownCpuSeconds(),
      plane: controlPlaneCpuSeconds(cluster.pids),
      byProcess: controlPlaneCpuByProcess(cluster.pids),
      op: cpuSecondsOf(op.pid),
    };
    const started = performance.now();
    await createApps(pooled, namespace, APPS, CONCURRENCY, { dapr });
    const appsCreated = performance.now();
    const done = await within(watcher.reached(APPS), TIMEOUT_MS, () => `${watcher.count} of ${APPS} Pods seen; operator log tail:\n${op.logTail()}`);
    watcher.stop();
    const millis = done - started;
    progress(
      `operator while applying ${what}: ${seconds(millis)} (all created after ${seconds(appsCreated - started)}); CPU: ${cpuSince(cpu, cluster, op)};` +
        ` ${await reconcileCounts(op)}`,
    );
    return millis;
  } finally {
    await op.stop();
  }
}

const cluster = await startBenchCluster();
try {
  const pooled = await pooledKubeConfig(cluster.kubeconfigPath);
  const plainNamespace = await cluster.createNamespace('bench-plain');
  const operatorNamespace = await cluster.createNamespace('bench-operator');
  const plainDaprNamespace = await cluster.createNamespace('bench-plain-dapr');
  const { pooledMillis: firstPooledMillis, leanApplyMillis, pooledAgain, pooledDapr } = await plainClient(cluster, pooled, plainNamespace, plainDaprNamespace);
  // The figure alternates the reference and the operator, ROUNDS times each, and compares their medians:
  // on 2 shared cores one run of either moves by 20-30 %.
  const pooledRounds = [firstPooledMillis];
  const operatorRounds = [];
  // The default, Dapr on (the 1,000 apps of a namespace share one state store Component), has its own
  // reference run just before it, creating the same Pods (the Dapr-on apps' Jobs): a control plane that
  // has made and deleted thousands of Pods answers more slowly (a second Dapr-off run on the same control
  // plane takes 20-40 % longer than the first), so each figure is taken against a reference measured in
  // the same state.
  const daprPooledRounds = [];
  const daprRounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) pooledRounds.push(await pooledAgain(round));
    const namespace = round === 1 ? operatorNamespace : await cluster.createNamespace(`bench-operator-${round}`);
    operatorRounds.push(await operatorOnAppliedApps(cluster, pooled, namespace, join(cluster.stateDir, `operator-${round}.log`)));
    progress(`round ${round}: deleting the operator's WasiApps and Pods`);
    await emptyNamespace(pooled, namespace);
    daprPooledRounds.push(await pooledDapr(round));
    const daprNamespace = await cluster.createNamespace(round === 1 ? 'bench-dapr' : `bench-dapr-${round}`);
    daprRounds.push(await operatorOnAppliedApps(cluster, pooled, daprNamespace, join(cluster.stateDir, `operator-dapr-${round}.log`), { dapr: true }));
    progress(`round ${round}: deleting the Dapr-on WasiApps and Pods`);
    await emptyNamespace(pooled, daprNamespace);
  }
  progress(`deleting the reference's WasiApps`);
  await emptyNamespace(pooled, plainNamespace);
  await emptyNamespace(pooled, plainDaprNamespace);
  const pooledMillis = median(pooledRounds);
  const operatorMillis = median(operatorRounds);
  const daprPooledMillis = median(daprPooledRounds);
  const daprMillis = median(daprRounds);
  const daprRatio = daprMillis / daprPooledMillis;
  // The informational runs below come last; their ratios are to the last reference run of their kind.
  const latestPooledMillis = pooledRounds.at(-1);
  const latestDaprPooledMillis = daprPooledRounds.at(-1);
  const applyingNamespace = await cluster.createNamespace('bench-applying');
  const applyingMillis = await operatorWhileApplying(cluster, pooled, applyingNamespace, join(cluster.stateDir, 'operator-applying.log'));
  progress(`deleting the WasiApps created while the operator ran`);
  await emptyNamespace(pooled, applyingNamespace);
  const daprApplyingNamespace = await cluster.createNamespace('bench-dapr-applying');
  const daprApplyingMillis = await operatorWhileApplying(cluster, pooled, daprApplyingNamespace, join(cluster.stateDir, 'operator-dapr-applying.log'), {
    dapr: true,
  });

  const r = operatorMillis / pooledMillis;
  const met = r <= GOAL;
  printFigure(
    `operator ${APPS} applied WasiApps → ${APPS} Jobs → ${APPS} Pods: ${seconds(operatorMillis)} from its start; plain client ${APPS} Jobs at concurrency ${CONCURRENCY}:` +
      ` ${seconds(pooledMillis)} → ratio ${ratio(r)}; goal ≤ ${GOAL}: ${met ? 'met' : 'missed'}` +
      ` (medians of ${ROUNDS} alternating rounds: operator ${operatorRounds.map(seconds).join(', ')}; plain client ${pooledRounds.map(seconds).join(', ')})` +
      ` (Dapr off; operator --concurrency=${CONCURRENCY} as a child process; both with pooled connections;` +
      ` the operator's own REST client applying the same Jobs: ${seconds(leanApplyMillis)}, operator ratio to it ${ratio(operatorMillis / leanApplyMillis)};` +
      ` the operator running while the ${APPS} WasiApps are created, creates included: ${seconds(applyingMillis)}, ratio ${ratio(applyingMillis / latestPooledMillis)};` +
      ` with Dapr on (one shared Component): applied ${seconds(daprMillis)} against the plain client creating the same Jobs just before it ${seconds(daprPooledMillis)},` +
      ` ratio ${ratio(daprRatio)}, goal ≤ ${DAPR_GOAL}: ${daprRatio <= DAPR_GOAL ? 'met' : 'missed'} (rounds: ${daprRounds.map(seconds).join(', ')}; references ${daprPooledRounds.map(seconds).join(', ')});` +
      ` while applying ${seconds(daprApplyingMillis)}, ratio ${ratio(daprApplyingMillis / latestDaprPooledMillis)};` +
      ` ${loadNote(availableParallelism())})`,
  );
  reportRow({
    figure: `${APPS} applied WasiApps → ${APPS} Jobs → ${APPS} Pods`,
    value: seconds(operatorMillis),
    reference: `${seconds(pooledMillis)} (plain client creating the Jobs, concurrency ${CONCURRENCY}; medians of ${ROUNDS})`,
    ratio: ratio(r),
    goal: `≤ ${GOAL}`,
    met,
  });
  reportRow({
    figure: `the same, Dapr on (1 shared Component)`,
    value: seconds(daprMillis),
    reference: `${seconds(daprPooledMillis)} (plain client creating the same Jobs just before; medians of ${ROUNDS})`,
    ratio: ratio(daprRatio),
    goal: `≤ ${DAPR_GOAL}`,
    met: daprRatio <= DAPR_GOAL,
  });
} finally {
  await cluster.stop();
}
