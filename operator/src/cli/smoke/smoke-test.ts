// `wasi-operator smoke`: checks an installed operator on any cluster (after
// `helm install`, say). It creates the seed's WasiApp (embedded: the one of
// examples/wasiapp-seed.yaml) with its guest in a ConfigMap, in a namespace of
// its own, follows the app to its result and removes what it made. The
// guest saves Dapr state and reads it back, so `passed` means the whole path
// worked: operator, Pod, host, sidecar, Component and Redis.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApisApi, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../api/names.js';
import type { WasiApp } from '../../api/wasiapp.js';
import { apiErrorMessage, isNotFound } from '../../kube/api-error.js';
import { errorMessage, WasiOperatorError } from '../../util/errors.js';
import { followApp } from './follow.js';
import { StepOutput, seconds } from './progress.js';
import { createApp, createFreshNamespace, createModuleConfigMap, EXAMPLE_PATH, GUEST_PATH, loadSeedApp, readGuest, wasiapps } from './seed-app.js';

export interface SmokeOptions {
  kc: KubeConfig;
  /** An existing namespace to use (only the app and its ConfigMap are removed); default a fresh wasi-smoke-xxxxx, removed whole. */
  namespace?: string;
  /** How long the app may take to finish. */
  timeoutMs: number;
  /** How long to wait for an operator to write the app's first status before saying none runs. */
  pickupTimeoutMs: number;
  /** Leave what was created in place. */
  keep: boolean;
  /** The guest to run (default the package's guest/build/dapr-state-test.wasm, in the image /app/guest/build). */
  modulePath?: string;
  out?: StepOutput;
}

const NAMESPACE_PREFIX = 'wasi-smoke';

/**
 * The seed's app for `namespace`. In a namespace of its own it keeps the
 * example's names; in a shared one the app and its ConfigMap get a name of
 * their own (wasi-smoke-xxxxx), so they never meet the user's `seed` or
 * `dapr-state-test`, and two smoke tests never meet each other.
 */
export function smokeApp(namespace: string, shared: boolean, suffix = randomBytes(3).toString('hex').slice(0, 5)): WasiApp {
  const seed = loadSeedApp(namespace);
  if (!shared) return seed;
  const name = `${NAMESPACE_PREFIX}-${suffix}`;
  return {
    ...seed,
    metadata: { ...seed.metadata, name },
    spec: { ...seed.spec, module: { configMap: { ...seed.spec.module.configMap!, name } } },
  };
}

const PICKUP_POLL_MS = 500;

/** Whether the API server serves WasiApps at all: without the CRD nothing else can work. */
async function assertCrdInstalled(kc: KubeConfig): Promise<void> {
  const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
  const group = groups.groups.find((g) => g.name === API_GROUP);
  if (!group?.versions.some((v) => v.version === API_VERSION)) {
    throw new WasiOperatorError(
      'ERR_SMOKE_NO_CRD',
      `the API server does not serve ${API_GROUP}/${API_VERSION} WasiApps: install the operator (helm install wasi-operator charts/wasi-operator) or its CRD (kubectl apply -f crds/wasiapps.wasi-operator.dev.yaml)`,
    );
  }
}

/** Resolves when some operator has written the app's status; rejects after `timeoutMs` naming what to check. */
async function waitForPickup(kc: KubeConfig, namespace: string, name: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    try {
      const app = (await custom.getNamespacedCustomObject({ ...wasiapps, namespace, name })) as WasiApp;
      if (app.status?.observedGeneration !== undefined || app.status?.phase !== undefined) return;
    } catch {
      // a passing API error: the deadline decides
    }
    if (Date.now() >= deadline) {
      throw new WasiOperatorError(
        'ERR_SMOKE_NO_OPERATOR',
        `no operator acted on WasiApp ${namespace}/${name} within ${seconds(timeoutMs)}: is wasi-operator running ` +
          `(kubectl get pods -A -l app.kubernetes.io/name=wasi-operator), and does it watch namespace ${namespace} (the chart's watchNamespaces)?`,
      );
    }
    await sleep(PICKUP_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

async function printEvents(out: StepOutput, kc: KubeConfig, namespace: string, name: string): Promise<void> {
  try {
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    if (events.items.length === 0) return;
    out.say(`events of WasiApp ${namespace}/${name}:`);
    out.quote(events.items.map((e) => `${e.type} ${e.reason}: ${e.message}`).join('\n'));
  } catch (err) {
    out.say(`cannot list the events: ${errorMessage(err)}`);
  }
}

/** Removes what the smoke test made; never throws (says what it could not remove). */
async function cleanUp(out: StepOutput, kc: KubeConfig, namespace: string, ownNamespace: boolean, app: WasiApp): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const attempt = async (what: string, remove: () => Promise<unknown>) => {
    try {
      await remove();
    } catch (err) {
      if (!isNotFound(err)) out.say(`could not delete ${what}: ${apiErrorMessage(err)}`);
    }
  };
  if (ownNamespace) {
    await attempt(`namespace ${namespace}`, () => core.deleteNamespace({ name: namespace }));
    out.say(`deleted namespace ${namespace} (its WasiApp, Pod, Component and ConfigMap go with it)`);
    return;
  }
  const name = app.metadata.name!;
  await attempt(`WasiApp ${namespace}/${name}`, () => kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...wasiapps, namespace, name }));
  await attempt(`ConfigMap ${namespace}/${app.spec.module.configMap!.name}`, () => core.deleteNamespacedConfigMap({ name: app.spec.module.configMap!.name, namespace }));
  out.say(`deleted WasiApp ${namespace}/${name} (its Pod and Component go with it) and ConfigMap ${app.spec.module.configMap!.name}`);
}

/** Exit code: 0 when the guest passed, 1 otherwise (with the reason said). */
export async function runSmokeTest(options: SmokeOptions): Promise<number> {
  const out = options.out ?? new StepOutput(process.stdout, 'smoke');
  const { kc } = options;
  out.say(`cluster ${kc.getCurrentCluster()?.server ?? '(unknown)'} (context ${kc.getCurrentContext()})`);
  let namespace = options.namespace;
  let app: WasiApp | undefined;
  /** What there is to clean up: set once the app's ConfigMap exists. */
  let made: WasiApp | undefined;
  try {
    await assertCrdInstalled(kc);
    const module = readGuest(options.modulePath);
    if (namespace === undefined) namespace = await out.step(() => createFreshNamespace(kc, NAMESPACE_PREFIX), (ns) => `namespace ${ns} created`);
    const seed = smokeApp(namespace, options.namespace !== undefined);
    const { name: configMap, key } = seed.spec.module.configMap!;
    await out.step(() => createModuleConfigMap(kc, seed, module), () => `ConfigMap ${namespace}/${configMap}: binaryData ${key} = ${options.modulePath ?? GUEST_PATH}`);
    made = seed;
    app = await out.step(() => createApp(kc, seed), (a) => `WasiApp ${namespace}/${a.metadata.name} created (the seed's, as ${EXAMPLE_PATH})`);

    const name = app.metadata.name!;
    const pickup = new AbortController();
    const stopWaiting = new AbortController();
    let noOperator: unknown;
    void waitForPickup(kc, namespace, name, options.pickupTimeoutMs, stopWaiting.signal).catch((err: unknown) => {
      noOperator = err;
      pickup.abort();
    });
    let followed;
    try {
      followed = await followApp({ kc, namespace, name, timeoutMs: options.timeoutMs, out, signal: pickup.signal });
    } catch (err) {
      throw noOperator ?? err;
    } finally {
      stopWaiting.abort();
    }
    app = followed.app ?? app;
    const result = app.status?.result;
    if (result?.output) {
      out.say("guest output (status.result.output, from the Pod's termination message):");
      out.raw(result.output);
    }
    if (followed.timedOut) {
      out.say(`FAILED: WasiApp ${namespace}/${name} did not finish within ${seconds(options.timeoutMs)} (phase ${app.status?.phase ?? 'none'})`);
    } else if (app.status?.phase === 'Succeeded' && result?.passed === true) {
      out.say(`PASSED: the operator ran WasiApp ${namespace}/${name}; the guest saved and read Dapr state (${out.elapsed()})`);
      return 0;
    } else {
      const succeeded = app.status?.conditions?.find((c) => c.type === 'Succeeded');
      out.say(`FAILED: WasiApp ${namespace}/${name} ended ${app.status?.phase}${succeeded ? ` (${succeeded.reason}): ${succeeded.message}` : ''}`);
    }
    for (const c of app.status?.conditions ?? []) out.quote(`${c.type}=${c.status} ${c.reason}: ${c.message}`);
    await printEvents(out, kc, namespace, name);
    return 1;
  } catch (err) {
    out.say(`FAILED: ${errorMessage(err)}`);
    return 1;
  } finally {
    const ownNamespace = options.namespace === undefined;
    if (namespace && options.keep && made) {
      out.say(`--keep: WasiApp ${namespace}/${made.metadata.name} and its ConfigMap stay; kubectl get wasi -n ${namespace} -o wide`);
    } else if (namespace && !options.keep && (made || ownNamespace)) {
      // Also after a failure half-way: a namespace of our own, or the ConfigMap we made in the user's.
      await cleanUp(out, kc, namespace, ownNamespace, made ?? smokeApp(namespace, false));
    }
  }
}
