// What a container's command becomes on this machine. The agent runs only
// the project's own image contracts: a container whose command is `wasi-host`
// runs the repo's wasi-host binary (every WasiApp Pod), and a container that
// runs the operator image's entrypoint with `controller` runs the repo's
// operator (the chart's Deployment; see operator-container.ts). Pure.
import { basename } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { WasiOperatorError } from '../../util/errors.js';
import { expand } from './env-expansion.js';
import type { ImageConfig } from './image-config.js';
import { isOperatorContainer, OPERATOR_IMAGE_NAME, POD_SUBCOMMANDS } from './operator-container.js';
import { rewriteArgs, type LocalMount } from './pod-volumes.js';

export const HOST_BINARY = 'wasi-host';

export function isHostContainer(container: V1Container): boolean {
  const program = container.command?.[0];
  return program !== undefined && basename(program) === HOST_BINARY;
}

export function isRunnable(container: V1Container, image: ImageConfig): boolean {
  return isHostContainer(container) || isOperatorContainer(container, image);
}

export function unsupportedContainer(container: V1Container): WasiOperatorError {
  return new WasiOperatorError(
    'ERR_NODE_AGENT_UNSUPPORTED_CONTAINER',
    `container ${container.name} runs ${JSON.stringify(container.command ?? '(image entrypoint)')} of image ${container.image ?? '(none)'}; ` +
      `the local node agent runs only containers whose command is ${HOST_BINARY}, and the ${OPERATOR_IMAGE_NAME} image's entrypoint with args [${POD_SUBCOMMANDS.join(' | ')}, ...]`,
  );
}

/**
 * argv for the container: `hostCommand` in place of `wasi-host`, `$(VAR)`
 * expanded from the container's env, paths under mounts made local, and for
 * `wasi-host run FILE` a `--result-file` where a kubelet would have provided
 * the termination-message file.
 */
export function localArgv(container: V1Container, hostCommand: string[], env: Record<string, string>, mounts: LocalMount[], messageFile: string): string[] {
  if (!isHostContainer(container)) throw unsupportedContainer(container);
  const lookup = (name: string) => env[name];
  const args = rewriteArgs([...(container.command ?? []).slice(1), ...(container.args ?? [])].map((arg) => expand(arg, lookup)), mounts);
  if (args[0] === 'run' && args.length >= 2 && !args.some((arg) => arg.startsWith('--result-file'))) {
    args.splice(2, 0, `--result-file=${messageFile}`);
  }
  return [...hostCommand, ...args];
}
