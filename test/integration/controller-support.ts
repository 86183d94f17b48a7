// Shared by the controller's integration tests: run the operator in-process
// against a test cluster, make WasiApps, play the kubelet, poll with deadlines.
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1ContainerState,
  type V1Job,
  type V1ObjectMeta,
  type V1Pod,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { startOperator, type RunningOperator, type StartOperatorOptions } from '../../operator/src/controller/operator.js';

export const TEST_CONFIG: OperatorConfig = {
  hostImage: 'wasi-operator:test',
  defaultRedis: { host: 'redis.test.svc:6379' },
  namespaces: [],
};

/** Logs stay quiet unless LOG_LEVEL asks for them (to stderr). */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' }, pino.destination(2));

export async function runOperator(kc: KubeConfig, options: Partial<StartOperatorOptions> = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: kc,
    config: TEST_CONFIG,
    leaderElection: { enabled: false },
    concurrency: 4,
    logger: testLogger,
    retryMaxDelayMs: 2000,
    ...options,
  });
}

export interface Clients {
  core: CoreV1Api;
  batch: BatchV1Api;
  custom: CustomObjectsApi;
}

export function clientsFor(kc: KubeConfig): Clients {
  return { core: kc.makeApiClient(CoreV1Api), batch: kc.makeApiClient(BatchV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

const wasiapps = { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL };

export async function createApp(c: Clients, namespace: string, name: string, spec: Partial<WasiAppSpec> = {}): Promise<WasiApp> {
  const body = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'WasiApp',
    metadata: { name, namespace },
    spec: { module: { configMap: { name: 'modules', key: 'hello.wasm' } }, ...spec },
  };
  return (await c.custom.createNamespacedCustomObject({ ...wasiapps, namespace, body })) as WasiApp;
}

export async function getApp(c: Clients, namespace: string, name: string): Promise<WasiApp> {
  return (await c.custom.getNamespacedCustomObject({ ...wasiapps, namespace, name })) as WasiApp;
}

export async function patchAppSpec(c: Clients, namespace: string, name: string, spec: Partial<WasiAppSpec>): Promise<WasiApp> {
  return (await c.custom.patchNamespacedCustomObject(
    { ...wasiapps, namespace, name, body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as WasiApp;
}

export async function deleteApp(c: Clients, namespace: string, name: string): Promise<void> {
  await c.custom.deleteNamespacedCustomObject({ ...wasiapps, namespace, name });
}

export interface ComponentItem {
  metadata: V1ObjectMeta;
  spec: Record<string, unknown>;
  scopes?: string[];
}

export async function listComponents(c: Clients, namespace: string): Promise<ComponentItem[]> {
  const list = (await c.custom.listNamespacedCustomObject({ group: 'dapr.io', version: 'v1alpha1', plural: 'components', namespace })) as {
    items: ComponentItem[];
  };
  return list.items;
}

/** A Dapr state.redis Component the user made (not the operator). */
export async function createUserComponent(c: Clients, namespace: string, name: string, redisHost: string): Promise<void> {
  await c.custom.createNamespacedCustomObject({
    group: 'dapr.io',
    version: 'v1alpha1',
    plural: 'components',
    namespace,
    body: {
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace },
      spec: { type: 'state.redis', version: 'v1', metadata: [{ name: 'redisHost', value: redisHost }] },
    },
  });
}

export async function podsOf(c: Clients, namespace: string, app: string): Promise<V1Pod[]> {
  const list = await c.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${app}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** The app's run Jobs (its own and its CronJob's), oldest first, without those being deleted. */
export async function jobsOf(c: Clients, namespace: string, app: string): Promise<V1Job[]> {
  const list = await c.batch.listNamespacedJob({ namespace, labelSelector: `app.kubernetes.io/instance=${app}` });
  return list.items
    .filter((j) => !j.metadata?.deletionTimestamp)
    .sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)));
}

export async function eventsFor(c: Clients, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await c.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

/** Plays the kubelet: writes the Pod's status subresource with a wasi-host container state. */
export async function setHostState(c: Clients, pod: V1Pod, phase: string, state: V1ContainerState): Promise<void> {
  const image = pod.spec?.containers[0]?.image ?? 'wasi-operator:test';
  await c.core.patchNamespacedPodStatus(
    {
      name: pod.metadata!.name!,
      namespace: pod.metadata!.namespace!,
      body: {
        status: {
          phase,
          startTime: '2030-01-01T00:00:00Z',
          containerStatuses: [
            { name: 'wasi-host', image, imageID: '', ready: state.running !== undefined, restartCount: 0, started: state.running !== undefined, state },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export function terminatedWith(message: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): V1ContainerState {
  return {
    terminated: {
      exitCode,
      reason,
      message,
      startedAt: '2030-01-01T00:00:01Z' as unknown as Date,
      finishedAt: '2030-01-01T00:00:05Z' as unknown as Date,
    },
  };
}

/** Runs `work` on every item, `concurrency` at a time (a user's script or a GitOps sync creating many objects). */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

// The one polling helper of the tests (test/helpers/eventually.ts), here too because most
// controller tests import everything they need from this file.
export { eventually } from '../helpers/eventually.js';
