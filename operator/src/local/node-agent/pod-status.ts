// Pod status as a kubelet reports it, for a Pod run as local processes. Pure.
import type { V1ContainerState, V1ContainerStateWaiting, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export interface ContainerOutcome {
  name: string;
  exitCode: number;
  /** Termination message: the message file, or the log tail under FallbackToLogsOnError. */
  message?: string;
  startedAt: Date;
  finishedAt: Date;
  pid?: number;
}

function condition(type: string, status: 'True' | 'False', at: Date, reason?: string): V1PodCondition {
  return { type, status, lastTransitionTime: at, ...(reason && { reason }) };
}

function imageOf(pod: V1Pod, container: string): string {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.find((c) => c.name === container)?.image ?? '';
}

function waiting(pod: V1Pod, name: string, reason: string): V1ContainerStatus {
  return { name, image: imageOf(pod, name), imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason } } };
}

function terminatedState(outcome: ContainerOutcome): V1ContainerState {
  return {
    terminated: {
      exitCode: outcome.exitCode,
      reason: outcome.exitCode === 0 ? 'Completed' : 'Error',
      ...(outcome.message && { message: outcome.message }),
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      ...(outcome.pid !== undefined && { containerID: `local-process://${outcome.pid}` }),
    },
  };
}

function terminated(pod: V1Pod, outcome: ContainerOutcome, restartCount = 0): V1ContainerStatus {
  return {
    name: outcome.name,
    image: imageOf(pod, outcome.name),
    imageID: '',
    ...(outcome.pid !== undefined && { containerID: `local-process://${outcome.pid}` }),
    ready: false,
    restartCount,
    started: false,
    state: terminatedState(outcome),
  };
}

/** Pods run as local processes: the node's and every Pod's address is loopback. */
const LOCAL_ADDRESSES: Pick<V1PodStatus, 'hostIP' | 'hostIPs' | 'podIP' | 'podIPs'> = {
  hostIP: '127.0.0.1',
  hostIPs: [{ ip: '127.0.0.1' }],
  podIP: '127.0.0.1',
  podIPs: [{ ip: '127.0.0.1' }],
};

/** One app container as its supervisor sees it now (container-supervisor.ts). */
export interface LiveContainer {
  name: string;
  state: { running: { startedAt: Date; pid: number } } | { waiting: { reason: string; message?: string } } | { terminated: ContainerOutcome };
  /** Running and, when it has a readiness probe, passing it. */
  ready: boolean;
  restartCount: number;
  /** The run before the current one, after a restart. */
  lastTerminated?: ContainerOutcome;
}

function liveContainerStatus(pod: V1Pod, live: LiveContainer): V1ContainerStatus {
  if ('terminated' in live.state) return terminated(pod, live.state.terminated, live.restartCount);
  const running = 'running' in live.state ? live.state.running : undefined;
  return {
    name: live.name,
    image: imageOf(pod, live.name),
    imageID: '',
    ...(running && { containerID: `local-process://${running.pid}` }),
    ready: live.ready,
    restartCount: live.restartCount,
    started: running !== undefined,
    state: running ? { running: { startedAt: running.startedAt } } : { waiting: (live.state as { waiting: V1ContainerStateWaiting }).waiting },
    ...(live.lastTerminated && { lastState: terminatedState(live.lastTerminated) }),
  };
}

/**
 * The app containers have started: phase Running while any of them runs or
 * will be restarted, Ready when every one is ready; once all have ended for
 * good, Succeeded or Failed as in finishedStatus.
 */
export function podStatus(pod: V1Pod, startedAt: Date, initOutcomes: ContainerOutcome[], containers: LiveContainer[]): V1PodStatus {
  const ended = containers.flatMap((c) => ('terminated' in c.state ? [c.state.terminated] : []));
  const specContainers = pod.spec?.containers ?? [];
  if (specContainers.length > 0 && ended.length === specContainers.length) {
    const status = finishedStatus(pod, startedAt, initOutcomes, ended);
    status.containerStatuses = containers.map((c) => liveContainerStatus(pod, c));
    return status;
  }
  const now = new Date();
  const ready = specContainers.every((spec) => containers.find((c) => c.name === spec.name)?.ready === true);
  const readyStatus = ready ? 'True' : 'False';
  const notReadyReason = ready ? undefined : 'ContainersNotReady';
  return {
    phase: 'Running',
    ...LOCAL_ADDRESSES,
    startTime: startedAt,
    conditions: [
      condition('PodReadyToStartContainers', 'True', startedAt),
      condition('Initialized', 'True', startedAt),
      condition('ContainersReady', readyStatus, now, notReadyReason),
      condition('Ready', readyStatus, now, notReadyReason),
      condition('PodScheduled', 'True', startedAt),
    ],
    ...(initOutcomes.length > 0 && { initContainerStatuses: initOutcomes.map((o) => terminated(pod, o)) }),
    containerStatuses: specContainers.map((spec) => {
      const live = containers.find((c) => c.name === spec.name);
      return live ? liveContainerStatus(pod, live) : waiting(pod, spec.name, 'ContainerCreating');
    }),
  };
}

/**
 * Every container has ended (restartPolicy Never): Succeeded when all exited
 * 0, Failed otherwise. A failed init container leaves the app containers waiting.
 */
export function finishedStatus(pod: V1Pod, startedAt: Date, initOutcomes: ContainerOutcome[], outcomes: ContainerOutcome[]): V1PodStatus {
  const now = new Date();
  const initFailed = initOutcomes.some((o) => o.exitCode !== 0);
  const succeeded = !initFailed && outcomes.length > 0 && outcomes.every((o) => o.exitCode === 0);
  return {
    phase: succeeded ? 'Succeeded' : 'Failed',
    ...LOCAL_ADDRESSES,
    startTime: startedAt,
    conditions: [
      condition('PodReadyToStartContainers', 'False', now),
      condition('Initialized', initFailed ? 'False' : 'True', now, initFailed ? 'PodFailed' : undefined),
      condition('ContainersReady', 'False', now, succeeded ? 'PodCompleted' : 'PodFailed'),
      condition('Ready', 'False', now, succeeded ? 'PodCompleted' : 'PodFailed'),
      condition('PodScheduled', 'True', startedAt),
    ],
    ...(initOutcomes.length > 0 && { initContainerStatuses: initOutcomes.map((o) => terminated(pod, o)) }),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => {
      const outcome = outcomes.find((o) => o.name === c.name);
      return outcome ? terminated(pod, outcome) : waiting(pod, c.name, 'PodInitializing');
    }),
  };
}

/** A Pod this agent cannot run at all: Failed with a reason, no container ever started. */
export function rejectedStatus(pod: V1Pod, reason: string, message: string): V1PodStatus {
  const now = new Date();
  return {
    phase: 'Failed',
    reason,
    message,
    hostIP: '127.0.0.1',
    startTime: now,
    conditions: [condition('PodScheduled', 'True', now), condition('Ready', 'False', now, reason)],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => waiting(pod, c.name, reason)),
  };
}
