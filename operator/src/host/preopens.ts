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

const WASI_EPERM = 63;
/** The first fd node:wasi gives a preopen (0-2 are stdio). */
const FIRST_PREOPEN_FD = 3;

// oflags
const O_CREAT = 1 << 0;
const O_TRUNC = 1 << 3;
// fdflags
const FDFLAG_APPEND = 1 << 0;
// rights that write (fd_datasync, fd_write, fd_allocate, fd_filestat_set_size, fd_filestat_set_times,
// path_create_directory, path_create_file, path_link_*, path_rename_*, path_symlink, path_remove_directory,
// path_unlink_file, path_filestat_set_size, path_filestat_set_times, fd_fdstat_set_flags)
const WRITE_RIGHTS =
  (1n << 0n) | (1n << 3n) | (1n << 6n) | (1n << 8n) | (1n << 9n) | (1n << 10n) | (1n << 11n) | (1n << 12n) |
  (1n << 15n) | (1n << 16n) | (1n << 19n) | (1n << 20n) | (1n << 22n) | (1n << 23n) | (1n << 24n) | (1n << 25n) | (1n << 26n);

type WasiCall = (...args: unknown[]) => unknown;

/**
 * Wraps the WASI imports in place so that nothing under a read-only preopen
 * can be written. Files and directories opened from a read-only directory
 * stay read-only, through fd_renumber and until fd_close.
 */
export function enforceReadOnly(imports: WebAssembly.ModuleImports, preopens: readonly Preopen[], readU32: (ptr: number) => number): void {
  const readOnly = new Set<number>();
  preopens.forEach((preopen, i) => {
    if (preopen.readOnly) readOnly.add(FIRST_PREOPEN_FD + i);
  });
  if (readOnly.size === 0) return;
  const call = (name: string): WasiCall => imports[name] as WasiCall;
  const refuseOn =
    (name: string, ...fdArgs: number[]): void => {
      const original = call(name);
      imports[name] = (...args: unknown[]) => (fdArgs.some((i) => readOnly.has(args[i] as number)) ? WASI_EPERM : original(...args));
    };

  const pathOpen = call('path_open');
  // path_open(dirfd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd_out)
  imports.path_open = (...args: unknown[]) => {
    const dirfd = args[0] as number;
    if (!readOnly.has(dirfd)) return pathOpen(...args);
    const oflags = args[4] as number;
    const rightsBase = BigInt(args[5] as bigint | number);
    const fdflags = args[7] as number;
    if ((oflags & (O_CREAT | O_TRUNC)) !== 0 || (rightsBase & WRITE_RIGHTS) !== 0n || (fdflags & FDFLAG_APPEND) !== 0) return WASI_EPERM;
    const errno = pathOpen(...args);
    if (errno === 0) readOnly.add(readU32(args[8] as number));
    return errno;
  };
  // Calls on a directory fd that change what is under it.
  refuseOn('path_create_directory', 0);
  refuseOn('path_unlink_file', 0);
  refuseOn('path_remove_directory', 0);
  refuseOn('path_filestat_set_times', 0);
  refuseOn('path_symlink', 3);
  refuseOn('path_rename', 0, 3);
  refuseOn('path_link', 0, 4);
  // Calls on a file fd opened read-only from such a directory (it could not have write rights, but say so plainly).
  refuseOn('fd_write', 0);
  refuseOn('fd_pwrite', 0);
  refuseOn('fd_allocate', 0);
  refuseOn('fd_filestat_set_size', 0);
  refuseOn('fd_filestat_set_times', 0);

  const fdClose = call('fd_close');
  imports.fd_close = (...args: unknown[]) => {
    const errno = fdClose(...args);
    if (errno === 0) readOnly.delete(args[0] as number);
    return errno;
  };
  const fdRenumber = call('fd_renumber');
  imports.fd_renumber = (...args: unknown[]) => {
    const [from, to] = args as [number, number];
    const errno = fdRenumber(...args);
    if (errno === 0) {
      if (readOnly.has(from)) readOnly.add(to);
      else readOnly.delete(to);
      readOnly.delete(from);
    }
    return errno;
  };
}
