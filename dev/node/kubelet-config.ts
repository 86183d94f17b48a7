// Pure: the kubelet's and kube-proxy's configuration files and command lines
// for the local node, with what this VM needs spelled out and explained.
import yaml from 'js-yaml';
import type { Pki } from '../cluster/pki.js';
import { NODE_NAME, NODE_NETWORK, NODE_PORTS, type NodePaths } from './node-layout.js';

/** Pods the node admits: the Pod range has 241 addresses. */
const MAX_PODS = 240;

export function kubeletConfig(paths: NodePaths, pki: Pki): string {
  return yaml.dump({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // The API server reaches the kubelet (logs, exec, port-forward) at the Node's InternalIP.
    address: NODE_NETWORK.nodeIp,
    port: NODE_PORTS.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: NODE_PORTS.kubeletHealthz,
    tlsCertFile: pki.kubeletServing.cert,
    tlsPrivateKeyFile: pki.kubeletServing.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.ca.cert } },
    // Every request is checked with a SubjectAccessReview: the API server's
    // kubelet-client user is bound to system:kubelet-api-admin for logs and exec.
    authorization: { mode: 'Webhook' },
    // This machine has cgroups v1 and no systemd managing them; its cgroup
    // mounts must stay as they are.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    clusterDNS: [NODE_NETWORK.clusterDns],
    clusterDomain: NODE_NETWORK.clusterDomain,
    resolvConf: '/etc/resolv.conf',
    podLogsDir: paths.podLogsDir,
    maxPods: MAX_PODS,
    serializeImagePulls: false,
    // A development machine's disk and memory are shared with everything
    // else on it: evict only when really out, never for being 85 % full.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Report status often so a Pod's end reaches the API server quickly.
    nodeStatusUpdateFrequency: '10s',
    syncFrequency: '10s',
    rotateCertificates: false,
    serverTLSBootstrap: false,
    shutdownGracePeriod: '0s',
  });
}

export function kubeletArgs(paths: NodePaths): string[] {
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--root-dir=${paths.kubeletDir}`,
    `--cert-dir=${paths.kubeletDir}/pki`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_NETWORK.nodeIp}`,
    '--v=1',
  ];
}

export function kubeProxyConfig(paths: NodePaths): string {
  return yaml.dump({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: paths.kubeProxyKubeconfig },
    hostnameOverride: NODE_NAME,
    // One nftables table of its own (`ip kube-proxy`): `down` deletes it whole.
    mode: 'nftables',
    clusterCIDR: NODE_NETWORK.podCidr,
    healthzBindAddress: `127.0.0.1:${NODE_PORTS.kubeProxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${NODE_PORTS.kubeProxyMetrics}`,
    // NodePorts on the node's own address only (not on every interface of
    // this machine, and not on loopback, which would need route_localnet).
    nodePortAddresses: ['primary'],
    // Zero leaves the machine's conntrack table size and timeouts as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
}

export function kubeProxyArgs(paths: NodePaths): string[] {
  return [`--config=${paths.kubeProxyConfig}`, '--v=1'];
}
