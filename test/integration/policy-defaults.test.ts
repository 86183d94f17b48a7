// The defaults a cluster's policies expect, as kube-score checks them, over
// what a user installs and runs: the chart's Deployment and `helm test` Pod
// as `helm template` renders them, and the run Job the operator builds with
// the flags that Deployment passes it. Each container sets CPU and memory
// requests and limits, ephemeral-storage requests and limits, and an image
// pull policy. What we deliberately do otherwise is listed with the reason.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { KubernetesObject, V1Container, V1Deployment, V1Job, V1NetworkPolicy, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { parseControllerArgs } from '../../operator/src/controller/config.js';
import { buildRunJob } from '../../operator/src/resources/job.js';
import { jobNameFor } from '../../operator/src/resources/names.js';
import { CHART_DIR, createHelm, type Helm } from '../helpers/helm.js';
import { wasiApp } from '../helpers/wasiapp-fixtures.js';

/** Checks kube-score makes that we answer differently, on purpose (documentation: the README says the same). */
export const ACCEPTED_EXCEPTIONS = {
  'container-image-pull-policy': 'IfNotPresent, not Always: images are pinned by tag or digest, and Always would make every run ask the registry',
  'pod-networkpolicy': 'the chart ships an optional NetworkPolicy (networkPolicy.enabled); WasiApp Pods get none: their traffic is the guest\'s, set by the cluster owner',
  'daprd-sidecar-resources': "the Dapr sidecar is added at admission by Dapr's injector; its resources come from Dapr's configuration",
} as const;

let helm: Helm;

beforeAll(() => {
  helm = createHelm();
});

afterAll(() => helm?.cleanup());

function render(stdout: string): KubernetesObject[] {
  return loadAll(stdout).filter((doc): doc is KubernetesObject => doc !== null && typeof doc === 'object');
}

/** The problems kube-score's container checks would report for `container`, minus the accepted exceptions. */
function problemsOf(where: string, container: V1Container): string[] {
  const problems: string[] = [];
  const { requests = {}, limits = {} } = container.resources ?? {};
  for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[resource] === undefined) problems.push(`${where}: no ${resource} request`);
    if (limits[resource] === undefined) problems.push(`${where}: no ${resource} limit`);
  }
  if (!container.imagePullPolicy) problems.push(`${where}: no image pull policy`);
  else if (container.imagePullPolicy !== 'Always' && container.imagePullPolicy !== 'IfNotPresent') problems.push(`${where}: pull policy ${container.imagePullPolicy}`);
  return problems;
}

function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

describe('defaults a cluster policy expects', () => {
  test("the chart's Deployment and helm-test Pod: requests, limits and pull policies on every container", async () => {
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops']));
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    const smoke = objects.find((o) => o.kind === 'Pod') as V1Pod;
    const problems = [
      ...containersOf(deployment.spec!.template.spec!).flatMap((c) => problemsOf(`Deployment/${c.name}`, c)),
      ...containersOf(smoke.spec!).flatMap((c) => problemsOf(`Pod/${c.name}`, c)),
    ];
    expect(problems).toEqual([]);
  });

  test('the run Job the operator builds with the chart\'s flags: the same, for the host and the module download', async () => {
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops']));
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    const args = deployment.spec!.template.spec!.containers[0]!.args!;
    const parsed = parseControllerArgs(args.slice(1), { POD_NAMESPACE: 'ops', POD_NAME: 'rel-0' });
    if (parsed.help) throw new Error('unexpected --help');
    const app = wasiApp({ spec: { module: { url: 'https://example.com/app.wasm', sha256: 'ab'.repeat(32) } } });
    const job: V1Job = buildRunJob(app, parsed.options.config, jobNameFor(app, undefined), 'Spec');
    const containers = containersOf(job.spec!.template.spec!);
    expect(containers.map((c) => c.name)).toEqual(['fetch-module', 'wasi-host']);
    expect(containers.flatMap((c) => problemsOf(`Job/${c.name}`, c))).toEqual([]);
  });

  test("a WasiApp's own spec.resources replace the defaults", async () => {
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops']));
    const args = (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!.containers[0]!.args!;
    const parsed = parseControllerArgs(args.slice(1), { POD_NAMESPACE: 'ops', POD_NAME: 'rel-0' });
    if (parsed.help) throw new Error('unexpected --help');
    const own = { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } };
    const app = wasiApp({ spec: { resources: own } });
    const host = buildRunJob(app, parsed.options.config, jobNameFor(app, undefined), 'Spec').spec!.template.spec!.containers[0]!;
    expect(host.resources).toEqual(own);
  });

  test('the optional NetworkPolicy admits only the metrics and probe ports', async () => {
    expect(render(await helm.run(['template', 'rel', CHART_DIR])).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
    const policy = render(await helm.run(['template', 'rel', CHART_DIR, '--set', 'networkPolicy.enabled=true'])).find(
      (o) => o.kind === 'NetworkPolicy',
    ) as V1NetworkPolicy;
    expect(policy.spec?.policyTypes).toEqual(['Ingress']);
    expect(policy.spec?.ingress?.[0]?.ports?.map((p) => p.port)).toEqual([8080, 8081]);
    expect(policy.spec?.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'wasi-operator', 'app.kubernetes.io/instance': 'rel' });
  });
});
