// `cluster up`/`down` against the real binaries: a ready API server with the
// CRDs installed, idempotent `up`, a working garbage collector, crash
// recovery and a clean `down`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type V1OwnerReference } from '@kubernetes/client-node';
import { clusterStatus, startCluster, stopCluster, type ClusterHandle } from '../../dev/cluster/cluster.js';
import { isRunning } from '../../dev/cluster/processes.js';
import { readState } from '../../dev/cluster/state-file.js';
import { clusterPaths, COMPONENTS } from '../../dev/cluster/state-dir.js';
import { eventually } from '../helpers/eventually.js';

const START_TIMEOUT_MS = 240_000;
const quiet = () => undefined;

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.cluster-test.wasi-operator.dev
spec:
  group: cluster-test.wasi-operator.dev
  names: { kind: Widget, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`;

function crdFixtureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-operator-crds-'));
  writeFileSync(join(dir, 'widgets.yaml'), WIDGET_CRD);
  return dir;
}

function componentsRunning(handle: Pick<ClusterHandle, 'pids'>, stateDir: string): boolean[] {
  const state = readState(clusterPaths(stateDir).stateFile);
  return COMPONENTS.map((name) => isRunning(handle.pids[name], state?.components[name]?.binary ?? name));
}

/** True while `pid` is a live process (a zombie awaiting its parent counts as gone). */
function processExists(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a cluster started with startCluster', () => {
  const crdDir = crdFixtureDir();
  const stateDir = mkdtempSync(join(tmpdir(), 'wasi-operator-cluster-test-'));
  let cluster: ClusterHandle;

  beforeAll(async () => {
    cluster = await startCluster({ stateDir, crdDir, progress: quiet });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await stopCluster(stateDir, { graceMs: 0 });
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(crdDir, { recursive: true, force: true });
  });

  test('answers at its server URL and lists the installed CRDs', async () => {
    expect(cluster.kubeconfigPath).toBe(join(stateDir, 'kubeconfig'));
    expect(cluster.crds).toEqual(['widgets.cluster-test.wasi-operator.dev']);

    const crds = await cluster.kubeConfig().makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    const widgets = crds.items.find((crd) => crd.metadata?.name === 'widgets.cluster-test.wasi-operator.dev');
    expect(widgets?.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');

    // The real kubectl, with nothing but the kubeconfig the cluster wrote.
    const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'get', 'crd', '-o', 'name']);
    expect(stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.cluster-test.wasi-operator.dev');
  });

  test('up twice returns the same running cluster', async () => {
    const again = await startCluster({ stateDir, crdDir, progress: quiet });
    expect(again.alreadyRunning).toBe(true);
    expect(again.server).toBe(cluster.server);
    expect(again.pids).toEqual(cluster.pids);
    expect(componentsRunning(again, stateDir)).toEqual([true, true, true, true]);
  });

  test('status reports every component running', async () => {
    const status = await clusterStatus(stateDir);
    expect(status.phase).toBe('running');
    expect(status.kubeconfigPath).toBe(cluster.kubeconfigPath);
    expect(status.components.map((c) => [c.name, c.pid, c.running])).toEqual(COMPONENTS.map((name) => [name, cluster.pids[name], true]));
  });

  /** Creates a child of `owner`, deletes the owner and waits up to 60 s for the garbage collector to delete the child. */
  async function expectChildDeletedWithItsOwner(owner: V1OwnerReference, deleteOwner: () => Promise<unknown>): Promise<void> {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'default';
    const child = await core.createNamespacedConfigMap({ namespace, body: { metadata: { generateName: 'child-', ownerReferences: [owner] } } });
    await deleteOwner();
    await eventually(
      `the garbage collector to delete ConfigMap ${child.metadata!.name!} of ${owner.kind} ${owner.name}`,
      async () => {
        try {
          await core.readNamespacedConfigMap({ name: child.metadata!.name!, namespace });
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  test("the garbage collector deletes a deleted owner's children", async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'owner-' } } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true };
    await expectChildDeletedWithItsOwner(ref, () => core.deleteNamespacedConfigMap({ name: ref.name, namespace: 'default' }));
  });

  test('the garbage collector also follows owners that are custom resources from the installed CRDs', async () => {
    const custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    const widget = { group: 'cluster-test.wasi-operator.dev', version: 'v1', plural: 'widgets', namespace: 'default' };
    const owner = (await custom.createNamespacedCustomObject({
      ...widget,
      body: { apiVersion: 'cluster-test.wasi-operator.dev/v1', kind: 'Widget', metadata: { generateName: 'widget-' }, spec: { size: 1 } },
    })) as { metadata: { name: string; uid: string } };
    const ref = { apiVersion: 'cluster-test.wasi-operator.dev/v1', kind: 'Widget', name: owner.metadata.name, uid: owner.metadata.uid, controller: true };
    await expectChildDeletedWithItsOwner(ref, () => custom.deleteNamespacedCustomObject({ ...widget, name: ref.name }));
  });
});

describe('crash recovery and down', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'wasi-operator-cluster-test-'));

  afterAll(async () => {
    await stopCluster(stateDir, { graceMs: 0 });
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('up after a crash stops the survivors and starts a fresh cluster', async () => {
    const crashed = await startCluster({ stateDir, crdDir: false, progress: quiet });
    // A crash: the API server dies, its etcd keeps the port and the data-dir lock.
    process.kill(crashed.pids['kube-apiserver'], 'SIGKILL');
    await eventually('the killed kube-apiserver to be gone', () => !processExists(crashed.pids['kube-apiserver']), { timeoutMs: 10_000, intervalMs: 200 });
    expect((await clusterStatus(stateDir)).phase).toBe('degraded');

    const fresh = await startCluster({ stateDir, crdDir: false, progress: quiet });
    expect(fresh.alreadyRunning).toBe(false);
    for (const name of COMPONENTS) {
      expect(fresh.pids[name]).not.toBe(crashed.pids[name]);
      expect(processExists(crashed.pids[name])).toBe(false);
    }
    expect((await clusterStatus(stateDir)).phase).toBe('running');
  }, START_TIMEOUT_MS);

  test('up with a lost state file stops the orphaned processes it finds', async () => {
    const orphaned = (await clusterStatus(stateDir)).components.map((c) => c.pid);
    expect(orphaned).toHaveLength(COMPONENTS.length);
    rmSync(clusterPaths(stateDir).stateFile);

    const fresh = await startCluster({ stateDir, crdDir: false, progress: quiet });
    expect(fresh.alreadyRunning).toBe(false);
    expect(orphaned.filter(processExists)).toEqual([]);
  }, START_TIMEOUT_MS);

  test('down leaves no process and no state dir', async () => {
    const pids = (await clusterStatus(stateDir)).components.map((c) => c.pid);
    expect(pids).toHaveLength(COMPONENTS.length);

    expect(await stopCluster(stateDir)).toBe(true);

    expect(pids.filter(processExists)).toEqual([]);
    expect(existsSync(stateDir)).toBe(false);
    expect((await clusterStatus(stateDir)).phase).toBe('stopped');
    expect(await stopCluster(stateDir)).toBe(false);
  }, START_TIMEOUT_MS);
});
