// Dapr's control plane installed as users install it: Dapr's own Helm chart
// (from the github.com/dapr/dapr module, never copied into this repository),
// with its images from the local registry.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevError } from '../dev-errors.js';
import { findGo } from '../tools/go-build.js';
import { DAPR_VERSION } from '../tools/pins.js';
import { runHelm, type HelmContext } from './helm.js';
import { REGISTRY_ADDRESS } from './node-layout.js';

const run = promisify(execFile);

export const DAPR_NAMESPACE = 'dapr-system';
export const DAPR_RELEASE = 'dapr';
/** Our chart's ServiceAccount in any namespace (a glob of `namespace:name`). */
export const OPERATOR_SERVICE_ACCOUNT_PATTERN = '*:wasi-operator';

/** Pure: the chart values that fit this machine. */
export function daprChartValues(registry: string = REGISTRY_ADDRESS): string[] {
  return [
    `global.registry=${registry}/dapr`,
    `global.tag=${DAPR_VERSION}`,
    'global.imagePullPolicy=IfNotPresent',
    'global.ha.enabled=false',
    // No volume provisioner on the local node: keep the scheduler's etcd and
    // placement's raft log in memory.
    'dapr_scheduler.cluster.inMemoryStorage=true',
    'dapr_placement.cluster.forceInMemoryLog=true',
    // The injector adds daprd only to Pods created by the controllers it
    // trusts (ReplicaSets, Jobs, …, or system:masters); the operator creates
    // its Pods itself, under its ServiceAccount, named so by our chart.
    `dapr_sidecar_injector.allowedServiceAccounts=${OPERATOR_SERVICE_ACCOUNT_PATTERN}`,
    // daprd without capabilities, so a Pod with a sidecar passes the restricted Pod Security Standard.
    'dapr_sidecar_injector.sidecarDropALLCapabilities=true',
  ];
}

/** The chart directory inside the module cache (downloaded through the Go module proxy if missing). */
export async function daprChartDir(): Promise<string> {
  const go = findGo();
  try {
    const { stdout } = await run(go, ['mod', 'download', '-json', `github.com/dapr/dapr@v${DAPR_VERSION}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!dir) throw new Error('no Dir in go mod download output');
    return join(dir, 'charts', 'dapr');
  } catch (err) {
    throw new DevError('ERR_DAPR_CHART', `cannot find Dapr's chart in the Go module cache (github.com/dapr/dapr@v${DAPR_VERSION}): ${String(err)}`, { cause: err });
  }
}

/** `helm upgrade --install` of Dapr's chart, waiting until its Pods are Ready. */
export async function installDapr(helm: HelmContext, timeoutSeconds = 300): Promise<void> {
  const chart = await daprChartDir();
  const args = [
    'upgrade', '--install', DAPR_RELEASE, chart,
    '--namespace', DAPR_NAMESPACE, '--create-namespace',
    ...daprChartValues().flatMap((value) => ['--set', value]),
    '--wait', '--timeout', `${timeoutSeconds}s`,
  ];
  await runHelm(helm, args, `see \`kubectl get pods -n ${DAPR_NAMESPACE}\` and \`kubectl describe pods -n ${DAPR_NAMESPACE}\``);
}
