// Figures: the seed's WasiApp on the real node (issue 8, "Figures").
//
// 1. apply → Succeeded for the seed's WasiApp, median of 10 (WASI_BENCH_NODE_RUNS),
//    split into its parts as this process sees them through watches
//    (millisecond clock, not the API's one-second timestamps): scheduled,
//    sandbox up (PodReadyToStartContainers), sidecar ready (daprd started and
//    ready), guest ran (wasi-host running → terminated), status written (the
//    WasiApp's phase Succeeded). References in the same run, alternated with
//    it: a plain Pod running the same image's `wasi-host run` without Dapr
//    (on exit-now.wasm: the seed's guest needs its sidecar), and a Pod of the
//    do-nothing image. Goal ≤ 1.0 s.
// 2. 100 WasiApps (WASI_BENCH_NODE_BURST) applied at once → all Succeeded:
//    the time and the machine's memory in use at the peak above the idle
//    cluster's, against 100 do-nothing Pods.
//
// Runs on the developer's local cluster (`.wasi-operator`, or
// WASI_OPERATOR_HOME), started with its node if it is not running and
// stopped again at the end only then; the operator is installed from our
// chart with the image built from the Dockerfile, as `npm start` does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { devImport, median, printFigure, progress, ratio, REPO_ROOT, reportRow } from './lib.mjs';

const RUNS = Number(process.env.WASI_BENCH_NODE_RUNS ?? 10);
const BURST = Number(process.env.WASI_BENCH_NODE_BURST ?? 100);
const GOAL_MS = 1000;
const TIMEOUT_MS = 300_000;
const BURST_TIMEOUT_MS = Number(process.env.WASI_BENCH_NODE_BURST_TIMEOUT_S ?? 600) * 1000;

const { startCluster, stopCluster } = await devImport('cluster/cluster.js');
const { defaultStateDir } = await devImport('cluster/state-dir.js');
const { ensureImages, SEED_MODULE_FILE } = await devImport('images/images.js');
const { REGISTRY_ADDRESS } = await devImport('node/node-layout.js');
const { installOperatorChart, pinnedOperatorImage } = await devImport('node/operator-install.js');
const k8s = await import('@kubernetes/client-node');
const yaml = (await import('js-yaml')).default;

const stateDir = defaultStateDir();
progress(`local cluster with its node in ${stateDir} (started if needed)`);
const cluster = await startCluster({ stateDir, node: true, progress: (line) => progress(`cluster: ${line}`) });
const images = await ensureImages({ registry: REGISTRY_ADDRESS, progress: (line) => progress(`images: ${line}`) });
const operatorImage = pinnedOperatorImage(images);
await installOperatorChart({ kubeconfig: cluster.kubeconfigPath, stateDir, image: operatorImage });
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const wasiapps = { group: 'wasi-operator.dev', version: 'v1alpha1', plural: 'wasiapps' };
const guest = readFileSync(join(REPO_ROOT, 'guest', 'build', SEED_MODULE_FILE));
const seed = yaml.load(readFileSync(join(REPO_ROOT, 'examples', 'wasiapp-seed.yaml'), 'utf8'));

const namespace = (await core.createNamespace({ body: { metadata: { generateName: 'bench-node-' } } })).metadata.name;
for (let i = 0; ; i++) {
  try {
    await core.readNamespacedServiceAccount({ name: 'default', namespace });
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'dapr-state-test' }, binaryData: { [SEED_MODULE_FILE]: guest.toString('base64') } } });
const exitNow = readFileSync(join(REPO_ROOT, 'guest', 'build', 'exit-now.wasm'));
await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'exit-now' }, binaryData: { 'exit-now.wasm': exitNow.toString('base64') } } });

/** Watches Pods and WasiApps of the namespace; records when each thing was first seen, by object name. */
function startWatches() {
  const seen = new Map();
  const mark = (name, what) => {
    const entry = seen.get(name) ?? {};
    if (entry[what] === undefined) entry[what] = performance.now();
    seen.set(name, entry);
  };
  const watch = new k8s.Watch(kc);
  const onPod = (_type, pod) => {
    const owner = pod.metadata.labels?.['app.kubernetes.io/instance'] ?? pod.metadata.name;
    if (pod.spec?.nodeName) mark(owner, 'scheduled');
    if (pod.status?.conditions?.some((c) => c.type === 'PodReadyToStartContainers' && c.status === 'True')) mark(owner, 'sandbox');
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    if (statuses.some((s) => s.name === 'daprd' && s.ready)) mark(owner, 'sidecar');
    const main = statuses.find((s) => s.name === 'wasi-host' || s.name === 'main');
    if (main?.state?.running || main?.state?.terminated) mark(owner, 'running');
    if (main?.state?.terminated) mark(owner, 'terminated');
    if (pod.status?.phase === 'Succeeded') mark(owner, 'podSucceeded');
    if (pod.status?.phase === 'Failed') mark(owner, 'failed');
  };
  const onApp = (_type, app) => {
    if (app.status?.phase === 'Succeeded') mark(app.metadata.name, 'appSucceeded');
    if (app.status?.phase === 'Failed') mark(app.metadata.name, 'failed');
  };
  const requests = [
    watch.watch(`/api/v1/namespaces/${namespace}/pods`, {}, onPod, () => undefined),
    watch.watch(`/apis/wasi-operator.dev/v1alpha1/namespaces/${namespace}/wasiapps`, {}, onApp, () => undefined),
  ];
  return {
    seen,
    async stop() {
      for (const request of await Promise.all(requests)) request.abort();
    },
  };
}

async function until(check, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function wasiApp(name) {
  return { ...seed, metadata: { name, namespace } };
}

function plainPod(name, kind) {
  const hostRun = {
    name: 'main',
    image: operatorImage,
    command: ['wasi-host', 'run', '/module/exit-now.wasm'],
    volumeMounts: [{ name: 'module', mountPath: '/module', readOnly: true }],
  };
  const noop = { name: 'main', image: images.noop };
  return {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/instance': name } },
    spec: {
      restartPolicy: 'Never',
      containers: [kind === 'host' ? hostRun : noop],
      ...(kind === 'host' && { volumes: [{ name: 'module', configMap: { name: 'exit-now' } }] }),
    },
  };
}

/** One run of `kind` ('app' | 'host' | 'noop'); resolves with its milestones relative to the apply. */
async function runOnce(kind, name, watches) {
  const started = performance.now();
  if (kind === 'app') await custom.createNamespacedCustomObject({ ...wasiapps, namespace, body: wasiApp(name) });
  else await core.createNamespacedPod({ namespace, body: plainPod(name, kind) });
  const done = kind === 'app' ? 'appSucceeded' : 'podSucceeded';
  await until(() => watches.seen.get(name)?.[done] !== undefined || watches.seen.get(name)?.failed !== undefined, `${kind} ${name}`);
  const entry = watches.seen.get(name);
  if (entry.failed !== undefined) throw new Error(`${kind} ${name} failed`);
  return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, v - started]));
}

const watches = startWatches();
const results = { app: [], host: [], noop: [] };
try {
  // A first run of each pulls the images onto the node: not timed.
  for (const kind of ['app', 'host', 'noop']) await runOnce(kind, `warm-${kind}`, watches);
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? ['app', 'host', 'noop'] : ['noop', 'host', 'app'];
    for (const kind of order) results[kind].push(await runOnce(kind, `${kind}-${i}`, watches));
    progress(`round ${i + 1}/${RUNS}: app ${results.app.at(-1).appSucceeded.toFixed(0)} ms`);
  }
} finally {
  await watches.stop();
}

const med = (kind, key) => {
  const values = results[kind].map((r) => r[key]).filter((v) => v !== undefined);
  return values.length > 0 ? median(values) : undefined;
};
const milestones = (kind, keys) => keys.flatMap((k) => (med(kind, k) === undefined ? [] : [`${k} ${med(kind, k).toFixed(0)} ms`])).join(', ');
const app = med('app', 'appSucceeded');
const host = med('host', 'podSucceeded');
const noop = med('noop', 'podSucceeded');
const keys = ['scheduled', 'sandbox', 'sidecar', 'running', 'terminated', 'podSucceeded', 'appSucceeded'];
printFigure(`seed WasiApp apply → Succeeded on the real node: median ${app.toFixed(0)} ms over ${RUNS} (milestones from the apply: ${milestones('app', keys)})`);
printFigure(`references: plain Pod running wasi-host without Dapr ${host.toFixed(0)} ms (${milestones('host', keys)}); do-nothing Pod ${noop.toFixed(0)} ms (${milestones('noop', keys)})`);
reportRow({ figure: 'seed WasiApp apply → Succeeded (real node, Dapr)', value: `${app.toFixed(0)} ms`, reference: `wasi-host Pod ${host.toFixed(0)} ms; noop Pod ${noop.toFixed(0)} ms`, ratio: ratio(app / host), goal: `≤ ${GOAL_MS} ms`, met: app <= GOAL_MS });

/** The machine's memory in use (MemTotal − MemAvailable), in MB. */
function memoryInUse() {
  const info = Object.fromEntries(readFileSync('/proc/meminfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [key, value] = line.split(':');
    return [key, Number.parseInt(value, 10)];
  }));
  return (info.MemTotal - info.MemAvailable) / 1024;
}

async function burst(kind) {
  const burstWatches = startWatches();
  const baseline = memoryInUse();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryInUse())), 250);
  const started = performance.now();
  const names = Array.from({ length: BURST }, (_, i) => `burst-${kind}-${i}`);
  try {
    await Promise.all(names.map((name) => (kind === 'app' ? custom.createNamespacedCustomObject({ ...wasiapps, namespace, body: wasiApp(name) }) : core.createNamespacedPod({ namespace, body: plainPod(name, kind) }))));
    const done = kind === 'app' ? 'appSucceeded' : 'podSucceeded';
    const ended = (n) => burstWatches.seen.get(n)?.[done] !== undefined || burstWatches.seen.get(n)?.failed !== undefined;
    // A burst that does not finish is a figure too: how many ended by the deadline.
    const deadline = Date.now() + BURST_TIMEOUT_MS;
    while (!names.every(ended) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const failed = names.filter((n) => burstWatches.seen.get(n)?.failed !== undefined).length;
    const unfinished = names.filter((n) => !ended(n)).length;
    return { seconds: (performance.now() - started) / 1000, peakMb: peak - baseline, failed, unfinished };
  } finally {
    clearInterval(sampler);
    await burstWatches.stop();
  }
}

const apps = await burst('app');
// The apps' Pods go with their WasiApps (owner references): the node is quiet again before the reference.
await custom.deleteCollectionNamespacedCustomObject({ ...wasiapps, namespace });
await core.deleteCollectionNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/instance' });
while ((await core.listNamespacedPod({ namespace })).items.length > 0) await new Promise((r) => setTimeout(r, 500));
const pods = await burst('noop');
const outcome = (r) => `${r.seconds.toFixed(1)} s (${r.failed} failed${r.unfinished ? `, ${r.unfinished} unfinished at the deadline` : ''}), memory at the peak +${r.peakMb.toFixed(0)} MB`;
printFigure(`${BURST} WasiApps applied at once → all ended: ${outcome(apps)}; ${BURST} do-nothing Pods: ${outcome(pods)}`);
reportRow({ figure: `${BURST} WasiApps at once → all Succeeded (real node)`, value: `${apps.seconds.toFixed(1)} s, +${apps.peakMb.toFixed(0)} MB`, reference: `${BURST} noop Pods ${pods.seconds.toFixed(1)} s, +${pods.peakMb.toFixed(0)} MB`, ratio: ratio(apps.seconds / pods.seconds) });

await core.deleteNamespace({ name: namespace });
if (!cluster.alreadyRunning) await stopCluster(stateDir);
