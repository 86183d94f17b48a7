// The next WasiApp status as a pure function of the app (with its current
// status, which is also the memory of runs whose Jobs are gone), the Jobs of
// its runs with their Pods, and the state store's state.
import type { Condition, ConditionStatus, WasiApp, WasiAppResult, WasiAppRun, WasiAppStatus } from '../api/wasiapp.js';
import { CONDITION_READY, CONDITION_STATE_STORE_READY, CONDITION_SUCCEEDED, kubeTime, nextCondition } from './conditions.js';
import type { Verdict } from './pod-outcome.js';
import { isFinishedRun, viewRun, viewVanishedRun, type RunObservation, type RunView } from './run-record.js';
import type { StateStoreTarget } from './state-store-failure.js';
import { ConditionReason } from '../api/reasons.js';

export interface StateStoreState {
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
}

export interface StatusInput {
  app: WasiApp;
  /** The Jobs of the app's runs that exist now, with their Pods. */
  runs: readonly RunObservation[];
  stateStore: StateStoreState;
  /** Where the app's state store is (stateStoreTargetFor), for the message of a run that failed on it. */
  stateStoreTarget?: StateStoreTarget;
  now: Date;
  /** With spec.schedule: when its CronJob last started a Job. */
  lastScheduleTime?: string;
  /** With spec.schedule and not suspended: when it fires next. */
  nextScheduleTime?: string;
  /** The rerun annotation value a run has been started for. */
  observedRerun?: string;
}

export const DEFAULT_RUNS_HISTORY_LIMIT = 10;

export function runsHistoryLimitOf(app: WasiApp): number {
  return app.spec.runsHistoryLimit ?? DEFAULT_RUNS_HISTORY_LIMIT;
}

export function computeStatus(input: StatusInput): WasiAppStatus {
  const { app, stateStore, now } = input;
  const previous = app.status ?? {};
  const generation = app.metadata.generation;

  const { runs, views } = mergeRuns(previous.runs ?? [], input.runs, now, runsHistoryLimitOf(app), input.stateStoreTarget);
  // Without a schedule, a new generation starts over: the phase, conditions
  // and result speak of its runs only (older ones stay in the history). A
  // schedule's runs go on across spec changes.
  const relevant = app.spec.schedule !== undefined ? runs : runs.filter((run) => run.generation === generation);
  const latest = relevant.at(-1);
  const latestFinished = [...relevant].reverse().find(isFinishedRun);
  const latestView = latest ? views.get(latest.jobName) : undefined;
  const finishedView = latestFinished ? views.get(latestFinished.jobName) : undefined;

  const ready: Verdict = latest
    ? (latestView?.ready ?? keptReady(previous, latest))
    : notStartedVerdict(app, stateStore);
  const succeeded: Verdict = latestFinished
    ? (finishedView?.succeeded ?? verdictOfRecord(latestFinished))
    : (latestView?.succeeded ?? { status: 'Unknown', reason: ConditionReason.Pending, message: 'the guest has not run yet' });

  const conditions: Condition[] = [
    nextCondition(previous.conditions, { type: CONDITION_STATE_STORE_READY, ...stateStore }, generation, now),
    nextCondition(previous.conditions, { type: CONDITION_READY, ...ready }, generation, now),
    nextCondition(previous.conditions, { type: CONDITION_SUCCEEDED, ...succeeded }, generation, now),
  ];
  const newlyFinished = newlyFinishedRuns(previous.runs ?? [], runs);
  const lastSuccessfulTime = [previous.lastSuccessfulTime, ...runs.filter((r) => r.phase === 'Succeeded').map((r) => r.completionTime)]
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  return compact({
    phase: latest?.phase ?? 'Pending',
    conditions,
    result: resultOf(latestFinished, finishedView, previous),
    podName: latest?.podName,
    jobName: latest?.jobName,
    startTime: latest?.startTime,
    completionTime: latest?.completionTime,
    observedGeneration: generation,
    runs: runs.length > 0 ? runs : undefined,
    lastRun: runs.at(-1),
    lastSuccessfulTime,
    succeededRuns: (previous.succeededRuns ?? 0) + newlyFinished.filter((r) => r.phase === 'Succeeded').length,
    failedRuns: (previous.failedRuns ?? 0) + newlyFinished.filter((r) => r.phase === 'Failed').length,
    observedRerun: input.observedRerun ?? previous.observedRerun,
    lastScheduleTime: app.spec.schedule !== undefined ? (input.lastScheduleTime ?? previous.lastScheduleTime) : undefined,
    nextScheduleTime: input.nextScheduleTime,
  });
}

/**
 * The recorded runs updated from the Jobs that exist, new Jobs appended in
 * the order they were made, oldest dropped beyond `limit`.
 */
function mergeRuns(
  previousRuns: readonly WasiAppRun[],
  observations: readonly RunObservation[],
  now: Date,
  limit: number,
  stateStore: StateStoreTarget | undefined,
): { runs: WasiAppRun[]; views: Map<string, RunView> } {
  const byJob = new Map(observations.map((o) => [o.job.metadata?.name ?? '', o]));
  const views = new Map<string, RunView>();
  const runs: WasiAppRun[] = [];
  for (const recorded of previousRuns) {
    const observation = byJob.get(recorded.jobName);
    if (!observation) {
      runs.push(viewVanishedRun(recorded, now));
      continue;
    }
    const view = viewRun(observation, recorded, now, stateStore);
    views.set(recorded.jobName, view);
    runs.push(view.run);
    byJob.delete(recorded.jobName);
  }
  // A Job made before the oldest recorded run and never recorded was trimmed
  // from the history (the reconciler deletes it): not a new run.
  const oldest = previousRuns[0]?.startTime;
  const fresh = [...byJob.values()]
    .filter((o) => oldest === undefined || (kubeTime(o.job.metadata?.creationTimestamp) ?? oldest) >= oldest)
    .sort((a, b) => createdAt(a).localeCompare(createdAt(b)));
  for (const observation of fresh) {
    const view = viewRun(observation, undefined, now, stateStore);
    views.set(view.run.jobName, view);
    runs.push(view.run);
  }
  return { runs: runs.slice(Math.max(0, runs.length - Math.max(limit, 1))), views };
}

function createdAt(observation: RunObservation): string {
  return `${kubeTime(observation.job.metadata?.creationTimestamp) ?? ''}/${observation.job.metadata?.name ?? ''}`;
}

/** Runs that finished between two statuses: counted once, announced once. */
export function newlyFinishedRuns(before: readonly WasiAppRun[], after: readonly WasiAppRun[]): WasiAppRun[] {
  const finishedBefore = new Set(before.filter(isFinishedRun).map((r) => r.jobName));
  return after.filter((r) => isFinishedRun(r) && !finishedBefore.has(r.jobName));
}

function notStartedVerdict(app: WasiApp, stateStore: StateStoreState): Verdict {
  if (stateStore.status !== 'True') {
    return { status: 'False', reason: ConditionReason.StateStoreNotReady, message: `waiting for the state store: ${stateStore.message}` };
  }
  if (app.spec.schedule !== undefined) {
    return app.spec.suspend
      ? { status: 'False', reason: ConditionReason.Suspended, message: 'the schedule is suspended (spec.suspend)' }
      : { status: 'False', reason: ConditionReason.Scheduled, message: `waiting for the schedule "${app.spec.schedule}" to start a run` };
  }
  return { status: 'False', reason: ConditionReason.JobNotCreated, message: 'the run has not been created yet' };
}

/** Ready of a finished run whose Job is gone: as it was when the Job was there. */
function keptReady(previous: WasiAppStatus, latest: WasiAppRun): Verdict {
  const before = previous.conditions?.find((c) => c.type === CONDITION_READY);
  if (before && previous.jobName === latest.jobName && isFinishedRun(latest)) return { status: before.status, reason: before.reason, message: before.message };
  return { status: 'False', reason: ConditionReason.Completed, message: `the run's Job ${latest.jobName} has finished` };
}

function verdictOfRecord(run: WasiAppRun): Verdict {
  if (run.phase === 'Succeeded') return { status: 'True', reason: run.reason ?? 'GuestPassed', message: run.message ?? 'the guest passed' };
  return { status: 'False', reason: run.reason ?? 'GuestFailed', message: run.message ?? 'the guest failed' };
}

/** The host's result of the latest finished run: fresh from its Pod, else as recorded when its Pod still existed. */
function resultOf(latestFinished: WasiAppRun | undefined, view: RunView | undefined, previous: WasiAppStatus): WasiAppResult | undefined {
  if (!latestFinished) return undefined;
  if (view?.result) return view.result;
  // The previous result is the one its latest finished run reported.
  const previousFinished = [...(previous.runs ?? [])].reverse().find(isFinishedRun);
  if (previous.result && previousFinished?.jobName === latestFinished.jobName) return previous.result;
  // Recorded without its output: what the run record kept.
  return compact({
    passed: latestFinished.passed ?? latestFinished.phase === 'Succeeded',
    exitCode: latestFinished.exitCode ?? (latestFinished.phase === 'Succeeded' ? 0 : 1),
    reason: latestFinished.phase === 'Succeeded' ? undefined : latestFinished.reason,
    compileMillis: latestFinished.compileMillis,
    instantiateMillis: latestFinished.instantiateMillis,
    runMillis: latestFinished.runMillis,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
