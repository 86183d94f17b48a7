// `wasi-operator rerun NAME`: starts a new run of a WasiApp's current
// generation by giving it a new wasi-operator.dev/rerun annotation (what
// `kubectl annotate` does), and with --wait follows the run to its result and
// exits 0 or 1 like `smoke`.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { RERUN_ANNOTATION } from '../api/names.js';
import type { WasiApp, WasiAppRun } from '../api/wasiapp.js';
import { kubeTime } from '../controller/conditions.js';
import { apiErrorMessage } from '../kube/api-error.js';
import { followApp } from './smoke/follow.js';
import { StepOutput, seconds } from './smoke/progress.js';
import { wasiapps } from './smoke/seed-app.js';
import { parseTimeout } from './parse-timeout.js';

const DEFAULT_TIMEOUT = '300s';

const USAGE = `usage: wasi-operator rerun NAME [--namespace NS] [--wait] [--timeout S] [--kubeconfig PATH]

Starts a new run of WasiApp NAME's current spec by setting its
${RERUN_ANNOTATION} annotation to a new value, as
  kubectl annotate wasiapp NAME ${RERUN_ANNOTATION}="$(date +%s)" --overwrite
does. The run is a new Job; earlier runs stay in status.runs.

options:
  -n, --namespace NS      the app's namespace (default: the kubeconfig context's, else default)
  --wait                  follow the run to its result, print the guest's output, exit 0 if it passed, 1 if not
  --timeout S             how long --wait waits (default ${DEFAULT_TIMEOUT}; also 90, 3m)
  --kubeconfig PATH       default: $KUBECONFIG, ~/.kube/config, in-cluster
`;

/** The finished run started for `token`: a Rerun that began no earlier than the request (to the second). */
export function rerunOutcome(app: WasiApp, token: string, requestedAt: Date): WasiAppRun | undefined {
  if (app.status?.observedRerun !== token) return undefined;
  // Kubernetes times are whole seconds: a run started for this request starts no earlier than its second, less one.
  const since = kubeTime(new Date(requestedAt.getTime() - 1000)) ?? '';
  return [...(app.status.runs ?? [])]
    .reverse()
    .find((run) => run.trigger === 'Rerun' && (run.phase === 'Succeeded' || run.phase === 'Failed') && (run.startTime ?? '') >= since);
}

export async function rerunCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: DEFAULT_TIMEOUT },
        kubeconfig: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`wasi-operator rerun: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) {
    process.stderr.write(`wasi-operator rerun: ${name ? `one app at a time (got ${positionals.join(', ')})` : 'NAME is missing'}\n${USAGE}`);
    return 2;
  }
  const timeoutMs = parseTimeout(values.timeout);
  if (timeoutMs === undefined) {
    process.stderr.write(`wasi-operator rerun: --timeout "${values.timeout}" wants seconds (e.g. 300, 90s, 5m)\n`);
    return 2;
  }
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const out = new StepOutput(process.stdout, 'rerun');

  // A timestamp for people reading the annotation, a random tail so two reruns in one second differ.
  const requestedAt = new Date();
  const token = `${requestedAt.toISOString()}-${randomBytes(3).toString('hex')}`;
  const custom = kc.makeApiClient(CustomObjectsApi);
  try {
    await custom.patchNamespacedCustomObject(
      { ...wasiapps, namespace, name, body: { metadata: { annotations: { [RERUN_ANNOTATION]: token } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    out.say(`FAILED: cannot annotate WasiApp ${namespace}/${name}: ${apiErrorMessage(err)}`);
    return 1;
  }
  out.say(`requested a rerun of WasiApp ${namespace}/${name} (${RERUN_ANNOTATION}=${token})`);
  if (!values.wait) return 0;

  const followed = await followApp({ kc, namespace, name, timeoutMs, out, isDone: (app) => rerunOutcome(app, token, requestedAt) !== undefined });
  const run = followed.app ? rerunOutcome(followed.app, token, requestedAt) : undefined;
  if (!run) {
    out.say(`FAILED: the rerun of WasiApp ${namespace}/${name} did not finish within ${seconds(timeoutMs)}; is the operator running? kubectl describe wasiapp ${name} -n ${namespace}`);
    return 1;
  }
  const result = followed.app?.status?.result;
  if (result?.output && followed.app?.status?.lastRun?.jobName === run.jobName) {
    out.say('guest output (status.result.output):');
    out.raw(result.output);
  }
  if (run.phase === 'Succeeded') {
    out.say(`PASSED: run ${run.jobName} of WasiApp ${namespace}/${name} (${run.attempts} attempt${run.attempts === 1 ? '' : 's'})`);
    return 0;
  }
  out.say(`FAILED: run ${run.jobName} of WasiApp ${namespace}/${name} ended ${run.reason ?? 'Failed'}: ${run.message ?? ''}`);
  return 1;
}
