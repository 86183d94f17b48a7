// Acting as a ServiceAccount against a test cluster: a token from the
// TokenRequest API (what the kubelet mounts into a Pod) in a kubeconfig of its
// own, so a process talks to the API server with exactly that account's RBAC,
// as it would in-cluster.
//
//   const { kubeconfigPath } = await serviceAccountKubeConfig(cluster.kc, 'wasi-system', 'wasi-operator', dir);
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthorizationV1Api, CoreV1Api, KubeConfig, type V1ResourceAttributes } from '@kubernetes/client-node';

export interface ServiceAccountKubeConfig {
  /** `system:serviceaccount:NS:NAME` */
  user: string;
  kc: KubeConfig;
  kubeconfigPath: string;
}

export async function serviceAccountKubeConfig(admin: KubeConfig, namespace: string, name: string, dir: string): Promise<ServiceAccountKubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${name}`);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');

  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'test-cluster' }],
    users: [{ name, token }],
    contexts: [{ name, cluster: 'test-cluster', user: name }],
    currentContext: name,
  });
  const kubeconfigPath = join(dir, `${namespace}.${name}.kubeconfig`);
  writeFileSync(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  return { user: `system:serviceaccount:${namespace}:${name}`, kc, kubeconfigPath };
}

/** Whether `user` may do it, as the API server's authorizer (RBAC here) decides. */
export async function isAllowed(admin: KubeConfig, user: string, resourceAttributes: V1ResourceAttributes): Promise<boolean> {
  const authorization = admin.makeApiClient(AuthorizationV1Api);
  const [, , namespace] = user.split(':');
  const review = await authorization.createSubjectAccessReview({
    body: {
      spec: {
        user,
        // RBAC matches ServiceAccounts by user name, and their groups by these.
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes,
      },
    },
  });
  return review.status?.allowed === true;
}
