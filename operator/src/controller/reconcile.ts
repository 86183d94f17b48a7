// reconcile(key): reads the WasiApp and its children from the caches, makes
// the children match (Component by server-side apply; the current run's Job
// created once, or the schedule's CronJob applied; runs of older generations
// that are still going deleted) and writes the status only when it changed.
// It never knows which event woke it.
import type { KubernetesObject, ObjectCache, V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp, WasiAppStatus } from '../api/wasiapp.js';
import type { DaprComponent } from '../api/dapr-component.js';
import { HOST_FAILURE_EXIT_CODE, RERUN_ANNOTATION, SPEC_HASH_ANNOTATION } from '../api/names.js';
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
import { buildRunCronJob, buildRunJob } from '../resources/job.js';
import { LABEL_GENERATION } from '../resources/labels.js';
import { appIdFor, componentNameFor, cronJobNameFor, jobNameFor, scheduledRerunJobNameFor } from '../resources/names.js';
import { controllerOf, isControlledBy } from '../resources/owner.js';
import { isDaprEnabled } from '../resources/spec-defaults.js';
import { WasiOperatorError } from '../util/errors.js';
import { CoalescingFlight } from './coalescing-flight.js';
import { CONDITION_RECONCILED, CONDITION_STATE_STORE_READY, findCondition, kubeTime, nextCondition } from './conditions.js';
import { nextScheduleTime } from './cron-schedule.js';
import {
  type EventRecorder,
} from './events.js';
import { deepEqual, mergePatch } from './json-diff.js';
import { keyOf, parseKey, STORE_SWEEP_NAME } from './keys.js';
import { applyObject, createJob, deleteBatchObject, deleteComponent, patchAppStatus, patchJobSuspend, readJob, type KubeClients } from './kube.js';
import type { FinishedRun } from './metrics.js';
import type { RunObservation } from './run-record.js';
import { stateStoreTargetFor } from './state-store-failure.js';
import { computeStatus, newlyFinishedRuns, type StateStoreState } from './status.js';
import type { ReconcileResult } from './workers.js';
import { ConditionReason, EventReason } from '../api/reasons.js';

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

/** A Dapr Component as read back from the API server (any Component, not only ours). */
export type ComponentObject = KubernetesObject & Partial<Pick<DaprComponent, 'spec' | 'scopes'>>;

export interface ReconcilerCaches {
  apps: ObjectCache<WasiApp>;
  /** `byIndex(appKey, namespace)`: the Pods of that app's runs (keys.ts runAppKeyOf). */
  pods: ObjectCache<V1Pod> & { byIndex(appKey: string, namespace: string | undefined): ReadonlyArray<V1Pod> };
  /** `byIndex(appKey, namespace)`: the Jobs of that app's runs, its own and its CronJob's. */
  jobs: ObjectCache<V1Job> & { byIndex(appKey: string, namespace: string | undefined): ReadonlyArray<V1Job> };
  cronJobs: ObjectCache<V1CronJob>;
  components: ObjectCache<ComponentObject>;
  /** Moves when the apps that want a store's Component change (not on their status writes); see storeGroup. */
  storeRevision(namespace: string, store: string): number;
  /** How many apps want the operator's Component `store` of `namespace`: none, and the store sweep deletes it. */
  storeMembers(namespace: string, store: string): number;
}

export interface ReconcilerDeps {
  config: OperatorConfig;
  clients: KubeClients;
  caches: ReconcilerCaches;
  events: EventRecorder;
  log: Logger;
  metrics?: RunMetrics;
  now?: () => Date;
  /** Queues an app's reconcile again (the apps that waited for a Component's apply, when it ends). */
  requeue?: (key: string) => void;
}

/** reconcileStateStore: the app waits for the shared Component's next apply, which requeues it. */
const COMPONENT_PENDING = Symbol('component pending');

/** What the reconciler reports about each run that finished (metrics.ts). */
export interface RunMetrics {
  observeRunFinished(run: FinishedRun): void;
}

/** The label the Job controller puts on each of a Job's Pods. */
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

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
  /** ns/store → keys of the apps waiting for the Component's next apply (see applyComponentInBackground). */
  private readonly componentWaiters = new Map<string, Set<string>>();
  /** ns/store → the error of the Component's last apply, while its applies fail. */
  private readonly componentApplyErrors = new Map<string, unknown>();
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
      overflowUids: new Set(group.overflow.map((app) => app.metadata.uid ?? '')),
      component: group.sharers.length > 0 ? buildSharedStateStoreComponent(group.sharers, this.deps.config) : undefined,
    };
    if (group.sharers.length > 0 || group.conflicting.length > 0 || group.overflow.length > 0) this.storeGroups.set(key, fresh);
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
    if (name === STORE_SWEEP_NAME) {
      await this.sweepComponents(namespace);
      return {};
    }
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
    // Waiting for the shared Component's next apply, which wakes it: no status write, no run yet.
    if (stateStore === COMPONENT_PENDING) return {};
    const runs = await this.reconcileRuns(app, stateStore.status === 'True', log);
    // The new Job's watch event brings this app back as a follow-up, which
    // writes the status then: one status write instead of two, and none
    // between the Job creates of a burst of new apps.
    if (runs.created) return {};
    const now = this.now();
    const nextRun = app.spec.schedule !== undefined && !app.spec.suspend ? nextScheduleTime(app.spec.schedule, app.spec.timeZone, now) : undefined;
    const next = computeStatus({
      app,
      runs: this.observeRuns(app),
      stateStore,
      stateStoreTarget: stateStoreTargetFor(app, this.deps.config),
      now,
      ...(runs.lastScheduleTime !== undefined && { lastScheduleTime: runs.lastScheduleTime }),
      ...(runs.observedRerun !== undefined && { observedRerun: runs.observedRerun }),
      ...(nextRun && { nextScheduleTime: kubeTime(nextRun) }),
    });
    await this.writeStatus(key, app, next, log);
    // Look again once that time has passed, so NEXT RUN moves on even if no run starts then.
    return nextRun ? { requeueAfterMs: Math.max(1000, nextRun.getTime() - now.getTime() + 1000) } : {};
  }

  private async reconcileStateStore(app: WasiApp, log: Logger): Promise<StateStoreState | typeof COMPONENT_PENDING> {
    const namespace = app.metadata.namespace as string;
    const storeName = componentNameFor(app);
    if (!isDaprEnabled(app)) {
      return { status: 'True', reason: ConditionReason.DaprDisabled, message: 'Dapr is disabled for this app; it has no state store' };
    }
    const existing = app.spec.dapr?.stateStore?.existingComponent;
    if (existing) {
      if (this.deps.caches.components.get(existing, namespace)) {
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
    const current = this.deps.caches.components.get(storeName, namespace);
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
    if (known && componentServes(known, stateStoreSpecFor(app, this.deps.config), appIdFor(app))) return applied;

    const wantsSameSettings = !known || deepEqual(known.spec, stateStoreSpecFor(app, this.deps.config));
    // A joiner (or the first): it needs the next apply, unless the Component is full.
    if (wantsSameSettings && !(known && (known.scopes?.length ?? 0) >= scopeLimitOf(this.deps.config))) {
      // While applies keep failing, the app waits with the error (a retry with backoff, and Reconciled=False).
      if (this.componentApplyErrors.has(`${namespace}/${storeName}`)) {
        await this.ensureComponent(namespace, storeName, app, log);
        return applied;
      }
      this.applyComponentInBackground(namespace, storeName, app, log);
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
        `${describeStateStoreDifference(app, winner, this.deps.config)}; set another spec.dapr.stateStore.name for this app,` +
        ` or the same Redis settings as WasiApp ${winner.metadata.name} to share its store`,
    };
  }

  /**
   * Starts (or joins) the next apply of the shared Component without waiting
   * for it: in a burst, the reconciles of the apps that join meanwhile all
   * wait for the same next apply, and none of them holds a worker while it
   * runs; its end wakes them all. Applies of one Component go one at a time,
   * at most one per COMPONENT_APPLY_INTERVAL_MS, each built from the cache
   * when it starts (coalescing-flight.ts).
   */
  private applyComponentInBackground(namespace: string, name: string, app: WasiApp, log: Logger): void {
    const storeKey = `${namespace}/${name}`;
    const waiters = this.componentWaiters.get(storeKey);
    if (waiters) {
      waiters.add(keyOf(app));
      return;
    }
    this.componentWaiters.set(storeKey, new Set([keyOf(app)]));
    const wake = (): void => {
      const woken = this.componentWaiters.get(storeKey) ?? new Set<string>();
      this.componentWaiters.delete(storeKey);
      for (const key of woken) this.deps.requeue?.(key);
    };
    this.ensureComponent(namespace, name, app, log).then(
      () => {
        this.componentApplyErrors.delete(storeKey);
        wake();
      },
      (err: unknown) => {
        this.componentApplyErrors.set(storeKey, err);
        log.warn({ err, component: name }, 'state store component apply failed');
        wake();
      },
    );
  }

  /**
   * Applies the group's Component unless it already is `desired` (saves a
   * write per reconcile). Applies of one Component go one at a time, and the
   * reconciles that want one meanwhile share the next, built from the cache
   * when it starts: it covers all of them (coalescing-flight.ts).
   */
  private async ensureComponent(namespace: string, name: string, announceTo: WasiApp | undefined, log: Logger): Promise<void> {
    if (this.componentIsCurrent(namespace, name)) return;
    const outcome = await this.componentApplies.run(`${namespace}/${name}`, async () => {
      const { component: next } = this.storeGroup(namespace, name);
      // Everyone left meanwhile: the store sweep deletes it.
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
    if (announceTo) {
      this.deps.events.normal(announceTo, EventReason.ComponentApplied, `applied Dapr Component ${name} (state.redis)` + (sharers > 1 ? `, shared by ${sharers} app ids` : ''));
    }
  }

  /**
   * The operator's Components in `namespace`: deleted once no WasiApp wants
   * them (they have no owner references for the garbage collector to follow),
   * applied again when they drifted from what their sharers want. Queued by
   * the watches when an app leaves a store and for every Component event, so
   * it also runs for each Component found on start.
   */
  private async sweepComponents(namespace: string): Promise<void> {
    const log = this.deps.log.child({ namespace });
    for (const component of this.deps.caches.components.list(namespace)) {
      const name = component.metadata?.name;
      if (!name || component.metadata?.deletionTimestamp || !isOperatorComponent(component)) continue;
      if (this.deps.caches.storeMembers(namespace, name) > 0) {
        await this.ensureComponent(namespace, name, undefined, log);
        continue;
      }
      await deleteComponent(this.deps.clients, namespace, name, component.metadata?.uid);
      this.appliedComponents.delete(`${namespace}/${name}`);
      log.info({ component: name }, 'deleted state store component no app wants');
    }
  }

  /**
   * Makes the app's runs match its spec: with spec.schedule a CronJob that
   * starts them, else one Job per generation; plus one Job per new
   * wasi-operator.dev/rerun value. A run recorded in the status whose Job is
   * gone (a TTL removed it) is not started again.
   */
  private async reconcileRuns(
    app: WasiApp,
    storeReady: boolean,
    log: Logger,
  ): Promise<{ created: boolean; lastScheduleTime?: string; observedRerun?: string }> {
    const rerun = app.metadata.annotations?.[RERUN_ANNOTATION] || undefined;
    const scheduled = app.spec.schedule !== undefined;
    const wanted = new Set<string>();
    let created = false;
    let observedRerun: string | undefined;

    const cronJob = scheduled ? await this.reconcileCronJob(app, storeReady, log) : undefined;
    if (!scheduled) await this.deleteCronJob(app, log);

    if (!scheduled) {
      const { name, trigger } = currentRunOf(app, rerun);
      wanted.add(name);
      if (storeReady) {
        created = await this.ensureRunJob(app, name, trigger, log);
        // Only once its Job exists (or is made now): a rerun asked for while the store waits is still to come.
        if (rerun && trigger === 'Rerun') observedRerun = rerun;
      }
    } else if (rerun && rerun !== app.status?.observedRerun) {
      const name = scheduledRerunJobNameFor(app, rerun);
      wanted.add(name);
      if (storeReady) {
        created = await this.ensureRunJob(app, name, 'Rerun', log);
        observedRerun = rerun;
      }
    }
    await this.deleteReplacedRuns(app, wanted, scheduled, log);
    const lastScheduleTime = cronJob?.status?.lastScheduleTime;
    return {
      created,
      ...(lastScheduleTime !== undefined && lastScheduleTime !== null && { lastScheduleTime: kubeTime(lastScheduleTime) }),
      ...(observedRerun !== undefined && { observedRerun }),
    };
  }

  /** Creates the run's Job once; holds or releases it with spec.suspend until it starts. */
  private async ensureRunJob(app: WasiApp, name: string, trigger: 'Spec' | 'Rerun', log: Logger): Promise<boolean> {
    const namespace = app.metadata.namespace as string;
    const current = this.deps.caches.jobs.get(name, namespace);
    if (current) {
      if (!isControlledBy(current, app)) {
        throw new WasiOperatorError(
          'ERR_JOB_NAME_TAKEN',
          `Job ${namespace}/${name} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it`,
        );
      }
      const suspend = app.spec.suspend === true && trigger === 'Spec';
      const started = current.status?.startTime !== undefined && current.status?.startTime !== null;
      if ((current.spec?.suspend === true) !== suspend && !(suspend && started)) {
        await patchJobSuspend(this.deps.clients, namespace, name, suspend);
        log.info({ job: name, suspend }, suspend ? 'suspended run job' : 'resumed run job');
      }
      return false;
    }
    // Recorded and gone: its TTL removed it, and its result stays in the status.
    if (app.status?.runs?.some((run) => run.jobName === name)) return false;
    // Jobs are immutable in their template: only ever created when absent.
    const made = await createJob(this.deps.clients, buildRunJob(app, this.deps.config, name, trigger));
    if (!made) {
      // Ours, made a moment ago and not in the cache yet; or someone else's, which the cache (our Jobs only) never holds.
      const existing = await readJob(this.deps.clients, namespace, name);
      if (existing && isControlledBy(existing, app)) return false;
      throw new WasiOperatorError(
        'ERR_JOB_NAME_TAKEN',
        `Job ${namespace}/${name} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it`,
      );
    }
    log.info({ job: name, trigger }, 'created run job');
    this.deps.events.normal(app, EventReason.JobCreated, `created Job ${name} (${trigger === 'Rerun' ? 'a rerun' : `generation ${app.metadata.generation}`})`);
    return true;
  }

  /** Applies the schedule's CronJob when it differs from the spec (a hash of what we built says so). */
  private async reconcileCronJob(app: WasiApp, storeReady: boolean, log: Logger): Promise<V1CronJob | undefined> {
    const namespace = app.metadata.namespace as string;
    const name = cronJobNameFor(app);
    const current = this.deps.caches.cronJobs.get(name, namespace);
    if (current && !isControlledBy(current, app)) {
      throw new WasiOperatorError(
        'ERR_CRONJOB_NAME_TAKEN',
        `CronJob ${namespace}/${name} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it`,
      );
    }
    if (!storeReady) return current;
    const desired = buildRunCronJob(app, this.deps.config);
    const hash = desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
    if (current && current.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === hash) return current;
    const applied = await applyObject(this.deps.clients, desired);
    log.info({ cronJob: name, schedule: app.spec.schedule }, 'applied run cronjob');
    this.deps.events.normal(app, EventReason.CronJobApplied, `applied CronJob ${name} (schedule "${app.spec.schedule}"${app.spec.suspend ? ', suspended' : ''})`);
    return applied;
  }

  private async deleteCronJob(app: WasiApp, log: Logger): Promise<void> {
    const namespace = app.metadata.namespace as string;
    const current = this.deps.caches.cronJobs.get(cronJobNameFor(app), namespace);
    if (!current || !isControlledBy(current, app) || current.metadata?.deletionTimestamp) return;
    await deleteBatchObject(this.deps.clients, 'cronjobs', namespace, current.metadata?.name as string, current.metadata?.uid);
    log.info({ cronJob: current.metadata?.name }, 'deleted run cronjob');
  }

  /**
   * Runs still going that the spec no longer wants (an older generation, a
   * rerun replaced by a newer one) are deleted, as a spec change replaced
   * the running Pod before; finished runs that fell out of the history go too.
   * A scheduled app's CronJob runs are the CronJob's to manage.
   */
  private async deleteReplacedRuns(app: WasiApp, wanted: ReadonlySet<string>, scheduled: boolean, log: Logger): Promise<void> {
    const namespace = app.metadata.namespace as string;
    const kept = new Set((app.status?.runs ?? []).map((run) => run.jobName));
    const generation = String(app.metadata.generation);
    for (const job of this.jobsOf(app)) {
      const name = job.metadata?.name as string;
      if (wanted.has(name) || job.metadata?.deletionTimestamp || !isControlledBy(job, app)) continue;
      const finished = isJobFinished(job);
      const replaced = !finished && (!scheduled || job.metadata?.labels?.[LABEL_GENERATION] !== generation);
      const trimmed = finished && app.status?.runs !== undefined && !kept.has(name) && !this.isUnrecorded(app, name);
      if (!replaced && !trimmed) continue;
      await deleteBatchObject(this.deps.clients, 'jobs', namespace, name, job.metadata?.uid);
      log.info({ job: name, jobGeneration: job.metadata?.labels?.[LABEL_GENERATION], replaced }, 'deleted run job');
      if (replaced) this.deps.events.normal(app, EventReason.OutdatedJobDeleted, `deleted Job ${name}, a run the spec or a rerun replaced`);
    }
  }

  /** A finished Job the status has not recorded yet (the write that records it comes after this reconcile's). */
  private isUnrecorded(app: WasiApp, jobName: string): boolean {
    const runs = app.status?.runs ?? [];
    const oldest = runs[0]?.startTime;
    const job = this.deps.caches.jobs.get(jobName, app.metadata.namespace);
    const created = job?.metadata?.creationTimestamp ? new Date(job.metadata.creationTimestamp).toISOString() : '';
    return oldest === undefined || created > oldest;
  }

  private jobsOf(app: WasiApp): V1Job[] {
    return [...this.deps.caches.jobs.byIndex(keyOf(app), app.metadata.namespace)];
  }

  /** The app's runs that exist now: each Job with its Pods. */
  private observeRuns(app: WasiApp): RunObservation[] {
    const pods = this.deps.caches.pods.byIndex(keyOf(app), app.metadata.namespace);
    return this.jobsOf(app)
      .filter((job) => job.metadata?.uid !== undefined && belongsTo(job, app, this.deps.caches.cronJobs))
      .map((job) => ({ job, pods: pods.filter((pod) => pod.metadata?.labels?.[JOB_NAME_LABEL] === job.metadata?.name) }));
  }

  /**
   * A reconcile that failed shows on the WasiApp, not only in the log: a
   * `Reconciled=False` condition with the error's code as its reason and its
   * message (written once, again only when they change). The next status
   * write of a reconcile that works drops it: conditions are replaced whole.
   */
  async reportFailure(key: string, err: unknown): Promise<void> {
    const { namespace, name } = parseKey(key);
    const app = this.deps.caches.apps.get(name, namespace);
    if (!app || app.metadata.deletionTimestamp) return;
    const previous = app.status?.conditions ?? [];
    const reason = failureReasonOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const before = findCondition(previous, CONDITION_RECONCILED);
    if (before?.status === 'False' && before.reason === reason && before.message === message) return;
    const condition = nextCondition(previous, { type: CONDITION_RECONCILED, status: 'False', reason, message }, app.metadata.generation, this.now());
    const conditions = [...previous.filter((c) => c.type !== CONDITION_RECONCILED), condition];
    await patchAppStatus(this.deps.clients, app, { conditions });
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
    log.info({ phase: next.phase, previousPhase: previous.phase, run: next.jobName }, 'updated status');
    this.emitTransitionEvents(app, previous, next);
    for (const run of newlyFinishedRuns(previous.runs ?? [], next.runs ?? [])) {
      // The host's own failure ran no guest: its zero timings would only skew the histograms.
      const ranGuest = run.exitCode !== HOST_FAILURE_EXIT_CODE;
      this.deps.metrics?.observeRunFinished({
        namespace: app.metadata.namespace as string,
        app: app.metadata.name as string,
        passed: run.phase === 'Succeeded',
        ...(ranGuest && run.runMillis !== undefined && { runMillis: run.runMillis }),
        ...(ranGuest && run.compileMillis !== undefined && { compileMillis: run.compileMillis }),
        ...(ranGuest && run.instantiateMillis !== undefined && { instantiateMillis: run.instantiateMillis }),
        ...(run.startDelaySeconds !== undefined && { startDelaySeconds: run.startDelaySeconds }),
      });
    }
  }

  private emitTransitionEvents(app: WasiApp, previous: WasiAppStatus, next: WasiAppStatus): void {
    const { events } = this.deps;
    const store = findCondition(next.conditions, CONDITION_STATE_STORE_READY);
    const storeBefore = findCondition(previous.conditions, CONDITION_STATE_STORE_READY);
    if (store && store.status === 'False' && (storeBefore?.status !== 'False' || storeBefore.reason !== store.reason)) {
      // StateStoreReady is written only from a StateStoreState, whose reason is a ConditionReason.
      events.warning(app, store.reason as ConditionReason, store.message);
    }
    // One event per run that finished, named by its Job.
    for (const run of newlyFinishedRuns(previous.runs ?? [], next.runs ?? [])) {
      if (run.phase === 'Succeeded') events.normal(app, EventReason.Succeeded, `run ${run.jobName}: ${run.message ?? 'the guest passed'}`);
      else events.warning(app, EventReason.Failed, `run ${run.jobName}: ${run.reason ?? 'Failed'}: ${run.message ?? ''}`);
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

/**
 * The run an unscheduled app should have now: a new rerun when the rerun
 * annotation holds a value no run was started for yet; else the latest run
 * of the current generation (a rerun of it, or the generation's own run).
 */
export function currentRunOf(app: WasiApp, rerun: string | undefined): { name: string; trigger: 'Spec' | 'Rerun' } {
  const status = app.status ?? {};
  if (rerun && rerun !== status.observedRerun) return { name: jobNameFor(app, rerun), trigger: 'Rerun' };
  const latest = status.lastRun;
  if (latest && latest.generation === app.metadata.generation && latest.trigger !== 'Schedule') {
    return { name: latest.jobName, trigger: latest.trigger === 'Rerun' ? 'Rerun' : 'Spec' };
  }
  return { name: jobNameFor(app, undefined), trigger: 'Spec' };
}

/** `ERR_JOB_NAME_TAKEN` → `JobNameTaken`: a condition reason from a typed error's code. */
function failureReasonOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^ERR_[A-Z0-9_]+$/.test(code)) return ConditionReason.ReconcileError;
  return code
    .slice('ERR_'.length)
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join('');
}

function isJobFinished(job: V1Job): boolean {
  return job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

/** The app's own Jobs, and those of the app's CronJob (a Job's controller is its CronJob). */
function belongsTo(job: V1Job, app: WasiApp, cronJobs: ObjectCache<V1CronJob>): boolean {
  if (isControlledBy(job, app)) return true;
  const owner = controllerOf(job);
  if (owner?.kind !== 'CronJob') return false;
  const cronJob = cronJobs.get(owner.name, app.metadata.namespace);
  return cronJob !== undefined && cronJob.metadata?.uid === owner.uid && isControlledBy(cronJob, app);
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
