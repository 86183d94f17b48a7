// `wasi-operator demo` (what `npm start` runs): by default the product end to
// end on a private local cluster (demo/cluster-demo.ts); `--local` runs the
// seed's scenario without Kubernetes (demo/local-demo.ts).
import { parseArgs } from 'node:util';
import { clusterDemo } from './demo/cluster-demo.js';
import { localDemo } from './demo/local-demo.js';
import { parseTimeout } from './parse-timeout.js';

export { parseTimeout };

const DEFAULT_TIMEOUT_SECONDS = 180;

const USAGE = `usage: wasi-operator demo [--timeout SECONDS] [--keep] | --local

Starts a redis-server, a private local cluster (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and the node agent, in a fresh temp
dir), and the operator in this process; creates the seed WasiApp of
examples/wasiapp-seed.yaml with its module in a ConfigMap, follows it until it
Succeeded or Failed, prints its result, \`kubectl get wasiapps\` and the state
the guest saved in Redis, then tears everything down. Exit 0 only when the
guest passed and its state is in Redis. Ctrl-C tears everything down too.

options:
  --timeout SECONDS   how long the WasiApp may take (default ${DEFAULT_TIMEOUT_SECONDS}; also 90s, 3m)
  --keep              leave the cluster running afterwards and print how to stop it
                      (the operator and Redis end with the demo)
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
    process.stderr.write(`wasi-operator demo: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS * 1000 : parseTimeout(values.timeout);
  if (timeoutMs === undefined) {
    process.stderr.write(`wasi-operator demo: --timeout wants seconds (e.g. 180, 90s, 3m), not "${values.timeout}"\n`);
    return 2;
  }
  if (values.local) {
    if (values.keep || values.timeout !== undefined) {
      process.stderr.write('wasi-operator demo: --keep and --timeout apply to the cluster demo, not to --local\n');
      return 2;
    }
    return localDemo();
  }
  return clusterDemo({ timeoutMs, keep: values.keep });
}
