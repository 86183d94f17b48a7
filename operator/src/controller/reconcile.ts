// reconcile(key): reads the WasiApp and its children from the caches, makes
// the children match (Component by server-side apply, the current
// generation's Pod created once, older Pods deleted) and writes the status
// only when it changed. It never knows which event woke it.
import type { KubernetesObject, ObjectCache, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp, WasiAppStatus } from '../api/wasiapp.js';
import type { DaprComponent } from '../api/dapr-component.js';
import { buildStateStoreComponent } from '../resources/component.js';
import { LABEL_GENERATION } from '../resources/labels.js';
import { controllerOf, isControlledBy } from '../resources/owner.js';
import { buildHostPod } from '../resources/pod.js';
import { isDaprEnabled } from '../resources/spec-defaults.js';
import { WasiOperatorError } from '../util/errors.js';
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
import { parseKey } from './keys.js';
import { applyObject, deleteComponent, deletePod, patchAppStatus, type KubeClients } from './kube.js';
import { computeStatus, isFinishedGeneration, type StateStoreState } from './status.js';
import type { ReconcileResult } from './workers.js';

/** A Dapr Component as read back from the API server (any Component, not only ours). */
export type ComponentObject = KubernetesObject & Partial<Pick<DaprComponent, 'spec' | 'scopes'>>;

export interface ReconcilerCaches {
  apps: ObjectCache<WasiApp>;
  pods: ObjectCache<V1Pod>;
  components: ObjectCache<ComponentObject>;
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

export class Reconciler {
  private readonly now: () => Date;
  /**
   * key → the resourceVersion a status write of ours replaced. While the cache
   * still holds that version, it has not seen our write: reconciling from it
   * would only end in a 409. The watch event of the write enqueues the key.
   */
  private readonly ownWrites = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
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
    const app = structuredClone(cached);
    const log = this.deps.log.child({ wasiapp: key, generation: app.metadata.generation });

    const stateStore = await this.reconcileStateStore(app, log);
    await this.deleteOutdatedPods(app, log);
    const pod = stateStore.status === 'True' ? await this.reconcilePod(app, log) : this.currentPod(app);
    const next = computeStatus({ app, pod, stateStore, now: this.now() });
    await this.writeStatus(key, app, next, log);
    return {};
  }

  private async reconcileStateStore(app: WasiApp, log: Logger): Promise<StateStoreState> {
    const desired = buildStateStoreComponent(app, this.deps.config) as ComponentObject | undefined;
    await this.deleteOutdatedComponents(app, desired?.metadata?.name, log);
    const dapr = app.spec.dapr;
    const namespace = app.metadata.namespace as string;
    if (!isDaprEnabled(app)) {
      return { status: 'True', reason: 'DaprDisabled', message: 'Dapr is disabled for this app; it has no state store' };
    }
    const existing = dapr?.stateStore?.existingComponent;
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
    if (!desired) return { status: 'True', reason: 'DaprDisabled', message: 'the app needs no state store Component' };
    const componentName = desired.metadata?.name as string;
    const current = this.deps.caches.components.get(componentName, namespace);
    if (current && !isControlledBy(current, app)) {
      const owner = controllerOf(current);
      return {
        status: 'False',
        reason: 'ComponentConflict',
        message:
          `Dapr Component ${componentName} already exists in namespace ${namespace}` +
          (owner ? ` and belongs to ${owner.kind} ${owner.name}` : ' and is not managed by this WasiApp') +
          '; set another spec.dapr.stateStore.name, or name a shared Component in spec.dapr.stateStore.existingComponent',
      };
    }
    if (!current || !componentMatches(desired, current)) {
      const applied = await applyObject(this.deps.clients, desired);
      if (applied.metadata?.resourceVersion !== current?.metadata?.resourceVersion) {
        log.info({ component: componentName }, 'applied state store component');
        this.deps.events.normal(app, REASON_COMPONENT_APPLIED, `applied Dapr Component ${componentName} (state.redis)`);
      }
    }
    return { status: 'True', reason: 'ComponentApplied', message: `Dapr Component ${componentName} (state.redis) is applied` };
  }

  /** Deletes Components this app made but no longer wants (Dapr turned off, store renamed, existingComponent chosen). */
  private async deleteOutdatedComponents(app: WasiApp, wanted: string | undefined, log: Logger): Promise<void> {
    const namespace = app.metadata.namespace as string;
    const outdated = this.deps.caches.components
      .list(namespace)
      .filter((component) => component.metadata?.name !== wanted && !component.metadata?.deletionTimestamp && isControlledBy(component, app));
    for (const component of outdated) {
      const name = component.metadata?.name as string;
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

  private async reconcilePod(app: WasiApp, log: Logger): Promise<V1Pod | undefined> {
    const desired = buildHostPod(app, this.deps.config);
    const podName = desired.metadata?.name as string;
    const current = this.deps.caches.pods.get(podName, app.metadata.namespace);
    if (current) {
      if (isControlledBy(current, app)) return current;
      throw new WasiOperatorError(
        'ERR_POD_NAME_TAKEN',
        `pod ${app.metadata.namespace}/${podName} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it`,
      );
    }
    // A finished generation keeps its result; its Pod is not run again.
    if (isFinishedGeneration(app)) return undefined;
    // Pods are immutable in most fields: only ever applied when absent.
    const created = await applyObject(this.deps.clients, desired);
    log.info({ pod: podName }, 'created host pod');
    this.deps.events.normal(app, REASON_POD_CREATED, `created pod ${podName}`);
    return created;
  }

  private currentPod(app: WasiApp): V1Pod | undefined {
    const generation = String(app.metadata.generation);
    return this.ownedPods(app).find((pod) => pod.metadata?.labels?.[LABEL_GENERATION] === generation);
  }

  private ownedPods(app: WasiApp): V1Pod[] {
    return this.deps.caches.pods
      .list(app.metadata.namespace)
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

/** Whether the Component in the cache already is what we would apply (saves a write per reconcile). */
export function componentMatches(desired: ComponentObject, current: ComponentObject): boolean {
  const want = desired.metadata ?? {};
  const have = current.metadata ?? {};
  return (
    deepEqual(desired.spec, current.spec) &&
    deepEqual(desired.scopes, current.scopes) &&
    isSubset(want.labels, have.labels) &&
    isSubset(want.annotations, have.annotations) &&
    isSubset(want.ownerReferences, have.ownerReferences)
  );
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
