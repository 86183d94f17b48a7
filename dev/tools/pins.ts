// Every binary we build from a Go module, pinned. Changing a pin (its tags,
// build environment or wrapper sources too) changes the stamp, so the next
// `tools ensure` rebuilds that binary.
import { createHash } from 'node:crypto';
import { COREDNS_MAIN_GO } from './coredns-main.js';
import { REGISTRY_MAIN_GO } from './registry-main.js';

export interface GoToolPin {
  /** Name used by `wasi-dev tools ensure NAME`. */
  name: string;
  module: string;
  version: string;
  /**
   * Main packages to build; each becomes bin/<last path element>. A package
   * starting with `./` is one of `wrapperSources`' packages, in the wrapper module.
   */
  packages: string[];
  tags?: string[];
  /** Build environment on top of ours, e.g. CGO_ENABLED. */
  env?: Record<string, string>;
  /**
   * Files written into the wrapper module (relative path → content): a main
   * package of our own that links less of the upstream than its own main does.
   */
  wrapperSources?: Record<string, string>;
  /**
   * Sub-directory of the bin dir for this pin's binaries, for programs that
   * run everything in a directory (containerd's CNI bin_dir must hold only CNI plugins).
   */
  binSubdir?: string;
  /** `-X` linker settings, so the binaries report their real version. */
  ldflags?: string[];
  /**
   * Upstream go.mod `replace` lines that point at local paths (monorepo
   * staging dirs) must point at published modules in a wrapper module.
   * Returns the published version for `module`, or undefined to drop the line.
   */
  publishedVersionOf?: (module: string) => string | undefined;
  /** Modules named in upstream replaces that are never published. */
  unpublished?: string[];
  /** Rough first-build time on 2 cores, shown so a user knows what to expect. */
  firstBuildEstimate: string;
}

const KUBERNETES_VERSION = '1.37.2';
const ETCD_VERSION = '3.6.16';
// 1.18.3 replaces pulsar-client-go with a fork the Go module proxy does not serve.
export const DAPR_VERSION = '1.18.2';
const HELM_VERSION = '4.3.1';
// The node's versions: ones a trial run found working with Kubernetes 1.37 (which needs containerd 2).
const CONTAINERD_VERSION = '2.4.2';
const RUNC_VERSION = '1.5.3';
const CNI_PLUGINS_VERSION = '1.9.1';
const COREDNS_VERSION = '1.15.0';
const REGISTRY_VERSION = '3.1.2';

// Static binaries for what runs inside an image or from a directory another
// program owns: nothing to copy in beside them, and no glibc version to match.
const STATIC = { CGO_ENABLED: '0' };

export const DAPRD: GoToolPin = {
  name: 'daprd',
  module: 'github.com/dapr/dapr',
  version: `v${DAPR_VERSION}`,
  // daprd runs standalone in the host tests; the rest is Dapr's control plane, imaged for its chart.
  packages: ['cmd/daprd', 'cmd/operator', 'cmd/sentry', 'cmd/injector', 'cmd/placement', 'cmd/scheduler'],
  tags: ['stablecomponents'],
  ldflags: [`-X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION}`],
  firstBuildEstimate: 'about 10 minutes',
};

export const ETCD: GoToolPin = {
  name: 'etcd',
  module: 'go.etcd.io/etcd/server/v3',
  version: `v${ETCD_VERSION}`,
  packages: ['.'],
  publishedVersionOf: (module) => (module.startsWith('go.etcd.io/etcd/') ? `v${ETCD_VERSION}` : undefined),
  firstBuildEstimate: '1-2 minutes',
};

export const KUBERNETES: GoToolPin = {
  name: 'kubernetes',
  module: 'k8s.io/kubernetes',
  version: `v${KUBERNETES_VERSION}`,
  packages: ['cmd/kube-apiserver', 'cmd/kube-controller-manager', 'cmd/kube-scheduler', 'cmd/kubelet', 'cmd/kube-proxy', 'cmd/kubectl'],
  // Staging modules are published as k8s.io/<name> v0.<minor>.<patch>.
  publishedVersionOf: (module) => (module.startsWith('k8s.io/') ? `v0.${KUBERNETES_VERSION.split('.').slice(1).join('.')}` : undefined),
  unpublished: ['k8s.io/sample-cli-plugin', 'k8s.io/sample-controller'],
  ldflags: [
    `-X k8s.io/component-base/version.gitVersion=v${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION.split('.')[0]}`,
    `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split('.')[1]}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ],
  firstBuildEstimate: 'about 10 minutes',
};

// helm's go.mod has no replace lines; its Makefile sets the version the same way.
export const HELM: GoToolPin = {
  name: 'helm',
  module: 'helm.sh/helm/v4',
  version: `v${HELM_VERSION}`,
  packages: ['cmd/helm'],
  ldflags: [`-X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}`, '-X helm.sh/helm/v4/internal/version.gitTreeState=clean'],
  firstBuildEstimate: 'about 2-3 minutes',
};

// containerd's go.mod has no replace lines. Without no_btrfs the btrfs
// snapshotter needs the btrfs headers; the Makefile always adds urfave_cli_no_docs.
// cgo stays on: ocicrypt's pkcs11 support has no pure-Go build.
export const CONTAINERD: GoToolPin = {
  name: 'containerd',
  module: 'github.com/containerd/containerd/v2',
  version: `v${CONTAINERD_VERSION}`,
  packages: ['cmd/containerd', 'cmd/ctr', 'cmd/containerd-shim-runc-v2'],
  tags: ['no_btrfs', 'urfave_cli_no_docs'],
  // The Makefile's flags; the kubelet reports Version as the node's runtime (containerd://2.4.2).
  ldflags: [
    `-X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}`,
    '-X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2',
  ],
  firstBuildEstimate: 'about 5 minutes',
};

// runc's default tags add libpathrs, which needs a Rust-built library; seccomp
// needs cgo and Debian's libseccomp-dev. The version is embedded from its VERSION
// file, so no ldflag is needed (the Makefile sets only main.gitCommit).
export const RUNC: GoToolPin = {
  name: 'runc',
  module: 'github.com/opencontainers/runc',
  version: `v${RUNC_VERSION}`,
  packages: ['.'],
  tags: ['seccomp', 'urfave_cli_no_docs'],
  env: { CGO_ENABLED: '1' },
  firstBuildEstimate: 'about 1 minute',
};

// containerd runs every file in its CNI bin_dir as a plugin, so these get bin/cni/ to themselves.
export const CNI_PLUGINS: GoToolPin = {
  name: 'cni-plugins',
  module: 'github.com/containernetworking/plugins',
  version: `v${CNI_PLUGINS_VERSION}`,
  packages: ['plugins/main/bridge', 'plugins/ipam/host-local', 'plugins/main/loopback', 'plugins/meta/portmap'],
  binSubdir: 'cni',
  env: STATIC,
  // Release builds set it; a plugin run with no CNI_COMMAND prints "CNI bridge plugin v1.9.1" instead of "version unknown".
  ldflags: [`-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v${CNI_PLUGINS_VERSION}`],
  firstBuildEstimate: 'about 1 minute',
};

// The cluster DNS, as a main of our own with a dozen plugins (see coredns-main.ts).
// CoreDNS reports its version from coremain.CoreVersion, a constant.
export const COREDNS: GoToolPin = {
  name: 'coredns',
  module: 'github.com/coredns/coredns',
  version: `v${COREDNS_VERSION}`,
  packages: ['./cmd/coredns'],
  wrapperSources: { 'cmd/coredns/main.go': COREDNS_MAIN_GO },
  env: STATIC,
  firstBuildEstimate: 'about 3 minutes',
};

// The node pulls images from this registry on loopback. No replace lines in its
// go.mod. Our own small main (filesystem storage only; see registry-main.ts).
export const REGISTRY: GoToolPin = {
  name: 'registry',
  module: 'github.com/distribution/distribution/v3',
  version: `v${REGISTRY_VERSION}`,
  packages: ['./cmd/registry'],
  wrapperSources: { 'cmd/registry/main.go': REGISTRY_MAIN_GO },
  env: STATIC,
  ldflags: [
    `-X github.com/distribution/distribution/v3/version.version=v${REGISTRY_VERSION}`,
    '-X github.com/distribution/distribution/v3/version.mainpkg=github.com/distribution/distribution/v3',
  ],
  firstBuildEstimate: 'about 2 minutes',
};

export const GO_TOOLS: readonly GoToolPin[] = [DAPRD, ETCD, KUBERNETES, HELM, CONTAINERD, RUNC, CNI_PLUGINS, COREDNS, REGISTRY];

/** Whether `pkg` names a package of the wrapper module (one of `wrapperSources`) rather than of the upstream. */
export function isWrapperPackage(pkg: string): boolean {
  return pkg.startsWith('./');
}

export function binaryNames(pin: GoToolPin): string[] {
  return pin.packages.map((pkg) => (pkg === '.' ? pin.name : pkg.split('/').pop() ?? pin.name));
}

/** Where each binary lands, relative to the bin dir: unique across all pins. */
export function binaryRelativePaths(pin: GoToolPin): string[] {
  return binaryNames(pin).map((bin) => (pin.binSubdir ? `${pin.binSubdir}/${bin}` : bin));
}

/**
 * The file name `go build -o DIR/` gives a main package: its last import-path
 * element, skipping a major-version suffix (`go.etcd.io/etcd/server/v3` → `server`).
 */
export function goOutputName(pin: GoToolPin, pkg: string): string {
  const path = pkg === '.' ? pin.module : isWrapperPackage(pkg) ? pkg.slice(2) : `${pin.module}/${pkg}`;
  const elements = path.split('/');
  const last = elements.pop() ?? pin.name;
  return /^v\d+$/.test(last) ? (elements.pop() ?? pin.name) : last;
}

export function stampOf(pin: GoToolPin): string {
  // The later fields join the stamp only when set, so adding them kept the
  // stamps (and the ~30-minute builds) of the pins that do not use them.
  const sources = pin.wrapperSources
    ? createHash('sha256').update(JSON.stringify(Object.entries(pin.wrapperSources).sort())).digest('hex')
    : undefined;
  return JSON.stringify({
    module: pin.module,
    version: pin.version,
    packages: pin.packages,
    tags: pin.tags ?? [],
    ldflags: pin.ldflags ?? [],
    ...(pin.env ? { env: pin.env } : {}),
    ...(sources ? { wrapperSources: sources } : {}),
    ...(pin.binSubdir ? { binSubdir: pin.binSubdir } : {}),
  });
}
