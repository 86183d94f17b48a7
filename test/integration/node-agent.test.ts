// The local node agent plays the kubelet for the project's own Pods: a Ready
// Node the real scheduler binds Pods to, `wasi-host` containers run as local
// processes, and the Pod status a kubelet would write (exit code, termination
// message), on a real control plane.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { API_GROUP, API_VERSION, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { startNodeAgent, type NodeAgent } from '../../operator/src/local/node-agent/node-agent.js';
import { repoRoot } from '../../operator/src/local/repo-root.js';
import { kubeletTlsOf } from '../../operator/src/local/cluster/node-agent-process.js';
import { pkiPaths } from '../../operator/src/local/cluster/pki.js';
import { clusterPaths } from '../../operator/src/local/cluster/state-dir.js';
import { buildHostPod } from '../../operator/src/resources/pod.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { operatorConfig } from '../helpers/wasiapp-fixtures.js';

const guest = (name: string) => readFileSync(join(repoRoot(), 'guest', 'build', `${name}.wasm`));

let cluster: TestCluster;
let agent: NodeAgent;
let core: CoreV1Api;
let namespace: string;
let serial = 0;
const workDir = mkdtempSync(join(tmpdir(), 'wasi-node-agent-test-'));

beforeAll(async () => {
  cluster = await startTestCluster();
  core = cluster.kc.makeApiClient(CoreV1Api);
  agent = await startNodeAgent({
    kc: cluster.kc,
    workDir,
    kubeletTls: kubeletTlsOf(clusterPaths(cluster.stateDir)),
    log: pino({ level: process.env.NODE_AGENT_LOG ?? 'silent' }),
  });
  namespace = await cluster.createNamespace('node-agent');
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name: 'guests' },
      binaryData: Object.fromEntries(['exit-code', 'echo-env-args', 'endless-loop'].map((name) => [`${name}.wasm`, guest(name).toString('base64')])),
    },
  });
}, 240_000);

afterAll(async () => {
  await agent?.stop();
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await sleep(200);
  }
}

/** The operator's own Pod for a stored WasiApp (Dapr off: this test has no sidecar). */
async function createHostPod(key: string, spec: Partial<WasiAppSpec> = {}): Promise<V1Pod> {
  const body = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: WASIAPP_KIND,
    metadata: { name: `app-${++serial}` },
    spec: { module: { configMap: { name: 'guests', key } }, dapr: { enabled: false }, ...spec },
  };
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const app = (await custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: WASIAPP_PLURAL, body })) as WasiApp;
  return core.createNamespacedPod({ namespace, body: buildHostPod(app, operatorConfig()) });
}

const readPod = (pod: V1Pod) => core.readNamespacedPod({ name: pod.metadata!.name!, namespace });
const finished = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

test('registers a Ready node that the scheduler uses, and keeps its lease', async () => {
  const node = await eventually(
    () => core.readNode({ name: agent.nodeName }),
    (n) => !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'),
  );
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  expect(node.status?.allocatable?.pods).toBe('110');
  expect(node.spec?.taints ?? []).toEqual([]);
  const lease = await cluster.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: agent.nodeName, namespace: 'kube-node-lease' });
  expect(lease.spec?.holderIdentity).toBe(agent.nodeName);
});

test("runs the operator's host Pod to completion: Succeeded, exit code 0, the host's JSON result as termination message", async () => {
  const pod = await createHostPod('exit-code.wasm', { args: ['0'] });
  const done = await eventually(() => readPod(pod), finished);
  expect(done.spec?.nodeName).toBe(agent.nodeName);
  expect(done.status?.phase).toBe('Succeeded');
  const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
  expect(terminated?.exitCode).toBe(0);
  expect(JSON.parse(terminated?.message ?? '{}')).toMatchObject({ exitCode: 0, passed: true, output: 'exit-code:0\n' });
});

test('a guest that fails makes the Pod Failed with its exit code and result', async () => {
  const pod = await createHostPod('exit-code.wasm', { args: ['3'] });
  const done = await eventually(() => readPod(pod), finished);
  expect(done.status?.phase).toBe('Failed');
  const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
  expect(terminated?.exitCode).toBe(3);
  expect(terminated?.reason).toBe('Error');
  expect(JSON.parse(terminated?.message ?? '{}')).toMatchObject({ exitCode: 3, passed: false });
});

test('the guest gets its args and env, including values from Secrets and the downward API', async () => {
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'tokens' }, stringData: { api: 's3cret' } } });
  const pod = await createHostPod('echo-env-args.wasm', {
    args: ['one', '$(NOT_EXPANDED)'],
    env: [
      { name: 'PLAIN', value: 'x' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
  });
  const done = await eventually(() => readPod(pod), finished);
  const result = JSON.parse(done.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '{}') as { output?: string };
  expect(result.output).toContain('arg:one\narg:$(NOT_EXPANDED)\n');
  expect(result.output).toContain('env:PLAIN=x\n');
  expect(result.output).toContain('env:TOKEN=s3cret\n');
  expect(result.output).toContain(`env:POD=${pod.metadata!.name}\n`);
});

test('a Pod whose container is not wasi-host is Failed with reason UnsupportedContainer', async () => {
  const pod = await core.createNamespacedPod({ namespace, body: { metadata: { name: 'busybox' }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '1'] }] } } });
  const done = await eventually(() => readPod(pod), finished);
  expect(done.status?.phase).toBe('Failed');
  expect(done.status?.reason).toBe('UnsupportedContainer');
});

test('deleting a running Pod ends its process and the Pod goes away', async () => {
  const pod = await createHostPod('endless-loop.wasm');
  const running = await eventually(() => readPod(pod), (p) => p.status?.phase === 'Running');
  const pid = Number(running.status?.containerStatuses?.[0]?.containerID?.replace('local-process://', ''));
  expect(pid).toBeGreaterThan(0);

  await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace });

  const gone = await eventually(
    () => readPod(pod).then(() => false, (err: { code?: number }) => err.code === 404),
    (isGone) => isGone,
  );
  expect(gone).toBe(true);
  expect(() => process.kill(pid, 0)).toThrow();
});


/** The real kubectl against this cluster: its stdout, stderr and exit code (never throws on a non-zero exit). */
async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('kubectl', ['--kubeconfig', cluster.kubeconfigPath, '-n', namespace, ...args], {
      env: { PATH: process.env.PATH, HOME: cluster.stateDir },
      timeout: 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const { stdout = '', stderr = '', code = 1 } = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout, stderr, code: typeof code === 'number' ? code : 1 };
  }
}

describe('kubectl logs through the API server and the agent\'s kubelet API', () => {
  test("prints the guest's output of a finished Pod", async () => {
    const pod = await createHostPod('echo-env-args.wasm', { args: ['first', 'second'] });
    await eventually(() => readPod(pod), finished);
    const { stdout, code, stderr } = await kubectl('logs', pod.metadata!.name!);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('arg:first\narg:second\n');
  });

  test('--tail and --limit-bytes cut the log as the kubelet does', async () => {
    const pod = await createHostPod('echo-env-args.wasm', { args: ['a1', 'a2', 'a3'] });
    await eventually(() => readPod(pod), finished);
    const whole = (await kubectl('logs', pod.metadata!.name!)).stdout;
    const lines = whole.split('\n').filter((l) => l !== '');
    expect((await kubectl('logs', pod.metadata!.name!, '--tail=2')).stdout).toBe(`${lines.slice(-2).join('\n')}\n`);
    expect((await kubectl('logs', pod.metadata!.name!, '--limit-bytes=5')).stdout).toBe(whole.slice(0, 5));
  });

  test('-f follows a running container and ends when it ends', async () => {
    const pod = await createHostPod('endless-loop.wasm', { timeoutSeconds: 3 });
    await eventually(() => readPod(pod), (p) => p.status?.phase === 'Running');
    const followed = await kubectl('logs', '-f', pod.metadata!.name!);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('endless-loop: spinning');
    // kubectl returned on its own: the container had ended by then.
    expect(finished(await readPod(pod))).toBe(true);
  });

  test('a container that is not in the Pod is refused by the API server, naming it', async () => {
    const pod = await createHostPod('exit-code.wasm', { args: ['0'] });
    await eventually(() => readPod(pod), finished);
    const { code, stderr } = await kubectl('logs', pod.metadata!.name!, '-c', 'nope');
    expect(code).not.toBe(0);
    expect(stderr).toContain('nope');
  });

  test('--previous of a container that never restarted: not found, as the kubelet says it', async () => {
    const pod = await createHostPod('exit-code.wasm', { args: ['0'] });
    await eventually(() => readPod(pod), finished);
    const { code, stderr } = await kubectl('logs', pod.metadata!.name!, '--previous');
    expect(code).not.toBe(0);
    expect(stderr).toContain(`previous terminated container "wasi-host" in pod "${pod.metadata!.name}" not found`);
  });

  test('the kubelet API answers only the API server: an admin certificate of the same CA is forbidden', async () => {
    const node = await core.readNode({ name: agent.nodeName });
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    expect(port).toBe(agent.kubeletPort);
    const pki = pkiPaths(clusterPaths(cluster.stateDir).pkiDir);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

// Last: it stops the agent.
test('stop() reports the node NotReady', async () => {
  await agent.stop();
  const node = await core.readNode({ name: agent.nodeName });
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
});
