// Directories a guest may use: --dir (read-write) and --dir-ro (read-only:
// every write under it fails with PERM, as a read-only preopen does in
// wasmtime), each under the name the guest opens it by. A guest given no
// directory reaches no file; a path out of a directory (`..`) reaches nothing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

const WASI_EPERM = '63';
const WASI_ENOENT = '44';

let dir: string;
let rw: string;
let ro: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'host-preopens-'));
  rw = join(dir, 'rw');
  ro = join(dir, 'ro');
  mkdirSync(rw);
  mkdirSync(ro);
  writeFileSync(join(ro, 'app.conf'), 'config v1');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const probe = (dirs: string[], ...ops: string[]) => runWasiHost(['run', guestModule('fs-probe'), ...dirs, '--', ...ops]);

test('a guest reads a --dir-ro file and writes a report into a --dir directory, under the names it was given', async () => {
  const run = await probe(['--dir-ro', `${ro}::/etc/app`, '--dir', `${rw}::/out`], 'read', '/etc/app/app.conf', 'write', '/out/report.txt', 'all good', 'mkdir', '/out/archive');

  expect(run.exitCode).toBe(0);
  expect(run.stdout.split('\n')).toEqual(['read /etc/app/app.conf: 0 config v1', 'write /out/report.txt: 0', 'mkdir /out/archive: 0', '']);
  expect(readFileSync(join(rw, 'report.txt'), 'utf8')).toBe('all good');
  expect(existsSync(join(rw, 'archive'))).toBe(true);
});

test('every write under a --dir-ro directory is refused with PERM and changes nothing', async () => {
  const run = await probe(
    ['--dir-ro', `${ro}::/etc/app`],
    'write', '/etc/app/app.conf', 'overwritten',
    'write', '/etc/app/new.txt', 'x',
    'unlink', '/etc/app/app.conf',
    'mkdir', '/etc/app/sub',
  );

  expect(run.stdout.split('\n')).toEqual([
    `write /etc/app/app.conf: ${WASI_EPERM}`,
    `write /etc/app/new.txt: ${WASI_EPERM}`,
    `unlink /etc/app/app.conf: ${WASI_EPERM}`,
    `mkdir /etc/app/sub: ${WASI_EPERM}`,
    '',
  ]);
  expect(readFileSync(join(ro, 'app.conf'), 'utf8')).toBe('config v1');
  expect(existsSync(join(ro, 'new.txt'))).toBe(false);
  expect(existsSync(join(ro, 'sub'))).toBe(false);
});

test('a path out of a directory reaches no file outside it, for reading or writing', async () => {
  const run = await probe(['--dir', `${rw}::/out`], 'read', '/out/../secret.txt', 'write', '/out/../escaped.txt', 'x');

  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  for (const line of lines) expect(line).not.toMatch(/: 0\b/);
  expect(run.stdout).not.toContain('outside');
  expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
});

test('without a directory the guest reaches no file', async () => {
  const run = await probe([], 'read', '/etc/passwd', 'write', '/tmp/x', 'y');

  expect(run.stdout.split('\n')).toEqual([`read /etc/passwd: ${WASI_ENOENT}`, `write /tmp/x: ${WASI_ENOENT}`, '']);
});
