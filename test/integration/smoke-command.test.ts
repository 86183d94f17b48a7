// `wasi-operator smoke` as a user runs it after installing the operator: the
// real bin/wasi-operator.mjs as a child process against the local cluster's
// real node (Dapr's injector adds daprd, the cluster's Redis holds the state).
// First with no operator running (it must say so, and clean up), then with one.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { CLUSTER_REDIS, CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { redisHashGet } from '../helpers/redis.js';
import { eventually, runOperator, TEST_CONFIG } from './controller-support.js';

const BIN = join(process.cwd(), 'bin', 'wasi-operator.mjs');

let cluster: NodeTestCluster;
let operator: RunningOperator | undefined;

beforeAll(async () => {
  cluster = await useNodeCluster();
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  await operator?.stop();
});

async function redisGet(key: string): Promise<string | undefined> {
  const service = await cluster.kc.makeApiClient(CoreV1Api).readNamespacedService({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace });
  return redisHashGet(CLUSTER_REDIS.port, key, 'data', service.spec!.clusterIP!);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async on purpose: the operator runs in this process's event loop. */
function smoke(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'smoke', '--kubeconfig', cluster.kubeconfigPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function smokeNamespaces(): Promise<string[]> {
  const namespaces = await cluster.kc.makeApiClient(CoreV1Api).listNamespace();
  return namespaces.items.filter((ns) => ns.metadata?.name?.startsWith('wasi-smoke-') && ns.status?.phase !== 'Terminating').map((ns) => ns.metadata!.name!);
}

test('with no operator running: exit 1, saying no operator acted and what to check; its namespace is removed', async () => {
  const run = await smoke('--pickup-timeout', '3');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/FAILED: no operator acted on WasiApp wasi-smoke-\w+\/seed within 3s: is wasi-operator running/);
  expect(run.stdout).toContain('deleted namespace wasi-smoke-');
  expect(await smokeNamespaces()).toEqual([]);
}, 60_000);

test("with the operator running: exit 0, the guest's output, its state in Redis, and nothing left behind", async () => {
  operator = await runOperator(cluster.kc, { config: { ...TEST_CONFIG, hostImage: cluster.operatorImage, defaultRedis: { host: CLUSTER_REDIS_HOST } } });
  const run = await smoke('--timeout', '150');
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout).toContain('Test successfully!');
  expect(run.stdout).toMatch(/PASSED: the operator ran WasiApp wasi-smoke-\w+\/seed/);
  expect(await redisGet('seed||weapon')).toBe('"Death Star"');
  await eventually('the smoke namespace to be gone or going', async () => (await smokeNamespaces()).length === 0, { timeoutMs: 30_000 });
}, 200_000);

test("an app that fails: exit 1 with the Succeeded condition's reason and the app's events", async () => {
  await operator?.stop();
  // Nothing listens on port 1: the app's daprd cannot reach its state store.
  operator = await runOperator(cluster.kc, { config: { ...TEST_CONFIG, hostImage: cluster.operatorImage, defaultRedis: { host: '127.0.0.1:1' } } });
  const run = await smoke('--timeout', '200');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/FAILED: WasiApp wasi-smoke-\w+\/seed ended Failed \(\w+\): /);
  expect(run.stdout).toMatch(/Succeeded=False \w+/);
  expect(run.stdout).toContain('events of WasiApp');
  expect(run.stdout).toContain('deleted namespace wasi-smoke-');
}, 260_000);

test('bad flags exit 2 with the usage', async () => {
  const run = await smoke('--timeout', 'soon');
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--timeout "soon" wants seconds');
}, 30_000);
