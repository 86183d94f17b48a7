// The shared state store: one Dapr Component per store name and namespace,
// shared by every WasiApp that asks for that store with the same Redis
// settings. It decides each app's StateStoreReady, applies the Component as
// apps join (coalesced: one apply covers every app that joined meanwhile),
// and deletes it when the last sharer goes (the store sweep; Components carry
// no per-app owner references, so the garbage collector cannot).
//
// Everything it decides comes from the informer caches. What it keeps in
// memory only makes that cheaper and is safe to lose in a restart: the
// group memo is recomputed from the cache, the applies in flight end with
// the process (their apps are reconciled again after the restart's first
// list), and our last applied Component only bridges the cache's lag.
import type { ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ComponentObject } from '../api/dapr-component.js';
import type { OperatorConfig } from '../api/operator-config.js';
import { ConditionReason, EventReason } from '../api/reasons.js';
import type { WasiApp } from '../api/wasiapp.js';
import {
  buildSharedStateStoreComponent,
  describeStateStoreDifference,
  groupStateStoreApps,
  isOperatorComponent,
  isWasiAppRef,
  scopeLimitOf,
  stateStoreSpecFor,
  type StateStoreGroup,
} from '../resources/component.js';
import { appIdFor, componentNameFor } from '../resources/names.js';
import { controllerOf } from '../resources/owner.js';
import { isDaprEnabled } from '../resources/spec-defaults.js';
import { WasiOperatorError } from '../util/errors.js';
import { CoalescingFlight } from '../util/coalescing-flight.js';
import type { EventRecorder } from '../kube/events.js';
import { deepEqual } from '../util/json-diff.js';
import { keyOf } from './keys.js';
import type { StateStoreState } from './status.js';

/** What the shared store reads: the apps and Components as the informers hold them. */
export interface SharedStoreCaches {
  apps: ObjectCache<WasiApp>;
  components: ObjectCache<ComponentObject>;
  /** Moves when the apps that want a store's Component change (not on their status writes); see storeGroup. */
  storeRevision(namespace: string, store: string): number;
  /** How many apps want the operator's Component `store` of `namespace`: none, and the sweep deletes it. */
  storeMembers(namespace: string, store: string): number;
}

/** The writes the shared store makes (kube/requests.ts in the operator; an in-memory API server in unit tests). */
export interface ComponentWriter {
  /** Server-side apply; resolves with the Component as the API server stored it. */
  apply(component: ComponentObject): Promise<ComponentObject>;
  /** Deletes the Component with this uid (a precondition: never a newer one of the same name). */
  delete(namespace: string, name: string, uid: string | undefined): Promise<void>;
}

export interface SharedStoreDeps {
  config: OperatorConfig;
  caches: SharedStoreCaches;
  writer: ComponentWriter;
  events: Pick<EventRecorder, 'normal'>;
  log: Logger;
  /** Queues an app's reconcile again: the apps that waited for a Component's apply, when it ends. */
  requeue(key: string): void;
  /** The least time between two applies of one Component while apps keep joining it; default 100 ms. */
  applyIntervalMs?: number;
}

/** stateOf: the app waits for the shared Component's next apply, whose end requeues it. */
export const COMPONENT_PENDING = Symbol('component pending');

const DEFAULT_APPLY_INTERVAL_MS = 100;

interface StoreGroupMemo {
  revision: number;
  group: StateStoreGroup;
  /** Who is in `group.sharers`, by uid: asked once per reconcile of a group of thousands. */
  sharerUids: Set<string>;
  /** Who is in `group.overflow`, by uid. */
  overflowUids: Set<string>;
  /** The Component the group wants; undefined when nobody shares it. */
  component: ComponentObject | undefined;
  /** The resourceVersion of a Component found to match `component`. */
  matchedVersion?: string;
}

export class SharedStateStores {
  /** One apply in flight per shared Component; see ensureComponent. */
  private readonly applies: CoalescingFlight<{ changed: boolean; scopes: number }>;
  /** ns/store → its group and Component as of the store's revision; see storeGroup. */
  private readonly groups = new Map<string, StoreGroupMemo>();
  /** ns/store → keys of the apps waiting for the Component's next apply (see applyInBackground). */
  private readonly waiters = new Map<string, Set<string>>();
  /** ns/store → the error of the Component's last apply, while its applies fail. */
  private readonly applyErrors = new Map<string, unknown>();
  /** ns/name → the Component as our last apply returned it, which the cache may not have caught up with. */
  private readonly applied = new Map<string, ComponentObject>();

  constructor(private readonly deps: SharedStoreDeps) {
    this.applies = new CoalescingFlight(deps.applyIntervalMs ?? DEFAULT_APPLY_INTERVAL_MS);
  }

  /**
   * The app's StateStoreReady, or COMPONENT_PENDING while it waits for the
   * apply of the Component it joins (the apply's end requeues it). Rejects
   * only while the Component's applies fail: the app retries with backoff.
   */
  async stateOf(app: WasiApp, log: Logger): Promise<StateStoreState | typeof COMPONENT_PENDING> {
    const namespace = app.metadata.namespace as string;
    const storeName = componentNameFor(app);
    const { config, caches } = this.deps;
    if (!isDaprEnabled(app)) {
      return { status: 'True', reason: ConditionReason.DaprDisabled, message: 'Dapr is disabled for this app; it has no state store' };
    }
    const existing = app.spec.dapr?.stateStore?.existingComponent;
    if (existing) {
      if (caches.components.get(existing, namespace)) {
        return { status: 'True', reason: ConditionReason.ExistingComponentFound, message: `using the existing Dapr Component ${existing}` };
      }
      return {
        status: 'False',
        reason: ConditionReason.ComponentNotFound,
        message:
          `Dapr Component ${existing} named in spec.dapr.stateStore.existingComponent does not exist in namespace ${namespace};` +
          ' create it, or set spec.dapr.stateStore.redis instead',
      };
    }
    const current = caches.components.get(storeName, namespace);
    if (current && !isOperatorComponent(current)) {
      const owner = controllerOf(current);
      return {
        status: 'False',
        reason: ConditionReason.ComponentConflict,
        message:
          `Dapr Component ${storeName} already exists in namespace ${namespace} and was not made by wasi-operator` +
          (owner ? ` (it belongs to ${owner.kind} ${owner.name})` : '') +
          `; to use it, set spec.dapr.stateStore.existingComponent: ${storeName} and add this app's id to its scopes,` +
          ' or set another spec.dapr.stateStore.name',
      };
    }
    const applied: StateStoreState = { status: 'True', reason: ConditionReason.ComponentApplied, message: `Dapr Component ${storeName} (state.redis) is applied` };
    const known = this.freshestComponent(namespace, storeName);
    // Already in the Component as it is: ready. Applies for other sharers, or for
    // one that left, are theirs and the store sweep's to make, not this app's to wait for.
    if (known && componentServes(known, stateStoreSpecFor(app, config), appIdFor(app))) return applied;

    const wantsSameSettings = !known || deepEqual(known.spec, stateStoreSpecFor(app, config));
    // A joiner (or the first): it needs the next apply, unless the Component is full.
    if (wantsSameSettings && !(known && (known.scopes?.length ?? 0) >= scopeLimitOf(config))) {
      // While applies keep failing, the app waits with the error (a retry with backoff, and Reconciled=False).
      if (this.applyErrors.has(`${namespace}/${storeName}`)) {
        await this.ensureComponent(namespace, storeName, app, log);
        return applied;
      }
      this.applyInBackground(namespace, storeName, app, log);
      return COMPONENT_PENDING;
    }

    // Other settings than the Component's, or a full Component: who holds the store decides.
    // Every app that wants this store name computes the same group from the cache.
    const memo = this.storeGroup(namespace, storeName);
    const winner = memo.group.sharers[0];
    if (!winner) {
      throw new WasiOperatorError('ERR_CACHE', `WasiApp ${namespace}/${app.metadata.name} is not in the cache it was read from; retrying`);
    }
    if (memo.sharerUids.has(app.metadata.uid ?? '')) {
      // The oldest app now (the one whose settings the Component had went): the Component takes its settings.
      await this.ensureComponent(namespace, storeName, app, log);
      return applied;
    }
    if (memo.overflowUids.has(app.metadata.uid ?? '')) {
      return {
        status: 'False',
        reason: ConditionReason.ComponentFull,
        message:
          `Dapr Component ${storeName} in namespace ${namespace} already lists ${memo.group.sharers.length} app ids in its scopes, ` +
          'the most the operator writes (--state-store-max-scopes); this app gets its place when an older sharer leaves. ' +
          'Set another spec.dapr.stateStore.name for it, or run the operator with --state-store-scopes=none (chart value stateStore.scopes: none)',
      };
    }
    return {
      status: 'False',
      reason: ConditionReason.ComponentConflict,
      message:
        `Dapr Component ${storeName} in namespace ${namespace} is held by WasiApp ${winner.metadata.name} with other Redis settings: ` +
        `${describeStateStoreDifference(app, winner, config)}; set another spec.dapr.stateStore.name for this app,` +
        ` or the same Redis settings as WasiApp ${winner.metadata.name} to share its store`,
    };
  }

  /**
   * The operator's Components in `namespace`: deleted once no WasiApp wants
   * them, applied again when they drifted from what their sharers want.
   * Queued by the watches when an app leaves a store and for every Component
   * event, so it also runs for each Component found on start.
   */
  async sweep(namespace: string): Promise<void> {
    const log = this.deps.log.child({ namespace });
    for (const component of this.deps.caches.components.list(namespace)) {
      const name = component.metadata?.name;
      if (!name || component.metadata?.deletionTimestamp || !isOperatorComponent(component)) continue;
      if (this.deps.caches.storeMembers(namespace, name) > 0) {
        await this.ensureComponent(namespace, name, undefined, log);
        continue;
      }
      await this.deps.writer.delete(namespace, name, component.metadata?.uid);
      this.applied.delete(`${namespace}/${name}`);
      log.info({ component: name }, 'deleted state store component no app wants');
    }
  }

  /**
   * Who shares the Component `name` and what it should be, as of the
   * store's revision: every sharer's reconcile computes the same from the
   * same apps, and a burst of N sharers (or their N status writes) would
   * otherwise compute it N times over N apps.
   */
  private storeGroup(namespace: string, name: string): StoreGroupMemo {
    const key = `${namespace}/${name}`;
    const revision = this.deps.caches.storeRevision(namespace, name);
    const memo = this.groups.get(key);
    if (memo && memo.revision === revision) return memo;
    const group = groupStateStoreApps(this.deps.caches.apps.list(namespace), name, this.deps.config);
    const fresh: StoreGroupMemo = {
      revision,
      group,
      sharerUids: new Set(group.sharers.map((sharer) => sharer.metadata.uid ?? '')),
      overflowUids: new Set(group.overflow.map((app) => app.metadata.uid ?? '')),
      component: group.sharers.length > 0 ? buildSharedStateStoreComponent(group.sharers, this.deps.config) : undefined,
    };
    if (group.sharers.length > 0 || group.conflicting.length > 0 || group.overflow.length > 0) this.groups.set(key, fresh);
    else this.groups.delete(key);
    return fresh;
  }

  /** Whether the freshest Component we know of already is the one the group wants (remembered per resourceVersion). */
  private componentIsCurrent(namespace: string, name: string): boolean {
    const memo = this.storeGroup(namespace, name);
    const known = this.freshestComponent(namespace, name);
    if (!memo.component || !known) return false;
    const version = known.metadata?.resourceVersion;
    if (version !== undefined && memo.matchedVersion === version) return true;
    const matches = componentMatches(memo.component, known);
    if (matches) memo.matchedVersion = version;
    return matches;
  }

  /**
   * The cached Component, or our own last apply of it when that is newer:
   * right after an apply the cache lags, and comparing with it would apply
   * the same object again. Never our apply alone: a Component that is gone
   * from the cache was deleted, and is applied again.
   */
  private freshestComponent(namespace: string, name: string): ComponentObject | undefined {
    const cached = this.deps.caches.components.get(name, namespace);
    const applied = this.applied.get(`${namespace}/${name}`);
    if (!cached || !applied) return cached;
    return Number(applied.metadata?.resourceVersion) > Number(cached.metadata?.resourceVersion) ? applied : cached;
  }

  /**
   * Starts (or joins) the next apply of the shared Component without waiting
   * for it: in a burst, the reconciles of the apps that join meanwhile all
   * wait for the same next apply, and none of them holds a worker while it
   * runs; its end wakes them all.
   */
  private applyInBackground(namespace: string, name: string, app: WasiApp, log: Logger): void {
    const storeKey = `${namespace}/${name}`;
    const waiting = this.waiters.get(storeKey);
    if (waiting) {
      waiting.add(keyOf(app));
      return;
    }
    this.waiters.set(storeKey, new Set([keyOf(app)]));
    const wake = (): void => {
      const woken = this.waiters.get(storeKey) ?? new Set<string>();
      this.waiters.delete(storeKey);
      for (const key of woken) this.deps.requeue(key);
    };
    this.ensureComponent(namespace, name, app, log).then(
      () => {
        this.applyErrors.delete(storeKey);
        wake();
      },
      (err: unknown) => {
        this.applyErrors.set(storeKey, err);
        log.warn({ err, component: name }, 'state store component apply failed');
        wake();
      },
    );
  }

  /**
   * Applies the group's Component unless it already is what the group
   * wants. Applies of one Component go one at a time, at most one per apply
   * interval, and the reconciles that want one meanwhile share the next,
   * built from the cache when it starts: it covers all of them
   * (util/coalescing-flight.ts). One apply per app would make a burst of N
   * sharers cost the API server N² (each apply is as large as the group).
   */
  private async ensureComponent(namespace: string, name: string, announceTo: WasiApp | undefined, log: Logger): Promise<void> {
    if (this.componentIsCurrent(namespace, name)) return;
    const outcome = await this.applies.run(`${namespace}/${name}`, async () => {
      const { component: next } = this.storeGroup(namespace, name);
      // Everyone left meanwhile: the store sweep deletes it.
      if (!next) return { changed: false, scopes: 0 };
      const current = this.freshestComponent(namespace, name);
      if (this.componentIsCurrent(namespace, name)) return { changed: false, scopes: next.scopes?.length ?? 1 };
      const stored = await this.deps.writer.apply(next);
      this.applied.set(`${namespace}/${name}`, stored);
      return { changed: stored.metadata?.resourceVersion !== current?.metadata?.resourceVersion, scopes: next.scopes?.length ?? 1 };
    });
    if (!outcome.changed) return;
    const sharers = outcome.scopes;
    log.info({ component: name, scopes: sharers }, 'applied state store component');
    if (announceTo) {
      this.deps.events.normal(announceTo, EventReason.ComponentApplied, `applied Dapr Component ${name} (state.redis)` + (sharers > 1 ? `, shared by ${sharers} app ids` : ''));
    }
  }
}

/**
 * Whether the Component in the cache already is what we would apply (saves a
 * write per reconcile). It must carry no WasiApp owner references: a
 * Component made before they were dropped loses them with its next apply.
 */
export function componentMatches(desired: ComponentObject, current: ComponentObject): boolean {
  const want = desired.metadata ?? {};
  const have = current.metadata ?? {};
  return (
    deepEqual(desired.spec, current.spec) &&
    deepEqual(desired.scopes, current.scopes) &&
    isSubset(want.labels, have.labels) &&
    isSubset(want.annotations, have.annotations) &&
    !(have.ownerReferences ?? []).some(isWasiAppRef)
  );
}

/**
 * Whether an app with these settings and app id can use `component` as it
 * is: the same spec, and its id in the scopes (or no scopes).
 */
export function componentServes(component: ComponentObject, spec: ComponentObject['spec'], appId: string): boolean {
  return deepEqual(component.spec, spec) && (component.scopes === undefined || component.scopes.length === 0 || component.scopes.includes(appId));
}

function isSubset(want: unknown, have: unknown): boolean {
  if (want === undefined) return true;
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.every((item) => have.some((candidate) => isSubset(item, candidate)));
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null) return false;
    return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}
