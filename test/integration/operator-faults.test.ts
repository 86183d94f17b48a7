// The operator under faults, each in the middle of a burst of 200 WasiApps
// (Dapr on: they share one state store Component), on the real control plane
// (etcd, kube-apiserver, kube-controller-manager's Job controller). No node
// runs: the test plays the kubelet where a run must finish. After each fault
// the API server must show every app with exactly one Job for its generation
// and a status that names it: nothing lost, nothing duplicated.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, type V1Job } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { Prng } from '../fuzz/prng.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { compactEtcd, stopComponent } from '../helpers/cluster-faults.js';
import { freePort } from '../helpers/ports.js';
import { startProcess, waitFor, type ManagedProcess } from '../helpers/processes.js';
import { clientsFor, createApp, eventually, inParallel, listComponents, runOperator, setHostState, terminatedWith, type Clients } from './controller-support.js';

const BIN = join(process.cwd(), 'bin', 'wasi-operator.mjs');
const BURST = 200;
const SEED = 20261205;
const PASS = JSON.stringify({ exitCode: 0, passed: true, output: 'Test successfully!\n', compileMillis: 2, instantiateMillis: 1, runMillis: 7 });
const INFORMERS = ['wasiapps', 'pods', 'jobs', 'cronjobs', 'components'];

let cluster: TestCluster;
let c: Clients;
// Every test's namespace is made before any fault: a namespace needs its
// default ServiceAccount from the controller-manager, whose informers can take
// minutes to catch up after the API server restarts on compacted etcd history
// (seen in CI: no ServiceAccount within 30 s). The operator is what is tested
// here, not how soon the controller-manager recovers.
const namespaces: Record<'killed' | 'apiserverDown' | 'compacted' | 'failover', string> = { killed: '', apiserverDown: '', compacted: '', failover: '' };
const processes: ManagedProcess[] = [];
let operator: RunningOperator | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  c = clientsFor(cluster.kc);
  const [killed, apiserverDown, compacted, failover] = await Promise.all([
    cluster.createNamespace('killed'),
    cluster.createNamespace('apiserver-down'),
    cluster.createNamespace('compacted'),
    cluster.createNamespace('failover'),
  ]);
  Object.assign(namespaces, { killed, apiserverDown, compacted, failover });
}, 300_000);

// Each test's operators end with it, failed or not: a leftover one would reconcile the next test's apps.
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop(2000)));
  await operator?.stop();
  operator = undefined;
});

afterAll(async () => {
  await cluster?.stop();
});

interface OperatorProcess {
  proc: ManagedProcess;
  probePort: number;
}

/** `wasi-operator controller` as a separate process, as in a Pod: ready once /readyz says 200. */
async function startOperatorProcess(namespace: string, identity: string, flags: string[]): Promise<OperatorProcess> {
  const probePort = await freePort();
  const proc = startProcess(
    `wasi-operator ${identity}`,
    process.execPath,
    [
      BIN,
      'controller',
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--namespace=${namespace}`,
      '--host-image=wasi-operator:faults',
      '--default-redis-host=redis.test.svc:6379',
      `--probe-addr=127.0.0.1:${probePort}`,
      '--metrics-addr=0',
      '--log-level=warn',
      `--leader-election-namespace=${namespace}`,
      `--leader-election-identity=${identity}`,
      ...flags,
    ],
    { env: { ...process.env, KUBECONFIG: '' } },
  );
  processes.push(proc);
  return { proc, probePort };
}

async function readyzStatus(port: number): Promise<number | undefined> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;
}

async function untilReady(op: OperatorProcess): Promise<void> {
  await waitFor('/readyz 200', async () => ((await readyzStatus(op.probePort)) === 200 ? true : undefined), { timeoutMs: 30_000, process: op.proc });
}

const appName = (i: number): string => `app-${String(i).padStart(3, '0')}`;

/**
 * Creates apps `from`..`to - 1`, eight at a time, as a user's script or a
 * GitOps sync would: a create that meets a stopped API server is tried again.
 */
async function createBurst(namespace: string, from: number, to: number): Promise<void> {
  const create = async (name: string): Promise<void> => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await createApp(c, namespace, name);
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 409) return; // an earlier try got through before its answer was lost
        if (Date.now() > deadline) throw err;
        await sleep(250);
      }
    }
  };
  await inParallel(
    Array.from({ length: to - from }, (_, i) => appName(from + i)),
    8,
    create,
  );
}

async function listApps(namespace: string): Promise<WasiApp[]> {
  const list = (await c.custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace })) as { items: WasiApp[] };
  return list.items;
}

const controllerUid = (job: V1Job): string | undefined => job.metadata?.ownerReferences?.find((ref) => ref.controller)?.uid;

/**
 * What must hold after any fault: each of the `count` apps has exactly one
 * Job, controlled by it, named in its status for its current generation;
 * StateStoreReady is True; the namespace has one shared Component.
 */
async function expectEachAppRunOnce(namespace: string, count: number, timeoutMs = 180_000): Promise<void> {
  const apps = await eventually(
    `a run recorded in the status of all ${count} apps`,
    async () => {
      const listed = await listApps(namespace);
      const done = listed.filter(
        (app) =>
          app.status?.observedGeneration === app.metadata.generation &&
          app.status?.lastRun?.jobName !== undefined &&
          app.status?.conditions?.some((cond) => cond.type === 'StateStoreReady' && cond.status === 'True'),
      );
      return listed.length === count && done.length === count && listed;
    },
    { timeoutMs, intervalMs: 1000 },
  );
  const jobs = (await c.batch.listNamespacedJob({ namespace })).items.filter((job) => !job.metadata?.deletionTimestamp);
  const jobsByApp = new Map<string, string[]>();
  for (const job of jobs) {
    const uid = controllerUid(job) ?? 'none';
    jobsByApp.set(uid, [...(jobsByApp.get(uid) ?? []), job.metadata!.name!]);
  }
  const wrong = apps.filter((app) => {
    const own = jobsByApp.get(app.metadata.uid!) ?? [];
    return own.length !== 1 || own[0] !== app.status?.lastRun?.jobName;
  });
  expect(wrong.map((app) => `${app.metadata.name}: jobs ${JSON.stringify(jobsByApp.get(app.metadata.uid!) ?? [])}, status ${app.status?.lastRun?.jobName}`)).toEqual([]);
  expect(jobs).toHaveLength(count);
  expect(await listComponents(c, namespace)).toHaveLength(1);
}

/** Plays the kubelet for every run's Pod: the guest passed. */
async function passEveryRun(namespace: string): Promise<void> {
  const pods = await eventually(`the Job controller's ${BURST} Pods`, async () => {
    const items = (await c.core.listNamespacedPod({ namespace })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
    return items.length === BURST && items;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  await inParallel(pods, 8, (pod) => setHostState(c, pod, 'Succeeded', terminatedWith(PASS, 0)));
}

/** wasi_operator_informer_lists_total by informer and reason, from /metrics. */
async function listCounts(metricsPort: number): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts: Record<string, Record<string, number>> = {};
  for (const match of text.matchAll(/^wasi_operator_informer_lists_total\{informer="([a-z]+)",reason="([a-z]+)"\} (\d+)$/gm)) {
    (counts[match[1]!] ??= {})[match[2]!] = Number(match[3]);
  }
  return counts;
}

const totalLists = (counts: Record<string, number> | undefined): number => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

test(`an operator SIGKILLed three times during a burst of ${BURST} apps, and started again each time, leaves each app exactly one Job and a correct status`, async () => {
  const namespace = namespaces.killed;
  const random = new Prng(SEED);
  let op = await startOperatorProcess(namespace, 'killed-0', ['--no-leader-elect']);
  await untilReady(op);
  const creating = createBurst(namespace, 0, BURST);
  // Random points in the burst: between an app's Component and its Job, between its Job and its status.
  const atKills: Array<{ apps: number; jobs: number; withStatus: number }> = [];
  for (let kill = 1; kill <= 3; kill++) {
    await sleep(300 + random.below(2500));
    const [apps, jobs] = await Promise.all([listApps(namespace), c.batch.listNamespacedJob({ namespace })]);
    atKills.push({ apps: apps.length, jobs: jobs.items.length, withStatus: apps.filter((app) => app.status?.lastRun).length });
    op.proc.child.kill('SIGKILL');
    await op.proc.exited;
    op = await startOperatorProcess(namespace, `killed-${kill}`, ['--no-leader-elect']);
    await untilReady(op);
  }
  await creating;
  // At least one kill met work in flight: apps without their Job, or Jobs whose status was not written yet.
  expect(atKills.some(({ apps, jobs, withStatus }) => apps > jobs || jobs > withStatus || apps < BURST)).toBe(true);
  await expectEachAppRunOnce(namespace, BURST);

  // The status the last replica writes for runs started by the killed ones: each app passed, once.
  await passEveryRun(namespace);
  await eventually(
    `all ${BURST} apps Succeeded with one run each`,
    async () => {
      const apps = await listApps(namespace);
      return apps.every((app) => app.status?.phase === 'Succeeded' && app.status.succeededRuns === 1 && app.status.result?.passed === true);
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
}, 600_000);

test(`with the API server stopped for 10 s during a burst of ${BURST} apps the operator reports not ready, resumes its watches without a relist storm, and finishes the burst`, async () => {
  const namespace = namespaces.apiserverDown;
  operator = await runOperator(cluster.kc, { probeAddr: '127.0.0.1:0', metricsAddr: '127.0.0.1:0', concurrency: 10 });
  const probePort = operator.probePort!;
  expect(await readyzStatus(probePort)).toBe(200);

  await createBurst(namespace, 0, BURST / 2);
  const apiserver = await stopComponent(cluster, 'kube-apiserver');
  const stoppedAt = Date.now();
  await eventually('/readyz 503 while the API server is away', async () => (await readyzStatus(probePort)) === 503, { timeoutMs: 8000, intervalMs: 100 });
  await sleep(Math.max(0, 10_000 - (Date.now() - stoppedAt)));
  expect(await readyzStatus(probePort)).toBe(503);
  await apiserver.start();

  await createBurst(namespace, BURST / 2, BURST);
  await eventually('/readyz 200 again', async () => (await readyzStatus(probePort)) === 200, { timeoutMs: 60_000, intervalMs: 200 });
  await expectEachAppRunOnce(namespace, BURST);

  // Each informer listed at start and at most once since: the restarted server's watch cache may
  // not reach back to the resourceVersion a watch resumes from (410 Gone, one relist). Never a list per retry.
  const counts = await listCounts(operator.metricsPort!);
  for (const informer of INFORMERS) {
    expect({ informer, start: counts[informer]?.start }).toEqual({ informer, start: 1 });
    expect({ informer, lists: totalLists(counts[informer]) <= 2 }).toEqual({ informer, lists: true });
  }
}, 600_000);

test(`etcd compacted during a burst of ${BURST} apps: watches that resume from a compacted resourceVersion get 410 Gone, relist once, and nothing is lost`, async () => {
  const namespace = namespaces.compacted;
  operator = await runOperator(cluster.kc, { probeAddr: '127.0.0.1:0', metricsAddr: '127.0.0.1:0', concurrency: 10 });
  const creating = createBurst(namespace, 0, BURST);
  await eventually('a quarter of the burst created', async () => (await listApps(namespace)).length >= BURST / 4, { timeoutMs: 60_000, intervalMs: 200 });
  // Compaction alone does not disturb a running watch (the API server's watch cache serves it) ...
  await compactEtcd(cluster);
  const before = await listCounts(operator.metricsPort!);
  expect(totalLists(before.wasiapps)).toBe(1);

  // ... but a watch that must resume does: the API server restarts, the resourceVersions are compacted.
  await eventually('half of the burst created', async () => (await listApps(namespace)).length >= BURST / 2, { timeoutMs: 60_000, intervalMs: 200 });
  const apiserver = await stopComponent(cluster, 'kube-apiserver');
  const revision = await compactEtcd(cluster);
  expect(revision).toBeGreaterThan(0);
  await apiserver.start();
  await creating;
  await expectEachAppRunOnce(namespace, BURST);

  // The built-in resources' watches resume from a compacted resourceVersion: 410 Gone, at most one relist
  // each. One of them may hold the very revision etcd was compacted at (the last write before the stop was
  // its object's), which is still served: that one resumes without a 410. Never both.
  // (The CRDs' resources are not served for a moment after the restart: their informers restart once instead.)
  const after = await listCounts(operator.metricsPort!);
  const gone = { pods: after.pods?.gone ?? 0, jobs: after.jobs?.gone ?? 0 };
  expect({ pods: gone.pods <= 1, jobs: gone.jobs <= 1, some: gone.pods + gone.jobs >= 1 }).toEqual({ pods: true, jobs: true, some: true });
  for (const informer of INFORMERS) expect({ informer, lists: totalLists(after[informer]) <= 2 }).toEqual({ informer, lists: true });
}, 600_000);

test(`leader failover during a burst of ${BURST} apps: the leader SIGKILLed, the standby takes the Lease once it expires and finishes the burst`, async () => {
  const namespace = namespaces.failover;
  const leaseFlags = ['--lease-duration=4', '--renew-deadline=3', '--retry-period=1'];
  const a = await startOperatorProcess(namespace, 'replica-a', leaseFlags);
  await untilReady(a);
  const coordination = cluster.kc.makeApiClient(CoordinationV1Api);
  const holder = async (): Promise<string | undefined> =>
    (await coordination.readNamespacedLease({ name: 'wasi-operator-leader', namespace }).catch(() => undefined))?.spec?.holderIdentity ?? undefined;
  await eventually('replica-a to hold the Lease', async () => (await holder()) === 'replica-a');
  const b = await startOperatorProcess(namespace, 'replica-b', leaseFlags);
  await untilReady(b);

  const creating = createBurst(namespace, 0, BURST);
  await eventually('a tenth of the burst with a run', async () => (await c.batch.listNamespacedJob({ namespace })).items.length >= BURST / 10, { timeoutMs: 60_000, intervalMs: 100 });
  // replica-a started first and holds the Lease; a crash never hands it back.
  a.proc.child.kill('SIGKILL');
  await a.proc.exited;
  const jobsAtCrash = (await c.batch.listNamespacedJob({ namespace })).items.length;
  expect(jobsAtCrash).toBeLessThan(BURST);
  await creating;
  await eventually('replica-b to take the expired Lease', async () => (await holder()) === 'replica-b', { timeoutMs: 15_000, intervalMs: 200 });

  await expectEachAppRunOnce(namespace, BURST);
  const events = (await c.core.listNamespacedEvent({ namespace })).items.filter((event) => event.involvedObject.kind === 'WasiApp');
  const reporters = new Set(events.map((event) => event.reportingInstance));
  expect(reporters).toEqual(new Set(['replica-a', 'replica-b']));
}, 600_000);
