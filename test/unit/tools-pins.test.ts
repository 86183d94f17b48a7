import { COREDNS_DIRECTIVES, COREDNS_MAIN_GO } from '../../dev/tools/coredns-main.js';
import { toolDir, toolPaths } from '../../dev/tools/go-build.js';
import {
  binaryNames,
  binaryRelativePaths,
  CNI_PLUGINS,
  CONTAINERD,
  COREDNS,
  DAPRD,
  goOutputName,
  GO_TOOLS,
  HELM,
  KUBERNETES,
  REGISTRY,
  RUNC,
  stampOf,
} from '../../dev/tools/pins.js';
import { wrapperGoMod, wrapperToolsGo } from '../../dev/tools/wrapper-module.js';

describe('tool pins', () => {
  test('`tools ensure --all` builds every Go tool the cluster and the tests use, each binary at its own path', () => {
    expect(GO_TOOLS.map((pin) => pin.name)).toEqual(['daprd', 'etcd', 'kubernetes', 'helm', 'containerd', 'runc', 'cni-plugins', 'coredns', 'registry']);
    const paths = GO_TOOLS.flatMap(binaryRelativePaths);
    expect(new Set(paths).size).toBe(paths.length);
    // Each pin's binaries are exactly what `go build -o DIR/` writes, renamed only for '.'.
    for (const pin of GO_TOOLS) {
      expect(pin.packages.map((pkg) => (pkg === '.' ? pin.name : goOutputName(pin, pkg)))).toEqual(binaryNames(pin));
    }
  });

  test('helm builds cmd/helm into bin/helm and reports the pinned version', () => {
    expect(binaryNames(HELM)).toEqual(['helm']);
    expect(goOutputName(HELM, 'cmd/helm')).toBe('helm');
    // helm's Makefile sets the same variable; without it `helm version` says only "v4.3".
    expect(HELM.ldflags).toContain(`-X helm.sh/helm/v4/internal/version.version=${HELM.version}`);
    expect(HELM.module.endsWith(`/v${HELM.version.slice(1).split('.')[0]}`)).toBe(true);
  });

  test("helm's go.mod has no replace lines: the wrapper keeps its requirements and requires the pin", () => {
    const upstream = 'module helm.sh/helm/v4\n\ngo 1.26.0\n\nrequire (\n\tk8s.io/client-go v0.37.1\n)\n';
    const out = wrapperGoMod(upstream, HELM);
    expect(out).toMatch(/^module wasioperator\.local\/build\/helm$/m);
    expect(out).toContain('\tk8s.io/client-go v0.37.1');
    expect(out).toMatch(new RegExp(`^require helm\\.sh/helm/v4 ${HELM.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(wrapperToolsGo(HELM)).toContain('_ "helm.sh/helm/v4/cmd/helm"');
  });

  test('changing the helm pin rebuilds helm', () => {
    expect(stampOf({ ...HELM, version: 'v4.0.0' })).not.toBe(stampOf(HELM));
  });

  test('pins that use none of env, wrapper sources or a sub-directory keep the stamp they had, so nothing rebuilds', () => {
    expect(stampOf(HELM)).toBe(
      JSON.stringify({ module: HELM.module, version: HELM.version, packages: HELM.packages, tags: [], ldflags: HELM.ldflags }),
    );
  });

  test('changing the tags, the build environment, the wrapper sources or the sub-directory rebuilds', () => {
    const stamp = stampOf(COREDNS);
    expect(stampOf({ ...COREDNS, tags: ['grpcnotrace'] })).not.toBe(stamp);
    expect(stampOf({ ...COREDNS, env: { CGO_ENABLED: '1' } })).not.toBe(stamp);
    expect(stampOf({ ...COREDNS, wrapperSources: { 'cmd/coredns/main.go': `${COREDNS_MAIN_GO}\n// changed\n` } })).not.toBe(stamp);
    expect(stampOf({ ...CNI_PLUGINS, binSubdir: 'cni2' })).not.toBe(stampOf(CNI_PLUGINS));
    // The stamp carries a hash of the sources, not the sources.
    expect(stamp).not.toContain('package main');
  });
});

describe('the node pins', () => {
  test('containerd builds its daemon, ctr and the runc shim, without btrfs, reporting its version to the kubelet', () => {
    expect(binaryNames(CONTAINERD)).toEqual(['containerd', 'ctr', 'containerd-shim-runc-v2']);
    expect(CONTAINERD.tags).toContain('no_btrfs');
    expect(CONTAINERD.ldflags).toContain(`-X github.com/containerd/containerd/v2/version.Version=${CONTAINERD.version.slice(1)}`);
  });

  test('runc builds with seccomp through cgo and without libpathrs, which needs Rust', () => {
    expect(binaryNames(RUNC)).toEqual(['runc']);
    expect(RUNC.tags).toEqual(['seccomp', 'urfave_cli_no_docs']);
    expect(RUNC.env).toEqual({ CGO_ENABLED: '1' });
  });

  test('the registry builds our own small main (filesystem storage only) into bin/registry', () => {
    expect(binaryRelativePaths(REGISTRY)).toEqual(['registry']);
    const main = REGISTRY.wrapperSources?.['cmd/registry/main.go'] ?? '';
    expect(main).toContain('registry/storage/driver/filesystem');
    expect(main).not.toMatch(/driver\/(s3-aws|gcs|azure)/);
    expect(REGISTRY.ldflags).toContain(`-X github.com/distribution/distribution/v3/version.version=${REGISTRY.version}`);
  });

  test('Dapr control-plane and Kubernetes node binaries keep their own names beside the others', () => {
    expect(binaryNames(DAPRD)).toEqual(['daprd', 'operator', 'sentry', 'injector', 'placement', 'scheduler']);
    expect(binaryNames(KUBERNETES)).toEqual(expect.arrayContaining(['kubelet', 'kube-proxy']));
  });
});

describe('a per-pin sub-directory of the bin dir', () => {
  const env = { XDG_CACHE_HOME: '/cache' };

  test('CNI plugins land in bin/cni, a directory holding only them (containerd runs everything in its CNI bin_dir)', () => {
    expect(binaryRelativePaths(CNI_PLUGINS)).toEqual(['cni/bridge', 'cni/host-local', 'cni/loopback', 'cni/portmap']);
    expect(toolDir(CNI_PLUGINS, env)).toBe('/cache/wasi-operator/bin/cni');
    expect(toolPaths(CNI_PLUGINS, env)).toEqual({
      bridge: '/cache/wasi-operator/bin/cni/bridge',
      'host-local': '/cache/wasi-operator/bin/cni/host-local',
      loopback: '/cache/wasi-operator/bin/cni/loopback',
      portmap: '/cache/wasi-operator/bin/cni/portmap',
    });
    // Nothing else is built into bin/cni.
    const others = GO_TOOLS.filter((pin) => pin !== CNI_PLUGINS).flatMap(binaryRelativePaths);
    expect(others.filter((path) => path.startsWith('cni/'))).toEqual([]);
  });

  test('pins without one keep their binaries directly in bin/', () => {
    expect(toolDir(CONTAINERD, env)).toBe('/cache/wasi-operator/bin');
    expect(toolPaths(CONTAINERD, env).ctr).toBe('/cache/wasi-operator/bin/ctr');
  });
});

describe("CoreDNS's own small main", () => {
  test('sets the directives to just the cluster-DNS plugins, in upstream order, and imports each', () => {
    expect(COREDNS.packages).toEqual(['./cmd/coredns']);
    expect(COREDNS.wrapperSources?.['cmd/coredns/main.go']).toBe(COREDNS_MAIN_GO);
    expect(COREDNS_DIRECTIVES).toEqual(expect.arrayContaining(['errors', 'health', 'ready', 'kubernetes', 'cache', 'loop', 'reload']));
    expect(COREDNS_DIRECTIVES).not.toContain('forward');
    expect(COREDNS_MAIN_GO).toContain(`dnsserver.SetDirectives([]string{${COREDNS_DIRECTIVES.map((d) => `"${d}"`).join(', ')}})`);
    expect(COREDNS_MAIN_GO).toContain('coremain.Run()');
    // prometheus is the directive; plugin/metrics is its package.
    expect(COREDNS_MAIN_GO).toContain('_ "github.com/coredns/coredns/plugin/metrics"');
    expect(COREDNS_MAIN_GO).toContain('_ "github.com/coredns/coredns/plugin/kubernetes"');
    expect(COREDNS_MAIN_GO).not.toContain('core/plugin"');
    // The order decides which plugin sees a query first: upstream's, from CoreDNS v1.15.0's core/dnsserver/zdirectives.go.
    const upstreamOrder = (
      'root metadata geoip cancel proxyproto quic grpc_server https https3 timeouts multisocket reload nsid bufsize bind debug trace ' +
      'ready health pprof shed prometheus errors log dnstap local dns64 siit any chaos loadbalance tsig rewrite autopath acl cache ' +
      'header dnssec tls minimal template transfer dynupdate hosts route53 azure clouddns k8s_external kubernetes file auto secondary ' +
      'etcd loop forward grpc erratic whoami on sign view nomad'
    ).split(' ');
    expect([...COREDNS_DIRECTIVES]).toEqual(upstreamOrder.filter((d) => (COREDNS_DIRECTIVES as readonly string[]).includes(d)));
  });
});
