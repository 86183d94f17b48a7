// The project's operator image as a container the agent can run: the
// Deployment of charts/wasi-operator runs the image's ENTRYPOINT (`node <V8
// flags> /app/bin/wasi-operator.mjs`) with `args: [controller, ...]`. Pure.
//
// The rule: a container is the operator when it sets no `command` (so the
// image's ENTRYPOINT runs), its image is named `wasi-operator` (the last path
// segment of the repository, any registry and tag: the chart's default
// `image.repository` and what `docker build -t wasi-operator .` makes), and its
// args (or the image's CMD when it has none) start with `controller`, or
// `smoke` (the chart's `helm test` Pod). The agent cannot pull or inspect an
// image, so it recognises the one image whose ENTRYPOINT it knows (from this
// checkout's Dockerfile) by name; other subcommands of that entrypoint
// (cluster, demo, tools) make no sense in a Pod.
import { basename, relative } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { WasiOperatorError } from '../../util/errors.js';
import { expand } from './env-expansion.js';
import type { ImageConfig } from './image-config.js';

export const OPERATOR_IMAGE_NAME = 'wasi-operator';
export const CONTROLLER_SUBCOMMAND = 'controller';
export const SMOKE_SUBCOMMAND = 'smoke';
/** The entrypoint's subcommands that run in a Pod. */
export const POD_SUBCOMMANDS: readonly string[] = [CONTROLLER_SUBCOMMAND, SMOKE_SUBCOMMAND];

/** `registry.example:5000/team/wasi-operator:1.2@sha256:…` → `wasi-operator`. */
export function imageName(image: string): string {
  const reference = image.split('@')[0]!;
  const last = reference.slice(reference.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon === -1 ? last : last.slice(0, colon);
}

/** The args the entrypoint gets: the container's, else the image's CMD (Kubernetes' rule when `command` is unset). */
export function entrypointArgs(container: V1Container, image: ImageConfig): string[] {
  return container.args ?? image.cmd;
}

/** The image's entrypoint running one of POD_SUBCOMMANDS: the controller, or the smoke test. */
export function isOperatorContainer(container: V1Container, image: ImageConfig): boolean {
  return (
    (container.command ?? []).length === 0 &&
    imageName(container.image ?? '') === OPERATOR_IMAGE_NAME &&
    POD_SUBCOMMANDS.includes(entrypointArgs(container, image)[0] ?? '')
  );
}

/** The controller, whose listeners (metrics, probes) the agent moves to free ports. */
export function isControllerContainer(container: V1Container, image: ImageConfig): boolean {
  return isOperatorContainer(container, image) && entrypointArgs(container, image)[0] === CONTROLLER_SUBCOMMAND;
}

export interface LocalRuntime {
  /** The Node.js that runs the image's `node` (the project's own Node 26). */
  nodePath: string;
  /** The checkout whose files the image copies under its WORKDIR. */
  repoRoot: string;
}

/**
 * argv of the operator container on this machine: the image's ENTRYPOINT with
 * its `node` made this Node.js and its files under WORKDIR (the image copies
 * `bin/` and `dist/` of the checkout there) made the checkout's, its V8 flags
 * kept, then the args with `$(VAR)` expanded from the container's env.
 */
export function operatorArgv(container: V1Container, image: ImageConfig, env: Record<string, string>, local: LocalRuntime): string[] {
  const [program, ...entrypointRest] = image.entrypoint;
  if (program === undefined || basename(program) !== 'node') {
    throw new WasiOperatorError('ERR_NODE_AGENT_IMAGE_CONFIG', `the image's ENTRYPOINT must start with node, got ${JSON.stringify(image.entrypoint)}`);
  }
  const underWorkdir = (arg: string): string => {
    const rest = relative(image.workdir, arg);
    return arg.startsWith('/') && !rest.startsWith('..') ? `${local.repoRoot}/${rest}` : arg;
  };
  return [local.nodePath, ...entrypointRest.map(underWorkdir), ...expandedArgs(container, image, env)];
}

/** The entrypoint's args with `$(VAR)` expanded from the container's env, as the kubelet passes them. */
export function expandedArgs(container: V1Container, image: ImageConfig, env: Record<string, string>): string[] {
  return entrypointArgs(container, image).map((arg) => expand(arg, (name) => env[name]));
}
