// `wasi-dev`: the development harness (dev/bin/wasi-dev.mjs; `npm start` runs
// its demo). Nothing here is in the image: it builds the pinned Go tools,
// starts a local cluster with a real node, builds and pushes the images, and
// runs the seed end to end on it.
import { dispatch, type CommandTable } from '../../operator/src/cli/dispatch.js';

const USAGE = `usage: wasi-dev <command>

commands:
  demo [--local] [--keep] [--timeout S]
                             run the seed as a WasiApp on the local cluster's real node and print its result
                             (--local: without Kubernetes: redis-server + daprd + wasi-host)
  cluster up|down|status     a local cluster of real Kubernetes, --node for a real node (see cluster --help)
  tools ensure NAME|--all    build the pinned Go tools into the cache (Dapr, etcd, Kubernetes, helm, containerd, …)
  images ensure --registry HOST:PORT [NAME...]
                             build the local cluster's images (no Docker needed) and push them to a registry
  docs                       regenerate docs/reference.md from the WasiApp CRD
`;

const COMMANDS: CommandTable = {
  demo: async () => (await import('./demo-command.js')).demoCommand,
  cluster: async () => (await import('./cluster-command.js')).clusterCommand,
  tools: async () => (await import('./tools-command.js')).toolsCommand,
  images: async () => (await import('./images-command.js')).imagesCommand,
  docs: async () => (await import('./docs-command.js')).docsCommand,
};

export function main(argv: string[]): Promise<number> {
  return dispatch('wasi-dev', USAGE, COMMANDS, argv);
}
