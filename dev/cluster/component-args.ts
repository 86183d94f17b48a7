// Pure command lines for each control-plane component. Everything listens on
// loopback only, on the ports chosen for this cluster.
import type { ClusterPaths } from './state-dir.js';
import { FRONT_PROXY_CLIENT, SERVICE_CIDR, type Pki } from './pki.js';

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export function etcdUrl(ports: ClusterPorts): string {
  return `http://127.0.0.1:${ports.etcdClient}`;
}

/**
 * Where the API server listens. Without a node, loopback. With one, the
 * node's address: Pods reach it there through the `kubernetes` Service, so it
 * is advertised and its endpoint kept by the endpoint reconciler.
 */
export interface ApiserverAddress {
  host: string;
  /** Keep the `kubernetes` Service's endpoints (refused for a loopback address). */
  advertise: boolean;
}

export const LOOPBACK_APISERVER: ApiserverAddress = { host: '127.0.0.1', advertise: false };

export function apiserverUrl(ports: ClusterPorts, address: ApiserverAddress = LOOPBACK_APISERVER): string {
  return `https://${address.host}:${ports.apiserver}`;
}

export function etcdArgs(paths: ClusterPaths, ports: ClusterPorts): string[] {
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=wasi-operator',
    `--data-dir=${paths.etcdDataDir}`,
    `--listen-client-urls=${etcdUrl(ports)}`,
    `--advertise-client-urls=${etcdUrl(ports)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=wasi-operator=${peer}`,
    '--initial-cluster-state=new',
    // A throwaway development store: losing the last writes on a power cut is
    // fine, and skipping fsync makes creating thousands of objects fast.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiserverArgs(paths: ClusterPaths, pki: Pki, ports: ClusterPorts, address: ApiserverAddress = LOOPBACK_APISERVER): string[] {
  return [
    `--etcd-servers=${etcdUrl(ports)}`,
    `--bind-address=${address.host}`,
    `--advertise-address=${address.host}`,
    // The endpoint reconciler refuses a loopback address for the `kubernetes`
    // Service; without a node nothing reaches the API server through it.
    ...(address.advertise ? ['--endpoint-reconciler-type=lease'] : ['--endpoint-reconciler-type=none']),
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${pki.apiserver.cert}`,
    `--tls-private-key-file=${pki.apiserver.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${pki.serviceAccount.publicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
    '--authorization-mode=Node,RBAC',
    // Request-header authentication: without it the controller-manager and
    // scheduler log an error every few seconds looking for its CA bundle.
    `--requestheader-client-ca-file=${pki.ca.cert}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
    `--proxy-client-key-file=${pki.frontProxyClient.key}`,
    // `kubectl logs`: the API server asks the node agent's kubelet API at the
    // Node's InternalIP, with a client certificate, checking the agent's.
    `--kubelet-client-certificate=${pki.kubeletClient.cert}`,
    `--kubelet-client-key=${pki.kubeletClient.key}`,
    `--kubelet-certificate-authority=${pki.ca.cert}`,
    '--kubelet-preferred-address-types=InternalIP',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    // Unused when tls-cert-file is set, but keeps the server from ever
    // writing to /var/run/kubernetes.
    `--cert-dir=${paths.pkiDir}`,
    '--profiling=false',
  ];
}

export function controllerManagerArgs(paths: ClusterPaths, pki: Pki, ports: ClusterPorts): string[] {
  const kubeconfig = paths.componentKubeconfig('kube-controller-manager');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--service-account-private-key-file=${pki.serviceAccount.privateKey}`,
    `--root-ca-file=${pki.ca.cert}`,
    // Every default controller: the garbage collector, namespace and
    // service-account controllers are the ones tests rely on.
    '--controllers=*',
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    `--cert-dir=${paths.pkiDir}/kube-controller-manager-serving`,
    // The defaults (20 qps) make the garbage collector crawl when a benchmark
    // deletes a thousand owners at once.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--profiling=false',
  ];
}

export function schedulerArgs(paths: ClusterPaths, ports: ClusterPorts): string[] {
  const kubeconfig = paths.componentKubeconfig('kube-scheduler');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    `--cert-dir=${paths.pkiDir}/kube-scheduler-serving`,
    '--profiling=false',
  ];
}
