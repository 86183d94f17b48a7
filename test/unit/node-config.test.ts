// The real node's pure builders: what containerd, the CNI bridge, the
// kubelet, kube-proxy, the firewall and Dapr's chart are told, and the
// manifests of the cluster add-ons. No node runs here.
import yaml from 'js-yaml';
import { pkiPaths } from '../../dev/cluster/pki.js';
import { CLUSTER_REDIS_HOST, corednsManifests, kubeletApiAccess, redisManifests } from '../../dev/node/cluster-addons.js';
import { cniConflist, containerdConfig, hostsToml, registryHostDirs } from '../../dev/node/containerd-config.js';
import { daprChartValues } from '../../dev/node/dapr-install.js';
import { firewallRuleset } from '../../dev/node/host-network.js';
import { kubeletArgs, kubeletConfig, kubeProxyConfig } from '../../dev/node/kubelet-config.js';
import { NODE_NETWORK, nodePaths, REGISTRY_ADDRESS } from '../../dev/node/node-layout.js';
import { mountsUnder } from '../../dev/node/node-teardown.js';
import { pinnedOperatorImage, splitImageReference } from '../../dev/node/operator-install.js';
import type { ImageSet } from '../../dev/images/images.js';

const paths = nodePaths('/state');
const pki = pkiPaths('/state/pki');

describe('containerd', () => {
  const config = containerdConfig({ paths, runcBinary: '/cache/bin/runc', cniBinDir: '/cache/bin/cni', sandboxImage: 'registry.k8s.io/pause:3.10.2' });

  test('keeps every path inside the state dir and uses our runc, CNI plugins and pause image', () => {
    expect(config).toContain("root = '/state/node/containerd/root'");
    expect(config).toContain("address = '/state/node/containerd/containerd.sock'");
    expect(config).toContain("BinaryName = '/cache/bin/runc'");
    expect(config).toContain("bin_dirs = ['/cache/bin/cni']");
    expect(config).toContain("sandbox = 'registry.k8s.io/pause:3.10.2'");
    expect(config).toContain('netns_mounts_under_state_dir = true');
  });

  test('restricts oom_score_adj (root here lacks CAP_SYS_RESOURCE) and uses cgroupfs', () => {
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain('SystemdCgroup = false');
  });

  test('every registry name, the fallback included, resolves to the local registry over plain HTTP and nowhere else', () => {
    expect(registryHostDirs(REGISTRY_ADDRESS)).toEqual(expect.arrayContaining(['docker.io', 'ghcr.io', 'registry.k8s.io', '_default', REGISTRY_ADDRESS]));
    const hosts = hostsToml(REGISTRY_ADDRESS);
    expect(hosts).toContain(`server = "http://${REGISTRY_ADDRESS}"`);
    expect(hosts.match(/https?:\/\/[^"]+/g)).toEqual([`http://${REGISTRY_ADDRESS}`, `http://${REGISTRY_ADDRESS}`]);
  });
});

describe('the Pod network', () => {
  test('a bridge with host-local addresses in the Pod range, its gateway the node, and no masquerade', () => {
    const conflist = JSON.parse(cniConflist(paths)) as { plugins: Array<Record<string, unknown>> };
    const bridge = conflist.plugins[0] as { type: string; bridge: string; ipMasq: boolean; isGateway: boolean; ipam: { dataDir: string; ranges: Array<Array<{ subnet: string; gateway: string }>> } };
    expect(bridge).toMatchObject({ type: 'bridge', bridge: NODE_NETWORK.bridge, ipMasq: false, isGateway: true });
    expect(bridge.ipam.ranges[0]![0]).toMatchObject({ subnet: NODE_NETWORK.podCidr, gateway: NODE_NETWORK.nodeIp });
    expect(bridge.ipam.dataDir.startsWith('/state/')).toBe(true);
  });

  test('the firewall drops what a Pod sends anywhere but Pods and Services', () => {
    const rules = firewallRuleset();
    expect(rules).toContain(`table inet ${NODE_NETWORK.firewallTable}`);
    expect(rules).toContain('hook forward');
    expect(rules).toContain(`ip saddr ${NODE_NETWORK.podCidr} ip daddr != { ${NODE_NETWORK.podCidr}, ${NODE_NETWORK.serviceCidr} } drop`);
  });
});

describe('kubelet and kube-proxy', () => {
  test('the kubelet: cgroupfs on cgroups v1, containerd, the cluster DNS, webhook authorization, served on the node address', () => {
    const config = yaml.load(kubeletConfig(paths, pki)) as Record<string, unknown>;
    expect(config).toMatchObject({
      cgroupDriver: 'cgroupfs',
      failCgroupV1: false,
      failSwapOn: false,
      containerRuntimeEndpoint: 'unix:///state/node/containerd/containerd.sock',
      clusterDNS: [NODE_NETWORK.clusterDns],
      authorization: { mode: 'Webhook' },
      authentication: { anonymous: { enabled: false } },
      address: NODE_NETWORK.nodeIp,
      readOnlyPort: 0,
    });
    expect(kubeletArgs(paths)).toEqual(expect.arrayContaining([`--node-ip=${NODE_NETWORK.nodeIp}`, '--root-dir=/state/node/kubelet']));
  });

  test('kube-proxy in nftables mode leaves the conntrack settings alone', () => {
    const config = yaml.load(kubeProxyConfig(paths)) as Record<string, unknown>;
    expect(config).toMatchObject({ mode: 'nftables', clusterCIDR: NODE_NETWORK.podCidr, conntrack: { maxPerCore: 0, min: 0 } });
  });
});

describe('add-ons and Dapr', () => {
  test('CoreDNS answers on the cluster DNS address and forwards nothing', () => {
    const manifests = corednsManifests('registry.k8s.io/coredns/coredns:v1.15.0');
    const service = manifests.find((m) => m.kind === 'Service') as { spec: { clusterIP: string } };
    expect(service.spec.clusterIP).toBe(NODE_NETWORK.clusterDns);
    const corefile = (manifests.find((m) => m.kind === 'ConfigMap') as { data: { Corefile: string } }).data.Corefile;
    expect(corefile).toContain(`kubernetes ${NODE_NETWORK.clusterDomain}`);
    expect(corefile).not.toContain('forward');
  });

  test('Redis is redis-master in namespace redis', () => {
    expect(CLUSTER_REDIS_HOST).toBe('redis-master.redis.svc.cluster.local:6379');
    expect(redisManifests('docker.io/library/redis:7').map((m) => `${m.kind}/${m.metadata?.name}`)).toEqual(['Namespace/redis', 'Deployment/redis-master', 'Service/redis-master']);
  });

  test("the API server's kubelet client may use the kubelet API (logs, exec, port-forward)", () => {
    expect(kubeletApiAccess()[0]).toMatchObject({ roleRef: { name: 'system:kubelet-api-admin' } });
  });

  test("Dapr's chart: local images, in-memory storage, the operator's ServiceAccount trusted, capabilities dropped", () => {
    expect(daprChartValues('127.0.0.1:5111')).toEqual(
      expect.arrayContaining([
        'global.registry=127.0.0.1:5111/dapr',
        'dapr_scheduler.cluster.inMemoryStorage=true',
        'dapr_placement.cluster.forceInMemoryLog=true',
        'dapr_sidecar_injector.allowedServiceAccounts=*:wasi-operator',
        'dapr_sidecar_injector.sidecarDropALLCapabilities=true',
      ]),
    );
  });
});

describe('images and teardown helpers', () => {
  test('an image reference splits into repository and tag; a registry port is no tag; a digest stays with the tag', () => {
    expect(splitImageReference('wasi-operator:0.1.0')).toEqual({ repository: 'wasi-operator', tag: '0.1.0' });
    expect(splitImageReference('127.0.0.1:5111/library/x')).toEqual({ repository: '127.0.0.1:5111/library/x', tag: 'latest' });
    expect(splitImageReference('docker.io/library/wasi-operator:0.1.0@sha256:abc')).toEqual({ repository: 'docker.io/library/wasi-operator', tag: '0.1.0@sha256:abc' });
  });

  test("our image is pinned by its registry digest, so a rebuilt image reaches a node that holds the tag", () => {
    const images = { operator: 'docker.io/library/wasi-operator:0.1.0', reports: [{ reference: 'docker.io/library/wasi-operator:0.1.0', digest: 'sha256:abc' }] } as unknown as ImageSet;
    expect(pinnedOperatorImage(images)).toBe('docker.io/library/wasi-operator:0.1.0@sha256:abc');
  });

  test('mounts under a directory come deepest first, octal escapes decoded, others ignored', () => {
    const mountinfo = [
      '1 0 0:1 / / rw - ext4 /dev/vda rw',
      '2 1 0:2 / /state/node/a rw - tmpfs tmpfs rw',
      '3 2 0:3 / /state/node/a/b\\040c rw - overlay overlay rw',
      '4 1 0:4 / /stateful rw - tmpfs tmpfs rw',
    ].join('\n');
    expect(mountsUnder('/state', mountinfo)).toEqual(['/state/node/a/b c', '/state/node/a']);
  });
});
