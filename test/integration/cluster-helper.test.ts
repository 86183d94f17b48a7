// The test helper other test files use: a cluster with the repo's CRDs in a
// temp dir, namespaces ready for Pods, and nothing left behind by stop().
import { existsSync, readFileSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

function processExists(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('startTestCluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("installs the repo's CRDs: WasiApps and Dapr Components can be listed", async () => {
    expect(cluster.handle.crds).toEqual(expect.arrayContaining(['wasiapps.wasi-operator.dev', 'components.dapr.io']));
    const custom = cluster.kc.makeApiClient(CustomObjectsApi);
    const apps = await custom.listNamespacedCustomObject({ group: 'wasi-operator.dev', version: 'v1alpha1', namespace: 'default', plural: 'wasiapps' });
    expect(apps.items).toEqual([]);
    const components = await custom.listNamespacedCustomObject({ group: 'dapr.io', version: 'v1alpha1', namespace: 'default', plural: 'components' });
    expect(components.items).toEqual([]);
  });

  test('a new namespace accepts Pods at once; without a node they stay Pending', async () => {
    const namespace = await cluster.createNamespace('helper');
    const core = cluster.kc.makeApiClient(CoreV1Api);
    const pod = await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'waits' }, spec: { containers: [{ name: 'main', image: 'example.invalid/never-pulled' }] } },
    });
    expect(pod.metadata?.namespace).toBe(namespace);
    expect((await core.readNamespacedPod({ name: 'waits', namespace })).status?.phase).toBe('Pending');
  });

  test('stop() ends every process and removes the temp state dir', async () => {
    const pids = Object.values(cluster.handle.pids);
    await cluster.stop();
    expect(pids.filter(processExists)).toEqual([]);
    expect(existsSync(cluster.stateDir)).toBe(false);
  });
});
