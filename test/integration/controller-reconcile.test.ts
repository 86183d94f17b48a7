// The controller against a real control plane: children appear with the
// right fields (the Job controller makes the Pod of each run's Job), go with
// their owner (real garbage collector), a spec change replaces the run, a
// restarted operator neither duplicates nor loses. The tests play the kubelet.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import {
  clientsFor,
  createApp,
  deleteApp,
  eventsFor,
  eventually,
  getApp,
  jobsOf,
  listComponents,
  patchAppSpec,
  podsOf,
  runOperator,
  setHostState,
  terminatedWith,
  type Clients,
  createUserComponent,
} from './controller-support.js';

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

test('create → the Component, the run Job and its Pod appear with owner references, annotations and args', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('create');
  const app = await createApp(c, namespace, 'hello', { args: ['--greeting', 'hi there'], timeoutSeconds: 30 });
  const owner = { apiVersion: 'wasi-operator.dev/v1alpha1', kind: 'WasiApp', name: 'hello', uid: app.metadata.uid, controller: true };

  const [pod] = await eventually('the host pod', async () => {
    const pods = await podsOf(c, namespace, 'hello');
    return pods.length === 1 && pods;
  });
  expect(pod!.metadata!.name).toMatch(/^hello-g1-/);
  expect(pod!.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'hello-g1', controller: true })]);
  const [job] = await jobsOf(c, namespace, 'hello');
  expect(job!.metadata!.name).toBe('hello-g1');
  expect(job!.metadata!.ownerReferences).toEqual([expect.objectContaining(owner)]);
  expect(job!.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 330 });
  expect(pod!.metadata!.annotations).toMatchObject({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'hello', 'wasi-operator.dev/wasiapp': 'hello' });
  expect(pod!.metadata!.labels).toMatchObject({ 'wasi-operator.dev/generation': '1' });
  expect(pod!.spec!.restartPolicy).toBe('Never');
  const host = pod!.spec!.containers.find((ct) => ct.name === 'wasi-host');
  expect(host!.image).toBe('wasi-operator:test');
  expect(host!.args).toEqual(expect.arrayContaining(['run', '--dapr-shutdown', '--timeout=30', '--', '--greeting', 'hi there']));
  expect(host!.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  // Created once (a POST: a Job's template is immutable, and an apply could take over someone else's Job).
  expect(job!.metadata!.managedFields).toEqual(
    expect.arrayContaining([expect.objectContaining({ manager: 'wasi-operator', operation: 'Update' })]),
  );

  const components = await listComponents(c, namespace);
  expect(components).toHaveLength(1);
  expect(components[0]).toMatchObject({
    metadata: { name: 'statestore', labels: expect.objectContaining({ 'app.kubernetes.io/managed-by': 'wasi-operator' }) },
    spec: { type: 'state.redis', metadata: expect.arrayContaining([{ name: 'redisHost', value: 'redis.test.svc:6379' }]) },
    scopes: ['hello'],
  });

  const status = await eventually('status with the run', async () => {
    const s = (await getApp(c, namespace, 'hello')).status;
    return s?.jobName === 'hello-g1' && s?.podName !== undefined && s;
  });
  expect(status.runs).toEqual([expect.objectContaining({ jobName: 'hello-g1', generation: 1, trigger: 'Spec', phase: 'Pending' })]);
  expect(status.phase).toBe('Pending');
  expect(status.observedGeneration).toBe(1);
  expect(status.conditions?.find((x) => x.type === 'StateStoreReady')).toMatchObject({ status: 'True', observedGeneration: 1 });

  const reasons = await eventually('events', async () => {
    const found = (await eventsFor(c, namespace, 'hello')).map((e) => e.reason);
    return found.includes('JobCreated') && found.includes('ComponentApplied') && found;
  });
  expect(reasons.filter((r) => r === 'JobCreated')).toHaveLength(1);
});

test('status follows the host container: running, passed, failed, malformed; /status is not rewritten when nothing changed', async () => {
  operator = await runOperator(cluster.kc, { resyncPeriodSeconds: 0.5 });
  const namespace = await cluster.createNamespace('status');
  await createApp(c, namespace, 'pass');
  await createApp(c, namespace, 'trap', { dapr: { enabled: false } });
  await createApp(c, namespace, 'garbled', { dapr: { enabled: false } });
  const podOf = (name: string) =>
    eventually(`pod of ${name}`, async () => (await podsOf(c, namespace, name))[0]);

  const passPod = await podOf('pass');
  await setHostState(c, passPod, 'Running', { running: { startedAt: '2030-01-01T00:00:01Z' as unknown as Date } });
  await eventually('Running', async () => (await getApp(c, namespace, 'pass')).status?.phase === 'Running');

  await setHostState(
    c,
    passPod,
    'Succeeded',
    terminatedWith(JSON.stringify({ exitCode: 0, passed: true, output: 'all 3 checks passed\n', compileMillis: 3, instantiateMillis: 1.5, runMillis: 42 }), 0),
  );
  const passed = await eventually('Succeeded', async () => {
    const a = await getApp(c, namespace, 'pass');
    return a.status?.phase === 'Succeeded' && a;
  });
  expect(passed.status?.result).toEqual({ passed: true, exitCode: 0, output: 'all 3 checks passed\n', compileMillis: 3, instantiateMillis: 1.5, runMillis: 42 });
  expect(passed.status?.lastRun).toMatchObject({ jobName: 'pass-g1', phase: 'Succeeded', passed: true, runMillis: 42 });
  expect(passed.status?.succeededRuns).toBe(1);
  expect(passed.status?.conditions?.find((x) => x.type === 'Succeeded')).toMatchObject({ status: 'True', reason: 'GuestPassed' });

  await setHostState(
    c,
    await podOf('trap'),
    'Failed',
    terminatedWith(JSON.stringify({ exitCode: 134, passed: false, reason: 'Trap', output: 'unreachable executed' }), 134),
  );
  const trapped = await eventually('Failed with Trap', async () => {
    const a = await getApp(c, namespace, 'trap');
    return a.status?.phase === 'Failed' && a;
  });
  expect(trapped.status?.result).toMatchObject({ passed: false, exitCode: 134, reason: 'Trap', output: 'unreachable executed' });
  expect(trapped.status?.conditions?.find((x) => x.type === 'Succeeded')).toMatchObject({ status: 'False', reason: 'Trap' });

  await setHostState(c, await podOf('garbled'), 'Failed', terminatedWith('Segmentation fault (core dumped)', 139));
  const garbled = await eventually('Failed with InvalidResult', async () => {
    const a = await getApp(c, namespace, 'garbled');
    return a.status?.phase === 'Failed' && a;
  });
  const succeeded = garbled.status?.conditions?.find((x) => x.type === 'Succeeded');
  expect(succeeded).toMatchObject({ status: 'False', reason: 'InvalidResult' });
  expect(succeeded?.message).toContain('exit code 139');
  expect(succeeded?.message).toContain('Segmentation fault');
  expect(garbled.status?.result).toMatchObject({ passed: false, exitCode: 139 });

  const warnings = await eventually('a Failed event', async () => {
    const found = (await eventsFor(c, namespace, 'garbled')).filter((e) => e.type === 'Warning' && e.reason === 'Failed');
    return found.length > 0 && found;
  });
  expect(warnings[0]!.message).toContain('InvalidResult');

  // Several resyncs later, nothing was written: same resourceVersion.
  const before = (await getApp(c, namespace, 'pass')).metadata.resourceVersion;
  const reconciled = operator.metrics.reconcileCount('success');
  await eventually('several resyncs', async () => operator!.metrics.reconcileCount('success') >= reconciled + 9);
  expect((await getApp(c, namespace, 'pass')).metadata.resourceVersion).toBe(before);
  // And a finished run is not run again.
  expect((await jobsOf(c, namespace, 'pass')).map((j) => j.metadata!.name)).toEqual(['pass-g1']);
  expect(await podsOf(c, namespace, 'pass')).toHaveLength(1);
});

test('spec change → a new run for the new generation, the running one deleted, a renamed store replaced', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('generation');
  await createApp(c, namespace, 'evolve', { args: ['one'] });
  await eventually('pod of g1', async () => (await podsOf(c, namespace, 'evolve')).some((p) => p.metadata!.name!.startsWith('evolve-g1-')));
  await eventually('the run of g1 in the status', async () => (await getApp(c, namespace, 'evolve')).status?.jobName === 'evolve-g1');

  await patchAppSpec(c, namespace, 'evolve', { args: ['two'], dapr: { stateStore: { name: 'store-two' } } });
  const jobs = await eventually('only the Job of g2', async () => {
    const names = (await jobsOf(c, namespace, 'evolve')).map((j) => j.metadata!.name);
    return names.length === 1 && names[0] === 'evolve-g2' && names;
  });
  expect(jobs).toEqual(['evolve-g2']);
  const [pod] = await eventually('only the pod of g2', async () => {
    const pods = await podsOf(c, namespace, 'evolve');
    return pods.length === 1 && pods[0]!.metadata!.name!.startsWith('evolve-g2-') && pods;
  });
  expect(pod!.spec!.containers[0]!.args).toEqual(expect.arrayContaining(['--', 'two']));
  const status = await eventually('status of generation 2', async () => {
    const s = (await getApp(c, namespace, 'evolve')).status;
    return s?.observedGeneration === 2 && s?.jobName === 'evolve-g2' && s;
  });
  // The replaced run stays in the history, ended by its deletion.
  expect(status.runs?.map((r) => [r.jobName, r.phase, r.reason])).toEqual([
    ['evolve-g1', 'Failed', 'JobDeleted'],
    ['evolve-g2', 'Pending', undefined],
  ]);
  expect(status.conditions?.every((x) => x.observedGeneration === 2)).toBe(true);
  await eventually('only the renamed store', async () => {
    const names = (await listComponents(c, namespace)).map((x) => x.metadata.name);
    return names.length === 1 && names[0] === 'store-two';
  });
});

test('delete → the Job, the Pod and the Component are garbage-collected', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('delete');
  await createApp(c, namespace, 'doomed');
  await eventually('pod and component', async () => (await podsOf(c, namespace, 'doomed')).length === 1 && (await listComponents(c, namespace)).length === 1);

  await deleteApp(c, namespace, 'doomed');
  await eventually(
    'children gone',
    async () =>
      (await jobsOf(c, namespace, 'doomed')).length === 0 && (await podsOf(c, namespace, 'doomed')).length === 0 && (await listComponents(c, namespace)).length === 0,
    { timeoutMs: 90_000 },
  );
});

test('an operator restarted mid-way makes no duplicates and loses no status', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('restart');
  await createApp(c, namespace, 'sturdy');
  const pod = await eventually('pod', async () => (await podsOf(c, namespace, 'sturdy'))[0]);
  await setHostState(c, pod, 'Running', { running: { startedAt: '2030-01-01T00:00:01Z' as unknown as Date } });
  await eventually('Running', async () => (await getApp(c, namespace, 'sturdy')).status?.phase === 'Running');
  const runningStatus = (await getApp(c, namespace, 'sturdy')).status;

  await operator.stop();
  operator = await runOperator(cluster.kc);
  // The new operator's first reconcile finds everything as it should be.
  await eventually('a reconcile', async () => operator!.metrics.reconcileCount('success') > 0);
  expect((await podsOf(c, namespace, 'sturdy')).map((p) => p.metadata!.uid)).toEqual([pod.metadata!.uid]);
  expect(await listComponents(c, namespace)).toHaveLength(1);
  expect((await getApp(c, namespace, 'sturdy')).status).toEqual(runningStatus);

  // The guest finishes while no operator runs; the next one picks the result up.
  await operator.stop();
  await setHostState(c, pod, 'Succeeded', terminatedWith(JSON.stringify({ exitCode: 0, passed: true, output: 'ok' }), 0));
  operator = await runOperator(cluster.kc);
  const done = await eventually('Succeeded', async () => {
    const a = await getApp(c, namespace, 'sturdy');
    return a.status?.phase === 'Succeeded' && a;
  });
  expect(done.status?.result).toMatchObject({ passed: true, exitCode: 0, output: 'ok' });
  expect((await podsOf(c, namespace, 'sturdy')).map((p) => p.metadata!.uid)).toEqual([pod.metadata!.uid]);
  expect((await eventsFor(c, namespace, 'sturdy')).filter((e) => e.reason === 'JobCreated')).toHaveLength(1);
  expect(await jobsOf(c, namespace, 'sturdy')).toHaveLength(1);
});

test('existingComponent: waits with StateStoreReady=False until the Component exists', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('existing');
  await createApp(c, namespace, 'shared', { dapr: { stateStore: { existingComponent: 'team-redis' } } });
  const waiting = await eventually('ComponentNotFound', async () => {
    const s = (await getApp(c, namespace, 'shared')).status;
    const store = s?.conditions?.find((x) => x.type === 'StateStoreReady');
    return store?.reason === 'ComponentNotFound' && s;
  });
  expect(waiting.phase).toBe('Pending');
  expect(waiting.conditions?.find((x) => x.type === 'StateStoreReady')?.message).toContain('team-redis');
  expect(await podsOf(c, namespace, 'shared')).toHaveLength(0);

  await createUserComponent(c, namespace, 'team-redis', 'team-redis:6379');
  await eventually('the pod', async () => (await podsOf(c, namespace, 'shared')).length === 1);
  const ready = await eventually('StateStoreReady', async () => {
    const s = (await getApp(c, namespace, 'shared')).status;
    return s?.conditions?.find((x) => x.type === 'StateStoreReady')?.status === 'True' && s;
  });
  expect(ready.conditions?.find((x) => x.type === 'StateStoreReady')?.reason).toBe('ExistingComponentFound');
  // The user's Component is left alone: no owner reference added.
  const [component] = await listComponents(c, namespace);
  expect(component!.metadata.ownerReferences).toBeUndefined();
});

test('a Job name held by someone else fails the app with JobNameTaken, is not retried, and runs once the user frees it and touches the app', async () => {
  operator = await runOperator(cluster.kc);
  const namespace = await cluster.createNamespace('failing');
  // Someone else's Job holds the name the app's first run needs.
  await c.batch.createNamespacedJob({
    namespace,
    body: {
      metadata: { name: 'taken-g1' },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'busybox' }] } } },
    },
  });
  await createApp(c, namespace, 'taken', { dapr: { enabled: false } });
  const failed = await eventually('the app Failed with Reconciled=False', async () => {
    const status = (await getApp(c, namespace, 'taken')).status;
    const condition = status?.conditions?.find((x) => x.type === 'Reconciled');
    return status?.phase === 'Failed' && condition?.status === 'False' && condition;
  });
  expect(failed.reason).toBe('JobNameTaken');
  expect(failed.message).toContain('Job ' + namespace + '/taken-g1 exists and does not belong to WasiApp taken; delete or rename it');
  const warning = await eventually('a JobNameTaken event', async () => (await eventsFor(c, namespace, 'taken')).find((e) => e.reason === 'JobNameTaken'));
  expect(warning.type).toBe('Warning');

  // Terminal: no retries with backoff (which would have run several times by now), only the look its own status write caused.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(operator.metrics.reconcileCount('error')).toBe(0);
  expect(operator.metrics.reconcileCount('terminal')).toBeLessThanOrEqual(3);

  // The user frees the name and touches the app, as the message says.
  await c.batch.deleteNamespacedJob({ namespace, name: 'taken-g1', propagationPolicy: 'Background' });
  await eventually('the foreign Job gone', async () => !(await c.batch.listNamespacedJob({ namespace })).items.some((j) => j.metadata?.name === 'taken-g1'));
  await c.custom.patchNamespacedCustomObject(
    { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'taken', body: { metadata: { annotations: { 'wasi-operator.dev/retry': '1' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const recovered = await eventually('the run, and the condition gone', async () => {
    const status = (await getApp(c, namespace, 'taken')).status;
    return status?.jobName === 'taken-g1' && status.phase !== 'Failed' && !status.conditions?.some((x) => x.type === 'Reconciled') && status;
  }, { timeoutMs: 60_000 });
  expect(recovered.runs?.[0]?.jobName).toBe('taken-g1');
  expect((await jobsOf(c, namespace, 'taken'))[0]?.metadata?.ownerReferences?.[0]?.name).toBe('taken');
}, 90_000);
