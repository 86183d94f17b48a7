// `helm install` on the local cluster's real node gives a working operator:
// the chart from the repo with the image built from our Dockerfile (pulled by
// containerd from the local registry), its Pods Running and Ready through the
// chart's readiness probe under the restricted Pod Security Standard; a
// WasiApp applied with the real kubectl that the operator runs to its result
// with daprd added by Dapr's injector and the state in the cluster's Redis;
// `kubectl logs`, `exec` and `port-forward` on the operator; `helm test`; a
// killed operator restarted by the kubelet; `helm uninstall` removing it all.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { kubectlBinary } from '../../dev/demo/report.js';
import { CLUSTER_REDIS, CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { NODE_NAME } from '../../dev/node/node-layout.js';
import { splitImageReference } from '../../dev/node/operator-install.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { CHART_DIR, createHelm, type Helm } from '../helpers/helm.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { redisHashGet } from '../helpers/redis.js';
import { eventually } from './controller-support.js';

const RELEASE = 'wasi-operator';
const REPLICAS = 2;
const SEED_EXAMPLE = join(packageRoot(), 'examples', 'wasiapp-seed.yaml');
const SEED_GUEST = join(packageRoot(), 'guest', 'build', 'dapr-state-test.wasm');
const run = promisify(execFile);

let node: NodeTestCluster;
let helm: Helm;
let core: CoreV1Api;
let releaseNamespace: string;
let installed = false;

beforeAll(async () => {
  node = await useNodeCluster();
  helm = createHelm({ kubeconfigPath: node.kubeconfigPath });
  core = node.kc.makeApiClient(CoreV1Api);
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  if (installed) await helm?.exec(['uninstall', RELEASE, '-n', releaseNamespace, '--wait']).catch(() => undefined);
  await node?.deleteNamespaces();
  helm?.cleanup();
}, 120_000);

/** The real kubectl with nothing but the cluster's kubeconfig; its cache in the cluster's state dir. */
async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await run(kubectlBinary(), ['--kubeconfig', node.kubeconfigPath, ...args], { env: { PATH: process.env.PATH, HOME: node.stateDir }, timeout: 60_000 });
  return stdout;
}

async function operatorPods(): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace: releaseNamespace, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/name=wasi-operator` });
  return pods.items.filter((pod) => !pod.metadata?.deletionTimestamp);
}

const isReady = (pod: V1Pod) => pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The operator's process on this machine: the node's containers are processes in cgroups named after the Pod's uid. */
function hostPidOf(pod: V1Pod): number | undefined {
  const uid = pod.metadata!.uid!;
  const marker = `pod${uid}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('wasi-operator.mjs')) continue;
      if (readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(marker)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe('helm install on the local cluster’s real node', () => {
  let pods: V1Pod[];

  test('helm install --wait: the Deployment’s Pods run the image built from the Dockerfile, Running and Ready, under the restricted standard', async () => {
    releaseNamespace = await node.createNamespace('wasi-system');
    await core.patchNamespace(
      { name: releaseNamespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const { repository, tag } = splitImageReference(node.operatorImage);
    installed = true;
    await helm.run([
      'install', RELEASE, CHART_DIR, '-n', releaseNamespace,
      '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`,
      '--set', `replicas=${REPLICAS}`,
      '--set', `defaultRedis.host=${CLUSTER_REDIS_HOST}`,
      '--wait', '--timeout=180s',
    ]);

    const deployment = await node.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: RELEASE, namespace: releaseNamespace });
    expect(deployment.status?.readyReplicas).toBe(REPLICAS);
    pods = await operatorPods();
    expect(pods).toHaveLength(REPLICAS);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe(NODE_NAME);
      expect(isReady(pod)).toBe(true);
      const status = pod.status!.containerStatuses![0]!;
      expect(status).toMatchObject({ name: 'operator', ready: true, started: true, restartCount: 0 });
      expect(status.containerID).toMatch(/^containerd:\/\//);
      expect(status.imageID).toMatch(/sha256:[0-9a-f]{64}/);
    }
    // One of them leads, under its Pod name and the chart's ServiceAccount.
    const lease = await eventually(
      'a replica to take the Lease',
      () => node.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${RELEASE}-leader`, namespace: releaseNamespace }).catch(() => undefined),
      { timeoutMs: 60_000 },
    );
    expect(pods.map((p) => p.metadata!.name)).toContain(lease.spec?.holderIdentity);
  }, 240_000);

  test('a WasiApp applied with kubectl runs to its result, with daprd from Dapr’s injector and the state in the cluster’s Redis', async () => {
    const appNamespace = await node.createNamespace('apps');
    await kubectl(['create', 'configmap', 'dapr-state-test', `--from-file=dapr-state-test.wasm=${SEED_GUEST}`, '-n', appNamespace]);
    await kubectl(['apply', '-f', SEED_EXAMPLE, '-n', appNamespace]);

    interface AppStatus {
      phase?: string;
      podName?: string;
      result?: { passed?: boolean; output?: string };
    }
    const status = await eventually(
      'WasiApp seed to finish',
      async () => {
        const app = JSON.parse(await kubectl(['get', 'wasiapp', 'seed', '-n', appNamespace, '-o', 'json'])) as { status?: AppStatus };
        return ['Succeeded', 'Failed'].includes(app.status?.phase ?? '') && app.status;
      },
      { timeoutMs: 180_000 },
    );
    expect(status).toMatchObject({ phase: 'Succeeded', result: { passed: true } });
    expect(status.result?.output).toContain('Test successfully!');
    const pod = await core.readNamespacedPod({ name: status.podName!, namespace: appNamespace });
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    expect(containers).toEqual(expect.arrayContaining(['daprd', 'wasi-host']));
    const service = await core.readNamespacedService({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace });
    expect(await redisHashGet(CLUSTER_REDIS.port, 'seed||weapon', 'data', service.spec!.clusterIP!)).toBe('"Death Star"');
    expect(await kubectl(['get', 'wasi', 'seed', '-n', appNamespace])).toMatch(/seed\s+Succeeded\s+true/);
    expect(await kubectl(['logs', '-n', appNamespace, status.podName!, '-c', 'wasi-host'])).toContain('Test successfully!');
  }, 240_000);

  test('kubectl logs, exec and port-forward reach the leading operator', async () => {
    const lease = await node.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${RELEASE}-leader`, namespace: releaseNamespace });
    const leader = lease.spec!.holderIdentity!;
    const messages = (await kubectl(['logs', '-n', releaseNamespace, leader]))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg?: string }).msg);
    expect(messages).toContain('became leader');

    // exec: the container runs as the image's user, on a read-only root file system.
    const id = await kubectl(['exec', '-n', releaseNamespace, leader, '--', 'id', '-u']);
    expect(id.trim()).toBe('65532');
    const write = await run(kubectlBinary(), ['--kubeconfig', node.kubeconfigPath, 'exec', '-n', releaseNamespace, leader, '--', 'touch', '/app/x'], { env: { PATH: process.env.PATH, HOME: node.stateDir } }).then(
      () => 'written',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(write).toMatch(/Read-only file system/);

    // port-forward to the metrics port: the operator's own /metrics answers through it.
    const forward = spawn(kubectlBinary(), ['--kubeconfig', node.kubeconfigPath, 'port-forward', '-n', releaseNamespace, `pod/${leader}`, ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        forward.stdout.on('data', (chunk: Buffer) => {
          const found = /127\.0\.0\.1:(\d+) ->/.exec(chunk.toString());
          if (found) resolve(Number(found[1]));
        });
        forward.on('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}`)));
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('wasi_operator_');
    } finally {
      forward.kill();
    }
  }, 90_000);

  test('helm test: the chart’s smoke-test Pod runs the seed’s WasiApp through the installed operator and passes', async () => {
    const out = await helm.run(['test', RELEASE, '-n', releaseNamespace, '--logs', '--timeout=180s']);
    expect(out).toMatch(/TEST SUITE:\s+wasi-operator-smoke-test[\s\S]*Phase:\s+Succeeded/);
    expect(out).toContain('Test successfully!');
    expect(out).toMatch(/PASSED: the operator ran WasiApp [\w-]+\/wasi-smoke-\w+/);
    const apps = JSON.parse(await kubectl(['get', 'wasiapps', '-n', releaseNamespace, '-o', 'json'])) as { items: unknown[] };
    expect(apps.items).toEqual([]);
  }, 240_000);

  test('a killed operator is restarted by the kubelet, its restart counted, and its last words in kubectl logs --previous', async () => {
    const [pod] = pods;
    const pid = hostPidOf(pod!);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const restarted = await eventually(
      'the operator restarted and Ready',
      async () => {
        const current = await core.readNamespacedPod({ name: pod!.metadata!.name!, namespace: releaseNamespace });
        return (current.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && isReady(current) && current;
      },
      { timeoutMs: 90_000 },
    );
    expect(restarted.status!.containerStatuses![0]!.lastState?.terminated).toMatchObject({ exitCode: 137 });
    const previous = await kubectl(['logs', '-n', releaseNamespace, pod!.metadata!.name!, '--previous']);
    expect(previous).toContain('"msg"');
  }, 120_000);

  test('helm uninstall deletes the operator’s Pods', async () => {
    await helm.run(['uninstall', RELEASE, '-n', releaseNamespace, '--wait']);
    installed = false;
    await eventually('the operator Pods gone', async () => (await operatorPods()).length === 0, { timeoutMs: 90_000 });
  }, 120_000);
});
