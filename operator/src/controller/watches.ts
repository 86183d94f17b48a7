// What the controller watches and how each event becomes a WasiApp key:
// WasiApps by their own key, Jobs and Pods by the app they run, the
// operator's Components by the namespace's store sweep (storeSweepKey), and
// someone else's or a deleted Component by the apps that want its name. Apps
// that share a state store Component (see groupStateStoreApps) also wake each
// other when one joins as the oldest, changes its store or leaves, so the
// Component's scopes and the others' conflicts are recomputed.
//
// Priorities (see kube/workqueue.ts): an app whose current generation the
// operator has not yet acted on is new work and goes first; everything a
// child's change, a store group or our own status write wakes is a follow-up.
import type { KubernetesObject, V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  API_GROUP_VERSION,
  DAPR_COMPONENT_GROUP,
  DAPR_COMPONENT_PLURAL,
  DAPR_COMPONENT_VERSION,
  WASIAPP_PLURAL,
} from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { ResilientInformer, trimMetadata, watchPath, type ListReason, type ObjectCache } from '../kube/informers.js';
import { keyOf, ownerKeyOf, runAppKeyOf, storeSweepKey } from './keys.js';
import type { Priority } from '../kube/workqueue.js';
import { isNotFound, type KubeClients } from '../kube/requests.js';
import { compareByAge, isOperatorComponent, wantsOperatorComponent } from '../resources/component.js';
import { LABEL_GENERATION, LABEL_MANAGED_BY, MANAGED_BY_LABEL_VALUE } from '../resources/labels.js';
import { componentNameFor, storeNameFor } from '../resources/names.js';
import type { ComponentObject } from '../api/dapr-component.js';

/**
 * Cached Pods keep what reconcile and computeStatus read, metadata and
 * status; the spec, most of a Pod, is dropped (a cached Pod has none).
 */
function trimPod(pod: V1Pod): void {
  trimMetadata(pod);
  pod.spec = undefined;
}

/** Cached Jobs keep their metadata, status and the spec fields a run's status reads; not the Pod template. */
function trimJob(job: V1Job): void {
  trimMetadata(job);
  if (job.spec) job.spec = { backoffLimit: job.spec.backoffLimit, suspend: job.spec.suspend, activeDeadlineSeconds: job.spec.activeDeadlineSeconds } as V1Job['spec'];
}

/** Cached CronJobs keep the spec-hash annotation and their status. */
function trimCronJob(cronJob: V1CronJob): void {
  trimMetadata(cronJob);
  cronJob.spec = undefined as unknown as V1CronJob['spec'];
}

/** One informer per watched namespace (or one for all), read as a single cache. */
export class InformerGroup<T extends KubernetesObject> implements ObjectCache<T> {
  constructor(private readonly informers: Map<string, ResilientInformer<T>>) {}

  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  get reachable(): boolean {
    return [...this.informers.values()].every((i) => i.reachable);
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

  /** The cached objects in `namespace` whose informer's `indexBy` value is `value`. */
  byIndex(value: string, namespace: string | undefined): T[] {
    return this.informerFor(namespace)?.byIndex(value) ?? [];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informerFor(namespace)?.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    if (namespace !== undefined) return this.informerFor(namespace)?.list(namespace) ?? [];
    return [...this.informers.values()].flatMap((i) => [...i.list()]);
  }
}

/** An app whose current generation the operator has not acted on yet (created, or its spec changed). */
export function isNewWork(app: WasiApp): boolean {
  return app.metadata?.generation !== app.status?.observedGeneration;
}

export interface Watches {
  apps: InformerGroup<WasiApp>;
  pods: InformerGroup<V1Pod>;
  jobs: InformerGroup<V1Job>;
  cronJobs: InformerGroup<V1CronJob>;
  components: InformerGroup<ComponentObject>;
  /** Moves when an app joins, leaves or changes within the apps that want the Component `store` of `namespace`. */
  storeRevision(namespace: string, store: string): number;
  /** How many apps want the Component `store` of `namespace` from the operator. */
  storeMembers(namespace: string, store: string): number;
  synced(): boolean;
  /** Every informer's last list or watch reached the API server. */
  reachable(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchOptions {
  clients: KubeClients;
  /** Empty: all namespaces. */
  namespaces: string[];
  enqueue(key: string, priority: Priority): void;
  log: Logger;
  /** Counts each informer's lists (what a relist storm would show). */
  onListed?(informer: string, reason: ListReason): void;
  /** Each Pod of ours the watch adds (or a list finds), before its app is queued. */
  onPodAdded?(pod: V1Pod): void;
}

export function createWatches(options: WatchOptions): Watches {
  const { clients, enqueue, log } = options;
  const scopes = options.namespaces.length === 0 ? [''] : options.namespaces;
  const api = clients.api;
  const componentGroupVersion = `${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}`;
  const podSelector = `${LABEL_MANAGED_BY}=${MANAGED_BY_LABEL_VALUE},${LABEL_GENERATION}`;

  const enqueueOwner = (obj: KubernetesObject): void => {
    const key = ownerKeyOf(obj);
    if (key) enqueue(key, 'low');
  };
  const enqueueRunApp = (obj: KubernetesObject): void => {
    const key = runAppKeyOf(obj);
    if (key) enqueue(key, 'low');
  };

  const group = <T extends KubernetesObject>(make: (namespace: string) => ResilientInformer<T>): InformerGroup<T> =>
    new InformerGroup(new Map(scopes.map((ns) => [ns, make(ns)])));

  // Apps in `namespace` whose Component `storeName` the operator makes (or would, but for a conflict), but `except`.
  const storeGroup = (namespace: string | undefined, storeName: string, except: string): WasiApp[] =>
    apps.list(namespace).filter((app) => wantsOperatorComponent(app) && componentNameFor(app) === storeName && keyOf(app) !== except);

  const hasOlderMember = (app: WasiApp, namespace: string | undefined, storeName: string, except: string): boolean => {
    for (const other of apps.list(namespace)) {
      if (compareByAge(other, app) < 0 && wantsOperatorComponent(other) && componentNameFor(other) === storeName && keyOf(other) !== except) return true;
    }
    return false;
  };

  // What an app's place in a store group depends on ('' for none), and the
  // generation it was seen at. Kept per key because an update event carries
  // only the new object.
  const seenApps = new Map<string, { interest: string; generation: number | undefined }>();
  const storeInterestOf = (app: WasiApp): string =>
    wantsOperatorComponent(app) ? `${componentNameFor(app)}\n${JSON.stringify(app.spec?.dapr?.stateStore?.redis ?? null)}` : '';
  const storeOf = (interest: string): string => interest.slice(0, interest.indexOf('\n'));

  // ns/store → moves whenever an app that wants (or wanted) that store is added, deleted or changes its
  // spec: what the reconciler computed for the store's group stays true while it stays. A status write
  // (most app events) does not move it.
  const storeRevisions = new Map<string, number>();
  const bumpStore = (namespace: string | undefined, interest: string | undefined): void => {
    if (!interest) return;
    const storeKey = `${namespace ?? ''}/${storeOf(interest)}`;
    storeRevisions.set(storeKey, (storeRevisions.get(storeKey) ?? 0) + 1);
  };
  // ns/store → how many apps want it; when it drops to none the store sweep deletes the Component.
  const storeMemberCounts = new Map<string, number>();
  const countMember = (namespace: string | undefined, interest: string | undefined, change: 1 | -1): void => {
    if (!interest) return;
    const storeKey = `${namespace ?? ''}/${storeOf(interest)}`;
    const count = (storeMemberCounts.get(storeKey) ?? 0) + change;
    if (count > 0) storeMemberCounts.set(storeKey, count);
    else storeMemberCounts.delete(storeKey);
    // One left: the sweep drops its scope, or the Component with the last one.
    if (change < 0) enqueue(storeSweepKey(namespace), 'low');
  };

  const onAppEvent = (app: WasiApp, deleted: boolean): void => {
    const key = keyOf(app);
    enqueue(key, !deleted && isNewWork(app) ? 'normal' : 'low');
    const seen = seenApps.get(key);
    const before = seen?.interest;
    const after = deleted ? '' : storeInterestOf(app);
    const generation = app.metadata?.generation;
    if (deleted) seenApps.delete(key);
    else seenApps.set(key, { interest: after, generation });
    if (deleted || !seen || seen.generation !== generation || before !== after) {
      bumpStore(app.metadata?.namespace, before);
      bumpStore(app.metadata?.namespace, after);
    }
    if (before !== after) {
      countMember(app.metadata?.namespace, after, 1);
      countMember(app.metadata?.namespace, before, -1);
    }
    // The first list enqueues every app anyway.
    if (!apps.synced || before === after) return;
    const namespace = app.metadata?.namespace;
    const woken = new Set<string>();
    // Left a group (deleted, store renamed, other Redis, Dapr off): the rest recompute its Component.
    if (before) for (const other of storeGroup(namespace, storeOf(before), key)) woken.add(keyOf(other));
    if (after) {
      // A newcomer changes no other app's status unless it is the oldest, whose Redis settings the others must
      // match. In a burst the first older app turns up at once: no scan of the whole namespace per newcomer.
      const wakesOthers = before !== undefined || !hasOlderMember(app, namespace, storeOf(after), key);
      if (wakesOthers) for (const other of storeGroup(namespace, storeOf(after), key)) woken.add(keyOf(other));
    }
    for (const other of woken) enqueue(other, 'low');
  };

  const apps = group<WasiApp>(
    (ns) =>
      new ResilientInformer<WasiApp>({
        name: 'wasiapps',
        api,
        onListed: (reason) => options.onListed?.('wasiapps', reason),
        path: watchPath(API_GROUP_VERSION, WASIAPP_PLURAL, ns || undefined),
        log,
        handlers: {
          onAdd: (app) => onAppEvent(app, false),
          onUpdate: (app) => onAppEvent(app, false),
          onDelete: (app) => onAppEvent(app, true),
        },
      }),
  );
  // Every app whose state store has the Component's name: existingComponent users, sharers, conflicting apps.
  const enqueueStoreUsers = (component: KubernetesObject): void => {
    const name = component.metadata?.name;
    for (const app of apps.list(component.metadata?.namespace)) {
      if (storeNameFor(app) === name) enqueue(keyOf(app), 'low');
    }
  };
  // An operator-made Component wakes the store sweep, which deletes it if no app wants it (also for each one found
  // on start) and re-applies it if it drifted; someone else's wakes every app that wants its name.
  const enqueueReferrers = (component: KubernetesObject): void => {
    if (isOperatorComponent(component)) enqueue(storeSweepKey(component.metadata?.namespace), 'low');
    else enqueueStoreUsers(component);
  };
  // Gone: the apps that want it apply it again.
  const enqueueAfterComponentDelete = (component: KubernetesObject): void => enqueueStoreUsers(component);
  const pods = group<V1Pod>(
    (ns) =>
      new ResilientInformer<V1Pod>({
        name: 'pods',
        api,
        onListed: (reason) => options.onListed?.('pods', reason),
        path: watchPath('v1', 'pods', ns || undefined),
        labelSelector: podSelector,
        log,
        handlers: {
          onAdd: (pod) => {
            options.onPodAdded?.(pod);
            enqueueRunApp(pod);
          },
          onUpdate: enqueueRunApp,
          onDelete: enqueueRunApp,
        },
        trim: trimPod,
        // A reconcile finds its app's Pods by app instead of scanning every Pod of the namespace.
        indexBy: runAppKeyOf,
      }),
  );
  const jobs = group<V1Job>(
    (ns) =>
      new ResilientInformer<V1Job>({
        name: 'jobs',
        api,
        onListed: (reason) => options.onListed?.('jobs', reason),
        path: watchPath('batch/v1', 'jobs', ns || undefined),
        labelSelector: podSelector,
        log,
        handlers: { onAdd: enqueueRunApp, onUpdate: enqueueRunApp, onDelete: enqueueRunApp },
        trim: trimJob,
        indexBy: runAppKeyOf,
      }),
  );
  const cronJobs = group<V1CronJob>(
    (ns) =>
      new ResilientInformer<V1CronJob>({
        name: 'cronjobs',
        api,
        onListed: (reason) => options.onListed?.('cronjobs', reason),
        path: watchPath('batch/v1', 'cronjobs', ns || undefined),
        labelSelector: podSelector,
        log,
        handlers: { onAdd: enqueueOwner, onUpdate: enqueueOwner, onDelete: enqueueOwner },
        trim: trimCronJob,
      }),
  );
  const components = group<ComponentObject>(
    (ns) =>
      new ResilientInformer<ComponentObject>({
        name: 'components',
        api,
        onListed: (reason) => options.onListed?.('components', reason),
        path: watchPath(componentGroupVersion, DAPR_COMPONENT_PLURAL, ns || undefined),
        log,
        handlers: { onAdd: enqueueReferrers, onUpdate: enqueueReferrers, onDelete: enqueueAfterComponentDelete },
        // Without Dapr's CRD the operator still runs apps with dapr.enabled=false.
        isAbsent: isNotFound,
      }),
  );

  return {
    apps,
    pods,
    jobs,
    cronJobs,
    components,
    storeRevision: (namespace, store) => storeRevisions.get(`${namespace}/${store}`) ?? 0,
    storeMembers: (namespace, store) => storeMemberCounts.get(`${namespace}/${store}`) ?? 0,
    synced: () => apps.synced && pods.synced && jobs.synced && cronJobs.synced && components.synced,
    reachable: () => apps.reachable && pods.reachable && jobs.reachable && cronJobs.reachable && components.reachable,
    // Children first, so the first reconciles of the apps see them.
    start: async () => {
      await Promise.all([pods.start(), jobs.start(), cronJobs.start(), components.start()]);
      await apps.start();
    },
    stop: async () => {
      await Promise.all([apps.stop(), pods.stop(), jobs.stop(), cronJobs.stop(), components.stop()]);
    },
  };
}
