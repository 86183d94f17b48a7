// One run as the status records it, from its Job and the Job's Pods (one per
// attempt). The Job says whether the run is over (its Complete or Failed
// condition, or the earlier SuccessCriteriaMet / FailureTarget); the newest
// attempt's Pod says what the host reported. Pure.
import type { V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { HOST_CONTAINER_NAME, HOST_FAILURE_EXIT_CODE, RUN_TRIGGER_ANNOTATION } from '../api/names.js';
import type { RunTrigger, WasiAppPhase, WasiAppResult, WasiAppRun } from '../api/wasiapp.js';
import { LABEL_GENERATION } from '../resources/labels.js';
import { kubeTime } from './conditions.js';
import { isCamelCaseReason, outcomeFromPod, type PodOutcome, type Verdict } from './pod-outcome.js';
import type { StateStoreTarget } from './state-store-failure.js';
import { ConditionReason } from '../api/reasons.js';

/** A run's Job with the Pods it made (any order). */
export interface RunObservation {
  job: V1Job;
  pods: readonly V1Pod[];
}

/** A run's record plus what the status's conditions and result take from it. */
export interface RunView {
  run: WasiAppRun;
  ready: Verdict;
  succeeded: Verdict;
  /** The host's full result (with its output) when an attempt reported one. */
  result?: WasiAppResult;
}

const RUN_TRIGGERS: ReadonlySet<string> = new Set<RunTrigger>(['Spec', 'Rerun', 'Schedule']);

export function isFinishedRun(run: WasiAppRun | undefined): boolean {
  return run?.phase === 'Succeeded' || run?.phase === 'Failed';
}

function trueCondition(job: V1Job, ...types: string[]): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => types.includes(c.type) && c.status === 'True');
}

function triggerOf(job: V1Job): RunTrigger {
  const trigger = job.metadata?.annotations?.[RUN_TRIGGER_ANNOTATION];
  return trigger !== undefined && RUN_TRIGGERS.has(trigger) ? (trigger as RunTrigger) : 'Spec';
}

function byCreation(a: V1Pod, b: V1Pod): number {
  const at = kubeTime(a.metadata?.creationTimestamp) ?? '';
  const bt = kubeTime(b.metadata?.creationTimestamp) ?? '';
  return at < bt ? -1 : at > bt ? 1 : (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

function isDisrupted(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True') ?? false;
}

const FINISHED_PHASES: ReadonlySet<WasiAppPhase> = new Set(['Succeeded', 'Failed']);

/**
 * The record of the run `observation` is, keeping what `previous` (the same
 * run's earlier record) knew and the Pods no longer say. `stateStore` is
 * named in the message of an attempt that failed on it.
 */
export function viewRun(observation: RunObservation, previous: WasiAppRun | undefined, now: Date, stateStore?: StateStoreTarget): RunView {
  const { job } = observation;
  const jobName = job.metadata?.name ?? '';
  const status = job.status ?? {};
  const pods = [...observation.pods].sort(byCreation);
  const outcomes = pods.map((pod) => ({ pod, outcome: outcomeFromPod(pod, previousTimes(previous, pod), now, stateStore) }));
  const newest = outcomes.at(-1);
  const lastFinished = [...outcomes].reverse().find((o) => FINISHED_PHASES.has(o.outcome.phase));
  const attempts = (status.failed ?? 0) + (status.succeeded ?? 0) + (status.active ?? 0);

  const base: Omit<WasiAppRun, 'phase'> = {
    jobName,
    generation: Number(job.metadata?.labels?.[LABEL_GENERATION] ?? previous?.generation ?? 0),
    trigger: previous?.trigger ?? triggerOf(job),
    attempts: Math.max(attempts, previous?.attempts ?? 0),
    ...defined({ startTime: kubeTime(status.startTime) ?? previous?.startTime }),
  };

  const succeededCondition = trueCondition(job, 'Complete', 'SuccessCriteriaMet');
  const failedCondition = trueCondition(job, 'Failed', 'FailureTarget');
  const backoffLimit = job.spec?.backoffLimit ?? 6;

  if (succeededCondition || newest?.outcome.phase === 'Succeeded') {
    const passedAttempt = [...outcomes].reverse().find((o) => o.outcome.phase === 'Succeeded');
    // The host's own finish time first: it is known from the Pod before the
    // Job says Complete, and taking it keeps the status from changing twice.
    const completionTime = passedAttempt?.outcome.completionTime ?? previous?.completionTime ?? kubeTime(status.completionTime) ?? kubeTime(now);
    if (!passedAttempt) {
      // The Pods are gone (a TTL, or deleted by hand): the Job's word stands.
      return finished(base, previous, 'Succeeded', completionTime, { status: 'True', reason: previous?.reason ?? 'GuestPassed', message: previous?.message ?? `Job ${jobName} completed` });
    }
    return fromOutcome(base, passedAttempt.pod, passedAttempt.outcome, completionTime);
  }

  if (failedCondition) {
    const completionTime = kubeTime(failedCondition.lastTransitionTime) ?? lastFinished?.outcome.completionTime ?? previous?.completionTime ?? kubeTime(now);
    if (failedCondition.reason === 'DeadlineExceeded') {
      const detail = lastFinished ? `; the last attempt: ${lastFinished.outcome.succeeded.message}` : '';
      const message =
        `the run's Job ${jobName} passed its deadline of ${job.spec?.activeDeadlineSeconds ?? '?'} s ` +
        `(spec.timeoutSeconds per attempt plus time to start each Pod) and was stopped${detail}`;
      const view = finished(base, previous, 'Failed', completionTime, { status: 'False', reason: ConditionReason.DeadlineExceeded, message });
      return lastFinished?.outcome.result ? withResult(view, lastFinished.pod, lastFinished.outcome.result) : view;
    }
    if (lastFinished && lastFinished.outcome.phase === 'Failed') return fromOutcome(base, lastFinished.pod, lastFinished.outcome, completionTime);
    if (previous && isFinishedRun(previous)) return finished(base, previous, 'Failed', completionTime, { status: 'False', reason: previous.reason ?? 'JobFailed', message: previous.message ?? '' });
    const reason = isCamelCaseReason(failedCondition.reason) ? failedCondition.reason : 'JobFailed';
    return finished(base, previous, 'Failed', completionTime, {
      status: 'False',
      reason,
      message: `the run's Job ${jobName} failed: ${failedCondition.message || reason}`,
    });
  }

  if (!newest) {
    if (job.spec?.suspend === true) {
      return pending(base, { status: 'False', reason: ConditionReason.Suspended, message: `Job ${jobName} is suspended (spec.suspend); it starts when that is false` });
    }
    return pending(base, { status: 'False', reason: ConditionReason.JobCreated, message: `Job ${jobName} has not made a Pod yet` });
  }

  if (newest.outcome.phase === 'Failed') {
    // Failed attempts so far: the Job's count may lag the Pods it has not
    // counted yet, and a disrupted Pod counts for neither.
    const failedPods = outcomes.filter((o) => o.outcome.phase === 'Failed' && !isDisrupted(o.pod)).length;
    const failures = Math.max(status.failed ?? 0, failedPods);
    const final = newest.outcome.result?.exitCode === HOST_FAILURE_EXIT_CODE || (!isDisrupted(newest.pod) && failures > backoffLimit);
    if (final) {
      return fromOutcome(base, newest.pod, newest.outcome, newest.outcome.completionTime ?? kubeTime(now));
    }
    const attempt = Math.max(pods.length, 1);
    return {
      run: { ...base, phase: 'Running', ...podFields(newest.pod, base.startTime), ...resultFields(newest.outcome.result) },
      ready: {
        status: 'False',
        reason: ConditionReason.Retrying,
        message: `attempt ${attempt} failed (${newest.outcome.succeeded.reason}: ${newest.outcome.succeeded.message}); Job ${jobName} retries it`,
      },
      succeeded: { status: 'Unknown', reason: ConditionReason.Retrying, message: 'the run has not finished' },
    };
  }
  return {
    run: { ...base, phase: newest.outcome.phase, ...podFields(newest.pod, base.startTime) },
    ready: newest.outcome.ready,
    succeeded: newest.outcome.succeeded,
  };
}

/**
 * A recorded run whose Job is gone. A finished one keeps its record (its
 * Job's TTL, or trimming, removed it); one that had not finished was deleted
 * (a spec change or a rerun replaced it, or someone deleted it).
 */
export function viewVanishedRun(previous: WasiAppRun, now: Date): WasiAppRun {
  if (isFinishedRun(previous)) return previous;
  return {
    ...previous,
    phase: 'Failed',
    completionTime: kubeTime(now),
    passed: false,
    reason: ConditionReason.JobDeleted,
    message: `the run's Job ${previous.jobName} was deleted before it finished (a spec change or a rerun replaces a run in progress)`,
  };
}

function previousTimes(previous: WasiAppRun | undefined, pod: V1Pod): { podName?: string; startTime?: string; completionTime?: string } {
  if (!previous || previous.podName !== pod.metadata?.name) return {};
  return defined({ podName: previous.podName, completionTime: previous.completionTime });
}

function podFields(pod: V1Pod, runStart?: string): Partial<WasiAppRun> {
  const host = pod.status?.containerStatuses?.find((c) => c.name === HOST_CONTAINER_NAME);
  const hostStarted = kubeTime(host?.state?.terminated?.startedAt ?? host?.state?.running?.startedAt);
  const delay = runStart && hostStarted ? (Date.parse(hostStarted) - Date.parse(runStart)) / 1000 : undefined;
  return defined({ podName: pod.metadata?.name, startDelaySeconds: delay !== undefined && delay >= 0 ? delay : undefined });
}

function resultFields(result: WasiAppResult | undefined): Partial<WasiAppRun> {
  if (!result) return {};
  return defined({
    passed: result.passed,
    exitCode: result.exitCode,
    compileMillis: result.compileMillis,
    instantiateMillis: result.instantiateMillis,
    runMillis: result.runMillis,
  });
}

function fromOutcome(base: Omit<WasiAppRun, 'phase'>, pod: V1Pod, outcome: PodOutcome, completionTime: string | undefined): RunView {
  const phase = outcome.phase === 'Succeeded' ? 'Succeeded' : 'Failed';
  const run: WasiAppRun = {
    ...base,
    phase,
    ...defined({ completionTime }),
    passed: phase === 'Succeeded',
    ...resultFields(outcome.result),
    reason: outcome.succeeded.reason,
    message: outcome.succeeded.message,
    ...podFields(pod, base.startTime),
  };
  return { run, ready: outcome.ready, succeeded: outcome.succeeded, ...(outcome.result && { result: outcome.result }) };
}

function withResult(view: RunView, pod: V1Pod, result: WasiAppResult): RunView {
  const { passed: _passed, ...fields } = resultFields(result);
  void _passed;
  return { ...view, run: { ...view.run, ...fields, podName: pod.metadata?.name ?? view.run.podName ?? '' }, result };
}

function finished(base: Omit<WasiAppRun, 'phase'>, previous: WasiAppRun | undefined, phase: 'Succeeded' | 'Failed', completionTime: string | undefined, succeeded: Verdict): RunView {
  const kept = previous && isFinishedRun(previous) ? previous : undefined;
  const run: WasiAppRun = {
    ...kept,
    ...base,
    phase,
    passed: phase === 'Succeeded',
    reason: succeeded.reason,
    message: succeeded.message,
    ...defined({ completionTime }),
  };
  return { run, ready: { status: 'False', reason: ConditionReason.Completed, message: `the run's Job ${base.jobName} has finished` }, succeeded };
}

function pending(base: Omit<WasiAppRun, 'phase'>, ready: Verdict): RunView {
  return { run: { ...base, phase: 'Pending' }, ready, succeeded: { status: 'Unknown', reason: ConditionReason.Pending, message: 'the guest has not run yet' } };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
