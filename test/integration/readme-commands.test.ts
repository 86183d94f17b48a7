// The README's commands, run as a user runs them: through a shell, from the
// repository's root, with the real kubectl and helm on PATH and a kubeconfig
// for the local cluster's real node (its current namespace one of this
// file's own). Only what a user's cluster has under another name is
// substituted (test/helpers/readme-commands.ts): our image in the local
// registry for `registry.example`, the cluster's Redis, the test kubeconfig.
// Each test asserts on what the command did: its output and exit code, the
// WasiApp's status, the objects left in the API server.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppsV1Api, ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { kubectlBinary } from '../../dev/demo/report.js';
import { CLUSTER_REDIS_HOST } from '../../dev/node/cluster-addons.js';
import { splitImageReference } from '../../dev/node/operator-install.js';
import { API_GROUP, API_VERSION, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { startDaprd, type TestDaprd } from '../helpers/daprd.js';
import { eventually } from '../helpers/eventually.js';
import { helmPath } from '../helpers/helm.js';
import { NODE_START_TIMEOUT_MS, useNodeCluster, type NodeTestCluster } from '../helpers/node-cluster.js';
import { CLUSTER_VALUE, commandToRun } from '../helpers/readme-commands.js';
import { redisHashGet, startRedis, type TestRedis } from '../helpers/redis.js';

const RELEASE_NAMESPACE = 'wasi-system';

let node: NodeTestCluster;
let home: string;
let kubeconfig: string;
let namespace: string;
let values: Record<string, string>;
let installed = false;

interface ShellRun {
  code: number | null;
  /** The signal that ended the shell (ours, with `until`). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one README command through bash, as a user's shell would, with the tools on PATH. */
function sh(command: string, options: { env?: Record<string, string>; timeoutMs?: number; until?: RegExp } = {}): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd: packageRoot(),
      env: {
        PATH: [join(home, 'bin'), dirname(process.execPath), join(packageRoot(), 'node_modules', '.bin'), process.env.PATH].join(':'),
        HOME: home,
        KUBECONFIG: kubeconfig,
        ...options.env,
      },
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    const stop = (): void => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    };
    const watch = (): void => {
      if (options.until && options.until.test(stdout + stderr)) stop();
    };
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), watch()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), watch()));
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`\`${command}\` did not end within ${options.timeoutMs ?? 120_000} ms:\n${stderr}${stdout}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The README command, substituted for this cluster, run; it must succeed. */
async function readme(command: string, options: Parameters<typeof sh>[1] = {}): Promise<ShellRun> {
  const run = await sh(commandToRun(command, values), options);
  if (run.code !== 0 && !options.until) throw new Error(`\`${command}\` exited ${run.code}:\n${run.stderr}${run.stdout}`);
  return run;
}

beforeAll(async () => {
  node = await useNodeCluster();
  home = mkdtempSync(join(tmpdir(), 'wasi-operator-readme-'));
  mkdirSync(join(home, 'bin'));
  symlinkSync(kubectlBinary(), join(home, 'bin', 'kubectl'));
  symlinkSync(helmPath(), join(home, 'bin', 'helm'));
  namespace = await node.createNamespace('readme');
  // The reader's kubeconfig, its current context in this file's namespace.
  kubeconfig = join(home, 'kubeconfig');
  copyFileSync(node.kubeconfigPath, kubeconfig);
  const { repository, tag } = splitImageReference(node.operatorImage);
  values = {
    [CLUSTER_VALUE.operatorRepository]: repository,
    [CLUSTER_VALUE.operatorTag]: tag,
    [CLUSTER_VALUE.redisHost]: CLUSTER_REDIS_HOST,
    [CLUSTER_VALUE.kubeconfig]: node.kubeconfigPath,
  };
  const setNamespace = await sh(`kubectl config set-context --current --namespace=${namespace}`);
  expect(setNamespace.code).toBe(0);
}, NODE_START_TIMEOUT_MS);

afterAll(async () => {
  if (installed) await sh(`helm uninstall wasi-operator -n ${RELEASE_NAMESPACE} --wait`).catch(() => undefined);
  // The uninstall section deletes the WasiApp CRD; the test files after this one need it.
  await sh('kubectl apply -f crds/wasiapps.wasi-operator.dev.yaml').catch(() => undefined);
  await node?.deleteNamespaces();
  if (home) rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('README: running a guest with wasi-host', () => {
  let redis: TestRedis | undefined;
  let daprd: TestDaprd | undefined;
  afterAll(async () => {
    await daprd?.stop();
    await redis?.stop();
  });

  test('npx wasi-host run … prints "Test successfully!" next to a daprd whose store is a real Redis', async () => {
    redis = await startRedis();
    daprd = await startDaprd({ appId: 'readme', redisAddress: redis.address });
    const run = await readme('npx wasi-host run guest/build/dapr-state-test.wasm --success-output "Test successfully!" -- statestore', { env: daprd.env });
    expect(run.stdout).toContain('Test successfully!');
    expect(await redisHashGet(redis.port, 'readme||weapon', 'data', redis.host)).toContain('Death Star');
  }, 120_000);
});

describe('README: the controller from the command line', () => {
  test('npx wasi-operator controller --help lists its flags', async () => {
    const run = await readme('npx wasi-operator controller --help');
    expect(run.stdout).toContain('--metrics-addr');
    expect(run.stdout).toContain('--default-redis-host');
  });

  test('npx wasi-operator controller --kubeconfig … runs against the cluster until SIGTERM, then stops cleanly', async () => {
    const run = await readme('npx wasi-operator controller --kubeconfig .wasi-operator/kubeconfig --no-leader-elect --default-redis-host 127.0.0.1:6379', {
      until: /"msg":"caches synced"/,
      timeoutMs: 90_000,
    });
    expect(run.stdout + run.stderr).toContain('"msg":"caches synced"');
    // npx goes with the process group's SIGTERM; the controller under it finishes its shutdown first.
    expect(run.stdout + run.stderr).toContain('"msg":"controller stopped"');
    expect(run.code === 0 || run.signal === 'SIGTERM').toBe(true);
  }, 120_000);
});

describe('README: install, a first WasiApp, smoke test, uninstall', () => {
  test('helm install … (our image from the local registry): the operator becomes ready', async () => {
    installed = true;
    await readme(
      'helm install wasi-operator charts/wasi-operator -n wasi-system --create-namespace --set image.repository=registry.example/wasi-operator --set image.tag=0.1.0 --set defaultRedis.host=redis-master.data:6379',
    );
    const apps = node.kc.makeApiClient(AppsV1Api);
    await eventually(
      'the operator Deployment ready',
      async () => ((await apps.readNamespacedDeployment({ name: 'wasi-operator', namespace: RELEASE_NAMESPACE })).status?.readyReplicas ?? 0) >= 1,
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
  }, 240_000);

  test('kubectl apply the WasiApp CRD, create configmap, apply the seed, get wasi -o wide: the seed Succeeded', async () => {
    await readme('kubectl apply -f crds/wasiapps.wasi-operator.dev.yaml');
    await readme('kubectl create configmap dapr-state-test --from-file=dapr-state-test.wasm=guest/build/dapr-state-test.wasm');
    await readme('kubectl apply -f examples/wasiapp-seed.yaml');
    const custom = node.kc.makeApiClient(CustomObjectsApi);
    const status = await eventually(
      'the seed to finish',
      async () => {
        const app = (await custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'seed' })) as {
          status?: { phase?: string; result?: { output?: string } };
        };
        return ['Succeeded', 'Failed'].includes(app.status?.phase ?? '') && app.status;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    expect(status.phase).toBe('Succeeded');
    expect(status.result?.output).toContain('Test successfully!');
    const table = await readme('kubectl get wasi -o wide');
    expect(table.stdout).toMatch(/^seed\s+Succeeded\b/m);
    expect((await readme('kubectl get wasi NAME -o wide')).stdout).toMatch(/^seed\s+Succeeded\b/m);
    const described = await readme('kubectl describe wasi NAME');
    expect(described.stdout).toMatch(/Phase:\s+Succeeded/);
    expect(described.stdout).toMatch(/Normal\s+Succeeded\s/);
  }, 240_000);

  test('a rerun by annotation, then by npx wasi-operator rerun --wait: each starts a new run that passes', async () => {
    await readme('kubectl annotate wasiapp seed wasi-operator.dev/rerun="$(date +%s)" --overwrite');
    const custom = node.kc.makeApiClient(CustomObjectsApi);
    const runsOf = async () =>
      ((await custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'seed' })) as {
        status?: { runs?: Array<{ trigger: string; phase: string }> };
      }).status?.runs ?? [];
    await eventually('the rerun to pass', async () => {
      const runs = await runsOf();
      return runs.length === 2 && runs[1]!.trigger === 'Rerun' && runs[1]!.phase === 'Succeeded';
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    const rerun = await readme('npx wasi-operator rerun seed --wait', { timeoutMs: 240_000 });
    expect(rerun.code).toBe(0);
    const runs = await runsOf();
    expect(runs).toHaveLength(3);
    expect(runs[2]).toMatchObject({ trigger: 'Rerun', phase: 'Succeeded' });
  }, 480_000);

  test('kubectl annotate wasi NAME wasi-operator.dev/retry=1 --overwrite (the terminal errors’ retry) changes the app', async () => {
    await readme('kubectl annotate wasi NAME wasi-operator.dev/retry=1 --overwrite');
    const app = (await node.kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: WASIAPP_PLURAL, namespace, name: 'seed' })) as { metadata: { annotations?: Record<string, string> } };
    expect(app.metadata.annotations?.['wasi-operator.dev/retry']).toBe('1');
  });

  test('npx wasi-operator smoke passes against the installed operator', async () => {
    const run = await readme('npx wasi-operator smoke', { timeoutMs: 240_000 });
    expect(run.stdout + run.stderr).toContain('Test successfully!');
  }, 300_000);

  test('helm test wasi-operator -n wasi-system --logs passes', async () => {
    const run = await readme('helm test wasi-operator -n wasi-system --logs', { timeoutMs: 300_000 });
    expect(run.stdout).toMatch(/Phase:\s+Succeeded/);
  }, 360_000);

  test('the uninstall section removes the apps, the release and the WasiApp CRD', async () => {
    await readme('kubectl delete wasiapps --all -A', { timeoutMs: 180_000 });
    await readme('helm uninstall wasi-operator -n wasi-system', { timeoutMs: 180_000 });
    installed = false;
    await readme('kubectl delete -f crds/wasiapps.wasi-operator.dev.yaml', { timeoutMs: 180_000 });
    const releases = await sh('helm list -n wasi-system -q');
    expect(releases.stdout.trim()).toBe('');
    const crds = node.kc.makeApiClient(ApiextensionsV1Api);
    await eventually(
      'the WasiApp CRD gone',
      async () => !(await crds.listCustomResourceDefinition()).items.some((crd) => crd.metadata?.name === `${WASIAPP_PLURAL}.${API_GROUP}`),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 600_000);
});
