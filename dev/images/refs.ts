// Pure: the references of every image the local cluster runs, and where each
// lives in the local registry. containerd on the node treats the local
// registry as the mirror of docker.io, registry.k8s.io and ghcr.io, and a
// mirror is asked for the same repository path as the upstream registry
// (`registry.k8s.io/coredns/coredns` → `/v2/coredns/coredns/…`), so an image
// is pushed under its reference's path with the registry name dropped.
import { DevError } from '../dev-errors.js';
import { DAPRD } from '../tools/pins.js';

/** Dapr's images carry the version of the dapr module the binaries are built from. */
export const DAPR_IMAGE_TAG = DAPRD.version.replace(/^v/, '');
/** Where Dapr's chart looks by default (`global.registry`); the chart appends `/NAME:TAG`. */
export const DAPR_IMAGE_REGISTRY = 'ghcr.io/dapr';
/**
 * The image names Dapr's chart templates use (`image.name` and
 * `injectorImage.name` in its subcharts; the injector puts `daprd` into Pods).
 * Each image holds the binary of the same name at /NAME, as Dapr's own Dockerfile does.
 */
export const DAPR_IMAGE_NAMES = ['daprd', 'operator', 'sentry', 'injector', 'placement', 'scheduler'] as const;
export type DaprImageName = (typeof DAPR_IMAGE_NAMES)[number];

export function daprImage(name: DaprImageName, tag: string = DAPR_IMAGE_TAG): string {
  return `${DAPR_IMAGE_REGISTRY}/${name}:${tag}`;
}

export const DAPR_IMAGES: Readonly<Record<DaprImageName, string>> = Object.fromEntries(
  DAPR_IMAGE_NAMES.map((name) => [name, daprImage(name)]),
) as Record<DaprImageName, string>;

/** The base our Dockerfile names (`FROM node:26-slim`), assembled locally under the same name. */
export const NODE_BASE_IMAGE = 'docker.io/library/node:26-slim';
/** The Node major version the base image must carry, by its tag. */
export const NODE_BASE_MAJOR = 26;

/**
 * The Pod sandbox image. k8s.io/kubernetes v1.37.2 builds pause 3.10.2
 * (build/pause/Makefile `TAG`, kubeadm's PauseVersion) and containerd v2.4.2's
 * default sandbox image is the same, so the node pulls what it would pull anyway.
 */
export const PAUSE_VERSION = '3.10.2';
export const PAUSE_IMAGE = `registry.k8s.io/pause:${PAUSE_VERSION}`;

export const COREDNS_VERSION = '1.15.0';
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`;

/** Debian bookworm's redis-server is 7.0; the tag names the major version as Docker Hub's does. */
export const REDIS_IMAGE = 'docker.io/library/redis:7';

/** A Pod that does nothing and exits 0: the benchmarks' baseline. */
export const NOOP_IMAGE = 'docker.io/library/noop:1';

export function wasiOperatorImage(version: string): string {
  return `docker.io/library/wasi-operator:${version}`;
}
export const WASI_OPERATOR_IMAGE_LATEST = 'docker.io/library/wasi-operator:latest';

/** A WASI module shipped as an OCI artifact (one layer, the .wasm at its root) for ImageVolume. */
export function moduleImage(name: string, version: string): string {
  return `docker.io/wasi-modules/${name}:${version}`;
}

export interface ParsedReference {
  /** `docker.io`, `registry.k8s.io`, `127.0.0.1:5111`, … */
  domain: string;
  /** The repository path inside that registry: `library/redis`, `coredns/coredns`. */
  path: string;
  tag: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Parses a reference the way containerd's CRI (docker's reference package)
 * normalizes it: a first component with a dot or a colon, or `localhost`, is
 * a registry; otherwise the registry is docker.io, and a single-component
 * name lives in `library/`. No tag means `latest`. Digests are not used here.
 */
export function parseReference(reference: string): ParsedReference {
  const fail = (why: string) => new DevError('ERR_IMAGE_REFERENCE', `invalid image reference "${reference}": ${why}`);
  if (reference.includes('@')) throw fail('digest references are not supported here');
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  const hasDomain = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  let rest = hasDomain ? reference.slice(slash + 1) : reference;
  let tag = 'latest';
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && !rest.slice(colon).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!TAG.test(tag)) throw fail(`bad tag "${tag}"`);
  const components = rest.split('/');
  if (components.some((c) => !PATH_COMPONENT.test(c))) throw fail(`bad repository "${rest}"`);
  const path = domain === 'docker.io' && components.length === 1 ? `library/${rest}` : rest;
  return { domain, path, tag };
}

/** The fully qualified form (`redis:7` → `docker.io/library/redis:7`). */
export function normalizeReference(reference: string): string {
  const { domain, path, tag } = parseReference(reference);
  return `${domain}/${path}:${tag}`;
}

/** Where an image is pushed in the local registry (`host:port`): the same path under the registry's address. */
export function localReference(registry: string, reference: string): string {
  const { path, tag } = parseReference(reference);
  return `${registry}/${path}:${tag}`;
}
