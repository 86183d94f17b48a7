// Shared by the operator benchmarks (operator-*.bench.mjs): a fresh control
// plane, the operator as a child process, WasiApps to create, a bounded
// parallel loop, a Pod watch that says when the Nth Pod exists, and
// /proc readings (RSS, CPU time). Not a benchmark itself (no .bench.mjs).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { REPO_ROOT, childEnv, devImport, distImport, progress } from './lib.mjs';

/** The operator under test; WASI_BENCH_OPERATOR_BIN points at another build's bin/wasi-operator.mjs for an A/B comparison. */
export const OPERATOR_BIN = process.env.WASI_BENCH_OPERATOR_BIN || join(REPO_ROOT, 'bin', 'wasi-operator.mjs');
export const HOST_IMAGE = 'wasi-operator:bench';
/** The configuration the operator child gets by flags; the reference builds its Pods from the same. */
export const OPERATOR_CONFIG = { hostImage: HOST_IMAGE, defaultRedis: { host: 'redis-master:6379' }, namespaces: [] };

const WASIAPPS = { group: 'wasi-operator.dev', version: 'v1alpha1', plural: 'wasiapps' };

/**
 * The benchmark's app: Dapr off (`spec.dapr.enabled: false`), so each app
 * is exactly one Pod and no state-store Component (apps sharing a store name
 * in one namespace would conflict).
 */
/** A bench WasiApp; with `dapr`, every app of a namespace shares the one `statestore` Component. */
export function benchApp(namespace, name, dapr = false) {
  return {
    apiVersion: `${WASIAPPS.group}/${WASIAPPS.version}`,
    kind: 'WasiApp',
    metadata: { name, namespace },
    spec: { module: { configMap: { name: 'modules', key: 'hello.wasm' } }, dapr: { enabled: dapr } },
  };
}

export function appName(i) {
  return `app-${String(i).padStart(5, '0')}`;
}

// Synchronous clean-ups run when this process exits, also on SIGINT/SIGTERM
// (which would otherwise end it without an 'exit' event): never leave a
// control plane or an operator behind.
const cleanups = new Set();
let signalsHooked = false;
function atExit(fn) {
  cleanups.add(fn);
  if (!signalsHooked) {
    signalsHooked = true;
    process.once('exit', () => {
      for (const cleanup of cleanups) cleanup();
    });
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(signal, () => process.exit(code));
  }
  return () => cleanups.delete(fn);
}

/**
 * A KubeConfig for `path` whose clients share one connection pool (the
 * operator's own transport, see controller/connections.ts); stock client-node
 * opens a new TLS connection for every request.
 */
export async function pooledKubeConfig(path) {
  const { reuseConnections } = await distImport('controller/connections.js');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return reuseConnections(kc);
}

/** A fresh control plane in a temp state dir; `stop()` removes it. */
export async function startBenchCluster() {
  const [{ startCluster, stopCluster }, { isToolCurrent }, { ETCD, KUBERNETES }] = await Promise.all([
    devImport('cluster/cluster.js'),
    devImport('tools/go-build.js'),
    devImport('tools/pins.js'),
  ]);
  const missing = [ETCD, KUBERNETES].filter((pin) => !isToolCurrent(pin)).map((pin) => pin.name);
  if (missing.length > 0) throw new Error(`control-plane binaries not built (${missing.join(', ')}): run \`npm run setup\` first`);
  const stateDir = mkdtempSync(join(tmpdir(), 'wasi-operator-bench-'));
  let handle;
  try {
    handle = await startCluster({ stateDir, progress: (line) => progress(`cluster: ${line}`) });
  } catch (err) {
    await stopCluster(stateDir, { graceMs: 0 }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const forget = atExit(() => {
    for (const pid of Object.values(handle.pids)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  });
  const kc = handle.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let stopped = false;
  return {
    kc,
    kubeconfigPath: handle.kubeconfigPath,
    stateDir,
    pids: handle.pids,
    async createNamespace(prefix) {
      const created = await core.createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
      const namespace = created.metadata.name;
      // ServiceAccount admission rejects Pods until the namespace's default SA exists.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await core.readNamespacedServiceAccount({ name: 'default', namespace });
          return namespace;
        } catch (err) {
          if (err?.code !== 404 || Date.now() > deadline) throw err;
        }
        await sleep(50);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopCluster(stateDir, { graceMs: 0 });
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        forget();
      }
    },
  };
}

/** Runs fn(0..count-1) with at most `concurrency` calls in flight; rejects on the first failure. */
export async function runPool(count, concurrency, fn) {
  let next = 0;
  let failed;
  const worker = async () => {
    while (next < count && !failed) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failed) throw failed;
}

/** Creates WasiApps app-00000… in `namespace` at `concurrency`; returns the created objects. */
export async function createApps(kc, namespace, count, concurrency, { onFirst, dapr = false } = {}) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = new Array(count);
  onFirst?.();
  await runPool(count, concurrency, async (i) => {
    apps[i] = await custom.createNamespacedCustomObject({ ...WASIAPPS, namespace, body: benchApp(namespace, appName(i), dapr) });
  });
  return apps;
}

/**
 * Watches the Pods of a namespace and resolves `reached(n)` with the
 * performance.now() at which the n-th distinct Pod was first seen. Started
 * before the clock; reconnects from the last resourceVersion if the watch ends.
 */
export async function watchPods(kc, namespace) {
  const seen = new Set();
  const waiters = [];
  let resourceVersion;
  let controller;
  let stopped = false;
  let lastError;
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (seen.size >= waiters[i].count) {
        waiters[i].resolve(performance.now());
        waiters.splice(i, 1);
      }
    }
  };
  const watch = new Watch(kc);
  const connect = async () => {
    controller = await watch.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { allowWatchBookmarks: true, ...(resourceVersion && { resourceVersion }) },
      (type, obj) => {
        if (type === 'ERROR') {
          // 410 Gone: our resourceVersion is too old; the relist's ADDEDs only re-add names we know.
          resourceVersion = undefined;
          return;
        }
        if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED') {
          const before = seen.size;
          seen.add(obj.metadata.name);
          if (seen.size !== before) settle();
        }
      },
      (err) => {
        if (err) lastError = err;
        if (!stopped) setTimeout(() => void connect().catch((e) => (lastError = e)), 200);
      },
    );
  };
  await connect();
  return {
    get count() {
      return seen.size;
    },
    get lastError() {
      return lastError;
    },
    reached(count) {
      if (seen.size >= count) return Promise.resolve(performance.now());
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}

/** Waits for `promise`, failing after `ms` with `what()` as the message. */
export async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${(ms / 1000).toFixed(0)} s: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Deletes every Job and Pod (and, unless `keepApps`, every WasiApp) of a
 * namespace and waits until they are gone (Pods without a node go at once).
 * Jobs first: a Job whose Pod is deleted makes another.
 */
export async function emptyNamespace(kc, namespace, { keepApps = false } = {}) {
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  if (!keepApps) await custom.deleteCollectionNamespacedCustomObject({ ...WASIAPPS, namespace });
  await batch.deleteCollectionNamespacedJob({ namespace, propagationPolicy: 'Background' });
  const deadline = Date.now() + 180_000;
  for (;;) {
    await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    const pods = await core.listNamespacedPod({ namespace, limit: 1 });
    const jobs = await batch.listNamespacedJob({ namespace, limit: 1 });
    const apps = keepApps ? { items: [] } : await custom.listNamespacedCustomObject({ ...WASIAPPS, namespace, limit: 1 });
    if (pods.items.length === 0 && jobs.items.length === 0 && apps.items.length === 0) return;
    if (Date.now() > deadline) throw new Error(`namespace ${namespace} still has jobs, pods or apps after 180 s`);
    await sleep(500);
  }
}

/** { rssKiB, hwmKiB } from /proc/<pid>/status. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat). */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of this process (user + system). */
export function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export function mib(kib) {
  return `${(kib / 1024).toFixed(1)} MB`;
}

/** "load 1.23 on 2 cores" — the benchmarks share the machine; say how busy it was. */
export function loadNote(cores) {
  return `load average ${loadavg()[0].toFixed(2)} on ${cores} cores`;
}

/** Total CPU seconds of the control-plane processes (etcd, apiserver, controller-manager, scheduler). */
export function controlPlaneCpuSeconds(pids) {
  let total = 0;
  for (const pid of Object.values(pids)) {
    try {
      total += cpuSecondsOf(pid);
    } catch {
      // not running
    }
  }
  return total;
}

/**
 * Waits until the control plane is quiet: under 10 % of a core over half a
 * second (or 30 s have passed). What the last step left behind (a thousand
 * deletes' garbage collection and watch fan-out, a thousand creates' admission
 * and caches) otherwise runs on into the next timed step, on either side of
 * the ratio (one round's API server used 8.7 s of CPU, another's 6.1 s, for
 * the same 1,000 Pods).
 */
export async function controlPlaneQuiet(pids, { windowMs = 500, maxCoreShare = 0.1, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let before = controlPlaneCpuSeconds(pids);
  for (;;) {
    await sleep(windowMs);
    const now = controlPlaneCpuSeconds(pids);
    if (now - before < (maxCoreShare * windowMs) / 1000 || Date.now() > deadline) return;
    before = now;
  }
}

/** CPU seconds per control-plane process, for the breakdown in progress lines. */
export function controlPlaneCpuByProcess(pids) {
  const seconds = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      seconds[name] = cpuSecondsOf(pid);
    } catch {
      // not running
    }
  }
  return seconds;
}

/** "kube-apiserver 3.1 s, etcd 0.9 s, …": the CPU each control-plane process used since `before`. */
export function describeCpuSince(before, after) {
  return Object.keys(after)
    .map((name) => `${name} ${(after[name] - (before[name] ?? 0)).toFixed(1)} s`)
    .join(', ');
}

/** Parses Prometheus text into { 'name{labels}': value }. */
export function parseMetrics(text) {
  const values = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return values;
}

/**
 * `wasi-operator controller` as a child process watching `namespace`, with
 * its JSON logs in `logFile`, leader election off, metrics and probes on
 * free loopback ports.
 */
/** Node flags the image gives the operator (keep in step with the Dockerfile's ENTRYPOINT). */
export const OPERATOR_NODE_FLAGS = '--optimize-for-size --max-semi-space-size=1';

export async function startOperatorProcess({ kubeconfigPath, namespace, concurrency, logFile, logLevel = 'info' }) {
  // The operator runs as the image runs it (Dockerfile ENTRYPOINT): V8 sized for
  // a long-lived, mostly idle controller. Override to compare or profile, e.g.
  // WASI_BENCH_OPERATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.WASI_BENCH_OPERATOR_NODE_ARGS ?? OPERATOR_NODE_FLAGS).split(' ').filter(Boolean);
  const { freePorts } = await devImport('cluster/free-port.js');
  const [metricsPort, probePort] = await freePorts(2);
  // Its stdout and stderr go straight to the file, as the node agent gives a
  // container's (and a container runtime drains them): through a pipe to this
  // busy process, the operator's synchronous log writes would wait on us.
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      OPERATOR_BIN,
      'controller',
      `--kubeconfig=${kubeconfigPath}`,
      `--namespace=${namespace}`,
      `--host-image=${HOST_IMAGE}`,
      `--default-redis-host=${OPERATOR_CONFIG.defaultRedis.host}`,
      '--no-leader-elect',
      `--concurrency=${concurrency}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      `--probe-addr=127.0.0.1:${probePort}`,
      `--log-level=${logLevel}`,
    ],
    { cwd: REPO_ROOT, env: childEnv({ KUBECONFIG: '' }), stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited;
  const forget = atExit(() => !exited && child.kill('SIGKILL'));
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      forget();
      resolve((exited = { code, signal }));
    }),
  );
  // A fresh connection per poll: a kept-alive one may meet the server's idle close (ECONNRESET).
  const get = async (port, path) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
        return { status: res.status, text: await res.text() };
      } catch (err) {
        if (attempt >= 3 || exited) throw err;
        await sleep(100);
      }
    }
  };
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  return {
    pid: child.pid,
    logTail,
    get exited() {
      return exited;
    },
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`operator exited (${JSON.stringify(exited)}) before it was ready:\n${logTail()}`);
        const res = await get(probePort, '/readyz').catch(() => undefined);
        if (res?.status === 200) return;
        if (Date.now() > deadline) throw new Error(`operator not ready after ${timeoutMs} ms:\n${logTail()}`);
        await sleep(100);
      }
    },
    async metrics() {
      return parseMetrics((await get(metricsPort, '/metrics')).text);
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
