// `wasi-operator node-agent`: the local node agent as a long-running process
// (what `cluster up --node-agent` starts next to the control plane).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { startNodeAgent } from '../local/node-agent/node-agent.js';
import { DEFAULT_NODE_NAME } from '../local/node-agent/node-object.js';
import { defaultStateDir } from '../local/cluster/state-dir.js';
import { isToolCurrent, toolPaths } from '../local/tools/go-build.js';
import { DAPRD } from '../local/tools/pins.js';

const USAGE = `usage: wasi-operator node-agent [options]

Registers a Ready Node and runs the Pods bound to it whose container runs
wasi-host, or the wasi-operator image's \`controller\` (the Helm chart's
Deployment), as local processes, with a local daprd for Pods annotated
dapr.io/enabled (a minimal kubelet for the local cluster). Stops on SIGTERM/SIGINT.

options:
  --kubeconfig PATH   default: $KUBECONFIG, else the local cluster's kubeconfig
  --work-dir DIR      pod volumes, logs and messages (default: <state dir>/node-agent)
  --node-name NAME    default: ${DEFAULT_NODE_NAME}
  --daprd PATH        daprd for sidecars (default: the cached build, if any)
  --tls-cert-file PATH, --tls-private-key-file PATH, --client-ca-file PATH
                      serve the kubelet API (kubectl logs) on a free loopback
                      port with this certificate, to the API server's client
                      certificate signed by this CA; all three or none
`;

export async function nodeAgentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      'work-dir': { type: 'string' },
      'node-name': { type: 'string' },
      daprd: { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'client-ca-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(values.kubeconfig ?? process.env.KUBECONFIG ?? join(defaultStateDir(), 'kubeconfig'));
  const workDir = values['work-dir'] ?? join(defaultStateDir(), 'node-agent');
  mkdirSync(workDir, { recursive: true });
  const daprdPath = values.daprd ?? (isToolCurrent(DAPRD) ? toolPaths(DAPRD).daprd : undefined);
  const log = pino({ name: 'wasi-node-agent' });
  const tlsFiles = [values['tls-cert-file'], values['tls-private-key-file'], values['client-ca-file']];
  if (tlsFiles.some((f) => f !== undefined) && !tlsFiles.every((f) => f !== undefined)) {
    process.stderr.write('wasi-operator node-agent: --tls-cert-file, --tls-private-key-file and --client-ca-file go together\n');
    return 2;
  }
  const [cert, key, clientCa] = tlsFiles;
  const kubeletTls = cert && key && clientCa ? { cert: readFileSync(cert), key: readFileSync(key), clientCa: readFileSync(clientCa) } : undefined;

  const agent = await startNodeAgent({
    kc,
    workDir,
    log,
    ...(values['node-name'] && { nodeName: values['node-name'] }),
    ...(daprdPath && { daprdPath }),
    ...(kubeletTls && { kubeletTls }),
  });
  log.info({ workDir, daprd: daprdPath ?? null, kubeletPort: agent.kubeletPort ?? null }, 'node agent running');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'node agent stopping');
  await agent.stop();
  return 0;
}
