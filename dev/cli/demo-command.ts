// `wasi-dev demo` (what `npm start` runs): by default the product end to
// end on a private local cluster (demo/cluster-demo.ts); `--local` runs the
// seed's scenario without Kubernetes (demo/local-demo.ts).
import { parseArgs } from 'node:util';
import { clusterDemo } from '../demo/cluster-demo.js';
import { localDemo } from '../demo/local-demo.js';
import { parseTimeout } from '../../operator/src/cli/parse-timeout.js';

export { parseTimeout };

const DEFAULT_TIMEOUT_SECONDS = 180;

const USAGE = `usage: wasi-dev demo [--timeout SECONDS] [--keep] | --local

Starts the local cluster with its real node in $WASI_OPERATOR_HOME or
./.wasi-operator (or reuses it when it runs): control plane, containerd,
kubelet, kube-proxy, CoreDNS, a Redis and Dapr's control plane. Builds the
image from the Dockerfile, installs the operator with charts/wasi-operator,
creates the seed WasiApp of examples/wasiapp-seed.yaml with its module in a
ConfigMap in a namespace of its own, follows it until it Succeeded or Failed,
prints its result, \`kubectl get wasiapps\`, the Pod's containers and the state
the guest saved in Redis. Then it stops a cluster it started, or removes its
namespace and operator release from a cluster it found. Exit 0 only when the
guest passed and its state is in Redis. Ctrl-C cleans up too.

options:
  --timeout SECONDS   how long the WasiApp may take (default ${DEFAULT_TIMEOUT_SECONDS}; also 90s, 3m)
  --keep              leave the cluster, the operator and the app running afterwards
  --local             the seed scenario without Kubernetes: redis-server + daprd + wasi-host
`;


export async function demoCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        local: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`wasi-dev demo: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS * 1000 : parseTimeout(values.timeout);
  if (timeoutMs === undefined) {
    process.stderr.write(`wasi-dev demo: --timeout wants seconds (e.g. 180, 90s, 3m), not "${values.timeout}"\n`);
    return 2;
  }
  if (values.local) {
    if (values.keep || values.timeout !== undefined) {
      process.stderr.write('wasi-dev demo: --keep and --timeout apply to the cluster demo, not to --local\n');
      return 2;
    }
    return localDemo();
  }
  return clusterDemo({ timeoutMs, keep: values.keep });
}
