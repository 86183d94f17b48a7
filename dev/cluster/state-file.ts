// The record of a started cluster: enough to find it again (`up` twice,
// `status`) and to stop exactly what was started (`down`, crash clean-up).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterPorts } from './component-args.js';
import type { ProcessName } from './state-dir.js';

export const STATE_VERSION = 1;

export interface ComponentRecord {
  pid: number;
  binary: string;
  log: string;
}

export interface ClusterState {
  version: typeof STATE_VERSION;
  /** `starting` until every component is ready; a crash leaves it there. */
  phase: 'starting' | 'running';
  server: string;
  kubeconfig: string;
  ports: ClusterPorts;
  components: Partial<Record<ProcessName, ComponentRecord>>;
  startedAt: string;
  /** Set when the cluster has the real node (containerd, kubelet, kube-proxy, registry). */
  node?: { dapr: boolean };
}

export function readState(path: string): ClusterState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
    return state.version === STATE_VERSION ? state : undefined;
  } catch {
    // A half-written file from a crash is the same as no file: clean up and start over.
    return undefined;
  }
}

export function writeState(path: string, state: ClusterState): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
