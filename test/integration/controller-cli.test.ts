// `wasi-operator controller` as a process: JSON logs, probes and metrics on
// their ports, reconciles, and a clean exit on SIGTERM that releases the Lease.
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { startProcess, waitFor, type ManagedProcess } from '../helpers/processes.js';
import { clientsFor, createApp, eventsFor, eventually, podsOf } from './controller-support.js';

const BIN = join(process.cwd(), 'bin', 'wasi-operator.mjs');

let cluster: TestCluster;
let proc: ManagedProcess | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 300_000);

afterAll(async () => {
  await proc?.stop();
  await cluster?.stop();
});

test('runs, serves /readyz and /metrics, reconciles, and exits 0 on SIGTERM', async () => {
  const namespace = await cluster.createNamespace('cli');
  const [probePort, metricsPort] = [await freePort(), await freePort()];
  proc = startProcess(
    'wasi-operator controller',
    process.execPath,
    [
      BIN,
      'controller',
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--namespace=${namespace}`,
      '--host-image=wasi-operator:cli-test',
      `--probe-addr=127.0.0.1:${probePort}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      `--leader-election-namespace=${namespace}`,
      '--leader-election-identity=cli-replica',
    ],
    { env: { ...process.env, KUBECONFIG: '' } },
  );
  await waitFor(
    '/readyz',
    async () => ((await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
    { timeoutMs: 30_000, process: proc },
  );
  const coordination = cluster.kc.makeApiClient(CoordinationV1Api);
  await eventually('the lease', async () => (await coordination.readNamespacedLease({ name: 'wasi-operator-leader', namespace })).spec?.holderIdentity === 'cli-replica');

  const c = clientsFor(cluster.kc);
  await createApp(c, namespace, 'from-cli', { dapr: { enabled: false } });
  const [pod] = await eventually('the pod', async () => {
    const pods = await podsOf(c, namespace, 'from-cli');
    return pods.length === 1 && pods;
  });
  expect(pod!.spec!.containers[0]!.image).toBe('wasi-operator:cli-test');
  // The Pod exists before the reconcile that created it has returned and been counted.
  const metrics = await eventually('a counted reconcile', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /wasi_operator_reconcile_total\{result="success"\} [1-9]/.test(text) && text;
  });
  expect(metrics).toContain('wasi_operator_leader 1');
  // Its JobCreated Event was held only until the Job's Pod turned up (not for the 15 s a Pod-less Job
  // holds events, nor the 30 s cap), and the backlog gauge shows it written.
  await eventually('the JobCreated event, soon after the Pod', async () => (await eventsFor(c, namespace, 'from-cli')).some((e) => e.reason === 'JobCreated'), {
    timeoutMs: 10_000,
  });
  const afterEvents = await eventually('no events waiting', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return text.includes('wasi_operator_events_waiting 0') && text;
  });
  expect(afterEvents).toContain('wasi_operator_events_dropped_total 0');

  const exit = await proc.stop(20_000);
  expect(exit).toEqual({ code: 0, signal: null });
  const lines = proc.logTail().split('\n').map((line) => JSON.parse(line) as { msg: string; level: string });
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['became leader', 'created run job', 'released lease', 'shut down']));
  expect((await coordination.readNamespacedLease({ name: 'wasi-operator-leader', namespace })).spec?.holderIdentity ?? '').toBe('');
});
