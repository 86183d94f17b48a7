// A real control plane (etcd, kube-apiserver, kube-controller-manager with
// its garbage collector, kube-scheduler) for one test file, in a fresh temp
// state dir on free ports, so it never collides with a developer's
// `wasi-dev cluster up` or with another test file. Starts in a few
// seconds once the binaries are cached (`npm test` builds them first).
//
//   import { CoreV1Api } from '@kubernetes/client-node';
//   import { startTestCluster, type TestCluster } from './cluster.js';
//
//   let cluster: TestCluster;
//   beforeAll(async () => {
//     cluster = await startTestCluster(); // installs the repo's crds/
//   }, 180_000);
//   afterAll(async () => {
//     await cluster?.stop();
//   });
//
//   test('creates a pod', async () => {
//     const namespace = await cluster.createNamespace('pods');
//     const core = cluster.kc.makeApiClient(CoreV1Api);
//     await core.createNamespacedPod({ namespace, body: { ... } });
//   });
//
// No kubelet runs: a Pod stays Pending (unscheduled: there is no Node) unless
// the test plays the kubelet and patches the Pod's status subresource. Tests
// whose Pods must really run use the shared cluster with a real node instead
// (test/helpers/node-cluster.ts).
//
// WASI_OPERATOR_TEST_STATE_DIR=DIR makes every test file share the cluster
// in DIR (started there if needed, e.g. by `wasi-dev cluster up
// --state-dir DIR`) and leave it running: fast iteration while editing tests.
// WASI_OPERATOR_TEST_VERBOSE=1 prints the start-up progress.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startCluster, stopCluster, type ClusterHandle } from '../../dev/cluster/cluster.js';
import { isToolCurrent } from '../../dev/tools/go-build.js';
import { ETCD, KUBERNETES } from '../../dev/tools/pins.js';

export interface TestClusterOptions {
  /** CRD manifests to install; default the repo's `crds/`; `false` installs none. */
  crdDir?: string | false;
}

export interface TestCluster {
  stateDir: string;
  /** Admin kubeconfig (system:masters); pass it to a child process as KUBECONFIG. */
  kubeconfigPath: string;
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** Admin client config loaded from `kubeconfigPath`. */
  kc: KubeConfig;
  handle: ClusterHandle;
  /**
   * Creates a namespace `PREFIX-xxxxx` and waits for its `default`
   * ServiceAccount (without it, ServiceAccount admission rejects Pods).
   */
  createNamespace(prefix: string): Promise<string>;
  /** Stops every process and removes the temp state dir; safe to call twice. */
  stop(): Promise<void>;
}

const SERVICE_ACCOUNT_TIMEOUT_MS = 30_000;

/** A namespace `PREFIX-xxxxx` once its `default` ServiceAccount exists (ServiceAccount admission wants it). */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const created = await core.createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
  const namespace = created.metadata!.name!;
  const deadline = Date.now() + SERVICE_ACCOUNT_TIMEOUT_MS;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return namespace;
    } catch (err) {
      if ((err as { code?: number }).code !== 404 || Date.now() >= deadline) throw err;
    }
    await sleep(50);
  }
}

function killOnExit(handle: ClusterHandle, stateDir: string): () => void {
  // Last resort when a test run dies without afterAll: never leave a control
  // plane running. Only synchronous work is possible in an 'exit' handler.
  const onExit = () => {
    for (const pid of Object.values(handle.pids)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return () => process.off('exit', onExit);
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  // A first build takes far longer than any beforeAll timeout: say so instead of timing out.
  const missing = [ETCD, KUBERNETES].filter((pin) => !isToolCurrent(pin)).map((pin) => pin.name);
  if (missing.length > 0) {
    throw new Error(`control-plane binaries not built yet (${missing.join(', ')}): run \`npm run setup\` or \`node dev/bin/wasi-dev.mjs tools ensure ${missing.join(' ')}\` first`);
  }
  const shared = process.env.WASI_OPERATOR_TEST_STATE_DIR;
  const stateDir = shared && shared !== '' ? shared : mkdtempSync(join(tmpdir(), 'wasi-operator-test-'));
  const verbose = process.env.WASI_OPERATOR_TEST_VERBOSE === '1';
  const progress = (line: string) => {
    if (verbose) process.stderr.write(`[test-cluster] ${line}\n`);
  };

  let handle: ClusterHandle;
  try {
    handle = await startCluster({ stateDir, progress, ...(options.crdDir !== undefined ? { crdDir: options.crdDir } : {}) });
  } catch (err) {
    // The error carries the failing component's log tail; nothing may outlive it.
    if (!shared) await stopCluster(stateDir, { graceMs: 0 }).finally(() => rmSync(stateDir, { recursive: true, force: true }));
    throw err;
  }

  const forgetExitHook = shared ? () => undefined : killOnExit(handle, stateDir);
  let stopped = false;
  const kc = handle.kubeConfig();
  return {
    stateDir,
    kubeconfigPath: handle.kubeconfigPath,
    server: handle.server,
    kc,
    handle,
    createNamespace: (prefix) => createNamespace(kc, prefix),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (shared) return;
      try {
        // Nothing in a test cluster is worth a graceful shutdown.
        await stopCluster(stateDir, { graceMs: 0 });
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        forgetExitHook();
      }
    },
  };
}
