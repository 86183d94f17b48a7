// What the pure builders make is accepted by a real API server as the
// controller sends it (server-side apply, field manager wasi-operator), in a
// namespace that enforces the "restricted" Pod Security Standard, and the
// server keeps every field (a field it does not know would be dropped).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import { API_GROUP, API_VERSION, FIELD_MANAGER, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { buildStateStoreComponent, type DaprComponent } from '../../operator/src/resources/component.js';
import { buildHostPod } from '../helpers/host-pod.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { operatorConfig } from '../helpers/wasiapp-fixtures.js';

const SHA = 'ab'.repeat(32);

let cluster: TestCluster;
let namespace: string;
let objects: KubernetesObjectApi;
let serial = 0;

beforeAll(async () => {
  cluster = await startTestCluster();
  namespace = await cluster.createNamespace('resources-apply');
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const ns = await core.readNamespace({ name: namespace });
  ns.metadata!.labels = { ...ns.metadata!.labels, 'pod-security.kubernetes.io/enforce': 'restricted' };
  await core.replaceNamespace({ name: namespace, body: ns });
  objects = KubernetesObjectApi.makeApiClient(cluster.kc);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A WasiApp as the API server stores it: the builders need its uid and generation. */
async function createApp(spec: Partial<WasiAppSpec>): Promise<WasiApp> {
  const body = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: WASIAPP_KIND,
    metadata: { name: `app-${++serial}` },
    spec: { module: { configMap: { name: 'module', key: 'app.wasm' } }, ...spec },
  };
  const api = cluster.kc.makeApiClient(CustomObjectsApi);
  return (await api.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: WASIAPP_PLURAL, body })) as WasiApp;
}

/** Drops client-node's model classes and undefined fields, so objects compare by content. */
function plain<T>(object: T): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

async function apply<T extends KubernetesObject>(object: T): Promise<T> {
  return objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

describe('the host pod', () => {
  test.each<[string, Partial<WasiAppSpec>]>([
    ['a configMap module with every host flag', {
      args: ['--name', '$(HOME)'],
      env: [
        { name: 'PLAIN', value: 'x' },
        { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api', optional: true } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MEMORY_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      allowedHosts: ['https://api.example.com'],
      maxConcurrentRequests: 4,
      timeoutSeconds: 30,
      maxMemoryMb: 64,
      successOutput: 'ok',
      resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '100m' } },
    }],
    ['a url module', { module: { url: 'https://example.com/app.wasm', sha256: SHA } }],
    ['an image module', { module: { image: 'ghcr.io/acme/guest:v1', path: 'guest.wasm' } }],
    ['Dapr disabled', { dapr: { enabled: false } }],
  ])('is accepted under the restricted Pod Security Standard for %s, every field kept', async (_, spec) => {
    const pod = buildHostPod(await createApp(spec), operatorConfig());
    // The server adds defaults (fieldRef.apiVersion, pull policies...); what
    // the builder set must all be there, unchanged.
    // Kubernetes also adds the service account token volume and its mounts.
    const applied = plain(await apply<V1Pod>(pod));
    const built = plain(pod);
    const { volumeMounts, ...host } = built.spec!.containers[0]!;
    expect(applied.metadata).toMatchObject(built.metadata!);
    expect(applied.spec?.securityContext).toMatchObject(built.spec!.securityContext!);
    expect(applied.spec?.containers[0]).toMatchObject(host);
    expect(applied.spec?.containers[0]?.volumeMounts?.[0]).toEqual(volumeMounts![0]);
    expect(applied.spec?.volumes?.[0]).toMatchObject(built.spec!.volumes![0]!);
    for (const [index, init] of (built.spec!.initContainers ?? []).entries()) {
      const { volumeMounts: initMounts, ...rest } = init;
      expect(applied.spec?.initContainers?.[index]).toMatchObject(rest);
      expect(applied.spec?.initContainers?.[index]?.volumeMounts?.[0]).toEqual(initMounts![0]);
    }
  });


  // Proves the namespace enforces the standard, so the tests above mean something.
  test('without its security context the pod is rejected by Pod Security admission', async () => {
    const pod = buildHostPod(await createApp({}), operatorConfig());
    delete pod.spec!.securityContext;
    delete pod.spec!.containers[0]!.securityContext;
    await expect(apply(pod)).rejects.toMatchObject({ code: 403 });
  });
});

describe('the state store component', () => {
  const config: OperatorConfig = operatorConfig({ defaultRedis: { host: 'redis:6379', passwordSecretRef: { name: 'redis', key: 'password' }, enableTLS: true } });

  test('is accepted by the Component CRD with its secret reference and scopes kept', async () => {
    const app = await createApp({ dapr: { appId: 'store-app', stateStore: { name: `store-${serial + 1}` } } });
    const component = buildStateStoreComponent(app, config)!;
    const applied = plain(await apply<DaprComponent>(component));
    expect(applied).toMatchObject(plain(component));
    expect(applied.spec).toEqual(component.spec);
  });
});
