// `wasi-operator`: the product's commands, what the image ships. The local
// cluster, the demo and the tool builds are the development harness's
// (`wasi-dev`, dev/cli/wasi-dev.ts) and are not part of it.
import { dispatch, type CommandTable } from './dispatch.js';

const USAGE = `usage: wasi-operator <command>

commands:
  controller [flags]         run the WasiApp controller (see --help)
  smoke [flags]              check an installed operator: run the seed's WasiApp on the cluster and print its result
  rerun NAME [-n NS] [--wait] start a new run of a WasiApp's current spec (see rerun --help)
`;

const COMMANDS: CommandTable = {
  controller: async () => (await import('./controller-command.js')).controllerCommand,
  smoke: async () => (await import('./smoke-command.js')).smokeCommand,
  rerun: async () => (await import('./rerun-command.js')).rerunCommand,
};

export function main(argv: string[]): Promise<number> {
  return dispatch('wasi-operator', USAGE, COMMANDS, argv);
}
