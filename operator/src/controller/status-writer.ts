// Writes a WasiApp's status through /status, only when it changed, and
// reports what the change means: Events for transitions, metrics for runs
// that finished. A reconcile that failed shows here too, as a
// `Reconciled=False` condition (and, for a terminal error, the phase Failed).
//
// Its one memory, which status writes of ours the cache has not seen yet, is
// an optimisation that a restart may lose: a fresh cache has seen them all.
import type { Logger } from 'pino';
import { HOST_FAILURE_EXIT_CODE } from '../api/names.js';
import { type ConditionReason, EventReason } from '../api/reasons.js';
import type { WasiApp, WasiAppStatus } from '../api/wasiapp.js';
import { errorMessage } from '../util/errors.js';
import { CONDITION_RECONCILED, CONDITION_STATE_STORE_READY, findCondition, nextCondition } from './conditions.js';
import type { EventRecorder } from '../kube/events.js';
import { deepEqual, mergePatch } from '../util/json-diff.js';
import type { FinishedRun } from './metrics.js';
import { newlyFinishedRuns } from './status.js';

/** What the status writer reports about each run that finished (metrics.ts). */
export interface RunMetrics {
  observeRunFinished(run: FinishedRun): void;
}

/** Where statuses go: /status of the API server (kube/requests.ts), or memory in unit tests. */
/** A JSON merge patch of the status: `null` removes a field. */
export type StatusPatcher = (app: WasiApp, statusPatch: unknown) => Promise<WasiApp>;

export interface StatusWriterDeps {
  patchStatus: StatusPatcher;
  events: Pick<EventRecorder, 'normal' | 'warning'>;
  metrics?: RunMetrics;
  now: () => Date;
}

export class StatusWriter {
  /**
   * key → the resourceVersion a status write of ours replaced. While the cache
   * still holds that version, it has not seen our write: reconciling from it
   * would only end in a 409. The watch event of the write enqueues the key.
   */
  private readonly ownWrites = new Map<string, string>();

  constructor(private readonly deps: StatusWriterDeps) {}

  /** False while the cache holds the version our last write replaced (see ownWrites). */
  isCurrent(key: string, cached: WasiApp): boolean {
    const replaced = this.ownWrites.get(key);
    if (replaced === undefined) return true;
    if (replaced === cached.metadata.resourceVersion) return false;
    this.ownWrites.delete(key);
    return true;
  }

  /** The app is gone: nothing of ours to wait for. */
  forget(key: string): void {
    this.ownWrites.delete(key);
  }

  /** Writes `next` when it differs from the app's status: a merge patch of the difference. */
  async write(key: string, app: WasiApp, next: WasiAppStatus, log: Logger): Promise<void> {
    const previous = app.status ?? {};
    if (deepEqual(previous, next)) {
      log.debug('status unchanged');
      return;
    }
    const updated = await this.deps.patchStatus(app, mergePatch(previous, next));
    const replaced = app.metadata.resourceVersion;
    if (replaced && updated.metadata?.resourceVersion !== replaced) this.ownWrites.set(key, replaced);
    log.info({ phase: next.phase, previousPhase: previous.phase, run: next.jobName }, 'updated status');
    this.emitTransitionEvents(app, previous, next);
    this.observeFinishedRuns(app, previous, next);
  }

  /**
   * A reconcile that failed shows on the WasiApp, not only in the log: a
   * `Reconciled=False` condition with `reason` and the error's message
   * (written once, again only when they change). A terminal error also turns
   * the phase Failed: nothing will happen until the user acts. The next
   * status write of a reconcile that works drops both: it computes the whole
   * status again.
   */
  async writeFailure(app: WasiApp, err: unknown, reason: string, terminal: boolean): Promise<void> {
    const previous = app.status?.conditions ?? [];
    const message = errorMessage(err);
    const before = findCondition(previous, CONDITION_RECONCILED);
    const phaseDone = !terminal || app.status?.phase === 'Failed';
    if (before?.status === 'False' && before.reason === reason && before.message === message && phaseDone) return;
    const condition = nextCondition(previous, { type: CONDITION_RECONCILED, status: 'False', reason, message }, app.metadata.generation, this.deps.now());
    const conditions = [...previous.filter((c) => c.type !== CONDITION_RECONCILED), condition];
    await this.deps.patchStatus(app, { conditions, ...(terminal && { phase: 'Failed' as const, observedGeneration: app.metadata.generation }) });
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

  private observeFinishedRuns(app: WasiApp, previous: WasiAppStatus, next: WasiAppStatus): void {
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
}
