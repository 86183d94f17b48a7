// The local cluster with its real node (kubelet, containerd, CoreDNS, Redis,
// Dapr's control plane from Dapr's chart), shared by every test file that
// needs Pods to really run: there is one node per machine, and starting it
// with Dapr takes a minute or two, so the first file that asks starts it in
// a state dir of the tests' own and the others reuse it. test/global-teardown
// stops it after the run (WASI_OPERATOR_TEST_KEEP_NODE=1 leaves it running
// for fast iteration).
//
//   let node: NodeTestCluster;
//   beforeAll(async () => { node = await useNodeCluster(); }, NODE_START_TIMEOUT_MS);
//   test('…', async () => {
//     const namespace = await node.createNamespace('images');
//     …
//   });
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startCluster, type ClusterHandle } from '../../dev/cluster/cluster.js';
import { ensureImages, type ImageSet } from '../../dev/images/images.js';
import { REGISTRY_ADDRESS } from '../../dev/node/node-layout.js';
import { pinnedOperatorImage } from '../../dev/node/operator-install.js';
import { createNamespace } from './cluster.js';

/** Long enough for a first start with Dapr (images are built by `npm test`'s set-up). */
export const NODE_START_TIMEOUT_MS = 600_000;

export const NODE_TEST_STATE_DIR = process.env.WASI_OPERATOR_TEST_NODE_DIR || join(tmpdir(), 'wasi-operator-test-node');

export interface NodeTestCluster {
  stateDir: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  handle: ClusterHandle;
  images: ImageSet;
  /** Our image by tag and digest, so a rebuilt image reaches the node (see pinnedOperatorImage). */
  operatorImage: string;
  /** A namespace `PREFIX-xxxxx` whose default ServiceAccount exists; deleted by `deleteNamespaces`. */
  createNamespace(prefix: string): Promise<string>;
  /** Deletes the namespaces this file created (call from afterAll). */
  deleteNamespaces(): Promise<void>;
}

export async function useNodeCluster(): Promise<NodeTestCluster> {
  // Shown: the first start builds images and installs Dapr (minutes on a fresh machine).
  const progress = (line: string) => process.stderr.write(`[node-cluster] ${line}\n`);
  const handle = await startCluster({ stateDir: NODE_TEST_STATE_DIR, node: true, progress });
  const images = await ensureImages({ registry: REGISTRY_ADDRESS, progress });
  const kc = handle.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const created: string[] = [];
  return {
    stateDir: NODE_TEST_STATE_DIR,
    kubeconfigPath: handle.kubeconfigPath,
    kc,
    handle,
    images,
    operatorImage: pinnedOperatorImage(images),
    async createNamespace(prefix) {
      const namespace = await createNamespace(kc, prefix);
      created.push(namespace);
      return namespace;
    },
    async deleteNamespaces() {
      await Promise.all(created.splice(0).map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
    },
  };
}
