// The cluster's Redis killed while guests save state through daprd on the
// real node, then restarted (issue 11 §2): the apps that were running end
// Failed with reason StateStoreUnavailable and a message naming the store's
// Redis, each after exactly one attempt (retries: 0), and a WasiApp created
// once Redis is back passes with its state in the new Redis.
//
// The Redis is the shared cluster's (`redis-master` in namespace `redis`):
// afterAll scales it back to one ready replica whatever happened, so the
// other node tests find it. It has no persistence, so it comes back empty.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { loadSeedApp, readGuest } from '../../operator/src/cli/smoke/seed-app.js';
import { CLUSTER_REDIS, CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { redisHashGet } from '../helpers/redis.js';
import { guestModule } from '../helpers/wasi-host.js';
import { clientsFor, createApp, eventually, getApp, jobsOf, podsOf, runOperator, TEST_CONFIG, type Clients } from './controller-support.js';

const SAVERS = ['saver-1', 'saver-2', 'saver-3'];
// 2,000 saves 50 ms apart: well over a minute and a half, so the first app is
// still saving when the last one's Pod has started; the kill ends them early.
const SAVES = '2000';
const PAUSE_MS = '50';
// Room for the whole loop, so that only Redis can end these runs early.
const SAVER_TIMEOUT_SECONDS = 300;
const START_TIMEOUT_MS = 180_000;
const FAIL_TIMEOUT_MS = 120_000;
const REDIS_TIMEOUT_MS = 120_000;
const SEED_TIMEOUT_MS = 150_000;

let node: NodeTestCluster;
let operator: RunningOperator | undefined;
let clients: Clients;
let core: CoreV1Api;
let apps: AppsV1Api;
let namespace: string;
let redisScaledDown = false;

beforeAll(async () => {
  node = await useNodeCluster();
  clients = clientsFor(node.kc);
  core = node.kc.makeApiClient(CoreV1Api);
  apps = node.kc.makeApiClient(AppsV1Api);
  // Whatever an earlier run left: this file starts from one ready Redis.
  await scaleRedis(1);
  await redisReady();
  operator = await runOperator(node.kc, { config: { ...TEST_CONFIG, hostImage: node.operatorImage, defaultRedis: { host: CLUSTER_REDIS_HOST } } });
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  // The other node tests share this Redis: it comes back even when a step above failed.
  if (node) {
    await scaleRedis(1).catch((err: unknown) => process.stderr.write(`[node-redis-fault] scaling Redis back failed: ${String(err)}\n`));
    if (redisScaledDown) await redisReady().catch((err: unknown) => process.stderr.write(`[node-redis-fault] Redis not ready again: ${String(err)}\n`));
  }
  await operator?.stop();
  await node?.deleteNamespaces();
}, REDIS_TIMEOUT_MS + 60_000);

async function scaleRedis(replicas: number): Promise<void> {
  await apps.patchNamespacedDeploymentScale(
    { name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace, body: { spec: { replicas } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** The Deployment has its ready replica, and the Service answers PING with it (from this machine, by the cluster IP). */
async function redisReady(): Promise<void> {
  await eventually(
    'the cluster’s Redis to be ready',
    async () => {
      const deployment = await apps.readNamespacedDeployment({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace });
      if ((deployment.status?.readyReplicas ?? 0) < 1 || (deployment.status?.updatedReplicas ?? 0) < 1) return false;
      await redisGet('wasi-operator-test||ping');
      return true;
    },
    { timeoutMs: REDIS_TIMEOUT_MS, intervalMs: 500 },
  );
}

async function redisClusterIp(): Promise<string> {
  const service = await core.readNamespacedService({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace });
  return service.spec!.clusterIP!;
}

async function redisGet(key: string): Promise<string | undefined> {
  return redisHashGet(CLUSTER_REDIS.port, key, 'data', await redisClusterIp());
}

/** Kill, as when Redis's node or process dies: no replicas wanted, and the running Pod deleted without grace. */
async function killRedis(): Promise<void> {
  redisScaledDown = true;
  await scaleRedis(0);
  const selector = Object.entries((await apps.readNamespacedDeployment({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace })).spec!.selector.matchLabels!)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await core.listNamespacedPod({ namespace: CLUSTER_REDIS.namespace, labelSelector: selector })).items;
  await Promise.all(pods.map((pod) => core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: CLUSTER_REDIS.namespace, gracePeriodSeconds: 0 }).catch(() => undefined)));
  await eventually(
    'the Redis Pod to be gone',
    async () => (await core.listNamespacedPod({ namespace: CLUSTER_REDIS.namespace, labelSelector: selector })).items.length === 0,
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

async function createModuleConfigMap(name: string, key: string, module: Buffer): Promise<void> {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, binaryData: { [key]: module.toString('base64') } } });
}

const seedSpec = (): WasiAppSpec => loadSeedApp('unused').spec;
const loopKey = () => `loop-${namespace}`;

function saverSpec(): WasiAppSpec {
  return {
    module: { configMap: { name: 'dapr-save-loop', key: 'dapr-save-loop.wasm' } },
    args: [SAVES, PAUSE_MS, loopKey()],
    successOutput: 'Test successfully!',
    timeoutSeconds: SAVER_TIMEOUT_SECONDS,
    retries: 0,
    dapr: seedSpec().dapr,
  };
}

async function finished(name: string, timeoutMs: number): Promise<WasiApp> {
  return eventually(
    `WasiApp ${namespace}/${name} to finish`,
    async () => {
      const app = await getApp(clients, namespace, name);
      return ['Succeeded', 'Failed'].includes(app.status?.phase ?? '') && app;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** daprd's last lines, for a failure's report: what the sidecar saw of Redis. */
async function daprdLogs(podName: string | undefined): Promise<string> {
  if (!podName) return '(no pod)';
  return core.readNamespacedPodLog({ name: podName, namespace, container: 'daprd', tailLines: 30 }).catch((err: unknown) => `(no daprd logs: ${String(err)})`);
}

const succeededCondition = (app: WasiApp) => app.status?.conditions?.find((c) => c.type === 'Succeeded');

test('Redis killed while three apps save state: each ends Failed with StateStoreUnavailable naming Redis after one attempt; Redis restarted, a new app passes with its state in Redis', async () => {
  namespace = await node.createNamespace('redis-fault');
  await createModuleConfigMap('dapr-save-loop', 'dapr-save-loop.wasm', readFileSync(guestModule('dapr-save-loop')));
  const seedModule = seedSpec().module.configMap!;
  await createModuleConfigMap(seedModule.name, seedModule.key, readGuest());

  for (const name of SAVERS) await createApp(clients, namespace, name, saverSpec());

  // Every app is in its loop: its Pod runs and its key is in Redis.
  const started = Date.now();
  for (const name of SAVERS) {
    await eventually(
      `${name}'s Pod to run and its first save to reach Redis`,
      async () => {
        const app = await getApp(clients, namespace, name);
        if (app.status?.phase === 'Succeeded' || app.status?.phase === 'Failed') throw new Error(`${name} finished before Redis was killed: ${JSON.stringify(app.status)}`);
        const pod = (await podsOf(clients, namespace, name))[0];
        if (pod?.status?.phase !== 'Running') return false;
        const saved = Number((await redisGet(`${name}||${loopKey()}`))?.replace(/"/g, ''));
        return saved >= 1;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 500 },
    );
  }
  process.stderr.write(`[node-redis-fault] all ${SAVERS.length} apps saving after ${Date.now() - started} ms\n`);

  await killRedis();
  const killed = Date.now();

  for (const name of SAVERS) {
    const app = await finished(name, FAIL_TIMEOUT_MS);
    const condition = succeededCondition(app);
    if (app.status?.result?.reason !== 'StateStoreUnavailable') {
      process.stderr.write(`[node-redis-fault] ${name}: ${JSON.stringify(app.status, null, 1)}\ndaprd:\n${await daprdLogs(app.status?.podName)}\n`);
    }
    expect(app.status?.phase).toBe('Failed');
    expect(app.status?.result).toMatchObject({ passed: false, exitCode: 1, reason: 'StateStoreUnavailable' });
    // daprd answered: kube-proxy refuses connections to a Service without endpoints, so each save fails fast.
    expect(app.status?.result?.daprError).toMatchObject({ status: 500, errorCode: 'ERR_STATE_SAVE', store: 'statestore' });
    expect(app.status?.result?.output).toContain('Test failed!');
    expect(app.status?.result?.output).not.toContain('Test successfully!');
    expect(condition).toMatchObject({ status: 'False', reason: 'StateStoreUnavailable' });
    expect(condition?.message).toContain(`Redis at ${CLUSTER_REDIS_HOST}`);
    expect(condition?.message).toContain('state store "statestore"');
    // retries: 0 — one run, one attempt, one Job.
    expect(app.status?.lastRun).toMatchObject({ phase: 'Failed', attempts: 1, reason: 'StateStoreUnavailable' });
    expect(app.status?.lastRun?.message).toContain('Redis');
    expect(app.status?.runs).toHaveLength(1);
    expect(app.status?.failedRuns).toBe(1);
    expect(await jobsOf(clients, namespace, name)).toHaveLength(1);
  }
  const first = await getApp(clients, namespace, SAVERS[0]!);
  process.stderr.write(`[node-redis-fault] all apps Failed ${Date.now() - killed} ms after the kill; ${SAVERS[0]}: ${succeededCondition(first)?.message}\n`);

  // Still one attempt each a little later: the Job does not start another Pod.
  await sleep(5_000);
  for (const name of SAVERS) {
    expect((await getApp(clients, namespace, name)).status?.lastRun?.attempts).toBe(1);
    expect(await podsOf(clients, namespace, name)).toHaveLength(1);
  }

  // Redis back (empty: it keeps nothing on disk); an app made now passes.
  await scaleRedis(1);
  await redisReady();
  redisScaledDown = false;

  await createApp(clients, namespace, 'after-restart', seedSpec());
  const seed = await finished('after-restart', SEED_TIMEOUT_MS);
  if (seed.status?.phase !== 'Succeeded') {
    process.stderr.write(`[node-redis-fault] after-restart: ${JSON.stringify(seed.status, null, 1)}\ndaprd:\n${await daprdLogs(seed.status?.podName)}\n`);
  }
  expect(seed.status).toMatchObject({ phase: 'Succeeded', result: { passed: true } });
  expect(seed.status?.result?.output).toContain('Test successfully!');
  expect(seed.status?.result).not.toHaveProperty('daprError');
  expect(await redisGet('after-restart||weapon')).toBe('"Death Star"');
}, START_TIMEOUT_MS + FAIL_TIMEOUT_MS + REDIS_TIMEOUT_MS + SEED_TIMEOUT_MS + 60_000);
