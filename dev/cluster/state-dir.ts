// Where a local cluster keeps everything it owns: one directory per cluster,
// so `down` can remove it whole and a test cluster in a temp dir never touches
// a developer's `cluster up`.
import { join, resolve } from 'node:path';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ComponentName = (typeof COMPONENTS)[number];
/** The real node's daemons (`cluster up --node`), in start order. */
export const NODE_COMPONENTS = ['registry', 'containerd', 'kubelet', 'kube-proxy'] as const;
export type NodeComponentName = (typeof NODE_COMPONENTS)[number];
/** Every process a cluster may record in its state. */
export type ProcessName = ComponentName | NodeComponentName;

/** `$WASI_OPERATOR_HOME`, or `.wasi-operator` under the current directory. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const home = env.WASI_OPERATOR_HOME;
  return home && home !== '' ? resolve(cwd, home) : join(cwd, '.wasi-operator');
}

export interface ClusterPaths {
  stateDir: string;
  /** Proves the directory is ours before `down` deletes it. */
  marker: string;
  stateFile: string;
  /** Admin kubeconfig: the one users and tests load. */
  kubeconfig: string;
  pkiDir: string;
  etcdDataDir: string;
  logsDir: string;
  logOf(process: ProcessName): string;
  /** Kubeconfig a control-plane component uses to reach the API server. */
  componentKubeconfig(component: 'kube-controller-manager' | 'kube-scheduler'): string;
}

export function clusterPaths(stateDir: string): ClusterPaths {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    marker: join(dir, '.wasi-operator-cluster'),
    stateFile: join(dir, 'cluster.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    pkiDir: join(dir, 'pki'),
    etcdDataDir: join(dir, 'etcd'),
    logsDir: join(dir, 'logs'),
    logOf: (name) => join(dir, 'logs', `${name}.log`),
    componentKubeconfig: (component) => join(dir, 'pki', `${component}.kubeconfig`),
  };
}
