// WASI preview1 file-system conformance: two guests make the file-system
// calls on a preopened directory and print each result: fs-conformance
// (AssemblyScript, every preview1 call made directly; its source lists the
// cases) and go-fs-conformance (Go's os package, whose runtime makes the
// calls). wasi-host must answer every one as plain node:wasi does on the same
// machine, leave the same files behind, and add the host's own rules:
// read-only directories, no path out of a preopen through a symlink, which
// plain node:wasi allows, and fds taken unsigned (NODE_WASI_GAPS).
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlainWasi } from '../helpers/plain-wasi.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

const WASI_EPERM = '63';
const WASI_ENOTCAPABLE = '76';
const WASI_EBADF = '8';

/**
 * Where plain node:wasi does not do what WASI asks, and what wasi-host does instead.
 * - A symlink to a directory outside the preopen, in the middle of a path, is
 *   followed by node:wasi (it checks `..`, absolute paths and a symlink as the last
 *   component only): the guest reads and creates files outside. wasi-host refuses
 *   with NOTCAPABLE, as node:wasi does for its own escapes.
 * Gaps the host leaves as node:wasi has them (so they are compared like any case):
 * - `open-symlink-nofollow`: path_open without SYMLINK_FOLLOW on a symlink opens its
 *   target (0); POSIX O_NOFOLLOW, and wasmtime, give ELOOP.
 * - `read-on-directory`: fd_read on a directory fd is NOTCAPABLE; wasmtime says BADF.
 */
const NODE_WASI_GAPS: Record<string, { nodeWasi: string; wasiHost: string }> = {
  'open-through-planted-directory-symlink': { nodeWasi: '0 0', wasiHost: `${WASI_ENOTCAPABLE} ${WASI_ENOTCAPABLE}` },
};

/**
 * The same for the Go guest. Besides the symlink: Go's runtime opens a path
 * that no preopen holds (`/sandbox/../outside.txt` is `/outside.txt` to it) at
 * fd -1, which node:wasi takes as the signed number it arrives as (INVAL);
 * wasi-host passes fds on unsigned, as WASI's u32 says, and the fd is BADF.
 */
const GO_NODE_WASI_GAPS: Record<string, { nodeWasi: string; wasiHost: string }> = {
  'read-dotdot': { nodeWasi: 'errno 28', wasiHost: `errno ${WASI_EBADF}` },
  'create-dotdot': { nodeWasi: 'errno 28', wasiHost: `errno ${WASI_EBADF}` },
  'read-through-planted-directory-symlink': { nodeWasi: 'ok outside', wasiHost: `errno ${WASI_ENOTCAPABLE}` },
  'create-through-planted-directory-symlink': { nodeWasi: 'ok', wasiHost: `errno ${WASI_ENOTCAPABLE}` },
  'mkdir-through-planted-directory-symlink': { nodeWasi: 'ok', wasiHost: `errno ${WASI_ENOTCAPABLE}` },
};

interface Workspace {
  base: string;
  sandbox: string;
}

/** A sandbox with three symlinks out of it, next to outside.txt (what the guest's escape cases expect). */
function workspace(): Workspace {
  const base = mkdtempSync(join(tmpdir(), 'fs-conformance-'));
  const sandbox = join(base, 'sandbox');
  mkdirSync(sandbox);
  writeFileSync(join(base, 'outside.txt'), 'outside');
  symlinkSync('../outside.txt', join(sandbox, 'planted-relative'));
  symlinkSync(join(base, 'outside.txt'), join(sandbox, 'planted-absolute'));
  symlinkSync('..', join(sandbox, 'planted-parent'));
  return { base, sandbox };
}

/** Every entry under `dir` as path → "dir" | "file:<content>" | "link:<target>", in order. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const key = prefix + name;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) entries[key] = `link:${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      entries[key] = 'dir';
      Object.assign(entries, snapshot(path, `${key}/`));
    } else entries[key] = `file:${readFileSync(path, 'latin1')}`;
  }
  return entries;
}

/** "case: values" lines as a map. */
function cases(stdout: string): Map<string, string> {
  const lines = stdout.split('\n').filter((line) => line !== '');
  return new Map(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
}

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

function fresh(): Workspace {
  const space = workspace();
  created.push(space.base);
  return space;
}

/** Runs `guest` under wasi-host and plain node:wasi, each on a workspace of its own. */
async function runBoth(guest: string): Promise<{ host: Map<string, string>; plain: Map<string, string>; hostSpace: Workspace; plainSpace: Workspace }> {
  const hostSpace = fresh();
  const plainSpace = fresh();
  const module = guestModule(guest);
  const [hostRun, plainRun] = await Promise.all([
    runWasiHost(['run', module, '--dir', `${hostSpace.sandbox}::/sandbox`]),
    runPlainWasi(module, [`${plainSpace.sandbox}::/sandbox`]),
  ]);
  expect(hostRun.exitCode).toBe(0);
  expect(plainRun.exitCode).toBe(0);
  return { host: cases(hostRun.stdout), plain: cases(plainRun.stdout), hostSpace, plainSpace };
}

/** The cases whose answers differ, as {name, wasiHost, nodeWasi}. */
function differences(host: Map<string, string>, plain: Map<string, string>) {
  return [...host].filter(([name, value]) => plain.get(name) !== value).map(([name, value]) => ({ name, wasiHost: value, nodeWasi: plain.get(name) }));
}

/** The files a run left in its sandbox, but for the one symlink that holds the workspace's own path. */
function sandboxFiles(space: Workspace): Record<string, string> {
  const entries = snapshot(space.sandbox);
  delete entries['planted-absolute'];
  return entries;
}

/** What is next to the sandbox: only outside.txt, unchanged. */
function besideSandbox(space: Workspace): Record<string, string> {
  const entries = snapshot(space.base);
  return Object.fromEntries(Object.entries(entries).filter(([path]) => path !== 'sandbox' && !path.startsWith('sandbox/')));
}

describe('every preview1 file-system call on a read-write directory', () => {
  let host: Map<string, string>;
  let plain: Map<string, string>;
  let hostSpace: Workspace;
  let plainSpace: Workspace;

  beforeAll(async () => {
    ({ host, plain, hostSpace, plainSpace } = await runBoth('fs-conformance'));
  });

  test('wasi-host answers every case as plain node:wasi does, except where the host fixes a node:wasi gap', () => {
    expect(host.size).toBeGreaterThanOrEqual(70);
    expect([...host.keys()]).toEqual([...plain.keys()]);
    expect(differences(host, plain)).toEqual(Object.entries(NODE_WASI_GAPS).map(([name, gap]) => ({ name, ...gap })));
  });

  test('the files left in the directory are the same under both', () => {
    expect(sandboxFiles(hostSpace)).toEqual(sandboxFiles(plainSpace));
    expect(Object.keys(sandboxFiles(hostSpace)).length).toBeGreaterThan(15);
  });

  test('nothing outside the directory is read, created or changed (plain node:wasi creates a file there through a symlink)', () => {
    expect(besideSandbox(hostSpace)).toEqual({ 'outside.txt': 'file:outside' });
    for (const escape of ['open-dotdot', 'open-inner-dotdot', 'open-absolute', 'create-dotdot', 'mkdir-dotdot', 'unlink-dotdot', 'rename-out', 'stat-dotdot']) {
      expect(`${escape}: ${host.get(escape)}`).toBe(`${escape}: ${WASI_ENOTCAPABLE}`);
    }
    for (const escape of ['open-planted-symlink-relative', 'open-planted-symlink-absolute', 'open-through-planted-directory-symlink']) {
      expect(`${escape}: ${host.get(escape)}`).toBe(`${escape}: ${WASI_ENOTCAPABLE} ${WASI_ENOTCAPABLE}`);
    }
  });

  test('the fd table follows WASI: renumber moves the file, a closed or unknown fd is BADF, numbers above 2^31 included', () => {
    expect(host.get('renumber')).toBe(`0 0:old ${WASI_EBADF}`);
    expect(host.get('renumber-closed')).toBe(WASI_EBADF);
    expect(host.get('close-twice')).toBe(`0 ${WASI_EBADF}`);
    expect(host.get('close-bad-fd')).toBe(WASI_EBADF);
    expect(host.get('write-bad-fd')).toBe(WASI_EBADF);
  });

  test('reads and writes land where WASI says: pread and pwrite leave the offset, append writes at the end', () => {
    expect(host.get('pread')).toBe('0:3456 0@0');
    expect(host.get('pwrite')).toBe('0/2 0@0 0:01234ZZ789');
    expect(host.get('append')).toBe('0/5 0:012+tail 0:4/8');
    expect(host.get('seek-end')).toBe('0@11 0:\u0000!');
  });
});

describe("a Go guest's file-system calls (its os package) on a read-write directory", () => {
  let host: Map<string, string>;
  let plain: Map<string, string>;
  let hostSpace: Workspace;
  let plainSpace: Workspace;

  beforeAll(async () => {
    ({ host, plain, hostSpace, plainSpace } = await runBoth('go-fs-conformance'));
  });

  test('wasi-host answers every case as plain node:wasi does, except where the host fixes a node:wasi gap', () => {
    expect(host.size).toBeGreaterThanOrEqual(45);
    expect([...host.keys()]).toEqual([...plain.keys()]);
    expect(differences(host, plain)).toEqual(Object.entries(GO_NODE_WASI_GAPS).map(([name, gap]) => ({ name, ...gap })));
    expect(host.get('read-write-at-seek')).toBe('ok 3456 8 89 01234ZZ789');
    expect(host.get('rename-over-result')).toBe('ok old');
  });

  test('the same files are left, and nothing outside the directory is read, created or changed', () => {
    expect(sandboxFiles(hostSpace)).toEqual(sandboxFiles(plainSpace));
    expect(besideSandbox(hostSpace)).toEqual({ 'outside.txt': 'file:outside' });
  });
});

describe('every writing call on a read-only directory', () => {
  let space: Workspace;
  let scratch: string;
  let before: Record<string, string>;
  let lines: Map<string, string>;

  beforeAll(async () => {
    space = fresh();
    writeFileSync(join(space.sandbox, 'a.txt'), 'keep');
    mkdirSync(join(space.sandbox, 'd'));
    writeFileSync(join(space.sandbox, 'd', 'b.txt'), 'keep');
    scratch = join(space.base, 'scratch');
    mkdirSync(scratch);
    before = snapshot(space.sandbox);
    const run = await runWasiHost(['run', guestModule('fs-conformance'), '--dir-ro', `${space.sandbox}::/sandbox`, '--dir', `${scratch}::/scratch`, '--', 'readonly']);
    expect(run.exitCode).toBe(0);
    lines = cases(run.stdout);
  });

  test('is refused with PERM, while reading works', () => {
    expect(lines.get('ro-read')).toBe('0 0:keep');
    const writes = [...lines].filter(([name]) => name !== 'ro-read');
    expect(writes.length).toBeGreaterThanOrEqual(18);
    for (const [name, value] of writes) expect(`${name}: ${value}`).toBe(`${name}: ${value.split(' ').map(() => WASI_EPERM).join(' ')}`);
  });

  test('and leaves the directory as it was; nothing moved out of it into the read-write one', () => {
    expect(snapshot(space.sandbox)).toEqual(before);
    expect(snapshot(scratch)).toEqual({ 'x.txt': 'file:' });
  });
});
