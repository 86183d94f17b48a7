// Runs as Kubernetes Jobs on the real control plane: the Job controller of
// kube-controller-manager retries, enforces the deadline, removes finished
// Jobs after their TTL and starts scheduled runs from a CronJob; the operator
// records each run in the WasiApp's status. The tests play the kubelet (the
// real-node tests run real Pods): they write each attempt's Pod status.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1ContainerState, V1Pod } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import {
  clientsFor,
  createApp,
  eventsFor,
  eventually,
  getApp,
  jobsOf,
  podsOf,
  runOperator,
  setHostState,
  terminatedWith,
  TEST_CONFIG,
  type Clients,
} from './controller-support.js';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

const BIN = join(process.cwd(), 'bin', 'wasi-operator.mjs');
const run = promisify(execFile);

let cluster: TestCluster;
let c: Clients;
let operator: RunningOperator | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  c = clientsFor(cluster.kc);
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
});

afterEach(async () => {
  await operator?.stop();
  operator = undefined;
});

const NO_DAPR = { dapr: { enabled: false } } as const;
const PASS = JSON.stringify({ exitCode: 0, passed: true, output: 'ok\n', compileMillis: 2, instantiateMillis: 1, runMillis: 7 });
const failWith = (exitCode: number, reason: string) => JSON.stringify({ exitCode, passed: false, reason, output: `${reason}!` });

/**
 * A terminated host container that finished just now: the Job controller
 * computes its retry backoff from the last failed attempt's finish time.
 */
function terminatedNow(message: string, exitCode: number): V1ContainerState {
  const now = new Date();
  return { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', message, startedAt: new Date(now.getTime() - 1000), finishedAt: now } };
}

/** The newest Pod of the app that has not finished, once the Job controller made it. */
async function nextPod(namespace: string, app: string, exclude: ReadonlySet<string> = new Set(), timeoutMs = 60_000): Promise<V1Pod> {
  return eventually(
    `a new pod of ${app}`,
    async () => (await podsOf(c, namespace, app)).find((p) => !exclude.has(p.metadata!.name!) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
    { timeoutMs },
  );
}

async function annotateRerun(namespace: string, name: string, value: string): Promise<void> {
  await c.custom.patchNamespacedCustomObject(
    { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name, body: { metadata: { annotations: { 'wasi-operator.dev/rerun': value } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function finished(namespace: string, name: string, phase: 'Succeeded' | 'Failed', runs = 1) {
  return eventually(`${name} ${phase} after ${runs} run(s)`, async () => {
    const app = await getApp(c, namespace, name);
    const s = app.status;
    return s?.phase === phase && (s.succeededRuns ?? 0) + (s.failedRuns ?? 0) === runs && app;
  }, { timeoutMs: 90_000 });
}

test('retries: a guest that fails twice then passes, with retries: 2, is one run of three attempts', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('retries');
  await createApp(c, namespace, 'flaky', { ...NO_DAPR, retries: 2 });
  const seen = new Set<string>();
  for (const attempt of [1, 2]) {
    const pod = await nextPod(namespace, 'flaky', seen);
    seen.add(pod.metadata!.name!);
    await setHostState(c, pod, 'Failed', terminatedNow(failWith(3, 'ExitCode'), 3));
    if (attempt === 1) {
      const retrying = await eventually('Retrying', async () => {
        const s = (await getApp(c, namespace, 'flaky')).status;
        return s?.conditions?.find((x) => x.type === 'Ready')?.reason === 'Retrying' && s;
      });
      expect(retrying.phase).toBe('Running');
    }
  }
  // The Job controller's backoff: 10 s, then 20 s.
  const third = await nextPod(namespace, 'flaky', seen, 90_000);
  await setHostState(c, third, 'Succeeded', terminatedWith(PASS, 0));
  const app = await finished(namespace, 'flaky', 'Succeeded');
  expect(app.status?.runs).toHaveLength(1);
  expect(app.status?.lastRun).toMatchObject({ jobName: 'flaky-g1', phase: 'Succeeded', attempts: 3, passed: true, podName: third.metadata!.name });
  expect(app.status?.failedRuns).toBe(0);
  expect((await jobsOf(c, namespace, 'flaky'))[0]!.status?.failed).toBe(2);
}, 180_000);

test("the host's own failure (exit code 125) fails the run at once, whatever the retries", async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('policy');
  await createApp(c, namespace, 'broken', { ...NO_DAPR, retries: 3 });
  const pod = await nextPod(namespace, 'broken');
  await setHostState(c, pod, 'Failed', terminatedWith(failWith(125, 'InvalidModule'), 125));
  const app = await finished(namespace, 'broken', 'Failed');
  expect(app.status?.conditions?.find((x) => x.type === 'Succeeded')).toMatchObject({ status: 'False', reason: 'InvalidModule' });
  const job = await eventually('the Job failed by its pod failure policy', async () => {
    const [j] = await jobsOf(c, namespace, 'broken');
    return j?.status?.conditions?.some((x) => x.type === 'Failed' && x.reason === 'PodFailurePolicy') && j;
  });
  expect(job.status?.failed).toBe(1);
  expect(await podsOf(c, namespace, 'broken')).toHaveLength(1);
  expect((await eventsFor(c, namespace, 'broken')).some((e) => e.reason === 'Failed' && e.message?.includes('InvalidModule'))).toBe(true);
}, 120_000);

test('a deadline: a run whose Pod never starts fails with DeadlineExceeded', async () => {
  operator = await runOperator(cluster.kc, { config: { ...TEST_CONFIG, jobDeadlineAllowanceSeconds: 2 } });
  const namespace = await cluster.createNamespace('deadline');
  // This cluster has no node: the Pod stays Pending, as on a cluster where the nodeSelector matches nothing.
  await createApp(c, namespace, 'stuck', { ...NO_DAPR, timeoutSeconds: 1, pod: { nodeSelector: { 'wasi-operator.dev/none': 'true' } } });
  const app = await finished(namespace, 'stuck', 'Failed');
  const succeeded = app.status?.conditions?.find((x) => x.type === 'Succeeded');
  expect(succeeded).toMatchObject({ status: 'False', reason: 'DeadlineExceeded' });
  expect(succeeded?.message).toContain('deadline of 3 s');
}, 120_000);

test('a TTL removes the finished Job and its Pod; the WasiApp keeps the result and does not run again', async () => {
  operator = await runOperator(cluster.kc, { resyncPeriodSeconds: 0.5 });
  const namespace = await cluster.createNamespace('ttl');
  await createApp(c, namespace, 'brief', { ...NO_DAPR, ttlSecondsAfterFinished: 0 });
  await setHostState(c, await nextPod(namespace, 'brief'), 'Succeeded', terminatedWith(PASS, 0));
  await finished(namespace, 'brief', 'Succeeded');
  await eventually('the Job and Pod gone', async () => (await jobsOf(c, namespace, 'brief')).length === 0 && (await podsOf(c, namespace, 'brief')).length === 0, { timeoutMs: 60_000 });
  const reconciled = operator.metrics.reconcileCount('success');
  await eventually('several resyncs', async () => operator!.metrics.reconcileCount('success') >= reconciled + 6);
  expect(await jobsOf(c, namespace, 'brief')).toHaveLength(0);
  const app = await getApp(c, namespace, 'brief');
  expect(app.status).toMatchObject({ phase: 'Succeeded', succeededRuns: 1, result: { passed: true, output: 'ok\n' } });
  expect(app.status?.runs).toEqual([expect.objectContaining({ jobName: 'brief-g1', phase: 'Succeeded', runMillis: 7 })]);
}, 120_000);

test('reruns by annotation and by `wasi-operator rerun --wait`, with the history trimmed at its limit', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('rerun');
  await createApp(c, namespace, 'again', { ...NO_DAPR, runsHistoryLimit: 2 });
  const seen = new Set<string>();
  const passNext = async () => {
    const pod = await nextPod(namespace, 'again', seen);
    seen.add(pod.metadata!.name!);
    await setHostState(c, pod, 'Succeeded', terminatedWith(PASS, 0));
  };
  await passNext();
  await finished(namespace, 'again', 'Succeeded', 1);

  await annotateRerun(namespace, 'again', 'one');
  await passNext();
  const second = await finished(namespace, 'again', 'Succeeded', 2);
  expect(second.status?.lastRun).toMatchObject({ trigger: 'Rerun', generation: 1 });
  expect(second.status?.runs?.map((r) => r.trigger)).toEqual(['Spec', 'Rerun']);

  // The CLI, as a user runs it: it waits for the run, which this test plays.
  const cli = run(process.execPath, [BIN, 'rerun', 'again', '-n', namespace, '--wait', '--timeout', '90'], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
  });
  await passNext();
  const { stdout } = await cli;
  expect(stdout).toContain('requested a rerun of WasiApp');
  expect(stdout).toMatch(/PASSED: run again-g1-r[0-9a-f]{8} of WasiApp/);
  const third = await finished(namespace, 'again', 'Succeeded', 3);
  // At most runsHistoryLimit runs; the Job of the one dropped from the history is deleted.
  expect(third.status?.runs?.map((r) => r.trigger)).toEqual(['Rerun', 'Rerun']);
  expect(third.status?.succeededRuns).toBe(3);
  await eventually('the oldest Job deleted', async () => !(await jobsOf(c, namespace, 'again')).some((j) => j.metadata!.name === 'again-g1'));

  // Each finished run reached the metrics once, with the host's timings.
  const metrics = await operator.metrics.render();
  expect(metrics).toContain(`wasi_operator_runs_total{namespace="${namespace}",result="succeeded"} 3`);
  expect(metrics).toContain(`wasi_operator_guest_run_duration_seconds_count{namespace="${namespace}"} 3`);
  expect(metrics).toContain(`wasi_operator_guest_compile_instantiate_seconds_count{namespace="${namespace}"} 3`);
  expect(metrics).not.toContain('app="again"');
}, 240_000);

test('`wasi-operator rerun` of an app that does not exist exits 1 saying so', async () => {
  const namespace = await cluster.createNamespace('rerun-missing');
  const failed = await run(process.execPath, [BIN, 'rerun', 'nobody', '-n', namespace], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } }).catch((err: { code: number; stdout: string }) => err);
  expect(failed).toMatchObject({ code: 1 });
  expect((failed as { stdout: string }).stdout).toMatch(/FAILED: cannot annotate WasiApp .*nobody.*not found/i);
}, 60_000);

test('a schedule: the operator owns a CronJob whose Jobs are recorded as runs; spec.suspend pauses it', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('schedule');
  await createApp(c, namespace, 'ticker', { ...NO_DAPR, schedule: '* * * * *', timeZone: 'Etc/UTC' });
  const cronJob = await eventually('the CronJob', async () => (await c.batch.listNamespacedCronJob({ namespace })).items[0]);
  expect(cronJob.metadata?.name).toBe('ticker');
  expect(cronJob.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'WasiApp', name: 'ticker', controller: true });
  expect(cronJob.spec).toMatchObject({ schedule: '* * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', suspend: false });
  // The CronJob controller starts a Job at the next minute.
  const pod = await nextPod(namespace, 'ticker', new Set(), 90_000);
  await setHostState(c, pod, 'Succeeded', terminatedWith(PASS, 0));
  const app = await finished(namespace, 'ticker', 'Succeeded');
  expect(app.status?.lastRun).toMatchObject({ trigger: 'Schedule', phase: 'Succeeded' });
  expect(app.status?.lastScheduleTime).toBeDefined();
  // NEXT RUN: the next whole minute after now.
  const nextRun = await eventually('the next schedule time ahead', async () => {
    const s = (await getApp(c, namespace, 'ticker')).status;
    return s?.nextScheduleTime !== undefined && Date.parse(s.nextScheduleTime) > Date.now() - 1000 && s.nextScheduleTime;
  });
  expect(new Date(nextRun).getUTCSeconds()).toBe(0);

  await c.custom.patchNamespacedCustomObject(
    { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'ticker', body: { spec: { suspend: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually('the CronJob suspended', async () => (await c.batch.readNamespacedCronJob({ name: 'ticker', namespace })).spec?.suspend === true);
  await eventually('no next schedule time while suspended', async () => (await getApp(c, namespace, 'ticker')).status?.nextScheduleTime === undefined);
}, 180_000);

test('spec.pod fields reach the Pod; spec.suspend holds a run until it is lifted', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('podfields');
  await createApp(c, namespace, 'placed', {
    ...NO_DAPR,
    suspend: true,
    pod: {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'wasm', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'system-cluster-critical',
      labels: { team: 'blue' },
      annotations: { 'example.com/owner': 'blue' },
    },
  });
  const held = await eventually('the held run', async () => {
    const s = (await getApp(c, namespace, 'placed')).status;
    return s?.conditions?.find((x) => x.type === 'Ready')?.reason === 'Suspended' && s;
  });
  expect(held.phase).toBe('Pending');
  expect(await podsOf(c, namespace, 'placed')).toHaveLength(0);

  await c.custom.patchNamespacedCustomObject(
    { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'placed', body: { spec: { suspend: false } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const pod = await nextPod(namespace, 'placed');
  expect(pod.spec).toMatchObject({
    nodeSelector: { disk: 'ssd' },
    priorityClassName: 'system-cluster-critical',
    tolerations: expect.arrayContaining([{ key: 'wasm', operator: 'Exists', effect: 'NoSchedule' }]),
  });
  expect(pod.metadata?.labels).toMatchObject({ team: 'blue', 'app.kubernetes.io/instance': 'placed' });
  expect(pod.metadata?.annotations).toMatchObject({ 'example.com/owner': 'blue' });
}, 120_000);
