// Pure: what a cluster installs besides its control plane so that Pods work
// as they do on any cluster: the cluster DNS (CoreDNS), the RBAC that lets
// the API server use the kubelet's API (logs, exec, port-forward), and the
// Redis that the state stores of the demo and the tests use.
import type { KubernetesObject } from '@kubernetes/client-node';
import { KUBELET_CLIENT } from '../cluster/pki.js';
import { NODE_NETWORK } from './node-layout.js';

export interface AddonImages {
  coredns: string;
  redis: string;
}

/** Namespace and Service of the cluster's Redis: `redis-master.redis:6379`. */
export const CLUSTER_REDIS = { namespace: 'redis', name: 'redis-master', port: 6379 } as const;
export const CLUSTER_REDIS_HOST = `${CLUSTER_REDIS.name}.${CLUSTER_REDIS.namespace}.svc.${NODE_NETWORK.clusterDomain}:${CLUSTER_REDIS.port}`;

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The API server's kubelet client may read logs and exec (kubeadm binds the same role). */
export function kubeletApiAccess(): KubernetesObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'wasi-operator:kube-apiserver-kubelet-client' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBELET_CLIENT }],
    } as KubernetesObject,
  ];
}

/**
 * The cluster DNS: Service names resolve in Pods. It answers only for the
 * cluster's own names (no `forward`): this machine has no outside network.
 */
export function corednsManifests(image: string): KubernetesObject[] {
  const labels = { 'k8s-app': 'kube-dns' };
  const corefile = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes ${NODE_NETWORK.clusterDomain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
    reload
    loadbalance
}
`;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefile } } as KubernetesObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            // CoreDNS itself must not ask itself.
            dnsPolicy: 'Default',
            securityContext: { runAsUser: 65532, runAsGroup: 65532 },
            containers: [
              {
                name: 'coredns',
                image,
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                ],
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 10 },
                resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels },
      spec: {
        selector: labels,
        clusterIP: NODE_NETWORK.clusterDns,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    } as KubernetesObject,
  ];
}

/** One Redis (no persistence: a development store) as a Deployment and Service. */
export function redisManifests(image: string): KubernetesObject[] {
  const { namespace, name, port } = CLUSTER_REDIS;
  const labels = { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'master' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 },
            containers: [
              {
                name: 'redis',
                image,
                args: ['--port', String(port), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', '/data'],
                ports: [{ name: 'redis', containerPort: port }],
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
                readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
                resources: { requests: { cpu: '50m', memory: '32Mi' } },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ name: 'redis', port, targetPort: port }] },
    } as KubernetesObject,
  ];
}
