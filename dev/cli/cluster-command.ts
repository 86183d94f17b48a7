// `wasi-dev cluster up|down|status`: a thin wrapper over local/cluster.
// `up` prints only the kubeconfig path on stdout (so `export
// KUBECONFIG=$(wasi-dev cluster up)` works); progress goes to stderr.
import { parseArgs } from 'node:util';
import { clusterStatus, startCluster, stopCluster } from '../cluster/cluster.js';
import { defaultStateDir } from '../cluster/state-dir.js';

const USAGE = `usage: wasi-dev cluster up|down|status [options]

  up       start etcd, kube-apiserver, kube-controller-manager and kube-scheduler
           (or reuse the running ones), install the CRDs, print the kubeconfig path
  down     stop every process the cluster started and remove its state dir
  status   show whether it runs, its kubeconfig and component pids (exit 0 when running, 3 otherwise)

options:
  --state-dir DIR   where the cluster lives (default: $WASI_OPERATOR_HOME or ./.wasi-operator)
  --crds DIR        CRD manifests to install on up (default: the repo's crds/)
  --no-crds         install no CRDs
  --node            also run a real node (needs root; one per machine): a local OCI
                    registry with the project's images, containerd + runc + the CNI bridge,
                    the kubelet and kube-proxy, CoreDNS, a Redis (redis-master.redis:6379)
                    and Dapr's control plane from Dapr's Helm chart
  --no-dapr         with --node: leave Dapr's control plane out
  --json            status as JSON
`;

const STATUS_NOT_RUNNING = 3;

/**
 * The components are detached, so Ctrl-C reaches only this CLI: stop a
 * cluster that was still starting (never one that was already running).
 * Returns the function that removes the handlers.
 */
function stopHalfStartedClusterOnInterrupt(stateDir: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`[cluster] ${signal}: stopping the half-started cluster\n`);
    void (async () => {
      if ((await clusterStatus(stateDir)).phase !== 'running') await stopCluster(stateDir, { graceMs: 0 });
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export async function clusterCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      crds: { type: 'string' },
      'no-crds': { type: 'boolean', default: false },
      node: { type: 'boolean', default: false },
      'no-dapr': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [verb, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (verb === undefined || extra.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const stateDir = values['state-dir'] ?? defaultStateDir();

  switch (verb) {
    case 'up': {
      const crdDir = values['no-crds'] ? false : values.crds;
      const stopOnInterrupt = stopHalfStartedClusterOnInterrupt(stateDir);
      const cluster = await startCluster({ stateDir, node: values.node, dapr: !values['no-dapr'], ...(crdDir !== undefined ? { crdDir } : {}) }).finally(stopOnInterrupt);
      process.stderr.write(`[cluster] use it with: export KUBECONFIG=${cluster.kubeconfigPath}\n`);
      process.stdout.write(`${cluster.kubeconfigPath}\n`);
      return 0;
    }
    case 'down': {
      const stopped = await stopCluster(stateDir);
      process.stderr.write(stopped ? `[cluster] stopped and removed ${stateDir}\n` : `[cluster] no cluster in ${stateDir}\n`);
      return 0;
    }
    case 'status': {
      const status = await clusterStatus(stateDir);
      if (values.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else {
        const lines = [`cluster: ${status.phase} (${status.stateDir})`];
        if (status.server) lines.push(`server: ${status.server}`);
        if (status.kubeconfigPath) lines.push(`kubeconfig: ${status.kubeconfigPath}`);
        for (const c of status.components) lines.push(`  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? 'running' : 'not running'}  log: ${c.log}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return status.phase === 'running' ? 0 : STATUS_NOT_RUNNING;
    }
    default:
      process.stderr.write(`wasi-dev cluster: unknown verb "${verb}"\n${USAGE}`);
      return 2;
  }
}
