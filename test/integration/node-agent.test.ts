// The local node agent plays the kubelet for the project's own Pods: a Ready
// Node the real scheduler binds Pods to, `wasi-host` containers run as local
// processes, and the Pod status a kubelet would write (exit code, termination
// message), on a real control plane.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { API_GROUP, API_VERSION, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { startNodeAgent, type NodeAgent } from '../../operator/src/local/node-agent/node-agent.js';
import { repoRoot } from '../../operator/src/local/repo-root.js';
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
  agent = await startNodeAgent({ kc: cluster.kc, workDir, log: pino({ level: process.env.NODE_AGENT_LOG ?? 'silent' }) });
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

test('stop() reports the node NotReady', async () => {
  await agent.stop();
  const node = await core.readNode({ name: agent.nodeName });
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
});
