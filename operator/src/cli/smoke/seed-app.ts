// The seed's workload, as `wasi-operator smoke` applies it (and the
// development demo too): the WasiApp of examples/wasiapp-seed.yaml, embedded
// here so the shipped command needs no file but its guest (a unit test keeps
// the two equal), and the ConfigMap its module comes from, filled with the
// built guest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../api/names.js';
import type { WasiApp } from '../../api/wasiapp.js';
import { WasiOperatorError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';

/** The example the embedded app mirrors (for messages and the test that compares them). */
export const EXAMPLE_PATH = join('examples', 'wasiapp-seed.yaml');
/** The seed's guest, a file of the package (the image ships it at /app/guest/build). */
export const GUEST_PATH = join('guest', 'build', 'dapr-state-test.wasm');
const SERVICE_ACCOUNT_TIMEOUT_MS = 60_000;

export const wasiapps = { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL } as const;

/** examples/wasiapp-seed.yaml, without its namespace. */
export const SEED_APP: WasiApp = {
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: 'WasiApp',
  metadata: { name: 'seed' },
  spec: {
    module: { configMap: { name: 'dapr-state-test', key: 'dapr-state-test.wasm' } },
    successOutput: 'Test successfully!',
    timeoutSeconds: 60,
    dapr: { stateStore: { name: 'statestore' } },
  },
};

/** The seed's WasiApp, in `namespace`. */
export function loadSeedApp(namespace: string): WasiApp {
  return structuredClone({ ...SEED_APP, metadata: { ...SEED_APP.metadata, namespace } });
}

/** The seed's built guest: `path`, or the package's own guest/build/dapr-state-test.wasm. */
export function readGuest(path = join(packageRoot(), GUEST_PATH)): Buffer {
  if (!existsSync(path)) throw new WasiOperatorError('ERR_DEMO_GUEST', `the seed's guest ${path} is missing: pass --module PATH to a built dapr-state-test.wasm, or build it in a checkout (npm run build:guests)`);
  return readFileSync(path);
}

/** Creates the namespace and waits for its `default` ServiceAccount: without it, admission rejects Pods. */
export async function createNamespace(kc: KubeConfig, namespace: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  await waitForDefaultServiceAccount(kc, namespace);
}

/** A new namespace PREFIX-xxxxx (the API server picks the suffix), once its `default` ServiceAccount exists. */
export async function createFreshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const created = await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
  const namespace = created.metadata!.name!;
  await waitForDefaultServiceAccount(kc, namespace);
  return namespace;
}

async function waitForDefaultServiceAccount(kc: KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + SERVICE_ACCOUNT_TIMEOUT_MS;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    if (Date.now() >= deadline) {
      throw new WasiOperatorError('ERR_DEMO_NAMESPACE', `the controller-manager made no default ServiceAccount in ${namespace} within ${SERVICE_ACCOUNT_TIMEOUT_MS / 1000}s`);
    }
    await sleep(100);
  }
}

/** The ConfigMap the app's module comes from, with the guest as binaryData. */
export async function createModuleConfigMap(kc: KubeConfig, app: WasiApp, module: Buffer): Promise<void> {
  const { name, key } = app.spec.module.configMap!;
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: app.metadata.namespace!,
    body: { metadata: { name }, binaryData: { [key]: module.toString('base64') } },
  });
}

export async function createApp(kc: KubeConfig, app: WasiApp): Promise<WasiApp> {
  return (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...wasiapps, namespace: app.metadata.namespace!, body: app })) as WasiApp;
}
