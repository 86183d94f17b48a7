// The Node this agent plays the kubelet for. Pure: the machine's facts go in,
// the Node (with a Ready status) comes out.
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';

export const DEFAULT_NODE_NAME = 'wasi-node';
export const NODE_AGENT_LABEL = 'wasi-operator.dev/node-agent';
export const AGENT_VERSION = 'wasi-node-agent/v0.1.0';

export interface MachineFacts {
  cpus: number;
  memoryBytes: number;
  maxPods: number;
  kernelVersion: string;
  bootID: string;
  machineID: string;
  architecture: string;
}

/** Kubernetes calls amd64 what Node calls x64. */
export function kubernetesArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

export function readyConditions(now: Date): V1NodeCondition[] {
  const at = now;
  const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  });
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'wasi node agent has sufficient memory available'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'wasi node agent has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'wasi node agent has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'wasi node agent is posting ready status'),
  ];
}

/** `kubeletPort`: where the agent's kubelet API listens (kubectl logs); without one the Node advertises none. */
export function buildNode(name: string, facts: MachineFacts, now: Date, kubeletPort?: number): V1Node {
  const resources = {
    cpu: String(facts.cpus),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(facts.maxPods),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': facts.architecture,
        [NODE_AGENT_LABEL]: 'true',
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: readyConditions(now),
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      ...(kubeletPort !== undefined && { daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } }),
      nodeInfo: {
        architecture: facts.architecture,
        bootID: facts.bootID,
        containerRuntimeVersion: `local-process://${AGENT_VERSION}`,
        kernelVersion: facts.kernelVersion,
        kubeProxyVersion: '',
        kubeletVersion: AGENT_VERSION,
        machineID: facts.machineID,
        operatingSystem: 'linux',
        osImage: 'wasi-operator local node',
        systemUUID: facts.machineID,
      },
    },
  };
}
