// The Helm chart with the real helm against the real control plane: lint,
// rendered flags, install (CRDs, ServiceAccount, RBAC, Deployment, Service),
// and the test that matters most: the operator, started with the installed
// Deployment's own args and the chart's ServiceAccount token, does its whole
// job with the chart's RBAC (leader election included) and nothing more.
//
// This file starts no node agent, so the operator's own Pod stays Pending;
// the operator runs as a local process instead, exactly as the image's
// ENTRYPOINT would start it, with a token the test controls. (The operator
// run in its Pod by the node agent: helm-smoke.test.ts.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubernetesObject,
  type V1Deployment,
  type V1ResourceAttributes,
  type V1Pod,
  type V1Role,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { parseControllerArgs } from '../../operator/src/controller/config.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { CHART_DIR, createHelm, type Helm } from '../helpers/helm.js';
import { freePorts } from '../helpers/ports.js';
import { startProcess, waitFor, type ManagedProcess } from '../helpers/processes.js';
import { isAllowed, serviceAccountKubeConfig, type ServiceAccountKubeConfig } from '../helpers/service-account.js';
import { clientsFor, createApp, eventsFor, eventually, getApp, listComponents, podsOf, setHostState, terminatedWith, type Clients } from './controller-support.js';

const BIN = join(process.cwd(), 'bin', 'wasi-operator.mjs');
const CRDS = ['wasiapps.wasi-operator.dev', 'components.dapr.io'];
// Release name = chart name, so the objects are plain "wasi-operator".
const RELEASE = 'wasi-operator';
const SCOPED_RELEASE = 'scoped';
const SCOPED_FULLNAME = 'scoped-wasi-operator';

let cluster: TestCluster;
let helm: Helm;
let workDir: string;
let c: Clients;
const operators: ChartOperator[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'wasi-operator-helm-test-'));
  // No CRDs from the cluster helper: installing them is the chart's job.
  cluster = await startTestCluster({ crdDir: false });
  helm = createHelm({ kubeconfigPath: cluster.kubeconfigPath });
  c = clientsFor(cluster.kc);
}, 300_000);

afterAll(async () => {
  await Promise.all(operators.map((operator) => operator.proc.stop()));
  await cluster?.stop();
  helm?.cleanup();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

/** The image's ENTRYPOINT (node and its V8 flags) from the Dockerfile, so the test starts the operator the same way. */
function imageNodeFlags(): string[] {
  const line = readFileSync(join(process.cwd(), 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  const entrypoint = JSON.parse(line!.slice('ENTRYPOINT '.length)) as string[];
  return entrypoint.slice(1, -1);
}

interface ChartOperator {
  proc: ManagedProcess;
  podName: string;
  /** Every line it logged (the process helper keeps only a tail). */
  lines: string[];
}

/**
 * Runs `wasi-operator controller` with the args and env of the installed
 * Deployment's container, as ServiceAccount `sa`. Only what a Pod would get
 * from the kubelet changes: the token comes in a kubeconfig instead of a
 * mounted file, the downward API env is filled in here, and the listeners
 * move to free loopback ports.
 */
async function startChartOperator(deployment: V1Deployment, sa: ServiceAccountKubeConfig): Promise<ChartOperator> {
  const container = deployment.spec!.template.spec!.containers[0]!;
  const namespace = deployment.metadata!.namespace!;
  const podName = `${deployment.metadata!.name}-7d9c8b6f5-x2x4q`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (field === 'metadata.name') env[variable.name] = podName;
    else if (field === 'metadata.namespace') env[variable.name] = namespace;
    else throw new Error(`the test cannot fill in env ${variable.name} of the chart's container`);
  }
  const [probePort, metricsPort] = await freePorts(2);
  const args = [
    ...imageNodeFlags(),
    BIN,
    ...(container.args ?? []),
    `--kubeconfig=${sa.kubeconfigPath}`,
    `--probe-addr=127.0.0.1:${probePort}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
  ];
  const proc = startProcess(`wasi-operator (${deployment.metadata!.name})`, process.execPath, args, { env });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  proc.child.stdout!.on('data', collect);
  proc.child.stderr!.on('data', collect);
  const operator = { proc, podName, lines };
  operators.push(operator);
  // Ready = leading (the Lease is taken) with every informer synced.
  await waitFor(
    '/readyz',
    async () => ((await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
    { timeoutMs: 60_000, process: proc },
  );
  return operator;
}

/** Log lines that say the API server refused something. */
function forbiddenLines(operator: ChartOperator): string[] {
  return operator.lines.filter((line) => /forbidden/i.test(line));
}

async function readDeployment(name: string, namespace: string): Promise<V1Deployment> {
  return cluster.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace });
}

async function namespaceEnforcingRestricted(prefix: string): Promise<string> {
  const namespace = await cluster.createNamespace(prefix);
  await cluster.kc.makeApiClient(CoreV1Api).patchNamespace(
    { name: namespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return namespace;
}

async function notFound(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
}

function render(stdout: string): KubernetesObject[] {
  return loadAll(stdout).filter((doc): doc is KubernetesObject => doc !== null && typeof doc === 'object');
}

function find<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string, namespace?: string): T {
  const found = objects.find(
    (o) => o.kind === kind && (name === undefined || o.metadata?.name === name) && (namespace === undefined || o.metadata?.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind} ${namespace ?? ''}/${name ?? ''} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found as T;
}

describe('helm lint and template', () => {
  test('lints clean (strict) with the defaults and with namespaced, two-replica values', async () => {
    expect(await helm.run(['lint', '--strict', CHART_DIR])).toContain('0 chart(s) failed');
    expect(await helm.run(['lint', '--strict', CHART_DIR, '--set', 'replicas=2', '--set', 'watchNamespaces={team-a,team-b}'])).toContain('0 chart(s) failed');
  });

  test('renders the controller flags from values, and they parse as the operator parses them', async () => {
    const valuesFile = join(workDir, 'values.yaml');
    writeFileSync(
      valuesFile,
      [
        'image: { repository: registry.example/wasi-operator, tag: "1.2.3" }',
        'replicas: 2',
        'watchNamespaces: [team-a, team-b]',
        'defaultRedis: { host: "redis.data:6380", passwordSecret: { name: redis, key: password }, tls: true }',
        'logLevel: debug',
        'concurrency: 4',
        'metrics: { enabled: false }',
        'stateStore: { scopes: none, maxScopes: 500 }',
        'extraArgs: ["--resync-period=60"]',
      ].join('\n'),
    );
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops', '-f', valuesFile]));
    const deployment = find<V1Deployment>(objects, 'Deployment', 'rel-wasi-operator', 'ops');
    expect(deployment.spec?.replicas).toBe(2);
    const container = deployment.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe('registry.example/wasi-operator:1.2.3');
    expect(container.args).toEqual([
      'controller',
      '--host-image=registry.example/wasi-operator:1.2.3',
      '--namespace=team-a',
      '--namespace=team-b',
      '--default-redis-host=redis.data:6380',
      '--host-resources={"limits":{"cpu":"1","ephemeral-storage":"256Mi","memory":"512Mi"},"requests":{"cpu":"10m","ephemeral-storage":"16Mi","memory":"64Mi"}}',
      '--default-redis-password-secret=redis:password',
      '--default-redis-tls',
      '--leader-elect',
      '--leader-election-namespace=ops',
      '--leader-election-id=rel-wasi-operator-leader',
      '--lease-duration=15',
      '--renew-deadline=10',
      '--retry-period=2',
      '--metrics-addr=0',
      '--state-store-scopes=none',
      '--state-store-max-scopes=500',
      '--probe-addr=:8081',
      '--concurrency=4',
      '--resync-period=300',
      '--log-level=debug',
      '--resync-period=60',
    ]);

    const parsed = parseControllerArgs(container.args!.slice(1), { POD_NAME: 'rel-wasi-operator-abc', POD_NAMESPACE: 'ops' });
    if (parsed.help) throw new Error('unexpected --help');
    expect(parsed.options).toMatchObject({
      config: {
        hostImage: 'registry.example/wasi-operator:1.2.3',
        namespaces: ['team-a', 'team-b'],
        defaultRedis: { host: 'redis.data:6380', passwordSecretRef: { name: 'redis', key: 'password' }, enableTLS: true },
        defaultHostResources: { requests: { cpu: '10m', memory: '64Mi', 'ephemeral-storage': '16Mi' }, limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '256Mi' } },
        stateStoreScopes: 'none',
        stateStoreMaxScopes: 500,
      },
      leaderElection: { enabled: true, namespace: 'ops', leaseName: 'rel-wasi-operator-leader', identity: 'rel-wasi-operator-abc' },
      probeAddr: ':8081',
      concurrency: 4,
      resyncPeriodSeconds: 60,
      logLevel: 'debug',
    });
    expect(parsed.options.metricsAddr).toBeUndefined();

    // Namespaced: a Role + RoleBinding per watched namespace, the Lease's Role in the release namespace, nothing cluster-wide.
    const rbac = objects.filter((o) => o.apiVersion?.startsWith('rbac.authorization.k8s.io/')).map((o) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`);
    expect(rbac.sort()).toEqual(
      [
        'Role ops/rel-wasi-operator-leader-election',
        'Role team-a/rel-wasi-operator',
        'Role team-b/rel-wasi-operator',
        'RoleBinding ops/rel-wasi-operator-leader-election',
        'RoleBinding team-a/rel-wasi-operator',
        'RoleBinding team-b/rel-wasi-operator',
        // `helm test`'s, in the namespace its WasiApp runs in: the first watched one.
        'Role team-a/rel-wasi-operator-smoke-test',
        'RoleBinding team-a/rel-wasi-operator-smoke-test',
      ].sort(),
    );
    expect(objects.some((o) => o.kind === 'Service')).toBe(false);
  });

  test('defaults: the host image is the operator image, one ClusterRole, a metrics Service, restricted security context', async () => {
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops']));
    const appVersion = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
    const pod = find<V1Deployment>(objects, 'Deployment').spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(container.image).toBe(`wasi-operator:${appVersion}`);
    expect(container.args).toContain(`--host-image=wasi-operator:${appVersion}`);
    expect(container.args).toContain('--leader-elect');
    expect(container.args!.some((arg) => arg.startsWith('--namespace'))).toBe(false);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    find(objects, 'ClusterRole', 'rel-wasi-operator');
    find(objects, 'ClusterRoleBinding', 'rel-wasi-operator');
    expect(find<KubernetesObject & { spec: { ports: { targetPort: string }[] } }>(objects, 'Service', 'rel-wasi-operator-metrics').spec.ports[0]?.targetPort).toBe('metrics');
  });

  test("helm test's smoke Pod: `wasi-operator smoke` from the operator's image, restricted, with RBAC only in its namespace, outside the Deployment's selector", async () => {
    const objects = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops', '--set', 'smokeTest.timeoutSeconds=90']));
    const pod = find<V1Pod>(objects, 'Pod', 'rel-wasi-operator-smoke-test', 'ops');
    expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.serviceAccountName).toBe('rel-wasi-operator-smoke-test');
    const container = pod.spec!.containers[0]!;
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['smoke', '--namespace=ops', '--timeout=90', '--pickup-timeout=30']);
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // The ReplicaSet of the Deployment must never adopt it.
    const selector = find<V1Deployment>(objects, 'Deployment').spec!.selector.matchLabels!;
    expect(Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value)).toBe(false);
    const role = find<V1Role>(objects, 'Role', 'rel-wasi-operator-smoke-test', 'ops');
    expect(role.rules?.find((r) => r.resources?.includes('wasiapps'))?.verbs?.sort()).toEqual(['create', 'delete', 'get', 'list', 'watch']);
    expect(role.rules?.some((r) => r.resources?.includes('namespaces') || r.resources?.includes('secrets'))).toBe(false);

    const watched = render(await helm.run(['template', 'rel', CHART_DIR, '-n', 'ops', '--set', 'watchNamespaces={team-a,team-b}']));
    expect(find<V1Pod>(watched, 'Pod', 'rel-wasi-operator-smoke-test', 'ops').spec!.containers[0]!.args).toContain('--namespace=team-a');
    const off = render(await helm.run(['template', 'rel', CHART_DIR, '--set', 'smokeTest.enabled=false']));
    expect(off.some((o) => o.metadata?.name === 'rel-wasi-operator-smoke-test')).toBe(false);
  });

  test('refuses values that cannot work', async () => {
    const typo = await helm.exec(['template', 'rel', CHART_DIR, '--set', 'replica=2']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("additional properties 'replica' not allowed");
    const twoLeaders = await helm.exec(['template', 'rel', CHART_DIR, '--set', 'replicas=2', '--set', 'leaderElection.enabled=false']);
    expect(twoLeaders.code).not.toBe(0);
    expect(twoLeaders.stderr).toContain('replicas > 1 needs leaderElection.enabled');
    const leaseTimes = await helm.exec(['template', 'rel', CHART_DIR, '--set', 'leaderElection.renewDeadlineSeconds=20']);
    expect(leaseTimes.code).not.toBe(0);
    expect(leaseTimes.stderr).toContain('leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds');
    const badLevel = await helm.exec(['template', 'rel', CHART_DIR, '--set', 'logLevel=loud']);
    expect(badLevel.code).not.toBe(0);
    expect(badLevel.stderr).toContain('/logLevel');
  });
});

describe('helm install, watching every namespace', () => {
  let releaseNamespace: string;
  let appNamespace: string;
  let sa: ServiceAccountKubeConfig;
  let operator: ChartOperator;

  test('installs both CRDs, the ServiceAccount, RBAC, the Deployment and the metrics Service', async () => {
    releaseNamespace = await namespaceEnforcingRestricted('wasi-system');
    await helm.run(['install', RELEASE, CHART_DIR, '-n', releaseNamespace, '--set', 'image.tag=test']);

    const crds = cluster.kc.makeApiClient(ApiextensionsV1Api);
    for (const name of CRDS) expect((await crds.readCustomResourceDefinition({ name })).metadata?.name).toBe(name);
    const core = cluster.kc.makeApiClient(CoreV1Api);
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    await core.readNamespacedServiceAccount({ name: RELEASE, namespace: releaseNamespace });
    await core.readNamespacedService({ name: `${RELEASE}-metrics`, namespace: releaseNamespace });
    const clusterRole = await rbac.readClusterRole({ name: RELEASE });
    expect(clusterRole.rules?.find((r) => r.resources?.includes('jobs'))?.verbs?.sort()).toEqual(['create', 'delete', 'get', 'list', 'patch', 'watch']);
    expect(clusterRole.rules?.find((r) => r.resources?.includes('cronjobs'))?.verbs?.sort()).toEqual(['create', 'delete', 'list', 'patch', 'watch']);
    expect(clusterRole.rules?.find((r) => r.resources?.includes('pods'))?.verbs?.sort()).toEqual(['list', 'watch']);
    const binding = await rbac.readClusterRoleBinding({ name: RELEASE });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: releaseNamespace }]);
    await rbac.readNamespacedRole({ name: `${RELEASE}-leader-election`, namespace: releaseNamespace });
    await rbac.readNamespacedRoleBinding({ name: `${RELEASE}-leader-election`, namespace: releaseNamespace });
    const deployment = await readDeployment(RELEASE, releaseNamespace);
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe(RELEASE);

    const list = JSON.parse(await helm.run(['list', '-n', releaseNamespace, '-o', 'json'])) as { name: string; status: string }[];
    expect(list).toEqual([expect.objectContaining({ name: RELEASE, status: 'deployed' })]);

    // The ReplicaSet controller makes the operator's Pod in a namespace that enforces the
    // restricted Pod Security Standard: the Pod spec passes admission (it stays Pending: no node).
    const [pod] = await eventually('the operator Pod', async () => {
      const pods = await core.listNamespacedPod({ namespace: releaseNamespace, labelSelector: `app.kubernetes.io/instance=${RELEASE}` });
      return pods.items.length > 0 && pods.items;
    });
    expect(pod!.spec?.serviceAccountName).toBe(RELEASE);
  });

  test("the operator does its whole job with the chart's RBAC: Lease, Pods, Component, status, Events", async () => {
    appNamespace = await cluster.createNamespace('apps');
    sa = await serviceAccountKubeConfig(cluster.kc, releaseNamespace, RELEASE, workDir);
    operator = await startChartOperator(await readDeployment(RELEASE, releaseNamespace), sa);

    // The operator takes the Lease a moment after it starts: wait for it, do not read it once.
    const lease = await eventually('the operator to take the Lease', () =>
      cluster.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${RELEASE}-leader`, namespace: releaseNamespace }).catch(() => undefined),
    );
    expect(lease.spec?.holderIdentity).toBe(operator.podName);

    await createApp(c, appNamespace, 'with-dapr');
    await createApp(c, appNamespace, 'without-dapr', { dapr: { enabled: false } });
    const [daprPod] = await eventually('the Pod of with-dapr', async () => {
      const pods = await podsOf(c, appNamespace, 'with-dapr');
      return pods.length === 1 && pods;
    });
    expect(daprPod!.metadata?.annotations?.['dapr.io/enabled']).toBe('true');
    expect(daprPod!.spec?.containers[0]?.image).toBe('wasi-operator:test');
    const [component] = await eventually('the Component', async () => {
      const components = await listComponents(c, appNamespace);
      return components.length === 1 && components;
    });
    // The chart's default Redis reached the Component.
    expect(component!.spec.metadata).toEqual(expect.arrayContaining([{ name: 'redisHost', value: 'redis-master:6379' }]));
    const [plainPod] = await eventually('the Pod of without-dapr', async () => {
      const pods = await podsOf(c, appNamespace, 'without-dapr');
      return pods.length === 1 && pods;
    });

    for (const name of ['with-dapr', 'without-dapr']) {
      await eventually(`the status of ${name}`, async () => (await getApp(c, appNamespace, name)).status?.observedGeneration === 1);
      await eventually(`a JobCreated event of ${name}`, async () => (await eventsFor(c, appNamespace, name)).some((e) => e.reason === 'JobCreated'));
    }
    // Playing the kubelet: the result reaches the status (another status write, after a Pod update).
    await setHostState(c, plainPod!, 'Succeeded', terminatedWith(JSON.stringify({ exitCode: 0, passed: true, output: 'ok' }), 0));
    await eventually('Succeeded', async () => (await getApp(c, appNamespace, 'without-dapr')).status?.phase === 'Succeeded');

    expect(forbiddenLines(operator)).toEqual([]);
  }, 180_000);

  test('a ClusterRole without create on jobs: creating a new Job is refused, and works again once restored', async () => {
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    const original = await rbac.readClusterRole({ name: RELEASE });
    const withoutCreate = original.rules!.map((rule) =>
      rule.resources?.includes('jobs') ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'create') } : rule,
    );
    await rbac.replaceClusterRole({ name: RELEASE, body: { ...original, rules: withoutCreate } });
    try {
      await createApp(c, appNamespace, 'no-create', { dapr: { enabled: false } });
      const refused = await eventually('a ReconcileError event', async () =>
        (await eventsFor(c, appNamespace, 'no-create')).find((e) => e.reason === 'ReconcileError'),
      );
      expect(refused.message).toMatch(/cannot create resource "jobs"/);
      expect(await podsOf(c, appNamespace, 'no-create')).toEqual([]);
      // Each retry fails the same way: one Event whose count grows (patched with the chart's RBAC), not one per retry.
      const repeated = await eventually(
        'the ReconcileError event counted more than once',
        async () => {
          const errors = (await eventsFor(c, appNamespace, 'no-create')).filter((e) => e.reason === 'ReconcileError');
          return (errors[0]?.count ?? 0) > 1 && errors;
        },
        { timeoutMs: 30_000 },
      );
      expect(repeated).toHaveLength(1);
    } finally {
      const current = await rbac.readClusterRole({ name: RELEASE });
      await rbac.replaceClusterRole({ name: RELEASE, body: { ...current, rules: original.rules } });
    }
    // The retry (exponential backoff) succeeds with the chart's rules back.
    await eventually('the Pod of no-create', async () => (await podsOf(c, appNamespace, 'no-create')).length === 1, { timeoutMs: 120_000 });
  }, 180_000);

  test('grants nothing beyond what the operator uses', async () => {
    const may = (attributes: V1ResourceAttributes) => isAllowed(cluster.kc, sa.user, attributes);
    const ns = appNamespace;
    const granted: V1ResourceAttributes[] = [
      { group: 'wasi-operator.dev', resource: 'wasiapps', verb: 'list' },
      { group: 'wasi-operator.dev', resource: 'wasiapps', verb: 'watch' },
      { group: 'wasi-operator.dev', resource: 'wasiapps', subresource: 'status', verb: 'patch', namespace: ns },
      { resource: 'pods', verb: 'list', namespace: ns },
      { group: 'batch', resource: 'jobs', verb: 'create', namespace: ns },
      { group: 'batch', resource: 'jobs', verb: 'get', namespace: ns },
      { group: 'batch', resource: 'jobs', verb: 'patch', namespace: ns },
      { group: 'batch', resource: 'jobs', verb: 'delete', namespace: ns },
      { group: 'batch', resource: 'cronjobs', verb: 'patch', namespace: ns },
      { group: 'batch', resource: 'cronjobs', verb: 'delete', namespace: ns },
      { group: 'dapr.io', resource: 'components', verb: 'patch', namespace: ns },
      { resource: 'events', verb: 'create', namespace: ns },
      { resource: 'events', verb: 'patch', namespace: ns },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', name: `${RELEASE}-leader`, namespace: releaseNamespace },
    ];
    const refused: V1ResourceAttributes[] = [
      { resource: 'secrets', verb: 'get', namespace: ns },
      { resource: 'secrets', verb: 'list' },
      { resource: 'configmaps', verb: 'get', namespace: ns },
      { resource: 'pods', verb: 'update', namespace: ns },
      { resource: 'pods', verb: 'create', namespace: ns },
      { resource: 'pods', verb: 'delete', namespace: ns },
      { group: 'batch', resource: 'jobs', verb: 'update', namespace: ns },
      { group: 'batch', resource: 'cronjobs', verb: 'get', namespace: ns },
      { resource: 'pods', subresource: 'exec', verb: 'create', namespace: ns },
      { group: 'wasi-operator.dev', resource: 'wasiapps', verb: 'update', namespace: ns },
      { group: 'wasi-operator.dev', resource: 'wasiapps', verb: 'delete', namespace: ns },
      { group: 'wasi-operator.dev', resource: 'wasiapps', subresource: 'status', verb: 'update', namespace: ns },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', name: 'someone-elses-lease', namespace: releaseNamespace },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: ns },
      { group: 'apps', resource: 'deployments', verb: 'create', namespace: ns },
      { resource: 'namespaces', verb: 'list' },
      { resource: 'events', verb: 'delete', namespace: ns },
    ];
    for (const attributes of granted) expect({ ...attributes, allowed: await may(attributes) }).toEqual({ ...attributes, allowed: true });
    for (const attributes of refused) expect({ ...attributes, allowed: await may(attributes) }).toEqual({ ...attributes, allowed: false });
  });

  test('helm uninstall removes everything it installed except the CRDs', async () => {
    await operator?.proc.stop();
    await helm.run(['uninstall', RELEASE, '-n', releaseNamespace]);
    const core = cluster.kc.makeApiClient(CoreV1Api);
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    const apps = cluster.kc.makeApiClient(AppsV1Api);
    const gone = [
      () => apps.readNamespacedDeployment({ name: RELEASE, namespace: releaseNamespace }),
      () => core.readNamespacedServiceAccount({ name: RELEASE, namespace: releaseNamespace }),
      () => core.readNamespacedService({ name: `${RELEASE}-metrics`, namespace: releaseNamespace }),
      () => rbac.readClusterRole({ name: RELEASE }),
      () => rbac.readClusterRoleBinding({ name: RELEASE }),
      () => rbac.readNamespacedRole({ name: `${RELEASE}-leader-election`, namespace: releaseNamespace }),
      () => rbac.readNamespacedRoleBinding({ name: `${RELEASE}-leader-election`, namespace: releaseNamespace }),
    ];
    for (const read of gone) await eventually('deletion', () => notFound(read));
    // As Helm does with crds/: installed once, never deleted (that would delete every WasiApp).
    const crds = cluster.kc.makeApiClient(ApiextensionsV1Api);
    for (const name of CRDS) expect((await crds.readCustomResourceDefinition({ name })).metadata?.name).toBe(name);
  });
});

describe('helm install, watching listed namespaces', () => {
  test('Roles only in the watched namespace; the operator works there with them and never reaches cluster-wide', async () => {
    const releaseNamespace = await namespaceEnforcingRestricted('scoped-system');
    const watched = await cluster.createNamespace('team');
    const other = await cluster.createNamespace('other');
    // The CRDs exist already: Helm skips them and installs the rest.
    await helm.run(['install', SCOPED_RELEASE, CHART_DIR, '-n', releaseNamespace, '--set', `watchNamespaces={${watched}}`]);

    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.readNamespacedRole({ name: SCOPED_FULLNAME, namespace: watched });
    await rbac.readNamespacedRoleBinding({ name: SCOPED_FULLNAME, namespace: watched });
    expect(await notFound(() => rbac.readClusterRole({ name: SCOPED_FULLNAME }))).toBe(true);
    expect(await notFound(() => rbac.readNamespacedRole({ name: SCOPED_FULLNAME, namespace: other }))).toBe(true);

    const sa = await serviceAccountKubeConfig(cluster.kc, releaseNamespace, SCOPED_FULLNAME, workDir);
    expect(await isAllowed(cluster.kc, sa.user, { group: 'batch', resource: 'jobs', verb: 'create', namespace: watched })).toBe(true);
    expect(await isAllowed(cluster.kc, sa.user, { resource: 'pods', verb: 'list' })).toBe(false);
    expect(await isAllowed(cluster.kc, sa.user, { group: 'batch', resource: 'jobs', verb: 'create', namespace: other })).toBe(false);

    const operator = await startChartOperator(await readDeployment(SCOPED_FULLNAME, releaseNamespace), sa);
    await createApp(c, watched, 'scoped-app');
    await eventually('the Pod of scoped-app', async () => (await podsOf(c, watched, 'scoped-app')).length === 1);
    await eventually('the Component', async () => (await listComponents(c, watched)).length === 1);
    await eventually('the status of scoped-app', async () => (await getApp(c, watched, 'scoped-app')).status?.observedGeneration === 1);
    expect(forbiddenLines(operator)).toEqual([]);

    await operator.proc.stop();
    await helm.run(['uninstall', SCOPED_RELEASE, '-n', releaseNamespace]);
    await eventually('the Role deleted', () => notFound(() => rbac.readNamespacedRole({ name: SCOPED_FULLNAME, namespace: watched })));
  }, 180_000);
});
