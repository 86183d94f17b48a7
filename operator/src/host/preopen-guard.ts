// Two rules node:wasi's own sandbox lacks, kept by the host in front of it:
//
// - Read-only directories (--dir-ro): every call that would change something
//   under one is refused with PERM, as a read-only preopen does in wasmtime;
//   files and directories opened from it stay read-only through fd_renumber,
//   until fd_close. In a Pod the volume is also mounted read-only.
// - Symlinks to directories out of a preopen: node:wasi refuses `..`,
//   absolute paths and a symlink out as the last component, but follows a
//   symlink in the middle of a path (`link-to-parent/file`), so a symlink
//   already in a volume would let a guest read and create files outside it.
//   Each path is resolved here on the host as node:wasi will resolve it
//   (lexically first, then the real directories) and refused with NOTCAPABLE,
//   the errno node:wasi gives its own escapes, when it would end outside.
//
// Paths that stay inside are passed on untouched, so node:wasi still decides
// every errno a guest sees for them.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Preopen } from './preopens.js';

const WASI_EPERM = 63;
const WASI_ENOTCAPABLE = 76;
/** The first fd node:wasi gives a preopen (0-2 are stdio). */
const FIRST_PREOPEN_FD = 3;
/** lookupflags.SYMLINK_FOLLOW */
const SYMLINK_FOLLOW = 1;
/** As Linux's MAXSYMLINKS: past this node:wasi reports the loop itself. */
const MAX_SYMLINKS = 40;

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

/** What the guest reaches through an fd that came from a preopen. */
interface FdOrigin {
  /** The real (symlink-free) host path the fd was opened at. */
  readonly path: string;
  /** The real host path of the preopen it came from: nothing may resolve outside it. */
  readonly root: string;
  readonly readOnly: boolean;
}

/** Where a path argument sits in a call's arguments: the dir fd, the path pointer (its length follows it). */
interface PathArgument {
  readonly fd: number;
  readonly path: number;
  /** The lookupflags argument, when the call has one (the last component is followed if it says so). */
  readonly lookupFlags?: number;
  /** Whether the call changes what the path names (refused under a read-only directory). */
  readonly changes: boolean;
}

const PATH_ARGUMENTS: Record<string, readonly PathArgument[]> = {
  // path_open's `changes` depends on its oflags, rights and fdflags: see isWritingOpen.
  path_open: [{ fd: 0, path: 2, lookupFlags: 1, changes: false }],
  path_filestat_get: [{ fd: 0, path: 2, lookupFlags: 1, changes: false }],
  path_filestat_set_times: [{ fd: 0, path: 2, lookupFlags: 1, changes: true }],
  path_readlink: [{ fd: 0, path: 1, changes: false }],
  path_create_directory: [{ fd: 0, path: 1, changes: true }],
  path_remove_directory: [{ fd: 0, path: 1, changes: true }],
  path_unlink_file: [{ fd: 0, path: 1, changes: true }],
  // path_symlink(old_path, old_path_len, fd, new_path, new_path_len): node:wasi checks the target itself.
  path_symlink: [{ fd: 2, path: 3, changes: true }],
  // Out of or into a read-only directory alike.
  path_rename: [{ fd: 0, path: 1, changes: true }, { fd: 3, path: 4, changes: true }],
  // A hard link out of a read-only directory could be written through.
  path_link: [{ fd: 0, path: 2, lookupFlags: 1, changes: true }, { fd: 4, path: 5, changes: true }],
};

/** Calls on a file fd that write; refused on one opened from a read-only directory. */
const FD_WRITES = ['fd_write', 'fd_pwrite', 'fd_allocate', 'fd_filestat_set_size', 'fd_filestat_set_times'];

export interface GuardedMemory {
  readU32(ptr: number): number;
  /** The UTF-8 text at [ptr, ptr+len), or undefined when it is not inside memory (node:wasi then answers FAULT). */
  text(ptr: number, len: number): string | undefined;
}

type WasiCall = (...args: unknown[]) => unknown;

function realPathOr(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real host path `target` names: its directory with every symlink
 * resolved, and its last component too when `follow` says so. undefined when
 * the directory does not exist (the call then fails inside, without reaching
 * anything).
 */
function realTarget(target: string, follow: boolean, links = 0): string | undefined {
  let directory: string;
  try {
    directory = realpathSync.native(dirname(target));
  } catch {
    return undefined;
  }
  const candidate = join(directory, basename(target));
  if (!follow || links >= MAX_SYMLINKS) return candidate;
  let link: string;
  try {
    if (!lstatSync(candidate).isSymbolicLink()) return candidate;
    link = readlinkSync(candidate);
  } catch {
    return candidate;
  }
  return realTarget(resolve(directory, link), true, links + 1);
}

function isWritingOpen(args: unknown[]): boolean {
  const oflags = args[4] as number;
  const rightsBase = BigInt(args[5] as bigint | number);
  const fdflags = args[7] as number;
  return (oflags & (O_CREAT | O_TRUNC)) !== 0 || (rightsBase & WRITE_RIGHTS) !== 0n || (fdflags & FDFLAG_APPEND) !== 0;
}

/** Wraps the WASI imports in place with the read-only rule and the symlink confinement. */
export function guardPreopens(imports: WebAssembly.ModuleImports, preopens: readonly Preopen[], memory: GuardedMemory): void {
  if (preopens.length === 0) return;
  const origins = new Map<number, FdOrigin>();
  preopens.forEach((preopen, i) => {
    const root = realPathOr(preopen.hostPath);
    origins.set(FIRST_PREOPEN_FD + i, { path: root, root, readOnly: preopen.readOnly });
  });
  const original = (name: string): WasiCall => imports[name] as WasiCall;

  /** PERM or NOTCAPABLE when the call must not go on, with the path's real target when it may. */
  const judge = (args: unknown[], argument: PathArgument, changes: boolean): { refusal?: number; origin?: FdOrigin; real?: string } => {
    const origin = origins.get(args[argument.fd] as number);
    // Not an fd from a preopen: node:wasi answers (BADF, NOTDIR, …).
    if (!origin) return {};
    if (changes && origin.readOnly) return { refusal: WASI_EPERM };
    const text = memory.text(args[argument.path] as number, args[argument.path + 1] as number);
    // Absolute paths node:wasi refuses itself.
    if (text === undefined || isAbsolute(text)) return { origin };
    const target = resolve(origin.path, text);
    // `..` out of the preopen, lexically: node:wasi refuses it itself.
    if (!isWithin(target, origin.root)) return { origin };
    const follow = argument.lookupFlags !== undefined && ((args[argument.lookupFlags] as number) & SYMLINK_FOLLOW) !== 0;
    const real = realTarget(target, follow);
    if (real !== undefined && !isWithin(real, origin.root)) return { refusal: WASI_ENOTCAPABLE };
    return { origin, real: real ?? target };
  };

  for (const [name, argumentsOfCall] of Object.entries(PATH_ARGUMENTS)) {
    const call = original(name);
    if (typeof call !== 'function') continue;
    if (name === 'path_open') {
      // path_open(dirfd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd_out)
      imports.path_open = (...args: unknown[]) => {
        const verdict = judge(args, argumentsOfCall[0]!, isWritingOpen(args));
        if (verdict.refusal !== undefined) return verdict.refusal;
        const errno = call(...args);
        if (errno === 0 && verdict.origin) {
          const { root, readOnly } = verdict.origin;
          origins.set(memory.readU32(args[8] as number), { path: verdict.real ?? root, root, readOnly });
        }
        return errno;
      };
      continue;
    }
    imports[name] = (...args: unknown[]) => {
      for (const argument of argumentsOfCall) {
        const refusal = judge(args, argument, argument.changes).refusal;
        if (refusal !== undefined) return refusal;
      }
      return call(...args);
    };
  }

  for (const name of FD_WRITES) {
    const call = original(name);
    if (typeof call !== 'function') continue;
    imports[name] = (...args: unknown[]) => (origins.get(args[0] as number)?.readOnly ? WASI_EPERM : call(...args));
  }
  const fdClose = original('fd_close');
  imports.fd_close = (...args: unknown[]) => {
    const errno = fdClose(...args);
    if (errno === 0) origins.delete(args[0] as number);
    return errno;
  };
  const fdRenumber = original('fd_renumber');
  imports.fd_renumber = (...args: unknown[]) => {
    const [from, to] = args as [number, number];
    const errno = fdRenumber(...args);
    if (errno === 0) {
      const origin = origins.get(from);
      if (origin) origins.set(to, origin);
      else origins.delete(to);
      origins.delete(from);
    }
    return errno;
  };
}
