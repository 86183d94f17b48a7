// The API calls the controller makes, over our own small client (see
// api-client.ts), each with its error wrapped in a WasiOperatorError
// that says what failed.
import type { CoreV1Event, KubernetesObject, V1Job, V1Lease } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  API_GROUP_VERSION,
  DAPR_COMPONENT_GROUP,
  DAPR_COMPONENT_PLURAL,
  DAPR_COMPONENT_VERSION,
  FIELD_MANAGER,
  WASIAPP_PLURAL,
} from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { KubeApiClient } from './api-client.js';
import { apiCode, apiErrorMessage, isNotFound } from './api-error.js';
import { accessFromClientNode, loadClusterAccess } from './cluster-access.js';
import { WasiOperatorError } from '../util/errors.js';
import { watchPath } from './informers.js';

export { apiCode, apiErrorMessage, isNotFound };

export interface KubeClients {
  api: KubeApiClient;
}

/** Clients from a client-node KubeConfig (tests, the demo), else a kubeconfig path, KUBECONFIG, ~/.kube/config or in-cluster. */
export async function makeKubeClients(source: { kubeConfig?: KubeConfig; kubeconfigPath?: string }): Promise<KubeClients> {
  const access = source.kubeConfig ? await accessFromClientNode(source.kubeConfig, 'the given KubeConfig') : await loadClusterAccess(source.kubeconfigPath);
  return { api: new KubeApiClient(access) };
}

export function isConflict(err: unknown): boolean {
  return apiCode(err) === 409 || (err instanceof WasiOperatorError && apiCode(err.cause) === 409);
}

function describe(obj: KubernetesObject): string {
  return `${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

/** The kinds the controller applies, by apiVersion/kind: their collection's plural. */
const APPLIED_PLURALS: Record<string, string> = {
  'v1/Pod': 'pods',
  'batch/v1/Job': 'jobs',
  'batch/v1/CronJob': 'cronjobs',
  [`${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}/Component`]: DAPR_COMPONENT_PLURAL,
};

function objectPath(obj: KubernetesObject): string {
  const plural = APPLIED_PLURALS[`${obj.apiVersion}/${obj.kind}`];
  if (!plural) throw new WasiOperatorError('ERR_APPLY', `cannot apply ${describe(obj)}: the controller does not manage ${obj.apiVersion} ${obj.kind}`);
  return `${watchPath(obj.apiVersion as string, plural, obj.metadata?.namespace)}/${obj.metadata?.name}`;
}

/**
 * Server-side apply with our field manager, taking over fields other
 * managers hold (the controller convention). fieldValidation=Ignore skips
 * only the API server's second, strict parse of the body, which looks for
 * duplicate keys, and JSON.stringify never writes one; the object itself is
 * still checked against its schema.
 */
export async function applyObject<T extends KubernetesObject>(clients: KubeClients, obj: T): Promise<T> {
  try {
    return await clients.api.request<T>('PATCH', objectPath(obj), {
      query: { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Ignore' },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  } catch (err) {
    if (err instanceof WasiOperatorError && err.code === 'ERR_APPLY') throw err;
    throw new WasiOperatorError('ERR_APPLY', `cannot apply ${describe(obj)}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/**
 * Creates a run's Job (a POST, never an apply: a Job's template is immutable,
 * and an apply would take over someone else's Job of that name). Undefined
 * when a Job of that name exists already; the caller decides whose it is.
 */
export async function createJob(clients: KubeClients, job: V1Job): Promise<V1Job | undefined> {
  const namespace = job.metadata?.namespace as string;
  try {
    return await clients.api.request<V1Job>('POST', watchPath('batch/v1', 'jobs', namespace), { query: { fieldManager: FIELD_MANAGER }, body: job });
  } catch (err) {
    if (apiCode(err) === 409) return undefined;
    throw new WasiOperatorError('ERR_CREATE_JOB', `cannot create Job ${namespace}/${job.metadata?.name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

export async function readJob(clients: KubeClients, namespace: string, name: string): Promise<V1Job | undefined> {
  try {
    return await clients.api.request<V1Job>('GET', `${watchPath('batch/v1', 'jobs', namespace)}/${name}`);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new WasiOperatorError('ERR_READ_JOB', `cannot read Job ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/**
 * Deletes a run's Job (or a CronJob) if it is still the one we looked at;
 * its Pods go with it in the background. Gone already is fine.
 */
export async function deleteBatchObject(
  clients: KubeClients,
  plural: 'jobs' | 'cronjobs',
  namespace: string,
  name: string,
  uid: string | undefined,
): Promise<void> {
  try {
    await clients.api.request('DELETE', `${watchPath('batch/v1', plural, namespace)}/${name}`, {
      body: { propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) },
    });
  } catch (err) {
    if (isNotFound(err) || apiCode(err) === 409) return;
    const code = plural === 'jobs' ? 'ERR_DELETE_JOB' : 'ERR_DELETE_CRONJOB';
    throw new WasiOperatorError(code, `cannot delete ${plural === 'jobs' ? 'Job' : 'CronJob'} ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** Holds or releases a run that has not started (spec.suspend); the Job's other fields are immutable or ours alone. */
export async function patchJobSuspend(clients: KubeClients, namespace: string, name: string, suspend: boolean): Promise<void> {
  try {
    await clients.api.request('PATCH', `${watchPath('batch/v1', 'jobs', namespace)}/${name}`, {
      query: { fieldManager: FIELD_MANAGER },
      body: { spec: { suspend } },
      contentType: 'application/merge-patch+json',
    });
  } catch (err) {
    if (isNotFound(err)) return;
    throw new WasiOperatorError('ERR_PATCH_JOB', `cannot ${suspend ? 'suspend' : 'resume'} Job ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** Deletes a Dapr Component if it is still the one we looked at; gone already is fine. */
export async function deleteComponent(clients: KubeClients, namespace: string, name: string, uid: string | undefined): Promise<void> {
  try {
    await clients.api.request('DELETE', `${watchPath(`${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}`, DAPR_COMPONENT_PLURAL, namespace)}/${name}`, {
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
    return await clients.api.request<WasiApp>('PATCH', `${watchPath(API_GROUP_VERSION, WASIAPP_PLURAL, namespace)}/${name}/status`, {
      query: { fieldManager: FIELD_MANAGER },
      body: { metadata: { resourceVersion }, status: statusPatch },
      contentType: 'application/merge-patch+json',
    });
  } catch (err) {
    throw new WasiOperatorError('ERR_STATUS_UPDATE', `cannot update status of WasiApp ${namespace}/${name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** Where the event recorder writes. */
export interface EventSink {
  createNamespacedEvent(args: { namespace: string; body: CoreV1Event }): Promise<unknown>;
  /** A merge patch of an event we wrote (its count and lastTimestamp). */
  patchNamespacedEvent(args: { namespace: string; name: string; body: Partial<CoreV1Event> }): Promise<unknown>;
}

export function eventSink(clients: KubeClients): EventSink {
  return {
    createNamespacedEvent: ({ namespace, body }) => clients.api.request('POST', watchPath('v1', 'events', namespace), { body }),
    patchNamespacedEvent: ({ namespace, name, body }) =>
      clients.api.request('PATCH', `${watchPath('v1', 'events', namespace)}/${name}`, { body, contentType: 'application/merge-patch+json' }),
  };
}

/** The Lease calls leader election makes; errors are KubeApiErrors (404, 409 are expected). */
export interface LeaseApi {
  read(namespace: string, name: string): Promise<V1Lease>;
  create(namespace: string, lease: V1Lease): Promise<V1Lease>;
  /** A compare-and-swap when `lease` carries its resourceVersion. */
  replace(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
}

export function leaseApi(clients: KubeClients): LeaseApi {
  const leases = (namespace: string): string => watchPath('coordination.k8s.io/v1', 'leases', namespace);
  return {
    read: (namespace, name) => clients.api.request('GET', `${leases(namespace)}/${name}`),
    create: (namespace, lease) => clients.api.request('POST', leases(namespace), { body: lease }),
    replace: (namespace, name, lease) => clients.api.request('PUT', `${leases(namespace)}/${name}`, { body: lease }),
  };
}
