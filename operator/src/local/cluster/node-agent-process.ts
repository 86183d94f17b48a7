// The node agent as one more detached process of a local cluster: the
// `wasi-operator node-agent` command of this checkout, run by this Node.js.
import { basename, join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { repoRoot } from '../repo-root.js';
import type { KubeletTls } from '../node-agent/kubelet-server.js';
import { pkiPaths } from './pki.js';
import { DEFAULT_NODE_NAME } from '../node-agent/node-object.js';
import type { ClusterPaths } from './state-dir.js';

const NODE_AGENT_COMMAND = 'node-agent';

export function nodeAgentCommandLine(paths: ClusterPaths): { binary: string; args: string[] } {
  return {
    binary: process.execPath,
    args: [
      join(repoRoot(), 'bin', 'wasi-operator.mjs'), NODE_AGENT_COMMAND,
      '--kubeconfig', paths.kubeconfig,
      '--work-dir', paths.nodeAgentDir,
      ...kubeletTlsArgs(paths),
    ],
  };
}

/** The kubelet API's certificates (made with the cluster's PKI) as the node-agent command's flags, named as the kubelet's. */
export function kubeletTlsArgs(paths: ClusterPaths): string[] {
  const pki = pkiPaths(paths.pkiDir);
  return ['--tls-cert-file', pki.kubeletServing.cert, '--tls-private-key-file', pki.kubeletServing.key, '--client-ca-file', pki.ca.cert];
}

/** The same certificates, read, for an agent started in this process (the tests'). */
export function kubeletTlsOf(paths: ClusterPaths): KubeletTls {
  const pki = pkiPaths(paths.pkiDir);
  return { cert: readFileSync(pki.kubeletServing.cert), key: readFileSync(pki.kubeletServing.key), clientCa: readFileSync(pki.ca.cert) };
}

/**
 * Recognises the node agent and the processes it runs for Pods (wasi-host,
 * daprd) by their argv; they mention the state dir too, so `down` and a
 * clean-up find them even after the agent itself was killed.
 */
export function isNodeAgentArgv(argv: string[]): boolean {
  const script = basename(argv[1] ?? '');
  return (script === 'wasi-operator.mjs' && argv[2] === NODE_AGENT_COMMAND) || script === 'wasi-host.mjs' || basename(argv[0] ?? '') === 'daprd';
}

/**
 * Recognises what the node agent runs for a Pod: wasi-host, daprd, and the
 * operator image's `node <V8 flags> wasi-operator.mjs controller` (or `smoke`,
 * the chart's test Pod). The
 * operator's args name nothing under the state dir, so `down` finds these by
 * their working directory, the Pod's directory (findProcessesWorkingIn).
 */
export function isPodProcessArgv(argv: string[]): boolean {
  const script = argv.findIndex((arg, i) => i > 0 && basename(arg) === 'wasi-operator.mjs');
  return (script !== -1 && ['controller', 'smoke'].includes(argv[script + 1] ?? '')) || basename(argv[1] ?? '') === 'wasi-host.mjs' || basename(argv[0] ?? '') === 'daprd';
}

/** Ready once its Node is Ready and the node lifecycle controller has lifted the not-ready taint. */
export async function nodeAgentReady(kc: KubeConfig): Promise<boolean> {
  try {
    const node = await kc.makeApiClient(CoreV1Api).readNode({ name: DEFAULT_NODE_NAME });
    const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    return ready && !(node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
  } catch {
    return false;
  }
}
