// The development harness's error codes (local cluster, node, images, Go
// tool builds), apart from the product's catalogue (operator/src/util/errors.ts)
// because none of it ships. Each says what to do.
import { WasiOperatorError } from '../operator/src/util/errors.js';

export const DEV_ERROR_CATALOGUE = {
  ERR_CLUSTER_BINARY_MISSING: 'A control-plane binary is not built; run `npm run setup` (or wasi-dev tools ensure NAME).',
  ERR_CLUSTER_COMPONENT_START: 'A control-plane component did not start; the message has the tail of its log.',
  ERR_CLUSTER_CRDS: 'Installing or waiting for the CRDs failed; the message names the CRD.',
  ERR_CLUSTER_PKI: 'Making the cluster\'s certificates with openssl failed; the message has openssl\'s output.',
  ERR_CLUSTER_PORT_IN_USE: 'Another process took a chosen port; run cluster up again to pick new ones.',
  ERR_CLUSTER_SPAWN: 'A component\'s process could not be started.',
  ERR_CLUSTER_START: 'The cluster did not come up; the message says which step, cluster down removes the attempt.',
  ERR_CLUSTER_STOP: 'Stopping the cluster left a process or mount behind; the message names it.',
  ERR_NODE_TAKEN: 'This machine\'s node belongs to another cluster state dir; stop that one first.',
  ERR_NODE_NETWORK: 'Setting up the node\'s bridge, veth or iptables rules failed.',
  ERR_NODE_SYSCTL: 'A sysctl the node needs cannot be set on this machine.',
  ERR_NODE_ADDON: 'A cluster add-on (CoreDNS, Redis) did not become ready.',
  ERR_DAPR_CHART: 'Installing Dapr\'s control plane from its chart failed.',
  ERR_HELM: 'A helm command failed; the message has its output.',
  ERR_GO_BUILD: 'Building a pinned Go tool failed; the message has go\'s output.',
  ERR_GO_NOT_FOUND: 'No Go toolchain: put go on PATH or install it at /usr/local/go.',
  ERR_TOOL_PIN: 'A tool name that is not pinned in dev/tools/pins.ts.',
  ERR_IMAGES_LOCKED: 'Another process is building the images; wait for it.',
  ERR_IMAGES_NOT_ROOT: 'Building images without Docker needs root (buildah with chroot isolation).',
  ERR_IMAGE_BUILD: 'Building an image failed; the message has the step and its output.',
  ERR_IMAGE_BUILDAH: 'buildah failed; the message has its output.',
  ERR_IMAGE_COMMAND: 'A command run while assembling an image failed.',
  ERR_IMAGE_COMPILE: 'Compiling what an image holds failed.',
  ERR_IMAGE_CONTEXT: 'The build context could not be read (.dockerignore, a missing file).',
  ERR_IMAGE_DEBOOTSTRAP: 'Assembling the Debian base with debootstrap failed.',
  ERR_IMAGE_INPUT_CHANGED: 'An image input changed while it was being built; run again.',
  ERR_IMAGE_INPUT_MISSING: 'A file an image is built from is missing; run `npm run setup`.',
  ERR_IMAGE_LIBRARY: 'A shared library a binary needs was not found for its image.',
  ERR_IMAGE_NPM: 'npm failed while assembling the Node base image.',
  ERR_IMAGE_PUSH: 'Pushing an image to the local registry failed.',
  ERR_IMAGE_REFERENCE: 'An image reference the harness cannot parse.',
  ERR_IMAGE_SPEC: 'An image recipe is inconsistent.',
  ERR_IMAGE_TAR: 'Writing an image layer\'s tar failed.',
  ERR_IMAGE_TOOL_MISSING: 'A tool the image build needs is not installed; run `npm run setup`.',
  ERR_REGISTRY_RESPONSE: 'The local registry answered something unexpected.',
  ERR_REGISTRY_UNREACHABLE: 'The local registry does not answer.',
} as const satisfies Record<`ERR_${string}`, string>;

export type DevErrorCode = keyof typeof DEV_ERROR_CATALOGUE;

/** The harness's coded error: WasiOperatorError's constructor, with only the harness's codes. */
export class DevError extends WasiOperatorError<DevErrorCode> {
  override readonly name = 'DevError';
}
