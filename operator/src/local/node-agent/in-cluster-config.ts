// In-cluster credentials for a container run as a local process. In a Pod,
// a client finds the API server from KUBERNETES_SERVICE_HOST/PORT and its
// identity in the service-account volume mounted at
// /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt, namespace).
// Here there is no mount namespace: the volume's files are in the Pod's
// directory (pod-volumes.ts), not at that fixed path, and client-node's
// loadFromCluster() reads only the fixed path. So the agent writes a
// kubeconfig that says the same thing (the server, the volume's ca.crt and
// token, the Pod's namespace) and sets KUBECONFIG, which loadFromDefault()
// (what the operator uses without --kubeconfig) reads first. The user is
// client-node's `tokenFile` auth provider, the one its own in-cluster config
// uses: it re-reads the token every 60 s, so the agent's token rotation
// reaches a running process. (client-go does not know that provider; the
// agent runs only Node.js programs.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { LocalMount } from './pod-volumes.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterIdentity {
  /** The API server, `https://HOST:PORT`. */
  server: string;
  /** The local directory of the container's service-account mount. */
  serviceAccountDir: string;
  namespace: string;
}

/** The kubeconfig YAML. Pure. */
export function inClusterKubeconfig(identity: InClusterIdentity): string {
  const name = 'in-cluster';
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: identity.server, 'certificate-authority': join(identity.serviceAccountDir, 'ca.crt') } }],
    users: [{ name, user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile: join(identity.serviceAccountDir, 'token') } } } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: identity.namespace } }],
    'current-context': name,
  };
  // No folding of long paths: the file is for people to read too.
  return yaml.dump(kubeconfig, { lineWidth: -1 });
}

/** KUBERNETES_SERVICE_HOST/PORT as the kubelet sets them (here the API server itself), and KUBECONFIG. Pure. */
export function inClusterEnv(server: string, kubeconfigPath: string): Record<string, string> {
  const url = new URL(server);
  return {
    KUBERNETES_SERVICE_HOST: url.hostname,
    KUBERNETES_SERVICE_PORT: url.port || '443',
    KUBECONFIG: kubeconfigPath,
  };
}

/**
 * For a container that mounts the service-account volume: writes its
 * kubeconfig to `kubeconfigPath` and returns the env that points at it; for
 * one that does not (automountServiceAccountToken: false), nothing.
 */
export function provideInClusterConfig(mounts: LocalMount[], server: string, namespace: string, kubeconfigPath: string): Record<string, string> {
  const mount = mounts.find((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH);
  if (!mount) return {};
  writeFileSync(kubeconfigPath, inClusterKubeconfig({ server, serviceAccountDir: mount.localPath, namespace }), { mode: 0o600 });
  return inClusterEnv(server, kubeconfigPath);
}
