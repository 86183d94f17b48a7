// A run that waits on another controller's next step, which normally comes
// within moments: the Job controller making the Job's Pod, the scheduler
// placing it, the node reporting its containers. A status write at each such
// step tells the user nothing they can act on. It still costs the API server
// a status write and every watcher of WasiApps an event. In a burst of 1,000
// new apps these steps were most of the operator's status writes: 2.7 per
// app, where the user needs one.
//
// So the status waits for the step to come, for at most SETTLE_LIMIT_MS from
// when the wait began. A step that has not come by then is news (a quota, an
// admission webhook, a controller that is not running), and the status then
// says where the run stands. A finished, suspended or failing run never
// waits. Pure.
import type { V1Pod } from '@kubernetes/client-node';
import { HOST_CONTAINER_NAME } from '../api/names.js';
import type { RunObservation } from './run-record.js';

export const SETTLE_LIMIT_MS = 15_000;

const FINAL_JOB_CONDITIONS: ReadonlySet<string> = new Set(['Complete', 'Failed', 'SuccessCriteriaMet', 'FailureTarget', 'Suspended']);

function millisOf(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const millis = (value instanceof Date ? value : new Date(value)).getTime();
  return Number.isNaN(millis) ? undefined : millis;
}

function newestPod(pods: readonly V1Pod[]): V1Pod | undefined {
  let newest: V1Pod | undefined;
  for (const pod of pods) {
    if (!newest || (millisOf(pod.metadata?.creationTimestamp) ?? 0) >= (millisOf(newest.metadata?.creationTimestamp) ?? 0)) newest = pod;
  }
  return newest;
}

/** When the wait of `pod` for the scheduler or the node began; undefined when it waits on neither. */
function podWaitStart(pod: V1Pod): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  if (phase !== undefined && phase !== 'Pending') return undefined;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  // Not looked at by the scheduler yet (a False here is its answer, and news).
  if (!scheduled) return millisOf(pod.metadata?.creationTimestamp);
  if (scheduled.status !== 'True') return undefined;
  // Placed, and the node has not said anything about the host container yet.
  const reported = pod.status?.containerStatuses?.some((c) => c.name === HOST_CONTAINER_NAME);
  return reported ? undefined : (millisOf(scheduled.lastTransitionTime) ?? millisOf(pod.metadata?.creationTimestamp));
}

/**
 * Until when the status of the run `observation` is settling (see the top of
 * this file), or undefined when it is not: then the status is written now.
 */
export function settlingUntil(observation: RunObservation | undefined, now: Date): Date | undefined {
  if (!observation) return undefined;
  const { job, pods } = observation;
  if (job.spec?.suspend === true) return undefined;
  if (job.status?.conditions?.some((c) => c.status === 'True' && FINAL_JOB_CONDITIONS.has(c.type))) return undefined;
  const pod = newestPod(pods);
  // No Pod: settling only while the Job controller has not synced the Job
  // (it sets startTime on its first sync, with or without a Pod made).
  const waitStart = pod ? podWaitStart(pod) : job.status?.startTime ? undefined : millisOf(job.metadata?.creationTimestamp);
  if (waitStart === undefined) return undefined;
  const until = waitStart + SETTLE_LIMIT_MS;
  return until > now.getTime() ? new Date(until) : undefined;
}
