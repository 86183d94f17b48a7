// The seed's test ported to Go as a WasiApp on the real node: the module
// (about 3.5 MB, too big for a ConfigMap's 1 MiB) ships as an OCI artifact in
// the local registry (images.ts: go-seed-module) and reaches the host through
// an image volume (spec.module.image); daprd comes from Dapr's injector and
// keeps the state in the cluster's Redis.
import { CoreV1Api } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { loadSeedApp } from '../../operator/src/cli/smoke/seed-app.js';
import { GO_SEED_MODULE_FILE } from '../../dev/images/images.js';
import { CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { clientsFor, createApp, eventually, getApp, runOperator, TEST_CONFIG, type Clients } from './controller-support.js';

const APP_TIMEOUT_MS = 150_000;

let node: NodeTestCluster;
let operator: RunningOperator | undefined;
let clients: Clients;

beforeAll(async () => {
  node = await useNodeCluster();
  clients = clientsFor(node.kc);
  operator = await runOperator(node.kc, { config: { ...TEST_CONFIG, hostImage: node.operatorImage, defaultRedis: { host: CLUSTER_REDIS_HOST } } });
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  await operator?.stop();
  await node?.deleteNamespaces();
}, 60_000);

async function finished(namespace: string, name: string): Promise<WasiApp> {
  return eventually(
    `WasiApp ${namespace}/${name} to finish`,
    async () => {
      const app = await getApp(clients, namespace, name);
      return ['Succeeded', 'Failed'].includes(app.status?.phase ?? '') && app;
    },
    { timeoutMs: APP_TIMEOUT_MS },
  );
}

test('the Go seed, shipped as an OCI artifact, runs as a WasiApp to Succeeded with Dapr injected', async () => {
  const namespace = await node.createNamespace('go-seed');
  const seed = loadSeedApp(namespace).spec;
  await createApp(clients, namespace, 'go-seed', { ...seed, module: { image: node.images.goSeedModule, path: GO_SEED_MODULE_FILE } });
  const app = await finished(namespace, 'go-seed');

  expect({ phase: app.status?.phase, passed: app.status?.result?.passed, reason: app.status?.result?.reason, conditions: app.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`) })
    .toMatchObject({ phase: 'Succeeded', passed: true });
  // The Go guest's own lines, through the termination message into the status.
  expect(app.status?.result?.output).toMatch(/POST http:\/\/127\.0\.0\.1:3500\/v1\.0\/state\/statestore with \[\{"key":"weapon","value":"Death Star"\}\]/);
  expect(app.status?.result?.output).toContain('Test successfully!');
  const pod = await node.kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name: app.status!.podName! });
  expect(pod.spec?.volumes?.find((v) => v.image)?.image?.reference).toBe(node.images.goSeedModule);
  expect([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.name === 'daprd')).toBe(true);
}, APP_TIMEOUT_MS + 30_000);
