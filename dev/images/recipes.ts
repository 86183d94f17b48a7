// Pure: what goes into each image. The binary images need no build steps, so
// they are specs (files and a runtime config), not Containerfiles; the base
// image's recipe is the debootstrap and npm pins below. Changing anything
// here changes the images' fingerprints, and the next `images ensure`
// rebuilds exactly the images it touches.
import { basename } from 'node:path';
import { binaryLayer, librariesLayer, ROOT_ENV_PATH, staticBaseLayer, type ContainerConfig, type ImageSpec, type LayerSpec } from './oci.js';
import { COREDNS_IMAGE, DAPR_IMAGES, NOOP_IMAGE, PAUSE_IMAGE, REDIS_IMAGE, type DaprImageName } from './refs.js';

/** Bump to rebuild every image when the way they are made changes (not their inputs). */
export const IMAGE_RECIPE_VERSION = 1;

/**
 * node:26-slim's Debian: bookworm, as Docker's node:*-slim images are,
 * `minbase` (essential packages and apt). Node 26 links libatomic, which
 * minbase lacks; the official slim image installs it too.
 */
export const DEBIAN_ROOTFS = {
  suite: 'bookworm',
  variant: 'minbase',
  mirror: 'http://deb.debian.org/debian',
  include: ['libatomic1'],
} as const;

/**
 * What Debian's own slim images leave out (debuerreotype's `--slim`):
 * documentation but its copyright files, man and info pages, translations,
 * apt's downloaded packages and lists. Paths relative to the rootfs; the
 * ones ending in `/*` keep the directory. debootstrap copies the host's
 * resolv.conf and hostname: the runtime provides both.
 */
export const ROOTFS_TRIM = [
  'usr/share/man/*',
  'usr/share/info/*',
  'usr/share/locale/*',
  'var/cache/apt/archives/*.deb',
  'var/cache/apt/*.bin',
  'var/lib/apt/lists/*',
  'var/log/*',
  'dev/*',
  'etc/resolv.conf',
  'etc/hostname',
] as const;

/** Kept when usr/share/doc is emptied: the licences. */
export const DOC_KEEP = 'copyright';

/** Later `apt-get install`s in images built on this base stay slim too (Debian's slim images ship the same rules). */
export const DPKG_SLIM_CONFIG = `# Installed by wasi-operator's image tooling, as Debian's slim images do.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
`;
export const DPKG_SLIM_CONFIG_PATH = 'etc/dpkg/dpkg.cfg.d/wasi-operator-slim';

/**
 * npm as the official Node image bundles it: in /usr/local/lib/node_modules/npm
 * with links in /usr/local/bin. Pinned by version and by the registry's
 * integrity, which `npm pack` reports and we compare.
 */
export const NPM_PIN = {
  version: '12.2.3',
  integrity: 'sha512-ovmNRRe76Jvcp1E6iOePQ6H9Zr4XMOrqgfaeGNhtRvP3XSl2Lo/a9C1N5/jRlLLrsqCem/omgGdZHpZ5a6yn1Q==',
} as const;

export const NODE_BINARY_PATH = '/usr/local/bin/node';
export const NPM_DIR = '/usr/local/lib/node_modules/npm';
export const NODE_BASE_LINKS: ReadonlyArray<{ path: string; target: string }> = [
  { path: '/usr/local/bin/npm', target: '../lib/node_modules/npm/bin/npm-cli.js' },
  { path: '/usr/local/bin/npx', target: '../lib/node_modules/npm/bin/npx-cli.js' },
];

/** node:26-slim's runtime config, as Docker's: PATH, NODE_VERSION, `node` as the command. */
export function nodeBaseConfig(nodeVersion: string): ContainerConfig {
  return { Env: [ROOT_ENV_PATH, `NODE_VERSION=${nodeVersion}`], Cmd: ['node'] };
}

/** `buildah config` flags for a ContainerConfig (the base image is assembled with buildah, not written by us). */
export function buildahConfigArgs(config: ContainerConfig): string[] {
  const args: string[] = [];
  for (const env of config.Env ?? []) args.push('--env', env);
  if (config.Cmd) args.push('--cmd', JSON.stringify(config.Cmd));
  if (config.Entrypoint) args.push('--entrypoint', JSON.stringify(config.Entrypoint));
  if (config.User) args.push('--user', config.User);
  if (config.WorkingDir) args.push('--workingdir', config.WorkingDir);
  return args;
}

/** distroless static:nonroot's user and environment, which Dapr's images run with. */
const NONROOT = '65532:65532';
const STATIC_ENV = [ROOT_ENV_PATH, 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'];

export interface DynamicBinary {
  /** The binary on this machine. */
  binary: string;
  /** Its shared libraries, from ldd (empty for a static binary). */
  libraries: string[];
  interpreter: string | undefined;
}

function withLibraries(base: LayerSpec, input: DynamicBinary, binaryLayerSpec: LayerSpec): LayerSpec[] {
  // Three layers: files every binary image shares, then the libraries (the
  // same set for all of Dapr's binaries, so one layer for six images), then
  // the binary itself, the only layer a rebuild changes.
  return input.libraries.length === 0 ? [base, binaryLayerSpec] : [base, librariesLayer(input.libraries, input.interpreter), binaryLayerSpec];
}

/**
 * Dapr's image for NAME, laid out as Dapr's Dockerfile does (distroless
 * static:nonroot, the binary at /NAME, USER 65532) plus the shared
 * libraries that our cgo build links. No ENTRYPOINT, as upstream: the
 * injector starts daprd with `args: ["/daprd", …]` and no command, and the
 * chart's templates give `command: ["/NAME"]`.
 */
export function daprImageSpec(name: DaprImageName, input: DynamicBinary, caCertificates: string | undefined): ImageSpec {
  return {
    name: `dapr-${name}`,
    reference: DAPR_IMAGES[name],
    layers: withLibraries(staticBaseLayer(caCertificates), input, binaryLayer(`/${name}`, input.binary)),
    config: { User: NONROOT, Env: STATIC_ENV, Cmd: [`/${name}`], WorkingDir: '/' },
  };
}

/** CoreDNS's image as upstream's Dockerfile makes it: certificates, passwd, /coredns, nonroot, ENTRYPOINT /coredns. */
export function corednsImageSpec(input: DynamicBinary, caCertificates: string | undefined): ImageSpec {
  return {
    name: 'coredns',
    reference: COREDNS_IMAGE,
    layers: withLibraries(staticBaseLayer(caCertificates), input, binaryLayer('/coredns', input.binary)),
    config: { User: NONROOT, Env: STATIC_ENV, Entrypoint: ['/coredns'], ExposedPorts: { '53/tcp': {}, '53/udp': {} } },
  };
}

/**
 * Redis from Debian's redis-server and its libraries. Debian installs
 * redis-server as a link to redis-check-rdb, one binary that picks its role
 * from argv[0], so the file is put in as /usr/bin/redis-server and run by
 * that name. The arguments (port, no persistence) come from the Pod; the
 * default turns protected mode off, as Docker Hub's image is built to.
 */
export function redisImageSpec(input: DynamicBinary, caCertificates: string | undefined): ImageSpec {
  return {
    name: 'redis',
    reference: REDIS_IMAGE,
    layers: withLibraries(
      staticBaseLayer(caCertificates),
      input,
      binaryLayer('/usr/bin/redis-server', input.binary, [{ path: '/data', type: 'dir', mode: 0o755, uid: 65532, gid: 65532 }]),
    ),
    config: { User: NONROOT, Env: [ROOT_ENV_PATH], Entrypoint: ['redis-server'], Cmd: ['--protected-mode', 'no'], WorkingDir: '/data', ExposedPorts: { '6379/tcp': {} } },
  };
}

/** The pause image as build/pause/Dockerfile makes it: /pause, USER 65535, nothing else. */
export function pauseImageSpec(binary: string): ImageSpec {
  return {
    name: 'pause',
    reference: PAUSE_IMAGE,
    layers: [binaryLayer('/pause', binary)],
    config: { User: '65535:65535', Entrypoint: ['/pause'] },
  };
}

/** The C source of the benchmarks' do-nothing container. */
export const NOOP_SOURCE = '/* The benchmarks\' baseline container: start, exit 0. */\nint main(void) { return 0; }\n';

export function noopImageSpec(binary: string): ImageSpec {
  return {
    name: 'noop',
    reference: NOOP_IMAGE,
    layers: [binaryLayer('/noop', binary)],
    config: { User: '65532:65532', Entrypoint: ['/noop'] },
  };
}

/**
 * A WASI module as an image with one layer holding FILE.wasm at its root:
 * a Pod's image volume (`volumes[].image`) then shows /FILE.wasm where it is
 * mounted. It has no command; nothing runs it as a container.
 */
export function moduleImageSpec(wasmPath: string, reference: string): ImageSpec {
  const file = basename(wasmPath);
  return {
    name: `module-${file.replace(/\.wasm$/, '')}`,
    reference,
    layers: [{ comment: `WASI module ${file}`, files: [{ path: `/${file}`, source: { host: wasmPath }, mode: 0o644 }] }],
    config: { Labels: { 'dev.wasi-operator.module': file } },
  };
}
