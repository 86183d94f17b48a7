// What only a real node shows: the operator's Pods on the kubelet with
// containerd, daprd from Dapr's injector in Kubernetes mode, the cluster's
// Redis behind its Service name, and the cases our old imitation of a kubelet
// got wrong: a sidecar allowed as users write it (127.0.0.1:3500), a module
// ConfigMap that appears after the app, a module shipped as an OCI artifact
// (ImageVolume), and the restricted security context enforced.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { kubectlBinary } from '../../dev/demo/report.js';
import { loadSeedApp, readGuest } from '../../operator/src/cli/smoke/seed-app.js';
import { SEED_MODULE_FILE } from '../../dev/images/images.js';
import { CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { DAPR_NAMESPACE } from '../../dev/node/dapr-install.js';
import { NODE_NAME } from '../../dev/node/node-layout.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { clientsFor, createApp, eventually, getApp, runOperator, TEST_CONFIG, type Clients } from './controller-support.js';

const run = promisify(execFile);
const APP_TIMEOUT_MS = 150_000;

let node: NodeTestCluster;
let operator: RunningOperator;
let clients: Clients;
let core: CoreV1Api;

beforeAll(async () => {
  node = await useNodeCluster();
  clients = clientsFor(node.kc);
  core = node.kc.makeApiClient(CoreV1Api);
  operator = await runOperator(node.kc, { config: { ...TEST_CONFIG, hostImage: node.operatorImage, defaultRedis: { host: CLUSTER_REDIS_HOST } } });
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  await operator?.stop();
  await node?.deleteNamespaces();
}, 60_000);

const seedSpec = (): WasiAppSpec => loadSeedApp('unused').spec;

async function createModuleConfigMap(namespace: string): Promise<void> {
  const { name, key } = seedSpec().module.configMap!;
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, binaryData: { [key]: readGuest().toString('base64') } } });
}

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

const outcome = (app: WasiApp) => ({ phase: app.status?.phase, passed: app.status?.result?.passed, reason: app.status?.result?.reason, conditions: app.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`) });

test('the node is a kubelet on containerd 2 and Dapr’s control plane runs from Dapr’s chart', async () => {
  const nodes = (await run(kubectlBinary(), ['--kubeconfig', node.kubeconfigPath, 'get', 'nodes', '-o', 'wide'], { env: { PATH: process.env.PATH, HOME: node.stateDir } })).stdout;
  expect(nodes).toMatch(new RegExp(`${NODE_NAME}\\s+Ready\\b[\\s\\S]*containerd://2\\.`));
  const pods = (await core.listNamespacedPod({ namespace: DAPR_NAMESPACE })).items;
  const names = pods.map((pod) => pod.metadata!.name!);
  for (const part of ['dapr-operator', 'dapr-sentry', 'dapr-sidecar-injector', 'dapr-placement', 'dapr-scheduler']) {
    expect(names.some((name) => name.startsWith(part))).toBe(true);
  }
  expect(pods.filter((pod) => pod.status?.phase !== 'Running').map((pod) => pod.metadata!.name)).toEqual([]);
});

test('the seed passes with its sidecar allowed as users write it (http://127.0.0.1:3500), daprd injected by Dapr', async () => {
  const namespace = await node.createNamespace('sidecar');
  await createModuleConfigMap(namespace);
  await createApp(clients, namespace, 'seed', { ...seedSpec(), allowedHosts: ['http://127.0.0.1:3500'] });
  const app = await finished(namespace, 'seed');
  expect(outcome(app)).toMatchObject({ phase: 'Succeeded', passed: true });
  const pod = await core.readNamespacedPod({ namespace, name: app.status!.podName! });
  const daprd = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === 'daprd');
  expect(daprd?.image).toMatch(/\/dapr\/daprd:/);
  expect(daprd?.args?.join(' ')).toContain('--mode kubernetes');
}, APP_TIMEOUT_MS + 30_000);

test('a module ConfigMap created after the WasiApp: the Pod waits for it (FailedMount), then runs to Succeeded', async () => {
  const namespace = await node.createNamespace('late-module');
  await createApp(clients, namespace, 'seed', seedSpec());
  const events = await eventually(
    'the kubelet to report the missing ConfigMap',
    async () => {
      const list = (await core.listNamespacedEvent({ namespace })).items as CoreV1Event[];
      return list.some((e) => e.reason === 'FailedMount') && list;
    },
    { timeoutMs: 60_000 },
  );
  // The kubelet says either, depending on whether its ConfigMap watch had synced when it tried.
  expect(events.find((e) => e.reason === 'FailedMount')?.message).toMatch(/volume "module".*(not found|failed to sync configmap cache)/);
  expect((await getApp(clients, namespace, 'seed')).status?.phase).not.toBe('Failed');
  await createModuleConfigMap(namespace);
  expect(outcome(await finished(namespace, 'seed'))).toMatchObject({ phase: 'Succeeded', passed: true });
}, APP_TIMEOUT_MS + 90_000);

test('a module shipped as an OCI artifact in the registry runs from an image volume (spec.module.image)', async () => {
  const namespace = await node.createNamespace('image-module');
  await createApp(clients, namespace, 'seed', { ...seedSpec(), module: { image: node.images.seedModule, path: SEED_MODULE_FILE } });
  const app = await finished(namespace, 'seed');
  expect(outcome(app)).toMatchObject({ phase: 'Succeeded', passed: true });
  const pod = await core.readNamespacedPod({ namespace, name: app.status!.podName! });
  expect(pod.spec?.volumes?.find((v) => v.image)?.image?.reference).toBe(node.images.seedModule);
}, APP_TIMEOUT_MS + 30_000);

test('in a namespace that enforces the restricted standard the host Pod is admitted and runs as 65532 on a read-only root', async () => {
  const namespace = await node.createNamespace('restricted');
  await core.patchNamespace(
    { name: namespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await createModuleConfigMap(namespace);
  await createApp(clients, namespace, 'seed', seedSpec());
  const app = await finished(namespace, 'seed');
  expect(outcome(app)).toMatchObject({ phase: 'Succeeded', passed: true });
  const pod = await core.readNamespacedPod({ namespace, name: app.status!.podName! });
  const host = pod.spec!.containers.find((c) => c.name === 'wasi-host')!;
  expect(host.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  expect(pod.spec?.securityContext?.runAsUser ?? host.securityContext?.runAsUser).toBe(65532);
}, APP_TIMEOUT_MS + 30_000);

test('a guest reads its config from a ConfigMap directory and writes a report into an emptyDir; the ConfigMap stays read-only', async () => {
  const namespace = await node.createNamespace('dirs');
  const { readFileSync } = await import('node:fs');
  const { guestModule } = await import('../helpers/wasi-host.js');
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'fs-probe' }, binaryData: { 'fs-probe.wasm': readFileSync(guestModule('fs-probe')).toString('base64') } },
  });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'app-config' }, data: { 'app.conf': 'config v1' } } });
  await createApp(clients, namespace, 'reporter', {
    module: { configMap: { name: 'fs-probe', key: 'fs-probe.wasm' } },
    dapr: { enabled: false },
    volumes: [
      { name: 'config', configMap: { name: 'app-config' } },
      { name: 'scratch', emptyDir: {} },
    ],
    dirs: [
      { volume: 'config', path: '/etc/app' },
      { volume: 'scratch', path: '/out', readOnly: false },
    ],
    args: ['read', '/etc/app/app.conf', 'write', '/out/report.txt', 'done', 'read', '/out/report.txt', 'write', '/etc/app/app.conf', 'changed'],
  });
  const app = await finished(namespace, 'reporter');
  expect(outcome(app)).toMatchObject({ phase: 'Succeeded', passed: true });
  expect(app.status?.result?.output?.split('\n')).toEqual([
    'read /etc/app/app.conf: 0 config v1',
    'write /out/report.txt: 0',
    'read /out/report.txt: 0 done',
    // PERM: the host refuses it, and the ConfigMap volume is mounted read-only as well.
    'write /etc/app/app.conf: 63',
    '',
  ]);
});
