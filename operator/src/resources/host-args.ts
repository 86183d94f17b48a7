// The `wasi-host run` command line for a WasiApp (the CLI of issue 2 §3).
//
// Every value the user wrote is passed through literalArg, so the guest gets
// it byte for byte. Flags use the `--flag=value` form, so a value that starts
// with `-` cannot be mistaken for a flag.
//
// spec.env entries with `valueFrom` cannot be written on the command line:
// Kubernetes resolves them. Each goes on the container's env under
// GUEST_ENV_PREFIX + name and is passed as `--env=NAME=$(GUEST_ENV_PREFIX NAME)`,
// which Kubernetes expands when it starts the container. The prefix keeps the
// guest's variables out of the host process's own environment (a guest's
// NODE_OPTIONS must not configure the Node that runs the host).
import type { V1EnvVar } from '@kubernetes/client-node';
import type { WasiApp } from '../api/wasiapp.js';
import { isDaprEnabled } from './spec-defaults.js';

export const HOST_COMMAND = 'wasi-host';
/**
 * The sidecar's HTTP API inside a Pod: Dapr's injector hard-codes port 3500.
 * `wasi-host` allows only its sidecar when no --allowed-host is given, but an
 * explicit list replaces that default, so we add the sidecar to it: a user who
 * allows one more origin must not lose Dapr.
 */
export const SIDECAR_ORIGIN = 'http://127.0.0.1:3500';
export const GUEST_ENV_PREFIX = 'WASI_GUEST_ENV_';

export interface HostInvocation {
  args: string[];
  /** Container env the args refer to (the guest's valueFrom entries). */
  env: V1EnvVar[];
}

/** `dirArgs`: the --dir / --dir-ro arguments of the app's spec.dirs (guest-dirs.ts), mount paths included. */
export function hostInvocationFor(app: WasiApp, moduleFile: string, dirArgs: readonly string[] = []): HostInvocation {
  const spec = app.spec;
  const args = ['run', literalArg(moduleFile)];
  const env: V1EnvVar[] = [];

  if (isDaprEnabled(app)) args.push('--dapr-shutdown');
  const allowedHosts = spec.allowedHosts ?? [];
  for (const origin of allowedHosts) args.push(flag('allowed-host', origin));
  if (allowedHosts.length > 0 && isDaprEnabled(app) && !allowedHosts.includes(SIDECAR_ORIGIN)) {
    args.push(flag('allowed-host', SIDECAR_ORIGIN));
  }
  if (spec.maxConcurrentRequests !== undefined) args.push(flag('max-concurrent-requests', String(spec.maxConcurrentRequests)));
  if (spec.timeoutSeconds !== undefined) args.push(flag('timeout', String(spec.timeoutSeconds)));
  if (spec.maxMemoryMb !== undefined) args.push(flag('max-memory-mb', String(spec.maxMemoryMb)));
  if (spec.successOutput !== undefined) args.push(flag('success-output', spec.successOutput));
  if (spec.invoke !== undefined) args.push(flag('invoke', spec.invoke));
  for (const dir of dirArgs) args.push(literalArg(dir));

  for (const entry of spec.env ?? []) {
    if (entry.valueFrom) {
      const containerName = `${GUEST_ENV_PREFIX}${entry.name}`;
      env.push({ name: containerName, valueFrom: entry.valueFrom });
      args.push(`--env=${literalArg(entry.name)}=${envReference(containerName)}`);
    } else {
      args.push(flag('env', `${entry.name}=${entry.value ?? ''}`));
    }
  }

  const guestArgs = spec.args ?? [];
  if (guestArgs.length > 0) args.push('--', ...guestArgs.map(literalArg));
  return { args, env };
}

function flag(name: string, value: string): string {
  return `--${name}=${literalArg(value)}`;
}

// Kubernetes expands `$(NAME)` in a container's command and args from the
// container's env, and reduces `$$` to `$`. The operator wants that for its own
// references to guest env values and never for what the user wrote, so user
// text goes through literalArg.
/** `text` escaped so the container receives it exactly as written. */
export function literalArg(text: string): string {
  return text.split('$').join('$$');
}

/** A reference that Kubernetes replaces with the value of the container env var `name`. */
export function envReference(name: string): string {
  return `$(${name})`;
}
