// The controller's own API client against a real control plane: errors come
// back with the server's status code, reason and words; server-side apply
// records our field manager; a watch streams events; access from a
// kubeconfig file and from client-node's KubeConfig both work; a server that
// is not there is a clear ERR_KUBE_UNREACHABLE.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { KubernetesObject, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { API_GROUP_VERSION, FIELD_MANAGER, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { applyObject } from '../../operator/src/kube/requests.js';
import { watchPath } from '../../operator/src/kube/informers.js';
import { KubeApiClient, type WatchEvent } from '../../operator/src/kube/api-client.js';
import { KubeApiError } from '../../operator/src/kube/api-error.js';
import { accessFromClientNode, loadClusterAccess } from '../../operator/src/kube/cluster-access.js';
import { buildHostPod } from '../helpers/host-pod.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { operatorConfig } from '../helpers/wasiapp-fixtures.js';

let cluster: TestCluster;
let client: KubeApiClient;
let namespace: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = new KubeApiClient(await loadClusterAccess(cluster.kubeconfigPath));
  namespace = await cluster.createNamespace('kube-api');
}, 300_000);

afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

const configMaps = (): string => watchPath('v1', 'configmaps', namespace);

/** What `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('errors', () => {
  test('GET of a missing pod → KubeApiError 404 NotFound whose message names the pod', async () => {
    const err = await rejection(client.request('GET', `${watchPath('v1', 'pods', namespace)}/no-such-pod`));
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ code: 'ERR_KUBE_API', statusCode: 404, reason: 'NotFound' });
    expect((err as KubeApiError).serverMessage).toBe('pods "no-such-pod" not found');
    expect((err as Error).message).toContain(`GET ${watchPath('v1', 'pods', namespace)}/no-such-pod`);
  });

  test('POST of an invalid object → 422 Invalid with the server saying what is wrong', async () => {
    const body: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Valid_Name' }, data: { a: 'b' } };
    const err = await rejection(client.request('POST', configMaps(), { body }));
    expect(err).toMatchObject({ code: 'ERR_KUBE_API', statusCode: 422, reason: 'Invalid' });
    expect((err as KubeApiError).serverMessage).toContain('Not_A_Valid_Name');
  });
});

describe('applyObject', () => {
  test('server-side-applies a host Pod: managedFields show manager wasi-operator with operation Apply', async () => {
    const app = await client.request<WasiApp>('POST', watchPath(API_GROUP_VERSION, WASIAPP_PLURAL, namespace), {
      body: {
        apiVersion: API_GROUP_VERSION,
        kind: WASIAPP_KIND,
        metadata: { name: 'applied' },
        spec: { module: { configMap: { name: 'module', key: 'app.wasm' } } },
      },
    });
    expect(app.metadata.uid).toBeDefined();
    const pod = buildHostPod(app, operatorConfig());

    const applied = await applyObject({ api: client }, pod);
    expect(applied.metadata?.name).toBe(pod.metadata?.name);
    expect(applied.metadata?.uid).toBeDefined();
    const stored = await client.request<V1Pod>('GET', `${watchPath('v1', 'pods', namespace)}/${pod.metadata!.name}`);
    expect(stored.metadata?.managedFields).toEqual(expect.arrayContaining([expect.objectContaining({ manager: FIELD_MANAGER, operation: 'Apply' })]));
    expect(stored.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: WASIAPP_KIND, name: 'applied', uid: app.metadata.uid })]);
  });

  test('a kind the controller does not manage → ERR_APPLY without a request', async () => {
    const configMap: KubernetesObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-ours', namespace } };
    const err = await rejection(applyObject({ api: client }, configMap));
    expect(err).toMatchObject({ code: 'ERR_APPLY' });
    expect((err as Error).message).toContain('does not manage v1 ConfigMap');
    await expect(client.request('GET', `${configMaps()}/not-ours`)).rejects.toMatchObject({ statusCode: 404 });
  });

  test('a Pod the server rejects → ERR_APPLY with the server’s words and the KubeApiError as cause', async () => {
    const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-containers', namespace }, spec: { containers: [] } };
    const err = await rejection(applyObject({ api: client }, pod));
    expect(err).toMatchObject({ code: 'ERR_APPLY' });
    expect((err as Error).message).toContain(`cannot apply Pod ${namespace}/no-containers`);
    expect((err as Error).cause).toBeInstanceOf(KubeApiError);
    expect((err as Error).cause).toMatchObject({ statusCode: 422, reason: 'Invalid' });
  });
});

describe('watch', () => {
  test('sees an ADDED event for a ConfigMap created after it started', async () => {
    const listed = await client.request<{ metadata: { resourceVersion: string } }>('GET', configMaps());
    const events: Array<WatchEvent<V1ConfigMap>> = [];
    const abort = new AbortController();
    let seen!: () => void;
    const added = new Promise<void>((resolve) => (seen = resolve));
    const watching = client
      .watch<V1ConfigMap>(
        configMaps(),
        { resourceVersion: listed.metadata.resourceVersion, timeoutSeconds: 30 },
        (event) => {
          events.push(event);
          if (event.type === 'ADDED' && event.object.metadata?.name === 'watched') seen();
        },
        abort.signal,
      )
      .catch((err: unknown) => {
        if (!abort.signal.aborted) throw err;
      });
    try {
      await client.request('POST', configMaps(), { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { k: 'v' } } });
      await added;
    } finally {
      abort.abort();
      await watching;
    }
    const event = events.find((e) => e.object.metadata?.name === 'watched');
    expect(event).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', data: { k: 'v' } } });
  });
});

describe('cluster access', () => {
  test('the test cluster\'s kubeconfig (embedded certificates) is read without client-node', () => {
    expect(client.access.source.startsWith(`kubeconfig ${cluster.kubeconfigPath} (context `)).toBe(true);
    expect(client.access.server).toBe(cluster.server);
    expect(client.access.tls.cert).toBeDefined();
    expect(client.access.tls.key).toBeDefined();
    expect(client.access.tls.ca).toBeDefined();
  });

  test('accessFromClientNode(cluster.kc) gives a working client too', async () => {
    const other = new KubeApiClient(await accessFromClientNode(cluster.kc, 'test'));
    try {
      const ns = await other.request<{ metadata: { name: string } }>('GET', `/api/v1/namespaces/${namespace}`);
      expect(ns.metadata.name).toBe(namespace);
      const version = await other.request<{ gitVersion: string }>('GET', '/version');
      expect(version.gitVersion).toMatch(/^v1\./);
    } finally {
      await other.close();
    }
  });

  test('a server that is not listening → ERR_KUBE_UNREACHABLE naming the server', async () => {
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const nowhere = new KubeApiClient({ server, tls: { rejectUnauthorized: true }, authorization: () => undefined, source: 'test' });
    try {
      const err = await rejection(nowhere.request('GET', '/api/v1/namespaces'));
      expect(err).toMatchObject({ code: 'ERR_KUBE_UNREACHABLE' });
      expect((err as Error).message).toContain(server);
      expect((err as Error).cause).toBeDefined();
    } finally {
      await nowhere.close();
    }
  });
});
