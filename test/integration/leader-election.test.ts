// Two operator replicas on one Lease: only the holder reconciles; when it
// stops, the other takes over within the lease duration.
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { clientsFor, createApp, eventsFor, eventually, podsOf, runOperator, type Clients } from './controller-support.js';

const LEASE_DURATION_SECONDS = 4;

let cluster: TestCluster;
let c: Clients;
let coordination: CoordinationV1Api;
const operators: RunningOperator[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  c = clientsFor(cluster.kc);
  coordination = cluster.kc.makeApiClient(CoordinationV1Api);
}, 300_000);

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await cluster?.stop();
});

async function replica(identity: string, leaseNamespace: string): Promise<RunningOperator> {
  const operator = await runOperator(cluster.kc, {
    leaderElection: {
      enabled: true,
      namespace: leaseNamespace,
      leaseName: 'wasi-operator-leader',
      identity,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 1,
    },
    probeAddr: '127.0.0.1:0',
    metricsAddr: '127.0.0.1:0',
  });
  operators.push(operator);
  return operator;
}

async function holder(namespace: string): Promise<string | undefined> {
  const lease = await coordination.readNamespacedLease({ name: 'wasi-operator-leader', namespace });
  return lease.spec?.holderIdentity || undefined;
}

test('only the Lease holder reconciles; stopping it hands over to the standby', async () => {
  const namespace = await cluster.createNamespace('leader');
  const a = await replica('replica-a', namespace);
  const b = await replica('replica-b', namespace);

  const first = await eventually('a lease holder', () => holder(namespace));
  const [leader, standby] = first === a.identity ? [a, b] : [b, a];
  expect([a.identity, b.identity]).toContain(first);
  await eventually('leader ready', async () => leader.isLeader() && leader.isReady());
  expect(standby.isLeader()).toBe(false);
  // A standby is ready (it serves probes) but does not lead.
  const readyz = await fetch(`http://127.0.0.1:${standby.probePort}/readyz`);
  expect(readyz.status).toBe(200);
  const metrics = await (await fetch(`http://127.0.0.1:${standby.metricsPort}/metrics`)).text();
  expect(metrics).toContain('wasi_operator_leader 0');

  await createApp(c, namespace, 'one', { dapr: { enabled: false } });
  await eventually('pod of one', async () => (await podsOf(c, namespace, 'one')).length === 1);
  await eventually('events of one', async () => (await eventsFor(c, namespace, 'one')).length > 0);
  const writers = new Set((await eventsFor(c, namespace, 'one')).map((e) => e.reportingInstance));
  expect(writers).toEqual(new Set([leader.identity]));
  expect(standby.metrics.reconcileCount('success') + standby.metrics.reconcileCount('error')).toBe(0);

  await leader.stop();
  // Stopped replicas hand the Lease back, so this is quicker than the lease duration; a
  // crashed one would be replaced once its lease ran out.
  await eventually('the standby to take over', async () => (await holder(namespace)) === standby.identity, { timeoutMs: LEASE_DURATION_SECONDS * 1000 + 2000 });
  await eventually('new leader ready', async () => standby.isLeader() && standby.isReady());

  await createApp(c, namespace, 'two', { dapr: { enabled: false } });
  await eventually('pod of two', async () => (await podsOf(c, namespace, 'two')).length === 1);
  await eventually('events of two', async () => (await eventsFor(c, namespace, 'two')).length > 0);
  expect(new Set((await eventsFor(c, namespace, 'two')).map((e) => e.reportingInstance))).toEqual(new Set([standby.identity]));
  // The old leader's app is still there, not duplicated by the new leader.
  expect(await podsOf(c, namespace, 'one')).toHaveLength(1);
});

test('a Lease left by a crashed holder is taken once it expires; a leader that sees another holder stops', async () => {
  const namespace = await cluster.createNamespace('takeover');
  // Lease times are MicroTime: six fractional digits, or the API server refuses them.
  const now = new V1MicroTime();
  // A holder that crashed: it never renews and never releases.
  await coordination.createNamespacedLease({
    namespace,
    body: {
      metadata: { name: 'wasi-operator-leader', namespace },
      spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: LEASE_DURATION_SECONDS, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    },
  });
  let lost = 0;
  const operator = await runOperator(cluster.kc, {
    leaderElection: {
      enabled: true,
      namespace,
      identity: 'replica-c',
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 1,
    },
    onLeadershipLost: () => (lost += 1),
  });
  operators.push(operator);
  expect(operator.isLeader()).toBe(false);
  await eventually('the expired lease to be taken', async () => (await holder(namespace)) === 'replica-c', { timeoutMs: LEASE_DURATION_SECONDS * 1000 * 3 });
  await eventually('leading', async () => operator.isLeader());
  const lease = await coordination.readNamespacedLease({ name: 'wasi-operator-leader', namespace });
  expect(lease.spec?.leaseTransitions).toBe(1);

  // Another replica overwrites the Lease (as after a long pause of ours): we must stop leading.
  await coordination.replaceNamespacedLease({
    name: 'wasi-operator-leader',
    namespace,
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: new V1MicroTime(), acquireTime: new V1MicroTime() } },
  });
  await eventually('leadership lost', async () => lost === 1 && !operator.isLeader());
  expect(operator.isReady()).toBe(false);
});
