// `wasi-dev demo` (what `npm start` runs) as a user runs it: the real
// dev/bin/wasi-dev.mjs as a child process. On the local cluster with its
// real node (shared with the other node tests, so the demo finds it running
// and leaves it so): our chart installed with the image built from the
// Dockerfile, the seed WasiApp run to its result with daprd from Dapr's
// injector, its state read back from the cluster's Redis, and the demo's
// namespace removed afterwards. `demo --local` (no Kubernetes) likewise, with
// nothing left running.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { parseTimeout } from '../../dev/cli/demo-command.js';
import { wasiAppTable } from '../../dev/demo/report.js';
import { NODE_START_TIMEOUT_MS, NODE_TEST_STATE_DIR, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { eventually } from './controller-support.js';

const BIN = join(process.cwd(), 'dev', 'bin', 'wasi-dev.mjs');
const DEMO_TIMEOUT_MS = 420_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WASI_OPERATOR_HOME: NODE_TEST_STATE_DIR } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // SIGINT, not SIGKILL: the demo cleans up on Ctrl-C.
    const timer = setTimeout(() => child.kill('SIGINT'), DEMO_TIMEOUT_MS - 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Command lines (NUL-separated argv joined by spaces) of every live process but zombies. */
function commandLines(): Array<{ pid: number; cmdline: string }> {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
        return cmdline ? [{ pid: Number(pid), cmdline }] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

function match(text: string, pattern: RegExp): string {
  const found = pattern.exec(text);
  if (!found) throw new Error(`${pattern} not in the demo's output:\n${text}`);
  return found[1]!;
}

/** redis-server renames itself to "redis-server 127.0.0.1:PORT"; its argv had --port PORT. */
const redisOn = (port: string) => (p: { cmdline: string }) => p.cmdline.includes('redis-server') && (p.cmdline.includes(`:${port}`) || p.cmdline.includes(`--port ${port}`));

const explain = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

let node: NodeTestCluster;

test('demo: the operator from our chart runs the seed WasiApp on the real node, the state lands in the cluster’s Redis, and the demo’s namespace goes', async () => {
  node = await useNodeCluster();
  const run = await runDemo([]);

  expect({ code: run.code, output: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, output: '' });
  expect(run.stdout).toContain('cluster already running');
  expect(run.stdout).toMatch(/wasi-node\s+Ready[\s\S]*containerd:\/\/2\./); // kubectl get nodes -o wide
  expect(run.stdout).toContain('Test successfully!');
  expect(run.stdout).toMatch(/condition Succeeded=True \(GuestPassed\)/);
  expect(run.stdout).toMatch(/result: passed=true exitCode=0/);
  expect(run.stdout).toMatch(/^\s+seed\s+Succeeded\s+true\s/m); // the kubectl table
  expect(run.stdout).toMatch(/^\s+daprd \(init\/sidecar\) \S+\/dapr\/daprd:/m);
  expect(run.stdout).toMatch(/HGET "seed\|\|weapon" data → "Death Star"/);
  expect(run.stdout).toContain('PASSED');

  const namespace = match(run.stdout, /namespace (wasi-demo-\w+) created/);
  const core = node.kc.makeApiClient(CoreV1Api);
  await eventually(
    `namespace ${namespace} to be deleted`,
    async () => {
      const found = await core.readNamespace({ name: namespace }).catch(() => undefined);
      return found === undefined || found.status?.phase === 'Terminating';
    },
    { timeoutMs: 30_000 },
  );
}, NODE_START_TIMEOUT_MS + DEMO_TIMEOUT_MS);

test('demo --local: the seed scenario without Kubernetes, and nothing is left running', async () => {
  const run = await runDemo(['--local']);

  expect({ code: run.code, output: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, output: '' });
  expect(run.stdout).toContain('Test successfully!');
  expect(run.stdout).toContain('host result: passed=true exitCode=0');
  expect(run.stdout).toContain('redis HGET "dapr-state-test||weapon" data → "Death Star"');

  const redisPort = match(run.stdout, /listening on 127\.0\.0\.1:(\d+)/);
  const daprdPort = match(run.stdout, /ready at http:\/\/127\.0\.0\.1:(\d+)/);
  expect(commandLines().filter(redisOn(redisPort))).toEqual([]);
  expect(commandLines().filter((p) => p.cmdline.includes('daprd') && p.cmdline.includes(`--dapr-http-port ${daprdPort}`))).toEqual([]);
}, 60_000);

test('demo rejects a bad --timeout and --keep with --local (exit 2)', async () => {
  const bad = await runDemo(['--timeout', 'soon']);
  expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('--timeout wants seconds') });
  const mixed = await runDemo(['--local', '--keep']);
  expect({ code: mixed.code, stderr: mixed.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('not to --local') });
}, 30_000);

test('--timeout takes seconds, "90s" or "3m"', () => {
  expect([parseTimeout('180'), parseTimeout('90s'), parseTimeout('3m'), parseTimeout('0.5')]).toEqual([180_000, 90_000, 180_000, 500]);
  expect([parseTimeout('0'), parseTimeout('soon'), parseTimeout('-1'), parseTimeout('3h')]).toEqual([undefined, undefined, undefined, undefined]);
});

test('without kubectl the demo prints the CRD\'s wide columns itself', () => {
  const created = new Date(Date.now() - 5_000).toISOString();
  const table = wasiAppTable([
    {
      apiVersion: 'wasi-operator.dev/v1alpha1',
      kind: 'WasiApp',
      metadata: { name: 'seed', creationTimestamp: created as unknown as Date },
      spec: { module: { configMap: { name: 'm', key: 'k' } } },
      status: { phase: 'Succeeded', podName: 'seed-g1', result: { passed: true, exitCode: 0 } },
    },
  ]).split('\n');
  expect(table[0]).toMatch(/^NAME\s+PHASE\s+PASSED\s+AGE\s+POD\s+REASON$/);
  expect(table[1]).toMatch(/^seed\s+Succeeded\s+true\s+[56]s\s+seed-g1$/);
});
