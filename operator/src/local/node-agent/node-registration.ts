// Registers the Node and keeps it alive the way a kubelet does: a Lease in
// kube-node-lease renewed every few seconds (the node lifecycle controller
// marks a node whose lease expires NotReady and taints it).
import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { buildNode, kubernetesArch, readyConditions, type MachineFacts } from './node-object.js';

const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_DURATION_SECONDS = 40;
const RENEW_INTERVAL_MS = 10_000;
const MAX_PODS = 110;

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

export function machineFacts(): MachineFacts {
  return {
    cpus: cpus().length,
    memoryBytes: totalmem(),
    maxPods: MAX_PODS,
    kernelVersion: release(),
    bootID: readOr('/proc/sys/kernel/random/boot_id', randomUUID()),
    machineID: readOr('/etc/machine-id', randomUUID().replace(/-/g, '')),
    architecture: kubernetesArch(arch()),
  };
}

const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;

/** Creates the Node, or takes over an existing one of that name and reports it Ready. */
export async function registerNode(kc: KubeConfig, name: string, kubeletPort?: number): Promise<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const node = buildNode(name, machineFacts(), new Date(), kubeletPort);
  try {
    return await core.createNode({ body: node });
  } catch (err) {
    if (codeOf(err) !== 409) throw err;
  }
  const existing = await core.readNode({ name });
  existing.status = node.status;
  return core.replaceNodeStatus({ name, body: existing });
}

/** Reports the node NotReady when the agent stops, so nothing new is scheduled onto it. */
export async function markNodeNotReady(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const node = await core.readNode({ name });
  const conditions = readyConditions(new Date()).map((c) =>
    c.type === 'Ready' ? { ...c, status: 'False', reason: 'KubeletNotReady', message: 'wasi node agent stopped' } : c,
  );
  node.status = { ...node.status, conditions };
  await core.replaceNodeStatus({ name, body: node });
}

function leaseFor(node: V1Node, now: V1MicroTime): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.metadata!.name!,
      namespace: LEASE_NAMESPACE,
      // As the kubelet does: the lease goes when the Node goes.
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata!.name!, uid: node.metadata!.uid! }],
    },
    spec: { holderIdentity: node.metadata!.name!, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
  };
}

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly api: CoordinationV1Api;

  constructor(
    kc: KubeConfig,
    private readonly node: V1Node,
    private readonly log: Logger,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((err: unknown) => this.log.warn({ err }, 'node lease renewal failed'));
    }, RENEW_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async renew(): Promise<void> {
    const name = this.node.metadata!.name!;
    // MicroTime: the API server wants six fractional digits in a lease's renewTime.
    const now = new V1MicroTime();
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace: LEASE_NAMESPACE });
      lease.spec = { ...lease.spec, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now };
      await this.api.replaceNamespacedLease({ name, namespace: LEASE_NAMESPACE, body: lease });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
      await this.api.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: leaseFor(this.node, now) });
    }
  }
}
