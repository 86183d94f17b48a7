// The host's rules in front of node:wasi (operator/src/host/preopen-guard.ts):
// the read-only rule follows what was opened from a --dir-ro directory, and a
// path that a symlink would take out of its preopen is refused. node:wasi is
// stood in for by functions that succeed, so what is refused here is the
// guard's doing; host-preopens.test.ts and host-fs-conformance.test.ts run real guests.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { guardPreopens } from '../../operator/src/host/preopen-guard.js';
import { parseDirFlag, type Preopen } from '../../operator/src/host/preopens.js';

const EPERM = 63;
const ENOTCAPABLE = 76;
const PASSED = 0;
const O_CREAT = 1;
const FD_READ = 2n;
const FD_WRITE = 64n;
const FOLLOW = 1;

/** Stands in for node:wasi: path_open hands out `nextFd`; every other call succeeds. Paths are "pointers" into `paths`. */
function fakeWasi(nextFd: { value: number }) {
  const memory = new Map<number, number>();
  const paths: string[] = [''];
  const ok = () => PASSED;
  const imports: WebAssembly.ModuleImports = {
    path_open: (...args: unknown[]) => {
      memory.set(args[8] as number, nextFd.value);
      return PASSED;
    },
    fd_write: ok, fd_pwrite: ok, fd_allocate: ok, fd_filestat_set_size: ok, fd_filestat_set_times: ok, fd_close: ok, fd_renumber: ok,
    path_create_directory: ok, path_unlink_file: ok, path_remove_directory: ok, path_filestat_set_times: ok, path_symlink: ok,
    path_rename: ok, path_link: ok, path_filestat_get: ok, path_readlink: ok,
  };
  const guardMemory = { readU32: (ptr: number) => memory.get(ptr) ?? 0, text: (ptr: number) => paths[ptr] };
  /** A "pointer" to `text` (pass its length too; the fake ignores it). */
  const path = (text: string) => paths.push(text) - 1;
  return { imports, guardMemory, path };
}

const call = (imports: WebAssembly.ModuleImports, name: string, ...args: unknown[]) => (imports[name] as (...a: unknown[]) => number)(...args);

describe('read-only directories', () => {
  const DIRS: Preopen[] = [parseDirFlag('--dir', '/data::/rw'), parseDirFlag('--dir-ro', '/etc/app::/ro')];

  test('a read-only preopen (fd 4 here) refuses creating and writing; the read-write one (fd 3) does not', () => {
    const { imports, guardMemory } = fakeWasi({ value: 9 });
    guardPreopens(imports, DIRS, guardMemory);
    expect(call(imports, 'path_open', 4, 0, 0, 0, O_CREAT, FD_WRITE, 0n, 0, 100)).toBe(EPERM);
    expect(call(imports, 'path_open', 4, 0, 0, 0, 0, FD_WRITE, 0n, 0, 100)).toBe(EPERM);
    expect(call(imports, 'path_create_directory', 4, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_rename', 3, 0, 0, 4, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_symlink', 0, 0, 4, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_link', 4, 0, 0, 0, 3, 0, 0)).toBe(EPERM);
    expect(call(imports, 'path_open', 3, 0, 0, 0, O_CREAT, FD_WRITE, 0n, 0, 100)).toBe(PASSED);
    expect(call(imports, 'path_create_directory', 3, 0, 0)).toBe(PASSED);
    expect(call(imports, 'path_symlink', 0, 0, 3, 0, 0)).toBe(PASSED);
  });

  test('a file opened for reading from it stays read-only through fd_renumber, until fd_close', () => {
    const { imports, guardMemory } = fakeWasi({ value: 9 });
    guardPreopens(imports, DIRS, guardMemory);
    expect(call(imports, 'path_open', 4, 0, 0, 0, 0, FD_READ, 0n, 0, 100)).toBe(PASSED);
    expect(call(imports, 'fd_write', 9, 0, 0, 0)).toBe(EPERM);
    expect(call(imports, 'fd_renumber', 9, 12)).toBe(PASSED);
    expect(call(imports, 'fd_write', 12, 0, 0, 0)).toBe(EPERM);
    expect(call(imports, 'fd_write', 9, 0, 0, 0)).toBe(PASSED);
    expect(call(imports, 'fd_close', 12)).toBe(PASSED);
    expect(call(imports, 'fd_write', 12, 0, 0, 0)).toBe(PASSED);
  });

  test('without a directory nothing is wrapped', () => {
    const { imports, guardMemory } = fakeWasi({ value: 9 });
    const before = imports.path_open;
    guardPreopens(imports, [], guardMemory);
    expect(imports.path_open).toBe(before);
  });
});

describe('symlinks out of a preopen', () => {
  let base: string;
  let sandbox: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'preopen-guard-'));
    sandbox = join(base, 'sandbox');
    mkdirSync(join(sandbox, 'sub'), { recursive: true });
    writeFileSync(join(base, 'outside.txt'), 'outside');
    writeFileSync(join(sandbox, 'inside.txt'), 'inside');
    symlinkSync('..', join(sandbox, 'to-parent'));
    symlinkSync('sub', join(sandbox, 'to-sub'));
    symlinkSync('../outside.txt', join(sandbox, 'to-outside-file'));
    symlinkSync('../inside.txt', join(sandbox, 'sub', 'to-inside-file'));
    symlinkSync(join(base, 'new.txt'), join(sandbox, 'dangling-out'));
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function guarded() {
    const fake = fakeWasi({ value: 9 });
    guardPreopens(fake.imports, [parseDirFlag('--dir', `${sandbox}::/sandbox`)], fake.guardMemory);
    const open = (text: string, oflags = 0, lookup = FOLLOW) => call(fake.imports, 'path_open', 3, lookup, fake.path(text), text.length, oflags, FD_READ, 0n, 0, 100);
    return { ...fake, open };
  }

  test('a path through a symlink to a directory outside is refused for every path call', () => {
    const { imports, path, open } = guarded();
    expect(open('to-parent/outside.txt')).toBe(ENOTCAPABLE);
    expect(open('to-parent/created.txt', O_CREAT)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_create_directory', 3, path('to-parent/made'), 0)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_unlink_file', 3, path('to-parent/outside.txt'), 0)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_filestat_get', 3, FOLLOW, path('to-parent/outside.txt'), 0, 0)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_rename', 3, path('inside.txt'), 0, 3, path('to-parent/moved.txt'), 0)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_link', 3, 0, path('to-parent/outside.txt'), 0, 3, path('hard.txt'), 0)).toBe(ENOTCAPABLE);
  });

  test('a last component that is a symlink out is refused when followed, and left to node:wasi when not', () => {
    const { imports, path, open } = guarded();
    expect(open('to-outside-file')).toBe(ENOTCAPABLE);
    expect(open('dangling-out', O_CREAT)).toBe(ENOTCAPABLE);
    expect(open('to-outside-file', 0, 0)).toBe(PASSED);
    expect(call(imports, 'path_unlink_file', 3, path('to-outside-file'), 0)).toBe(PASSED);
    expect(call(imports, 'path_readlink', 3, path('to-parent'), 0, 0, 0, 0)).toBe(PASSED);
  });

  test('symlinks that stay inside, `..` that stays inside, and missing paths pass on to node:wasi', () => {
    const { open } = guarded();
    expect(open('to-sub/../inside.txt')).toBe(PASSED);
    expect(open('sub/to-inside-file')).toBe(PASSED);
    expect(open('to-sub')).toBe(PASSED);
    expect(open('missing/dir/file.txt', O_CREAT)).toBe(PASSED);
    expect(open('.')).toBe(PASSED);
  });

  test('a directory opened inside keeps the confinement of its preopen', () => {
    const { imports, path, open } = guarded();
    expect(open('sub')).toBe(PASSED);
    expect(call(imports, 'path_open', 9, FOLLOW, path('../to-parent/outside.txt'), 0, 0, FD_READ, 0n, 0, 101)).toBe(ENOTCAPABLE);
    expect(call(imports, 'path_open', 9, FOLLOW, path('to-inside-file'), 0, 0, FD_READ, 0n, 0, 101)).toBe(PASSED);
  });
});
