// Directories the guest may use (--dir, --dir-ro), handed to node:wasi as
// preopens, and the read-only rule node:wasi does not have: every call that
// would change something under a --dir-ro directory is refused with PERM, as
// a read-only preopen does in wasmtime. node:wasi's own sandbox still decides
// what a path may reach (`..`, absolute paths and symlinks out of the
// preopen); this only takes writes away. In a Pod the directory's volume is
// also mounted read-only.
import { usageError } from './host-errors.js';

export interface Preopen {
  /** Where it is on the host. */
  readonly hostPath: string;
  /** The name the guest opens it by. */
  readonly guestPath: string;
  readonly readOnly: boolean;
}

/** `HOST_DIR[::GUEST_DIR]`, as wasmtime spells it; the guest sees HOST_DIR when GUEST_DIR is left out. */
export function parseDirFlag(flag: '--dir' | '--dir-ro', text: string): Preopen {
  const separator = text.indexOf('::');
  const hostPath = separator < 0 ? text : text.slice(0, separator);
  const guestPath = separator < 0 ? text : text.slice(separator + 2);
  if (hostPath === '' || guestPath === '') throw usageError(`${flag} needs HOST_DIR[::GUEST_DIR], got "${text}"`);
  return { hostPath, guestPath, readOnly: flag === '--dir-ro' };
}

/** node:wasi's `preopens` option: guest path → host path, in flag order (fds 3, 4, … follow it). */
export function wasiPreopens(preopens: readonly Preopen[]): Record<string, string> {
  const byGuest: Record<string, string> = {};
  for (const preopen of preopens) {
    if (Object.hasOwn(byGuest, preopen.guestPath)) throw usageError(`two directories are given the guest path ${preopen.guestPath}; give each its own`);
    byGuest[preopen.guestPath] = preopen.hostPath;
  }
  return byGuest;
}
