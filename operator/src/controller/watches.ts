// What the controller watches and how each event becomes a WasiApp key:
// WasiApps by their own key, Pods and Components by their controller owner,
// and an unowned Component by the apps that name it as existingComponent.
import type { KubernetesObject, ObjectCache, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  DAPR_COMPONENT_GROUP,
  DAPR_COMPONENT_PLURAL,
  DAPR_COMPONENT_VERSION,
  WASIAPP_PLURAL,
} from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { ResilientInformer, watchPath } from './informers.js';
import { keyOf, ownerKeyOf } from './keys.js';
import { isNotFound, type KubeClients } from './kube.js';
import { LABEL_GENERATION, LABEL_MANAGED_BY, MANAGED_BY_LABEL_VALUE } from '../resources/labels.js';
import type { ComponentObject } from './reconcile.js';

/** One informer per watched namespace (or one for all), read as a single cache. */
export class InformerGroup<T extends KubernetesObject> implements ObjectCache<T> {
  constructor(private readonly informers: Map<string, ResilientInformer<T>>) {}

  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private informerFor(namespace: string | undefined): ResilientInformer<T> | undefined {
    return this.informers.get('') ?? this.informers.get(namespace ?? '');
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informerFor(namespace)?.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    if (namespace !== undefined) return this.informerFor(namespace)?.list(namespace) ?? [];
    return [...this.informers.values()].flatMap((i) => [...i.list()]);
  }
}

export interface Watches {
  apps: InformerGroup<WasiApp>;
  pods: InformerGroup<V1Pod>;
  components: InformerGroup<ComponentObject>;
  synced(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchOptions {
  clients: KubeClients;
  /** Empty: all namespaces. */
  namespaces: string[];
  enqueue(key: string): void;
  log: Logger;
}

export function createWatches(options: WatchOptions): Watches {
  const { clients, enqueue, log } = options;
  const scopes = options.namespaces.length === 0 ? [''] : options.namespaces;
  const kubeConfig = clients.kubeConfig;
  const componentGroupVersion = `${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}`;
  const podSelector = `${LABEL_MANAGED_BY}=${MANAGED_BY_LABEL_VALUE},${LABEL_GENERATION}`;

  const enqueueOwner = (obj: KubernetesObject): void => {
    const key = ownerKeyOf(obj);
    if (key) enqueue(key);
  };
  const enqueueApp = (obj: WasiApp): void => enqueue(keyOf(obj));

  const group = <T extends KubernetesObject>(make: (namespace: string) => ResilientInformer<T>): InformerGroup<T> =>
    new InformerGroup(new Map(scopes.map((ns) => [ns, make(ns)])));

  const apps = group<WasiApp>(
    (ns) =>
      new ResilientInformer<WasiApp>({
        name: 'wasiapps',
        kubeConfig,
        path: watchPath(API_GROUP_VERSION, WASIAPP_PLURAL, ns || undefined),
        list: () =>
          ns
            ? clients.custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace: ns })
            : clients.custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL }),
        log,
        handlers: { onAdd: enqueueApp, onUpdate: enqueueApp, onDelete: enqueueApp },
      }),
  );
  const enqueueReferrers = (component: KubernetesObject): void => {
    const owner = ownerKeyOf(component);
    if (owner) {
      enqueue(owner);
      return;
    }
    const namespace = component.metadata?.namespace;
    for (const app of apps.list(namespace)) {
      if (app.spec?.dapr?.stateStore?.existingComponent === component.metadata?.name) enqueue(keyOf(app));
    }
  };
  const pods = group<V1Pod>(
    (ns) =>
      new ResilientInformer<V1Pod>({
        name: 'pods',
        kubeConfig,
        path: watchPath('v1', 'pods', ns || undefined),
        labelSelector: podSelector,
        list: () =>
          ns
            ? clients.core.listNamespacedPod({ namespace: ns, labelSelector: podSelector })
            : clients.core.listPodForAllNamespaces({ labelSelector: podSelector }),
        log,
        handlers: { onAdd: enqueueOwner, onUpdate: enqueueOwner, onDelete: enqueueOwner },
      }),
  );
  const components = group<ComponentObject>(
    (ns) =>
      new ResilientInformer<ComponentObject>({
        name: 'components',
        kubeConfig,
        path: watchPath(componentGroupVersion, DAPR_COMPONENT_PLURAL, ns || undefined),
        list: () =>
          ns
            ? clients.custom.listNamespacedCustomObject({
                group: DAPR_COMPONENT_GROUP,
                version: DAPR_COMPONENT_VERSION,
                plural: DAPR_COMPONENT_PLURAL,
                namespace: ns,
              })
            : clients.custom.listClusterCustomObject({ group: DAPR_COMPONENT_GROUP, version: DAPR_COMPONENT_VERSION, plural: DAPR_COMPONENT_PLURAL }),
        log,
        handlers: { onAdd: enqueueReferrers, onUpdate: enqueueReferrers, onDelete: enqueueReferrers },
        // Without Dapr's CRD the operator still runs apps with dapr.enabled=false.
        isAbsent: isNotFound,
      }),
  );

  return {
    apps,
    pods,
    components,
    synced: () => apps.synced && pods.synced && components.synced,
    // Children first, so the first reconciles of the apps see them.
    start: async () => {
      await Promise.all([pods.start(), components.start()]);
      await apps.start();
    },
    stop: async () => {
      await Promise.all([apps.stop(), pods.stop(), components.stop()]);
    },
  };
}
