// Pod status as a kubelet reports it, for a Pod run as local processes. Pure.
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

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

function terminated(pod: V1Pod, outcome: ContainerOutcome): V1ContainerStatus {
  return {
    name: outcome.name,
    image: imageOf(pod, outcome.name),
    imageID: '',
    ...(outcome.pid !== undefined && { containerID: `local-process://${outcome.pid}` }),
    ready: false,
    restartCount: 0,
    started: false,
    state: {
      terminated: {
        exitCode: outcome.exitCode,
        reason: outcome.exitCode === 0 ? 'Completed' : 'Error',
        ...(outcome.message && { message: outcome.message }),
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
      },
    },
  };
}

/** Pods run as local processes: the node's and every Pod's address is loopback. */
const LOCAL_ADDRESSES: Pick<V1PodStatus, 'hostIP' | 'hostIPs' | 'podIP' | 'podIPs'> = {
  hostIP: '127.0.0.1',
  hostIPs: [{ ip: '127.0.0.1' }],
  podIP: '127.0.0.1',
  podIPs: [{ ip: '127.0.0.1' }],
};

/** All containers started (their pids known): phase Running, Ready. */
export function runningStatus(pod: V1Pod, startedAt: Date, pids: Record<string, number>, initOutcomes: ContainerOutcome[]): V1PodStatus {
  const now = new Date();
  return {
    phase: 'Running',
    ...LOCAL_ADDRESSES,
    startTime: startedAt,
    conditions: [
      condition('PodReadyToStartContainers', 'True', startedAt),
      condition('Initialized', 'True', now),
      condition('ContainersReady', 'True', now),
      condition('Ready', 'True', now),
      condition('PodScheduled', 'True', startedAt),
    ],
    ...(initOutcomes.length > 0 && { initContainerStatuses: initOutcomes.map((o) => terminated(pod, o)) }),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ...(pids[c.name] !== undefined && { containerID: `local-process://${pids[c.name]}` }),
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: startedAt } },
    })),
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
