// `helm install` on the local cluster gives a working operator: the chart
// from the repo, its Deployment's Pods run by the node agent (the image's
// entrypoint as a local process, with a ServiceAccount token bound to the Pod,
// the downward-API env and ports of their own), Running and Ready through
// the chart's readiness probe; a WasiApp applied with the real kubectl that
// the operator in its Pod runs to its result, with Dapr and Redis; a killed
// operator restarted and counted; `helm uninstall` stopping it all.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { repoRoot } from '../../operator/src/local/repo-root.js';
import { isToolCurrent, toolPaths } from '../../operator/src/local/tools/go-build.js';
import { DAPRD } from '../../operator/src/local/tools/pins.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { CHART_DIR, createHelm, type Helm } from '../helpers/helm.js';
import { redisHashGet, startRedis, type TestRedis } from '../helpers/redis.js';
import { eventually } from './controller-support.js';

const RELEASE = 'wasi-operator';
const REPLICAS = 2;
const OPERATOR_SCRIPT = join(repoRoot(), 'bin', 'wasi-operator.mjs');
const SEED_EXAMPLE = join(repoRoot(), 'examples', 'wasiapp-seed.yaml');
const SEED_GUEST = join(repoRoot(), 'guest', 'build', 'dapr-state-test.wasm');

let cluster: TestCluster;
let helm: Helm;
let redis: TestRedis;
let core: CoreV1Api;
let releaseNamespace: string;
let installed = false;

beforeAll(async () => {
  if (!isToolCurrent(DAPRD)) throw new Error('daprd is not built yet: run `node bin/wasi-operator.mjs tools ensure daprd`');
  redis = await startRedis();
  // No CRDs from the helper: the chart installs them, as it would on a real cluster.
  cluster = await startTestCluster({ crdDir: false, nodeAgent: true, daprdPath: toolPaths(DAPRD).daprd! });
  helm = createHelm({ kubeconfigPath: cluster.kubeconfigPath });
  core = cluster.kc.makeApiClient(CoreV1Api);
}, 300_000);

afterAll(async () => {
  // Whatever failed: the release's processes go with the node agent, which cluster.stop() stops first.
  if (installed) await helm?.exec(['uninstall', RELEASE, '-n', releaseNamespace]).catch(() => undefined);
  await cluster?.stop();
  await redis?.stop();
  helm?.cleanup();
}, 120_000);

const run = promisify(execFile);

/**
 * The real kubectl with nothing but the cluster's kubeconfig, its discovery
 * cache in the cluster's state dir (HOME), not the developer's or the
 * checkout's. Async: the node agent runs in this event loop.
 */
async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { env: { PATH: process.env.PATH, HOME: cluster.stateDir }, timeout: 60_000 });
  return stdout;
}

async function operatorPods(): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace: releaseNamespace, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/name=wasi-operator` });
  return pods.items;
}

function pidOf(pod: V1Pod): number {
  return Number(pod.status?.containerStatuses?.[0]?.containerID?.replace('local-process://', ''));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const isReady = (pod: V1Pod) => pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The operator container's log in its Pod directory, to say why a wait timed out. */
function operatorLogTail(pod: V1Pod | undefined): string {
  if (!pod) return '';
  const { namespace, name, uid } = pod.metadata!;
  const log = join(cluster.stateDir, 'node-agent', 'pods', `${namespace}_${name}_${uid}`, 'operator.log');
  return existsSync(log) ? `\n--- ${name} operator.log ---\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}` : '';
}

async function withLogs<T>(pods: V1Pod[], wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    throw new Error(`${(err as Error).message}${pods.map(operatorLogTail).join('')}`);
  }
}

function procFile(pid: number, file: 'cmdline' | 'environ'): string[] {
  return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('helm install on the local cluster', () => {
  let pods: V1Pod[];

  test('helm install --wait: the node agent runs the Deployment Pods, Running and Ready by their readiness probe', async () => {
    releaseNamespace = await cluster.createNamespace('wasi-system');
    // The operator's Pod passes the restricted Pod Security Standard here too.
    await core.patchNamespace(
      { name: releaseNamespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // The image the agent recognises: repository wasi-operator (the chart's default), any tag.
    installed = true;
    await helm.run([
      'install',
      RELEASE,
      CHART_DIR,
      '-n',
      releaseNamespace,
      '--set',
      'image.tag=test',
      '--set',
      `replicas=${REPLICAS}`,
      '--set',
      `defaultRedis.host=${redis.address}`,
      // kstatus: the Deployment counts only once its Pods are Ready, which only the node agent can report.
      '--wait',
      '--timeout=100s',
    ]);

    const deployment = await cluster.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: RELEASE, namespace: releaseNamespace });
    expect(deployment.status?.readyReplicas).toBe(REPLICAS);
    pods = await operatorPods();
    expect(pods).toHaveLength(REPLICAS);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe('wasi-node');
      expect(isReady(pod)).toBe(true);
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'operator', ready: true, started: true, restartCount: 0, image: 'wasi-operator:test' });
      expect(isAlive(pidOf(pod))).toBe(true);
    }
  }, 150_000);

  test("each operator runs as the image's entrypoint, with listeners of its own and in-cluster credentials bound to its Pod", async () => {
    const probePorts: number[] = [];
    for (const pod of pods) {
      const pid = pidOf(pod);
      const argv = procFile(pid, 'cmdline');
      // node --optimize-for-size --max-semi-space-size=1 <repo>/bin/wasi-operator.mjs controller …
      expect(argv.slice(1, 5)).toEqual(['--optimize-for-size', '--max-semi-space-size=1', OPERATOR_SCRIPT, 'controller']);
      expect(argv).toContain('--probe-addr=:8081');
      const probeAddr = argv.filter((arg) => arg.startsWith('--probe-addr=')).at(-1)!;
      expect(probeAddr).toMatch(/^--probe-addr=127\.0\.0\.1:\d+$/);
      const probePort = Number(probeAddr.split(':').at(-1));
      probePorts.push(probePort);
      // A replica that has just taken the Lease answers 503 until its caches sync: wait that out.
      await eventually(`${pod.metadata!.name} /readyz on port ${probePort}`, async () => (await fetch(`http://127.0.0.1:${probePort}/readyz`)).status === 200, 15_000);

      const env = Object.fromEntries(procFile(pid, 'environ').map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
      expect(env).toMatchObject({ POD_NAME: pod.metadata!.name, POD_NAMESPACE: releaseNamespace, NODE_ENV: 'production' });
      const kubeconfig = load(readFileSync(env.KUBECONFIG!, 'utf8')) as { users: { user: { 'auth-provider': { config: { tokenFile: string } } } }[] };
      const tokenFile = kubeconfig.users[0]!.user['auth-provider'].config.tokenFile;
      const claims = jwtClaims(readFileSync(tokenFile, 'utf8'));
      expect(claims.sub).toBe(`system:serviceaccount:${releaseNamespace}:${RELEASE}`);
      expect(claims['kubernetes.io']).toMatchObject({ pod: { name: pod.metadata!.name, uid: pod.metadata!.uid } });
    }
    expect(new Set(probePorts).size).toBe(REPLICAS);

    // One of them leads, under its Pod name (the downward-API env) and the chart's ServiceAccount (its RBAC).
    const lease = await cluster.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${RELEASE}-leader`, namespace: releaseNamespace });
    expect(pods.map((p) => p.metadata!.name)).toContain(lease.spec?.holderIdentity);
  });

  test('a WasiApp applied with kubectl runs to its result: the guest saved and read Dapr state in Redis', async () => {
    const appNamespace = await cluster.createNamespace('apps');
    await kubectl(['create', 'configmap', 'dapr-state-test', `--from-file=dapr-state-test.wasm=${SEED_GUEST}`, '-n', appNamespace]);
    await kubectl(['apply', '-f', SEED_EXAMPLE, '-n', appNamespace]);

    interface AppStatus {
      phase?: string;
      result?: { passed?: boolean; output?: string };
    }
    const status = await withLogs(pods, () =>
      eventually(
        'WasiApp seed to finish',
        async () => {
          const app = JSON.parse(await kubectl(['get', 'wasiapp', 'seed', '-n', appNamespace, '-o', 'json'])) as { status?: AppStatus };
          return ['Succeeded', 'Failed'].includes(app.status?.phase ?? '') && app.status;
        },
        90_000,
      ),
    );
    expect(status.phase).toBe('Succeeded');
    expect(status.result?.passed).toBe(true);
    expect(status.result?.output).toContain('Test successfully!');
    expect(await redisHashGet(redis.port, 'seed||weapon', 'data')).toBe('"Death Star"');
    expect(await kubectl(['get', 'wasi', 'seed', '-n', appNamespace])).toMatch(/seed\s+Succeeded\s+true/);
  }, 120_000);

  test("kubectl logs shows the leading operator's log and the guest's Pod output", async () => {
    const lease = await cluster.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${RELEASE}-leader`, namespace: releaseNamespace });
    const leaderLog = await kubectl(['logs', '-n', releaseNamespace, lease.spec!.holderIdentity!]);
    const messages = leaderLog
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg?: string }).msg);
    expect(messages).toContain('became leader');
    const seedPods = await core.listPodForAllNamespaces({ labelSelector: 'app.kubernetes.io/instance=seed,app.kubernetes.io/managed-by=wasi-operator' });
    expect(seedPods.items).toHaveLength(1);
    const seedPod = seedPods.items[0]!.metadata!;
    expect(await kubectl(['logs', '-n', seedPod.namespace!, seedPod.name!])).toContain('Test successfully!');
  }, 60_000);

  test("helm test: the chart's smoke test Pod runs the seed's WasiApp through the installed operator and passes", async () => {
    const out = await helm.run(['test', RELEASE, '-n', releaseNamespace, '--logs', '--timeout=120s']);
    expect(out).toMatch(/TEST SUITE:\s+wasi-operator-smoke-test[\s\S]*Phase:\s+Succeeded/);
    // --logs reads the Pod's log through the API server and the node agent's kubelet API.
    expect(out).toContain('Test successfully!');
    expect(out).toMatch(/PASSED: the operator ran WasiApp [\w-]+\/wasi-smoke-\w+/);
    // The test's WasiApp and ConfigMap are gone; its ServiceAccount and RBAC went once it passed.
    const apps = JSON.parse(await kubectl(['get', 'wasiapps', '-n', releaseNamespace, '-o', 'json'])) as { items: unknown[] };
    expect(apps.items).toEqual([]);
    const leftovers = await kubectl(['get', 'serviceaccount,role,rolebinding,configmap', '-n', releaseNamespace, '-o', 'name']);
    expect(leftovers).not.toContain('smoke');
  }, 150_000);

  test('a killed operator is restarted with back-off, its restart counted, and Ready again', async () => {
    const [pod] = pods;
    const oldPid = pidOf(pod!);
    process.kill(oldPid, 'SIGKILL');
    const restarted = await withLogs(pods, () =>
      eventually(
        'the operator restarted and Ready',
        async () => {
          const current = await core.readNamespacedPod({ name: pod!.metadata!.name!, namespace: releaseNamespace });
          return current.status?.containerStatuses?.[0]?.restartCount === 1 && isReady(current) && current;
        },
        60_000,
      ),
    );
    const container = restarted.status!.containerStatuses![0]!;
    expect(container.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(container.state?.running).toBeDefined();
    const newPid = pidOf(restarted);
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(newPid)).toBe(true);

    // kubectl logs shows the new instance; --previous the killed one (pino puts each process's pid on its lines).
    const pidsIn = (log: string) => new Set(log.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { pid: number }).pid));
    const podName = pod!.metadata!.name!;
    expect(pidsIn(await kubectl(['logs', '-n', releaseNamespace, podName, '--previous']))).toEqual(new Set([oldPid]));
    await eventually('the new instance to log', async () => pidsIn(await kubectl(['logs', '-n', releaseNamespace, podName])).size > 0, 10_000);
    expect(pidsIn(await kubectl(['logs', '-n', releaseNamespace, podName]))).toEqual(new Set([newPid]));
  }, 90_000);

  test('helm uninstall deletes the Pods and stops the operator processes', async () => {
    const current = await operatorPods();
    const pids = current.map(pidOf);
    expect(pids.every(isAlive)).toBe(true);
    await helm.run(['uninstall', RELEASE, '-n', releaseNamespace]);
    installed = false;
    await eventually('the operator Pods gone', async () => (await operatorPods()).length === 0, 60_000);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 90_000);
});
