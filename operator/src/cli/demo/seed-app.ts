// The demo's workload: the WasiApp of examples/wasiapp-seed.yaml (the single
// source: the demo only sets its namespace) and the ConfigMap its module
// comes from, filled with the built guest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../api/names.js';
import type { WasiApp } from '../../api/wasiapp.js';
import { repoRoot } from '../../local/repo-root.js';
import { WasiOperatorError } from '../../util/errors.js';

export const DEMO_NAMESPACE = 'wasi-demo';
export const EXAMPLE_PATH = join('examples', 'wasiapp-seed.yaml');
export const GUEST_PATH = join('guest', 'build', 'dapr-state-test.wasm');
const SERVICE_ACCOUNT_TIMEOUT_MS = 60_000;

export const wasiapps = { group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL } as const;

/** The example WasiApp, moved into `namespace`. */
export function loadSeedApp(namespace: string): WasiApp {
  const app = yaml.load(readFileSync(join(repoRoot(), EXAMPLE_PATH), 'utf8')) as WasiApp;
  if (!app?.metadata?.name || !app.spec?.module?.configMap) {
    throw new WasiOperatorError('ERR_DEMO_EXAMPLE', `${EXAMPLE_PATH} is not a WasiApp whose module comes from a ConfigMap`);
  }
  return { ...app, metadata: { ...app.metadata, namespace } };
}

export function readGuest(): Buffer {
  const path = join(repoRoot(), GUEST_PATH);
  if (!existsSync(path)) throw new WasiOperatorError('ERR_DEMO_GUEST', `${GUEST_PATH} is missing; build the guests first (npm run build:guests)`);
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
