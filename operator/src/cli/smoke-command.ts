// `wasi-operator smoke`: argument parsing for the smoke test of an installed
// operator (smoke/smoke-test.ts).
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseTimeout } from './parse-timeout.js';
import { runSmokeTest } from './smoke/smoke-test.js';

const DEFAULT_TIMEOUT = '180s';
const DEFAULT_PICKUP_TIMEOUT = '30s';

const USAGE = `usage: wasi-operator smoke [--kubeconfig PATH] [--namespace NS] [--timeout S] [--pickup-timeout S] [--module PATH] [--keep]

Checks that wasi-operator works on a cluster where it is installed (helm
install, or \`wasi-operator controller\` running against it): creates a
namespace wasi-smoke-xxxxx, the seed's guest (guest/build/dapr-state-test.wasm)
as a ConfigMap and the seed's WasiApp (that of examples/wasiapp-seed.yaml), follows the app
until it Succeeded or Failed, prints the guest's output, and deletes the
namespace. The guest saves Dapr state and reads it back, so a pass means
operator, Pod, host, Dapr sidecar, state store Component and Redis all work.
Exit 0 when the guest passed, 1 with the reason otherwise.

options:
  --kubeconfig PATH       default: $KUBECONFIG, ~/.kube/config, in-cluster
  --namespace NS          use this existing namespace (only the app and its ConfigMap are deleted)
  --timeout S             how long the app may take (default ${DEFAULT_TIMEOUT}; also 90, 3m)
  --pickup-timeout S      how long an operator may take to write the app's first status
                          before the test says none runs (default ${DEFAULT_PICKUP_TIMEOUT})
  --module PATH           the guest to run (default: the package's guest/build/dapr-state-test.wasm)
  --keep                  leave what was created in place
`;

export async function smokeCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        timeout: { type: 'string', default: DEFAULT_TIMEOUT },
        'pickup-timeout': { type: 'string', default: DEFAULT_PICKUP_TIMEOUT },
        module: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`wasi-operator smoke: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeoutMs = parseTimeout(values.timeout);
  const pickupTimeoutMs = parseTimeout(values['pickup-timeout']);
  if (timeoutMs === undefined || pickupTimeoutMs === undefined) {
    const bad = timeoutMs === undefined ? `--timeout "${values.timeout}"` : `--pickup-timeout "${values['pickup-timeout']}"`;
    process.stderr.write(`wasi-operator smoke: ${bad} wants seconds (e.g. 180, 90s, 3m)\n`);
    return 2;
  }
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  return runSmokeTest({ kc, timeoutMs, pickupTimeoutMs, keep: values.keep, ...(values.namespace && { namespace: values.namespace }), ...(values.module && { modulePath: values.module }) });
}
