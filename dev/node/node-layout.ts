// Where the local cluster's real node lives and how it is addressed. One node
// per machine: the bridge, the nftables table and the kubelet's ports are
// machine-wide, so every name here is fixed and `up` refuses a second node.
import { join } from 'node:path';

export const NODE_NAME = 'wasi-node';

/**
 * The Pod network: a bridge of the cluster's own whose address is also the
 * node's (the kubelet refuses a loopback node IP, and Pods reach the API
 * server there). Nothing outside this machine is ever routed to.
 */
export const NODE_NETWORK = {
  bridge: 'wasi0',
  nodeIp: '10.244.0.1',
  podCidr: '10.244.0.0/24',
  prefixLength: 24,
  /** Pods get addresses from here on; below it is left for the node. */
  podRangeStart: '10.244.0.10',
  podRangeEnd: '10.244.0.250',
  /** Same as the API server's --service-cluster-ip-range (see pki.ts). */
  serviceCidr: '10.0.0.0/24',
  clusterDns: '10.0.0.10',
  clusterDomain: 'cluster.local',
  /** nftables table holding the rule that keeps Pod traffic on this machine. */
  firewallTable: 'wasi-node',
  cniNetwork: 'wasi-pods',
} as const;

/** Fixed loopback ports of the node's daemons (the kubelet's 10250 is the API server's default). */
export const NODE_PORTS = {
  kubelet: 10250,
  kubeletHealthz: 10248,
  kubeProxyHealthz: 10256,
  kubeProxyMetrics: 10249,
  /** The local OCI registry every image comes from. */
  registry: 5111,
} as const;

export const REGISTRY_ADDRESS = `127.0.0.1:${NODE_PORTS.registry}`;

export interface NodePaths {
  dir: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  /** containerd's registry hosts directory (`certs.d`): every registry maps to the local one. */
  registryHostsDir: string;
  runcRoot: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletDir: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  kubeProxyConfig: string;
  kubeProxyKubeconfig: string;
  podLogsDir: string;
  /** The machine's settings the node changed, to put back on `down`. */
  savedSysctls: string;
}

export function nodePaths(stateDir: string): NodePaths {
  const dir = join(stateDir, 'node');
  return {
    dir,
    containerdConfig: join(dir, 'containerd', 'config.toml'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    registryHostsDir: join(dir, 'containerd', 'certs.d'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletDir: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    kubeletKubeconfig: join(dir, 'kubelet.kubeconfig'),
    kubeProxyConfig: join(dir, 'kube-proxy-config.yaml'),
    kubeProxyKubeconfig: join(dir, 'kube-proxy.kubeconfig'),
    podLogsDir: join(dir, 'pod-logs'),
    savedSysctls: join(dir, 'sysctls.json'),
  };
}
