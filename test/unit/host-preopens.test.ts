// The read-only rule follows what was opened from a --dir-ro directory: its
// files stay read-only through fd_renumber, until fd_close frees the number.
// (The calls themselves are node:wasi's; host-preopens.test.ts runs a guest.)
import { describe, expect, test } from '@jest/globals';
import { enforceReadOnly, parseDirFlag, type Preopen } from '../../operator/src/host/preopens.js';

const EPERM = 63;
const PASSED = 0;
const O_CREAT = 1;
const FD_READ = 2n;
const FD_WRITE = 64n;

/** Stands in for node:wasi: path_open hands out `nextFd`; every other call succeeds. */
function fakeWasi(nextFd: { value: number }) {
  const memory = new Map<number, number>();
  const ok = () => PASSED;
  const imports: WebAssembly.ModuleImports = {
    path_open: (...args: unknown[]) => {
      memory.set(args[8] as number, nextFd.value);
      return PASSED;
    },
    fd_write: ok, fd_pwrite: ok, fd_allocate: ok, fd_filestat_set_size: ok, fd_filestat_set_times: ok, fd_close: ok, fd_renumber: ok,
    path_create_directory: ok, path_unlink_file: ok, path_remove_directory: ok, path_filestat_set_times: ok, path_symlink: ok,
    path_rename: ok, path_link: ok,
  };
  return { imports, readU32: (ptr: number) => memory.get(ptr) ?? 0 };
}

const call = (imports: WebAssembly.ModuleImports, name: string, ...args: unknown[]) => (imports[name] as (...a: unknown[]) => number)(...args);
const DIRS: Preopen[] = [parseDirFlag('--dir', '/data::/rw'), parseDirFlag('--dir-ro', '/etc/app::/ro')];

describe('enforceReadOnly', () => {
  test('a read-only preopen (fd 4 here) refuses creating and writing; the read-write one (fd 3) does not', () => {
    const { imports, readU32 } = fakeWasi({ value: 9 });
    enforceReadOnly(imports, DIRS, readU32);
    expect(call(imports, 'path_open', 4, 0, 0, 0, O_CREAT, FD_WRITE, 0n, 0, 100)).toBe(EPERM);
    expect(call(imports, 'path_open', 4, 0, 0, 0, 0, FD_WRITE, 0n, 0, 100)).toBe(EPERM);
    expect(call(imports, 'path_create_directory', 4, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_rename', 3, 0, 0, 4, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_open', 3, 0, 0, 0, O_CREAT, FD_WRITE, 0n, 0, 100)).toBe(PASSED);
    expect(call(imports, 'path_create_directory', 3, 0, 0)).toBe(PASSED);
  });

  test('a file opened for reading from it stays read-only through fd_renumber, until fd_close', () => {
    const nextFd = { value: 9 };
    const { imports, readU32 } = fakeWasi(nextFd);
    enforceReadOnly(imports, DIRS, readU32);
    expect(call(imports, 'path_open', 4, 0, 0, 0, 0, FD_READ, 0n, 0, 100)).toBe(PASSED);
    expect(call(imports, 'fd_write', 9, 0, 0, 0)).toBe(EPERM);
    expect(call(imports, 'fd_renumber', 9, 12)).toBe(PASSED);
    expect(call(imports, 'fd_write', 12, 0, 0, 0)).toBe(EPERM);
    expect(call(imports, 'fd_write', 9, 0, 0, 0)).toBe(PASSED);
    expect(call(imports, 'fd_close', 12)).toBe(PASSED);
    expect(call(imports, 'fd_write', 12, 0, 0, 0)).toBe(PASSED);
  });

  test('without a read-only directory nothing is wrapped', () => {
    const { imports, readU32 } = fakeWasi({ value: 9 });
    const before = imports.path_open;
    enforceReadOnly(imports, [parseDirFlag('--dir', '/data')], readU32);
    expect(imports.path_open).toBe(before);
  });
});
