// What one attempt's Pod says: pending (and why), running, or finished with
// the host's result read from its termination message. Pure.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { HOST_CONTAINER_NAME } from '../api/names.js';
import type { ConditionStatus, WasiAppPhase, WasiAppResult } from '../api/wasiapp.js';
import { FETCH_CONTAINER_NAME } from '../resources/pod.js';
import { kubeTime } from './conditions.js';
import { stateStoreFailureMessage, type StateStoreTarget } from './state-store-failure.js';
import { messageTail, parseTerminationMessage } from './termination-message.js';
import { ConditionReason } from '../api/reasons.js';

export interface Verdict {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface PodOutcome {
  phase: WasiAppPhase;
  ready: Verdict;
  succeeded: Verdict;
  result?: WasiAppResult;
  podName?: string;
  startTime?: string;
  completionTime?: string;
}

/** Earlier times for the same Pod, kept when the Pod no longer says them. */
export interface PodTimes {
  podName?: string;
  startTime?: string;
  completionTime?: string;
}

const CAMEL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const OUTPUT_IN_MESSAGE_CHARS = 256;

export function isCamelCaseReason(reason: string | undefined): reason is string {
  return reason !== undefined && CAMEL_CASE.test(reason);
}

/** `stateStore`: the app's store, named in the message of a run that failed on it. */
export function outcomeFromPod(pod: V1Pod, previous: PodTimes, now: Date, stateStore?: StateStoreTarget): PodOutcome {
  const podName = pod.metadata?.name ?? '';
  const samePod = previous.podName === podName;
  const host = pod.status?.containerStatuses?.find((c) => c.name === HOST_CONTAINER_NAME);
  const startTime = kubeTime(pod.status?.startTime) ?? (samePod ? previous.startTime : undefined);
  const base = { podName, startTime };

  const terminated = host?.state?.terminated;
  if (terminated) {
    const completionTime =
      kubeTime(terminated.finishedAt) ?? (samePod && previous.completionTime ? previous.completionTime : kubeTime(now));
    return { ...base, completionTime, ...outcomeFromTermination(podName, host, stateStore) };
  }
  const podPhase = pod.status?.phase;
  const failedInit = pod.status?.initContainerStatuses?.find((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
  if (podPhase === 'Failed' && failedInit) {
    const terminated = failedInit.state!.terminated!;
    const tail = messageTail(terminated.message);
    return {
      ...base,
      completionTime: kubeTime(terminated.finishedAt) ?? (samePod && previous.completionTime ? previous.completionTime : kubeTime(now)),
      phase: 'Failed',
      ready: { status: 'False', reason: ConditionReason.Completed, message: `pod ${podName} has finished` },
      succeeded: {
        status: 'False',
        reason: failedInit.name === FETCH_CONTAINER_NAME ? 'ModuleFetchFailed' : 'InitContainerFailed',
        message:
          `init container ${failedInit.name} in pod ${podName} exited with code ${terminated.exitCode}` +
          ` (${terminated.reason || 'no reason given'})${tail ? `: ${tail}` : ''}`,
      },
    };
  }
  if (podPhase === 'Failed' || podPhase === 'Succeeded') {
    const detail = [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ');
    const message =
      podPhase === 'Failed'
        ? `pod ${podName} failed before ${HOST_CONTAINER_NAME} reported a result${detail ? `: ${detail}` : ''}`
        : `pod ${podName} finished without a terminated ${HOST_CONTAINER_NAME} container`;
    return {
      ...base,
      completionTime: samePod && previous.completionTime ? previous.completionTime : kubeTime(now),
      phase: 'Failed',
      ready: { status: 'False', reason: ConditionReason.Completed, message: `pod ${podName} has finished` },
      succeeded: { status: 'False', reason: podPhase === 'Failed' ? 'PodFailed' : 'InvalidResult', message },
    };
  }
  if (host?.state?.running) {
    return {
      ...base,
      phase: 'Running',
      ready: { status: 'True', reason: ConditionReason.Running, message: `${HOST_CONTAINER_NAME} is running in pod ${podName}` },
      succeeded: { status: 'Unknown', reason: ConditionReason.Running, message: 'the guest is running' },
    };
  }
  return { ...base, phase: 'Pending', ready: pendingVerdict(pod, host), succeeded: { status: 'Unknown', reason: ConditionReason.Pending, message: 'the guest has not run yet' } };
}

function pendingVerdict(pod: V1Pod, host: V1ContainerStatus | undefined): Verdict {
  const podName = pod.metadata?.name ?? '';
  const waiting = host?.state?.waiting;
  if (waiting?.reason && CAMEL_CASE.test(waiting.reason)) {
    return { status: 'False', reason: waiting.reason, message: waiting.message || `${HOST_CONTAINER_NAME} in pod ${podName} is waiting` };
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return { status: 'False', reason: ConditionReason.PodUnschedulable, message: scheduled.message || `pod ${podName} cannot be scheduled` };
  }
  return { status: 'False', reason: ConditionReason.PodCreated, message: `pod ${podName} is pending` };
}

function outcomeFromTermination(podName: string, host: V1ContainerStatus, stateStore: StateStoreTarget | undefined): Pick<PodOutcome, 'phase' | 'ready' | 'succeeded' | 'result'> {
  const terminated = host.state!.terminated!;
  const ready: Verdict = { status: 'False', reason: ConditionReason.Completed, message: `${HOST_CONTAINER_NAME} has finished in pod ${podName}` };
  const parsed = parseTerminationMessage(terminated.message);
  if (!parsed.ok) {
    const tail = messageTail(terminated.message);
    const message =
      `${HOST_CONTAINER_NAME} in pod ${podName} terminated with exit code ${terminated.exitCode}` +
      ` (${terminated.reason || 'no reason given'}) without a valid result: ${parsed.problem}` +
      (tail ? `; termination message: ${tail}` : '');
    const result: WasiAppResult = { passed: false, exitCode: terminated.exitCode, reason: ConditionReason.InvalidResult };
    if (tail) result.output = tail;
    return { phase: 'Failed', ready, succeeded: { status: 'False', reason: ConditionReason.InvalidResult, message }, result };
  }
  const { result } = parsed;
  if (result.passed) {
    const timing = result.runMillis !== undefined ? ` in ${result.runMillis} ms` : '';
    return { phase: 'Succeeded', ready, succeeded: { status: 'True', reason: ConditionReason.GuestPassed, message: `the guest passed${timing}` }, result };
  }
  if (result.reason === ConditionReason.StateStoreUnavailable) {
    const message = stateStoreFailureMessage(result, stateStore);
    return { phase: 'Failed', ready, succeeded: { status: 'False', reason: ConditionReason.StateStoreUnavailable, message }, result };
  }
  const reason = result.reason && CAMEL_CASE.test(result.reason) ? result.reason : 'GuestFailed';
  const output = result.output ? `; output: ${messageTail(result.output, OUTPUT_IN_MESSAGE_CHARS)}` : '';
  const message = `the guest failed (${result.reason ?? 'no reason given'}, exit code ${result.exitCode})${output}`;
  return { phase: 'Failed', ready, succeeded: { status: 'False', reason, message }, result };
}
