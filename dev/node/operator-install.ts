// The operator installed into the local cluster the way users install it:
// our Helm chart, with the image built from our Dockerfile (pulled by the
// node from the local registry) and the cluster's Redis as the default store.
import { join } from 'node:path';
import { clusterPaths } from '../cluster/state-dir.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { toolPaths } from '../tools/go-build.js';
import { HELM } from '../tools/pins.js';
import type { ImageSet } from '../images/images.js';
import { CLUSTER_REDIS_HOST } from './cluster-addons.js';
import { runHelm } from './helm.js';
import { nodePaths } from './node-layout.js';

export const OPERATOR_NAMESPACE = 'wasi-system';
export const OPERATOR_RELEASE = 'wasi-operator';

/** Pure: `repo[:port]/path:tag[@digest]` → repository and tag (a registry port is not a tag; a digest stays with the tag). */
export function splitImageReference(reference: string): { repository: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const at = reference.indexOf('@');
  const colon = reference.lastIndexOf(':', at === -1 ? undefined : at);
  if (colon <= slash) return { repository: reference, tag: 'latest' };
  return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}

/**
 * Our image by tag and digest (`…/wasi-operator:0.1.0@sha256:…`): a rebuilt
 * image keeps its tag, and a node that already holds the tag would not pull
 * it again; the digest makes every change a new image for the kubelet.
 */
export function pinnedOperatorImage(images: ImageSet): string {
  const digest = images.reports.find((report) => report.reference === images.operator)?.digest;
  return digest ? `${images.operator}@${digest}` : images.operator;
}

export interface OperatorInstallOptions {
  kubeconfig: string;
  stateDir: string;
  /** The operator's (and host's) image, e.g. `wasi-operator:0.1.0-<content hash>`. */
  image: string;
  extraValues?: string[];
  timeoutSeconds?: number;
}

export async function installOperatorChart({ kubeconfig, stateDir, image, extraValues = [], timeoutSeconds = 180 }: OperatorInstallOptions): Promise<void> {
  const { repository, tag } = splitImageReference(image);
  const values = [`image.repository=${repository}`, `image.tag=${tag}`, `defaultRedis.host=${CLUSTER_REDIS_HOST}`, ...extraValues];
  await runHelm(
    { helm: toolPaths(HELM).helm!, kubeconfig, helmHome: join(nodePaths(clusterPaths(stateDir).stateDir).dir, 'helm') },
    [
      'upgrade', '--install', OPERATOR_RELEASE, join(packageRoot(), 'charts', 'wasi-operator'),
      '--namespace', OPERATOR_NAMESPACE, '--create-namespace',
      ...values.flatMap((value) => ['--set', value]),
      '--wait', '--timeout', `${timeoutSeconds}s`,
    ],
    `see \`kubectl get pods -n ${OPERATOR_NAMESPACE}\` and \`kubectl logs -n ${OPERATOR_NAMESPACE} deploy/${OPERATOR_RELEASE}\``,
  );
}

/** `helm uninstall` of the release installOperatorChart made (its CRDs stay, as helm leaves them). */
export async function uninstallOperatorChart({ kubeconfig, stateDir }: { kubeconfig: string; stateDir: string }): Promise<void> {
  await runHelm(
    { helm: toolPaths(HELM).helm!, kubeconfig, helmHome: join(nodePaths(clusterPaths(stateDir).stateDir).dir, 'helm') },
    ['uninstall', OPERATOR_RELEASE, '--namespace', OPERATOR_NAMESPACE, '--wait', '--ignore-not-found'],
    `see \`kubectl get all -n ${OPERATOR_NAMESPACE}\``,
  );
}
