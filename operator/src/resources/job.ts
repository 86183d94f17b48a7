// The Kubernetes objects that run a WasiApp: a batch/v1 Job per run, or a
// batch/v1 CronJob that makes them on a schedule. The Job controller in
// kube-controller-manager does the retrying, the deadline and the clean-up;
// the operator only says what a run is. Pure: the same input gives the same
// objects.
import type { V1CronJob, V1Job, V1JobSpec, V1PodFailurePolicy } from '@kubernetes/client-node';
import { HOST_FAILURE_EXIT_CODE, RUN_TRIGGER_ANNOTATION, SPEC_HASH_ANNOTATION, WASIAPP_ANNOTATION } from '../api/names.js';
import type { OperatorConfig } from '../api/operator-config.js';
import type { RunTrigger, WasiApp } from '../api/wasiapp.js';
import { podLabelsFor } from './labels.js';
import { cronJobNameFor, requireName, requireNamespace, shortHash } from './names.js';
import { ownerReferenceFor } from './owner.js';
import { buildHostPodTemplate } from './pod.js';

export const DEFAULT_RETRIES = 0;
/** Scheduling, image pull and the sidecar's start, per attempt, on top of spec.timeoutSeconds. */
export const DEFAULT_JOB_DEADLINE_ALLOWANCE_SECONDS = 300;

/**
 * What a retry can and cannot fix. The host's own failures (exit code 125)
 * fail the Job at once; a Pod the cluster disrupted (preempted, evicted, its
 * node drained) is retried without counting against spec.retries; anything
 * else the guest did (an exit code, a trap, a timeout, missing success
 * output, no sidecar) counts, as the Job's default does.
 */
export function runPodFailurePolicy(): V1PodFailurePolicy {
  return {
    rules: [
      // Any container: the fetch-module init container reports a wrong digest with it too.
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [HOST_FAILURE_EXIT_CODE] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  };
}

/**
 * activeDeadlineSeconds from spec.timeoutSeconds: every attempt may use its
 * timeout plus the allowance. The host stops a guest at its timeout first;
 * this catches what the host cannot, such as a Pod that never starts.
 */
export function runDeadlineSeconds(app: WasiApp, config: OperatorConfig): number | undefined {
  const timeout = app.spec.timeoutSeconds;
  if (timeout === undefined) return undefined;
  const attempts = (app.spec.retries ?? DEFAULT_RETRIES) + 1;
  return attempts * (timeout + (config.jobDeadlineAllowanceSeconds ?? DEFAULT_JOB_DEADLINE_ALLOWANCE_SECONDS));
}

function runJobSpec(app: WasiApp, config: OperatorConfig): V1JobSpec {
  const deadline = runDeadlineSeconds(app, config);
  const template = buildHostPodTemplate(app, config);
  return {
    completions: 1,
    parallelism: 1,
    backoffLimit: app.spec.retries ?? DEFAULT_RETRIES,
    podFailurePolicy: runPodFailurePolicy(),
    ...(deadline !== undefined && { activeDeadlineSeconds: deadline }),
    ...(app.spec.ttlSecondsAfterFinished !== undefined && { ttlSecondsAfterFinished: app.spec.ttlSecondsAfterFinished }),
    template,
  };
}

function runAnnotations(app: WasiApp, trigger: RunTrigger): Record<string, string> {
  return { [WASIAPP_ANNOTATION]: requireName(app), [RUN_TRIGGER_ANNOTATION]: trigger };
}

/** One run of the app's current generation, owned by the app. */
export function buildRunJob(app: WasiApp, config: OperatorConfig, name: string, trigger: 'Spec' | 'Rerun'): V1Job {
  const spec = runJobSpec(app, config);
  // spec.suspend holds a run that has not started; a started one is not stopped by it.
  if (app.spec.suspend === true && trigger === 'Spec') spec.suspend = true;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: requireNamespace(app),
      labels: podLabelsFor(app),
      annotations: runAnnotations(app, trigger),
      ownerReferences: [ownerReferenceFor(app)],
    },
    spec,
  };
}

/** The CronJob of an app with spec.schedule: its Jobs are the app's runs. */
export function buildRunCronJob(app: WasiApp, config: OperatorConfig): V1CronJob {
  const { spec } = app;
  const cronJob: V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: cronJobNameFor(app),
      namespace: requireNamespace(app),
      labels: podLabelsFor(app),
      annotations: { [WASIAPP_ANNOTATION]: requireName(app) },
      ownerReferences: [ownerReferenceFor(app)],
    },
    spec: {
      schedule: spec.schedule as string,
      ...(spec.timeZone !== undefined && { timeZone: spec.timeZone }),
      // Forbid by default: a guest that outlives its period should not pile up copies of itself.
      concurrencyPolicy: spec.concurrencyPolicy ?? 'Forbid',
      ...(spec.startingDeadlineSeconds !== undefined && { startingDeadlineSeconds: spec.startingDeadlineSeconds }),
      ...(spec.successfulJobsHistoryLimit !== undefined && { successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit }),
      ...(spec.failedJobsHistoryLimit !== undefined && { failedJobsHistoryLimit: spec.failedJobsHistoryLimit }),
      suspend: spec.suspend === true,
      jobTemplate: {
        metadata: { labels: podLabelsFor(app), annotations: runAnnotations(app, 'Schedule') },
        spec: runJobSpec(app, config),
      },
    },
  };
  cronJob.metadata!.annotations![SPEC_HASH_ANNOTATION] = shortHash(JSON.stringify(cronJob.spec));
  return cronJob;
}
