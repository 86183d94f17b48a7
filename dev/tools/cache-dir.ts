import { homedir } from 'node:os';
import { join } from 'node:path';

/** `${XDG_CACHE_HOME:-$HOME/.cache}/wasi-operator`: outside the repo so builds survive clean checkouts. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'wasi-operator');
}

export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'bin');
}
