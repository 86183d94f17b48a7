// Pure: containerd's config (version 3, containerd 2.x), its registry hosts
// files and the CNI network, all pointing inside the cluster's state dir.
import { NODE_NETWORK, type NodePaths } from './node-layout.js';

export interface ContainerdConfigInput {
  paths: NodePaths;
  runcBinary: string;
  cniBinDir: string;
  sandboxImage: string;
}

const toml = (value: string): string => `'${value.replaceAll("'", '')}'`;

export function containerdConfig({ paths, runcBinary, cniBinDir, sandboxImage }: ContainerdConfigInput): string {
  return `# Written by \`wasi-dev cluster up\`; rewritten on every start.
version = 3
root = ${toml(paths.containerdRoot)}
state = ${toml(paths.containerdState)}

[grpc]
  address = ${toml(paths.containerdSocket)}

[ttrpc]
  address = ${toml(`${paths.containerdSocket}.ttrpc`)}

[plugins]
  # NRI and the opt store default to machine-wide paths; the node needs neither.
  [plugins.'io.containerd.nri.v1.nri']
    disable = true

  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'

    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${toml(sandboxImage)}

    [plugins.'io.containerd.cri.v1.images'.registry]
      # Every registry name resolves to the local registry (see hostsToml).
      config_path = ${toml(paths.registryHostsDir)}

  [plugins.'io.containerd.cri.v1.runtime']
    # Root here lacks CAP_SYS_RESOURCE: lowering a sandbox's oom_score_adj
    # below containerd's own fails with EACCES, so every sandbox would fail.
    restrict_oom_score_adj = true
    # Network namespaces under the state dir, not /var/run/netns: \`down\`
    # finds and removes every one the node made.
    netns_mounts_under_state_dir = true

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${toml(runcBinary)}
          Root = ${toml(paths.runcRoot)}
          # cgroups v1 with the cgroupfs driver, as the kubelet is told.
          SystemdCgroup = false

    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${toml(cniBinDir)}]
      conf_dir = ${toml(paths.cniConfDir)}
      max_conf_num = 1

  [plugins.'io.containerd.grpc.v1.cri']
    # kubectl exec/attach/port-forward: the kubelet proxies to this.
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`;
}

/** Registry names whose images the cluster uses; each maps to the local registry. */
export const MIRRORED_REGISTRIES = ['docker.io', 'registry.k8s.io', 'ghcr.io', '_default'] as const;

/**
 * A hosts.toml that sends every pull for a registry name to the local
 * registry over plain HTTP, with no fallback upstream: nothing leaves the machine.
 */
export function hostsToml(registryAddress: string): string {
  const url = `http://${registryAddress}`;
  return `server = "${url}"\n\n[host."${url}"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`;
}

/** Directory names under certs.d: the mirrored names plus the registry's own address. */
export function registryHostDirs(registryAddress: string): string[] {
  return [...MIRRORED_REGISTRIES, registryAddress];
}

/** The Pod network as a CNI conflist: a bridge, host-local addresses, no masquerade. */
export function cniConflist(paths: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: NODE_NETWORK.cniNetwork,
      plugins: [
        {
          type: 'bridge',
          bridge: NODE_NETWORK.bridge,
          isGateway: true,
          // Never rewrite a Pod's traffic to look like the machine's: what
          // leaves the Pod network is dropped by the node's firewall instead.
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: paths.cniDataDir,
            ranges: [[{ subnet: NODE_NETWORK.podCidr, rangeStart: NODE_NETWORK.podRangeStart, rangeEnd: NODE_NETWORK.podRangeEnd, gateway: NODE_NETWORK.nodeIp }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}
