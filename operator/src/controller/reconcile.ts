// reconcile(key): reads the WasiApp and its children from the caches, makes
// the children match (Component by server-side apply, the current
// generation's Pod created once, older Pods deleted) and writes the status
// only when it changed. It never knows which event woke it.
import type { KubernetesObject, ObjectCache, V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp, WasiAppStatus } from '../api/wasiapp.js';
import type { DaprComponent } from '../api/dapr-component.js';
import { API_GROUP, WASIAPP_KIND } from '../api/names.js';
import {
  buildSharedStateStoreComponent,
  describeStateStoreDifference,
  groupStateStoreApps,
  wantsOperatorComponent,
  type StateStoreGroup,
} from '../resources/component.js';
import { LABEL_GENERATION } from '../resources/labels.js';
import { componentNameFor } from '../resources/names.js';
import { controllerOf, isControlledBy } from '../resources/owner.js';
import { buildHostPod } from '../resources/pod.js';
import { isDaprEnabled } from '../resources/spec-defaults.js';
import { WasiOperatorError } from '../util/errors.js';
import { CoalescingFlight } from './coalescing-flight.js';
import { CONDITION_STATE_STORE_READY, findCondition } from './conditions.js';
import {
  REASON_COMPONENT_APPLIED,
  REASON_FAILED,
  REASON_OUTDATED_COMPONENT_DELETED,
  REASON_OUTDATED_POD_DELETED,
  REASON_POD_CREATED,
  REASON_SUCCEEDED,
  type EventRecorder,
} from './events.js';
import { deepEqual, mergePatch } from './json-diff.js';
import { keyOf, parseKey } from './keys.js';
import { applyObject, deleteComponent, deletePod, patchAppStatus, type KubeClients } from './kube.js';
import { computeStatus, isFinishedGeneration, type StateStoreState } from './status.js';
import type { ReconcileResult } from './workers.js';

interface StoreGroupMemo {
  revision: number;
  group: StateStoreGroup;
  /** Who is in `group.sharers`, by uid: asked once per reconcile of a group of thousands. */
  sharerUids: Set<string>;
  /** The Component the group wants; undefined when nobody shares it. */
  component: ComponentObject | undefined;
  /** The resourceVersion of a Component found to match `component`. */
  matchedVersion?: string;
}

/** A Dapr Component as read back from the API server (any Component, not only ours). */
export type ComponentObject = KubernetesObject & Partial<Pick<DaprComponent, 'spec' | 'scopes'>>;

export interface ReconcilerCaches {
  apps: ObjectCache<WasiApp>;
  /** `byIndex(appKey, namespace)`: the Pods whose controller owner reference names that app. */
  pods: ObjectCache<V1Pod> & { byIndex(appKey: string, namespace: string | undefined): ReadonlyArray<V1Pod> };
  components: ObjectCache<ComponentObject>;
  /** Moves when the apps that want a store's Component change (not on their status writes); see storeGroup. */
  storeRevision(namespace: string, store: string): number;
}

export interface ReconcilerDeps {
  config: OperatorConfig;
  clients: KubeClients;
  caches: ReconcilerCaches;
  events: EventRecorder;
  log: Logger;
  now?: () => Date;
}

/** How long to trust that the watch delivers our own status write before looking again anyway. */
const OWN_WRITE_GRACE_MS = 2000;
/** The least time between two applies of one shared Component while apps keep joining it. */
const COMPONENT_APPLY_INTERVAL_MS = 100;

export class Reconciler {
  private readonly now: () => Date;
  /**
   * key → the resourceVersion a status write of ours replaced. While the cache
   * still holds that version, it has not seen our write: reconciling from it
   * would only end in a 409. The watch event of the write enqueues the key.
   */
  private readonly ownWrites = new Map<string, string>();

  /** One apply in flight per shared Component; see ensureComponent. */
  private readonly componentApplies = new CoalescingFlight<{ changed: boolean; scopes: number }>(COMPONENT_APPLY_INTERVAL_MS);
  /** ns/store → its group and Component as of the store's revision; see storeGroup. */
  private readonly storeGroups = new Map<string, StoreGroupMemo>();
  /** ns/name → the Component as our last apply returned it, which the cache may not have caught up with. */
  private readonly appliedComponents = new Map<string, ComponentObject>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
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
    const memo = this.storeGroups.get(key);
    if (memo && memo.revision === revision) return memo;
    const group = groupStateStoreApps(this.deps.caches.apps.list(namespace), name, this.deps.config);
    const fresh: StoreGroupMemo = {
      revision,
      group,
      sharerUids: new Set(group.sharers.map((sharer) => sharer.metadata.uid ?? '')),
      component: group.sharers.length > 0 ? buildSharedStateStoreComponent(group.sharers, this.deps.config) : undefined,
    };
    if (group.sharers.length > 0 || group.conflicting.length > 0) this.storeGroups.set(key, fresh);
    else this.storeGroups.delete(key);
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
    const applied = this.appliedComponents.get(`${namespace}/${name}`);
    if (!cached || !applied) return cached;
    return Number(applied.metadata?.resourceVersion) > Number(cached.metadata?.resourceVersion) ? applied : cached;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const cached = this.deps.caches.apps.get(name, namespace);
    // Gone, or going: the garbage collector removes the children.
    if (!cached || cached.metadata.deletionTimestamp) {
      this.ownWrites.delete(key);
      return {};
    }
    const replaced = this.ownWrites.get(key);
    if (replaced !== undefined) {
      if (replaced === cached.metadata.resourceVersion) return { requeueAfterMs: OWN_WRITE_GRACE_MS };
      this.ownWrites.delete(key);
    }
    // Read, never written: the cache's object itself, not a copy (a copy per
    // reconcile was about 4 % of the operator's busy CPU in a burst). Tests run
    // with the cache frozen (WASI_OPERATOR_FREEZE_CACHE), so a write throws.
    const app = cached;
    const log = this.deps.log.child({ wasiapp: key, generation: app.metadata.generation });

    const stateStore = await this.reconcileStateStore(app, log);
    await this.deleteOutdatedPods(app, log);
    const pod = stateStore.status === 'True' ? await this.reconcilePod(app, log) : { pod: this.currentPod(app), created: false };
    // The new Pod's watch event brings this app back as a follow-up, which
    // writes the status then: one status write instead of two, and none
    // between the Pod creates of a burst of new apps.
    if (pod.created) return {};
    const next = computeStatus({ app, pod: pod.pod, stateStore, now: this.now() });
    await this.writeStatus(key, app, next, log);
    return {};
  }

  private async reconcileStateStore(app: WasiApp, log: Logger): Promise<StateStoreState> {
    const namespace = app.metadata.namespace as string;
    const storeName = componentNameFor(app);
    await this.releaseOutdatedComponents(app, wantsOperatorComponent(app) ? storeName : undefined, log);
    if (!isDaprEnabled(app)) {
      return { status: 'True', reason: 'DaprDisabled', message: 'Dapr is disabled for this app; it has no state store' };
    }
    const existing = app.spec.dapr?.stateStore?.existingComponent;
    if (existing) {
      if (this.deps.caches.components.get(existing, namespace)) {
        return { status: 'True', reason: 'ExistingComponentFound', message: `using the existing Dapr Component ${existing}` };
      }
      return {
        status: 'False',
        reason: 'ComponentNotFound',
        message:
          `Dapr Component ${existing} named in spec.dapr.stateStore.existingComponent does not exist in namespace ${namespace};` +
          ' create it, or set spec.dapr.stateStore.redis instead',
      };
    }
    const current = this.deps.caches.components.get(storeName, namespace);
    if (current && !isOperatorComponent(current)) {
      const owner = controllerOf(current);
      return {
        status: 'False',
        reason: 'ComponentConflict',
        message:
          `Dapr Component ${storeName} already exists in namespace ${namespace} and was not made by wasi-operator` +
          (owner ? ` (it belongs to ${owner.kind} ${owner.name})` : '') +
          `; to use it, set spec.dapr.stateStore.existingComponent: ${storeName} and add this app's id to its scopes,` +
          ' or set another spec.dapr.stateStore.name',
      };
    }
    // Every app that wants this store name computes the same group and the
    // same Component from the cache, so whichever reconciles applies it.
    const memo = this.storeGroup(namespace, storeName);
    const winner = memo.group.sharers[0];
    if (!winner) {
      throw new WasiOperatorError('ERR_CACHE', `WasiApp ${namespace}/${app.metadata.name} is not in the cache it was read from; retrying`);
    }
    const sharing = memo.sharerUids.has(app.metadata.uid ?? '');
    await this.ensureComponent(app, namespace, storeName, sharing, log);
    if (!sharing) {
      return {
        status: 'False',
        reason: 'ComponentConflict',
        message:
          `Dapr Component ${storeName} in namespace ${namespace} is held by WasiApp ${winner.metadata.name} with other Redis settings: ` +
          `${describeStateStoreDifference(app, winner, this.deps.config)}; set another spec.dapr.stateStore.name for this app,` +
          ` or the same Redis settings as WasiApp ${winner.metadata.name} to share its store`,
      };
    }
    return { status: 'True', reason: 'ComponentApplied', message: `Dapr Component ${storeName} (state.redis) is applied` };
  }

  /**
   * Applies the group's Component unless it already is `desired` (saves a
   * write per reconcile). Applies of one Component go one at a time, and the
   * reconciles that want one meanwhile share the next, built from the cache
   * when it starts: it covers all of them (coalescing-flight.ts).
   */
  private async ensureComponent(app: WasiApp, namespace: string, name: string, announce: boolean, log: Logger): Promise<void> {
    if (this.componentIsCurrent(namespace, name)) return;
    const outcome = await this.componentApplies.run(`${namespace}/${name}`, async () => {
      const { component: next } = this.storeGroup(namespace, name);
      // Everyone left meanwhile: releaseOutdatedComponents deletes it.
      if (!next) return { changed: false, scopes: 0 };
      const current = this.freshestComponent(namespace, name);
      if (this.componentIsCurrent(namespace, name)) return { changed: false, scopes: next.scopes?.length ?? 1 };
      const applied = await applyObject(this.deps.clients, next);
      this.appliedComponents.set(`${namespace}/${name}`, applied);
      return { changed: applied.metadata?.resourceVersion !== current?.metadata?.resourceVersion, scopes: next.scopes?.length ?? 1 };
    });
    if (!outcome.changed) return;
    const sharers = outcome.scopes;
    log.info({ component: name, scopes: sharers }, 'applied state store component');
    if (announce) {
      this.deps.events.normal(app, REASON_COMPONENT_APPLIED, `applied Dapr Component ${name} (state.redis)` + (sharers > 1 ? `, shared by ${sharers} app ids` : ''));
    }
  }

  /**
   * Components this app is an owner of but no longer wants (Dapr turned off,
   * store renamed, existingComponent chosen): deleted when no other app wants
   * them, else re-applied without this app for the apps that still do.
   */
  private async releaseOutdatedComponents(app: WasiApp, wanted: string | undefined, log: Logger): Promise<void> {
    const namespace = app.metadata.namespace as string;
    const uid = app.metadata.uid;
    const outdated = this.deps.caches.components
      .list(namespace)
      .filter(
        (component) =>
          component.metadata?.name !== wanted &&
          !component.metadata?.deletionTimestamp &&
          (component.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid && isWasiAppRef(ref)),
      );
    for (const component of outdated) {
      const name = component.metadata?.name as string;
      const { sharers } = this.storeGroup(namespace, name).group;
      if (sharers.length > 0) {
        await this.ensureComponent(app, namespace, name, false, log);
        log.info({ component: name }, 'left shared state store component');
        continue;
      }
      await deleteComponent(this.deps.clients, namespace, name, component.metadata?.uid);
      log.info({ component: name }, 'deleted outdated state store component');
      this.deps.events.normal(app, REASON_OUTDATED_COMPONENT_DELETED, `deleted Dapr Component ${name}, which the spec no longer asks for`);
    }
  }

  /** Deletes the Pods of earlier generations (a spec change means a new Pod). */
  private async deleteOutdatedPods(app: WasiApp, log: Logger): Promise<void> {
    const generation = String(app.metadata.generation);
    const outdated = this.ownedPods(app).filter(
      (pod) => pod.metadata?.labels?.[LABEL_GENERATION] !== generation && !pod.metadata?.deletionTimestamp,
    );
    for (const pod of outdated) {
      const podName = pod.metadata?.name as string;
      await deletePod(this.deps.clients, app.metadata.namespace as string, podName, pod.metadata?.uid);
      log.info({ pod: podName, podGeneration: pod.metadata?.labels?.[LABEL_GENERATION] }, 'deleted outdated host pod');
      this.deps.events.normal(app, REASON_OUTDATED_POD_DELETED, `deleted pod ${podName} of an earlier generation`);
    }
  }

  private async reconcilePod(app: WasiApp, log: Logger): Promise<{ pod: V1Pod | undefined; created: boolean }> {
    const desired = buildHostPod(app, this.deps.config);
    const podName = desired.metadata?.name as string;
    const current = this.deps.caches.pods.get(podName, app.metadata.namespace);
    if (current) {
      if (isControlledBy(current, app)) return { pod: current, created: false };
      throw new WasiOperatorError(
        'ERR_POD_NAME_TAKEN',
        `pod ${app.metadata.namespace}/${podName} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it`,
      );
    }
    // A finished generation keeps its result; its Pod is not run again.
    if (isFinishedGeneration(app)) return { pod: undefined, created: false };
    // Pods are immutable in most fields: only ever applied when absent.
    const created = await applyObject(this.deps.clients, desired);
    log.info({ pod: podName }, 'created host pod');
    this.deps.events.normal(app, REASON_POD_CREATED, `created pod ${podName}`);
    return { pod: created, created: true };
  }

  private currentPod(app: WasiApp): V1Pod | undefined {
    const generation = String(app.metadata.generation);
    return this.ownedPods(app).find((pod) => pod.metadata?.labels?.[LABEL_GENERATION] === generation);
  }

  private ownedPods(app: WasiApp): V1Pod[] {
    return this.deps.caches.pods
      .byIndex(keyOf(app), app.metadata.namespace)
      .filter((pod) => isControlledBy(pod, app));
  }

  private async writeStatus(key: string, app: WasiApp, next: WasiAppStatus, log: Logger): Promise<void> {
    const previous = app.status ?? {};
    if (deepEqual(previous, next)) {
      log.debug('status unchanged');
      return;
    }
    const updated = await patchAppStatus(this.deps.clients, app, mergePatch(previous, next));
    const replaced = app.metadata.resourceVersion;
    if (replaced && updated.metadata?.resourceVersion !== replaced) this.ownWrites.set(key, replaced);
    log.info({ phase: next.phase, previousPhase: previous.phase }, 'updated status');
    this.emitTransitionEvents(app, previous, next);
  }

  private emitTransitionEvents(app: WasiApp, previous: WasiAppStatus, next: WasiAppStatus): void {
    const { events } = this.deps;
    const store = findCondition(next.conditions, CONDITION_STATE_STORE_READY);
    const storeBefore = findCondition(previous.conditions, CONDITION_STATE_STORE_READY);
    if (store && store.status === 'False' && (storeBefore?.status !== 'False' || storeBefore.reason !== store.reason)) {
      events.warning(app, store.reason, store.message);
    }
    const finishedNow = next.phase !== previous.phase || next.podName !== previous.podName;
    if (!finishedNow) return;
    const succeeded = findCondition(next.conditions, 'Succeeded');
    if (next.phase === 'Succeeded') events.normal(app, REASON_SUCCEEDED, succeeded?.message ?? 'the guest passed');
    if (next.phase === 'Failed') events.warning(app, REASON_FAILED, `${succeeded?.reason ?? 'Failed'}: ${succeeded?.message ?? ''}`);
  }
}

/**
 * Whether the Component in the cache already is what we would apply (saves a
 * write per reconcile). Its WasiApp owner references must be exactly ours: a
 * stale one (an app that left the group) is what the apply removes.
 */
export function componentMatches(desired: ComponentObject, current: ComponentObject): boolean {
  const want = desired.metadata ?? {};
  const have = current.metadata ?? {};
  return (
    deepEqual(desired.spec, current.spec) &&
    deepEqual(desired.scopes, current.scopes) &&
    isSubset(want.labels, have.labels) &&
    isSubset(want.annotations, have.annotations) &&
    sameWasiAppOwners(want.ownerReferences ?? [], have.ownerReferences ?? [])
  );
}

/** Matched by uid, field by field: a shared Component may have thousands of owners. */
function sameWasiAppOwners(want: V1OwnerReference[], have: V1OwnerReference[]): boolean {
  const haveByUid = new Map<string, V1OwnerReference>();
  for (const ref of have) if (isWasiAppRef(ref)) haveByUid.set(ref.uid, ref);
  let wanted = 0;
  for (const ref of want) {
    if (!isWasiAppRef(ref)) continue;
    wanted++;
    const found = haveByUid.get(ref.uid);
    if (
      !found ||
      found.name !== ref.name ||
      found.kind !== ref.kind ||
      found.apiVersion !== ref.apiVersion ||
      found.controller !== ref.controller ||
      found.blockOwnerDeletion !== ref.blockOwnerDeletion
    ) {
      return false;
    }
  }
  return wanted === haveByUid.size;
}

const WASIAPP_API_PREFIX = `${API_GROUP}/`;

function isWasiAppRef(ref: V1OwnerReference): boolean {
  return ref.kind === WASIAPP_KIND && ref.apiVersion.startsWith(WASIAPP_API_PREFIX);
}

/**
 * Made by the operator: owned by WasiApps. Controller or not, since the
 * garbage collector may have dropped a deleted controller's reference before
 * the remaining sharers re-apply it.
 */
function isOperatorComponent(component: ComponentObject): boolean {
  return (component.metadata?.ownerReferences ?? []).some(isWasiAppRef);
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
