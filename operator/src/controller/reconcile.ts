// reconcile(key): reads the WasiApp and its children from the caches, makes
// the children match (the shared state store's Component through
// shared-store.ts; the current run's Job created once, or the schedule's
// CronJob applied; runs of older generations that are still going deleted)
// and writes the status when it changed (status-writer.ts). It never knows
// which event woke it, and it keeps no state of its own: a restarted
// operator decides the same from the same caches.
//
// A failure that a retry cannot fix throws a terminal error (reasons.ts
// TerminalErrorReason): the workers do not retry it, the app shows it.
import type { ObjectCache, V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp } from '../api/wasiapp.js';
import { RERUN_ANNOTATION, SPEC_HASH_ANNOTATION } from '../api/names.js';
import { ConditionReason, EventReason, terminalReasonOf } from '../api/reasons.js';
import { buildRunCronJob, buildRunJob } from '../resources/job.js';
import { JOB_NAME_LABEL, LABEL_GENERATION } from '../resources/labels.js';
import { cronJobNameFor, jobNameFor, scheduledRerunJobNameFor } from '../resources/names.js';
import { controllerOf, isControlledBy } from '../resources/owner.js';
import { WasiOperatorError } from '../util/errors.js';
import { kubeTime } from './conditions.js';
import { nextScheduleTime } from './cron-schedule.js';
import type { EventRecorder } from '../kube/events.js';
import { keyOf, parseKey, STORE_SWEEP_NAME } from './keys.js';
import { applyObject, createJob, deleteBatchObject, deleteComponent, patchAppStatus, patchJobSuspend, readJob, type KubeClients } from '../kube/requests.js';
import type { RunObservation } from './run-record.js';
import { COMPONENT_PENDING, SharedStateStores, type SharedStoreCaches } from './shared-store.js';
import { stateStoreTargetFor } from './state-store-failure.js';
import { settlingUntil } from './settling.js';
import { computeStatus } from './status.js';
import { StatusWriter, type RunMetrics } from './status-writer.js';
import type { ReconcileResult } from '../kube/workers.js';

export interface ReconcilerCaches extends SharedStoreCaches {
  /** `byIndex(appKey, namespace)`: the Pods of that app's runs (keys.ts runAppKeyOf). */
  pods: ObjectCache<V1Pod> & { byIndex(appKey: string, namespace: string | undefined): ReadonlyArray<V1Pod> };
  /** `byIndex(appKey, namespace)`: the Jobs of that app's runs, its own and its CronJob's. */
  jobs: ObjectCache<V1Job> & { byIndex(appKey: string, namespace: string | undefined): ReadonlyArray<V1Job> };
  cronJobs: ObjectCache<V1CronJob>;
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
  /** Told of each run Job this reconciler creates (pod-waits.ts). */
  onJobCreated?: (namespace: string, name: string) => void;
}

/** How long to trust that the watch delivers our own status write before looking again anyway. */
const OWN_WRITE_GRACE_MS = 2000;

export class Reconciler {
  private readonly now: () => Date;
  private readonly stores: SharedStateStores;
  private readonly statuses: StatusWriter;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
    const { clients } = deps;
    this.stores = new SharedStateStores({
      config: deps.config,
      caches: deps.caches,
      writer: {
        apply: (component) => applyObject(clients, component),
        delete: (namespace, name, uid) => deleteComponent(clients, namespace, name, uid),
      },
      events: deps.events,
      log: deps.log,
      requeue: (key) => deps.requeue?.(key),
    });
    this.statuses = new StatusWriter({
      patchStatus: (app, patch) => patchAppStatus(clients, app, patch),
      events: deps.events,
      ...(deps.metrics && { metrics: deps.metrics }),
      now: this.now,
    });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    if (name === STORE_SWEEP_NAME) {
      await this.stores.sweep(namespace);
      return {};
    }
    const cached = this.deps.caches.apps.get(name, namespace);
    // Gone, or going: the garbage collector removes the children.
    if (!cached || cached.metadata.deletionTimestamp) {
      this.statuses.forget(key);
      return {};
    }
    if (!this.statuses.isCurrent(key, cached)) return { requeueAfterMs: OWN_WRITE_GRACE_MS };
    // Read, never written: the cache's object itself, not a copy (a copy per
    // reconcile was about 4 % of the operator's busy CPU in a burst). Tests run
    // with the cache frozen (WASI_OPERATOR_FREEZE_CACHE), so a write throws.
    const app = cached;
    const log = this.deps.log.child({ wasiapp: key, generation: app.metadata.generation });

    const stateStore = await this.stores.stateOf(app, log);
    // Waiting for the shared Component's next apply, which wakes it: no status write, no run yet.
    if (stateStore === COMPONENT_PENDING) return {};
    const runs = await this.reconcileRuns(app, stateStore.status === 'True', log);
    // The new Job's watch event brings this app back as a follow-up, which
    // writes the status then: one status write instead of two, and none
    // between the Job creates of a burst of new apps.
    if (runs.created) return {};
    const now = this.now();
    const nextRun = app.spec.schedule !== undefined && !app.spec.suspend ? nextScheduleTime(app.spec.schedule, app.spec.timeZone, now) : undefined;
    const observations = this.observeRuns(app);
    const next = computeStatus({
      app,
      runs: observations,
      stateStore,
      stateStoreTarget: stateStoreTargetFor(app, this.deps.config),
      now,
      ...(runs.lastScheduleTime !== undefined && { lastScheduleTime: runs.lastScheduleTime }),
      ...(runs.observedRerun !== undefined && { observedRerun: runs.observedRerun }),
      ...(nextRun && { nextScheduleTime: kubeTime(nextRun) }),
    });
    // Look again once that time has passed, so NEXT RUN moves on even if no run starts then.
    const nextRunMs = nextRun ? Math.max(1000, nextRun.getTime() - now.getTime() + 1000) : undefined;
    // The current run waits on another controller's next step: its event brings the app back, and the
    // status is written then (or when the wait has lasted too long to be routine, see settling.ts).
    const settlesBy = next.phase === 'Pending' ? settlingUntil(observations.find((o) => o.job.metadata?.name === next.jobName), now) : undefined;
    if (settlesBy) {
      log.debug({ settlesBy: settlesBy.toISOString() }, 'status settling');
      return { requeueAfterMs: Math.min(settlesBy.getTime() - now.getTime(), nextRunMs ?? Infinity) };
    }
    await this.statuses.write(key, app, next, log);
    return nextRunMs !== undefined ? { requeueAfterMs: nextRunMs } : {};
  }

  /**
   * A reconcile that failed shows on the WasiApp, not only in the log (see
   * StatusWriter.writeFailure): a terminal error with its own reason, any
   * other with its code's.
   */
  async reportFailure(key: string, err: unknown): Promise<void> {
    const { namespace, name } = parseKey(key);
    const app = this.deps.caches.apps.get(name, namespace);
    if (!app || app.metadata.deletionTimestamp) return;
    const terminal = terminalReasonOf(err);
    await this.statuses.writeFailure(app, err, terminal ?? failureReasonOf(err), terminal !== undefined);
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
        throw nameTaken('ERR_JOB_NAME_TAKEN', 'Job', namespace, name, app);
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
      throw nameTaken('ERR_JOB_NAME_TAKEN', 'Job', namespace, name, app);
    }
    log.info({ job: name, trigger }, 'created run job');
    this.deps.onJobCreated?.(namespace, name);
    this.deps.events.normal(app, EventReason.JobCreated, `created Job ${name} (${trigger === 'Rerun' ? 'a rerun' : `generation ${app.metadata.generation}`})`);
    return true;
  }

  /** Applies the schedule's CronJob when it differs from the spec (a hash of what we built says so). */
  private async reconcileCronJob(app: WasiApp, storeReady: boolean, log: Logger): Promise<V1CronJob | undefined> {
    const namespace = app.metadata.namespace as string;
    const name = cronJobNameFor(app);
    const current = this.deps.caches.cronJobs.get(name, namespace);
    if (current && !isControlledBy(current, app)) {
      throw nameTaken('ERR_CRONJOB_NAME_TAKEN', 'CronJob', namespace, name, app);
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

/** A terminal error: the child's name is someone else's, and only the user can free it. */
function nameTaken(code: 'ERR_JOB_NAME_TAKEN' | 'ERR_CRONJOB_NAME_TAKEN', kind: string, namespace: string, name: string, app: WasiApp): WasiOperatorError {
  return new WasiOperatorError(
    code,
    `${kind} ${namespace}/${name} exists and does not belong to WasiApp ${app.metadata.name}; delete or rename it, ` +
      `then change the WasiApp (kubectl annotate wasiapp ${app.metadata.name} wasi-operator.dev/retry=1 --overwrite) or wait for the operator's resync`,
  );
}

/** `ERR_CACHE` → `Cache`: a condition reason from a typed error's code. */
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
