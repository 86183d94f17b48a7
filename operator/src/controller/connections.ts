// Connection reuse for client-node. Its KubeConfig builds a new undici Agent
// for every request (applySecurityAuthentication → createDispatcher), so each
// API call pays a fresh TLS handshake on both ends and leaves an idle socket
// behind until its keep-alive runs out: about 3 ms of client CPU per request,
// more on the API server, and hundreds of open sockets (and their buffers)
// during a burst. Reusing one Agent while the TLS material stays the same
// keeps a small pool of connections alive, as client-go does.
import type { KubeConfig } from '@kubernetes/client-node';

type AgentOptions = Record<string, unknown>;
interface ClusterLike {
  name?: string;
  server?: string;
  proxyUrl?: string;
}
type CreateDispatcher = (cluster: ClusterLike | null, agentOptions: AgentOptions) => unknown;

const REUSING = Symbol('wasi-operator.reusesConnections');

// What createDispatcher builds an Agent from; a changed value (rotated certificate) gets a new Agent.
const AGENT_OPTION_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/** Makes every API client and watch made from `kubeConfig` share one connection pool. Idempotent; changes `kubeConfig` in place. */
export function reuseConnections(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createDispatcher: CreateDispatcher; [REUSING]?: true };
  if (target[REUSING] || typeof target.createDispatcher !== 'function') return kubeConfig;
  const create = target.createDispatcher.bind(kubeConfig);
  let cached: { cluster: ClusterLike | null; options: AgentOptions; dispatcher: unknown } | undefined;
  target.createDispatcher = (cluster, agentOptions) => {
    if (
      cached &&
      cached.cluster?.name === cluster?.name &&
      cached.cluster?.server === cluster?.server &&
      cached.cluster?.proxyUrl === cluster?.proxyUrl &&
      AGENT_OPTION_KEYS.every((k) => sameValue(cached!.options[k], agentOptions[k]))
    ) {
      return cached.dispatcher;
    }
    const dispatcher = create(cluster, agentOptions);
    cached = { cluster: cluster && { name: cluster.name, server: cluster.server, proxyUrl: cluster.proxyUrl }, options: { ...agentOptions }, dispatcher };
    return dispatcher;
  };
  target[REUSING] = true;
  return kubeConfig;
}
