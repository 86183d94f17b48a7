// `wasi-operator` command dispatcher. Each subcommand is imported lazily so
// that `tools ensure` does not load client-node and `controller` does not load
// the local-cluster code.

const USAGE = `usage: wasi-operator <command>

commands:
  demo [--local] [--keep] [--timeout S]
                             run the seed as a WasiApp on the local cluster's real node and print its result
                             (--local: without Kubernetes: redis-server + daprd + wasi-host)
  smoke [flags]              check an installed operator: run the seed's WasiApp on the cluster and print its result
  rerun NAME [-n NS] [--wait] start a new run of a WasiApp's current spec (see rerun --help)
  controller [flags]         run the WasiApp controller (see --help)
  cluster up|down|status     a local cluster of real Kubernetes, --node for a real node (see cluster --help)
  tools ensure NAME|--all    build the pinned Go tools into the cache (Dapr, etcd, Kubernetes, helm, containerd, …)
  images ensure --registry HOST:PORT [NAME...]
                             build the local cluster's images (no Docker needed) and push them to a registry
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  tools: async () => (await import('./tools-command.js')).toolsCommand,
  images: async () => (await import('./images-command.js')).imagesCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  smoke: async () => (await import('./smoke-command.js')).smokeCommand,
  rerun: async () => (await import('./rerun-command.js')).rerunCommand,
  controller: async () => (await import('./controller-command.js')).controllerCommand,
  cluster: async () => (await import('./cluster-command.js')).clusterCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`wasi-operator: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stderr.write(`wasi-operator ${name}: ${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}\n`);
    return 1;
  }
}
