// The API clients the controller uses and the few writes it makes, each with
// its error wrapped in a WasiOperatorError that says what failed.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, DAPR_COMPONENT_GROUP, DAPR_COMPONENT_PLURAL, DAPR_COMPONENT_VERSION, FIELD_MANAGER, WASIAPP_PLURAL } from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';
import { reuseConnections } from './connections.js';

export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
  objects: KubernetesObjectApi;
}

export function makeKubeClients(kubeConfig: KubeConfig): KubeClients {
  reuseConnections(kubeConfig);
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

export function apiCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return apiCode(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return apiCode(err) === 409 || (err instanceof WasiOperatorError && apiCode(err.cause) === 409);
}

/** The API server's own words from an ApiException body, else the error message. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    if (typeof body === 'string') {
      try {
        const status = JSON.parse(body) as { message?: string };
        if (status.message) return status.message;
      } catch {
        return body;
      }
    }
    if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
    return `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function describe(obj: KubernetesObject): string {
  return `${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

/** Server-side apply with our field manager, taking over fields other managers hold (the controller convention). */
export async function applyObject<T extends KubernetesObject>(clients: KubeClients, obj: T): Promise<T> {
  try {
    return await clients.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (err) {
    throw new WasiOperatorError('ERR_APPLY', `cannot apply ${describe(obj)}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** Deletes a Pod if it is still the one we looked at (uid precondition); gone already is fine. */
export async function deletePod(clients: KubeClients, namespace: string, name: string, uid: string | undefined): Promise<void> {
  try {
    await clients.core.deleteNamespacedPod({
      name,
      namespace,
      propagationPolicy: 'Background',
      body: uid ? { preconditions: { uid } } : {},
    });
  } catch (err) {
    if (isNotFound(err) || apiCode(err) === 409) return;
    throw new WasiOperatorError('ERR_DELETE_POD', `cannot delete pod ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** Deletes a Dapr Component if it is still the one we looked at; gone already is fine. */
export async function deleteComponent(clients: KubeClients, namespace: string, name: string, uid: string | undefined): Promise<void> {
  try {
    await clients.custom.deleteNamespacedCustomObject({
      group: DAPR_COMPONENT_GROUP,
      version: DAPR_COMPONENT_VERSION,
      plural: DAPR_COMPONENT_PLURAL,
      namespace,
      name,
      body: uid ? { preconditions: { uid } } : {},
    });
  } catch (err) {
    if (isNotFound(err) || apiCode(err) === 409) return;
    throw new WasiOperatorError('ERR_DELETE_COMPONENT', `cannot delete Component ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/**
 * Merge-patches /status. The resourceVersion in the patch makes it fail with
 * 409 if the app changed since we read it, so a status computed from a stale
 * copy is never written; the retry reads the new one.
 */
export async function patchAppStatus(clients: KubeClients, app: WasiApp, statusPatch: unknown): Promise<WasiApp> {
  const { namespace, name, resourceVersion } = app.metadata;
  try {
    return (await clients.custom.patchNamespacedCustomObjectStatus(
      {
        group: API_GROUP,
        version: API_VERSION,
        plural: WASIAPP_PLURAL,
        namespace: namespace as string,
        name: name as string,
        body: { metadata: { resourceVersion }, status: statusPatch },
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as WasiApp;
  } catch (err) {
    throw new WasiOperatorError('ERR_STATUS_UPDATE', `cannot update status of WasiApp ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}
