// Every binary we build from a Go module, pinned. Changing a pin (or the tags)
// changes the stamp, so the next `tools ensure` rebuilds that binary.

export interface GoToolPin {
  /** Name used by `wasi-operator tools ensure NAME`. */
  name: string;
  module: string;
  version: string;
  /** Main packages to build; each becomes bin/<last path element>. */
  packages: string[];
  tags?: string[];
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
const DAPR_VERSION = '1.18.2';
const HELM_VERSION = '4.3.1';

export const DAPRD: GoToolPin = {
  name: 'daprd',
  module: 'github.com/dapr/dapr',
  version: `v${DAPR_VERSION}`,
  packages: ['cmd/daprd'],
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
  packages: ['cmd/kube-apiserver', 'cmd/kube-controller-manager', 'cmd/kube-scheduler'],
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

export const GO_TOOLS: readonly GoToolPin[] = [DAPRD, ETCD, KUBERNETES, HELM];

export function binaryNames(pin: GoToolPin): string[] {
  return pin.packages.map((pkg) => (pkg === '.' ? pin.name : pkg.split('/').pop() ?? pin.name));
}

/**
 * The file name `go build -o DIR/` gives a main package: its last import-path
 * element, skipping a major-version suffix (`go.etcd.io/etcd/server/v3` → `server`).
 */
export function goOutputName(pin: GoToolPin, pkg: string): string {
  const elements = (pkg === '.' ? pin.module : `${pin.module}/${pkg}`).split('/');
  const last = elements.pop() ?? pin.name;
  return /^v\d+$/.test(last) ? (elements.pop() ?? pin.name) : last;
}

export function stampOf(pin: GoToolPin): string {
  return JSON.stringify({ module: pin.module, version: pin.version, packages: pin.packages, tags: pin.tags ?? [], ldflags: pin.ldflags ?? [] });
}
