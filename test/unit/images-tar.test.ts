// Layer tarballs are written by hand: GNU tar must read them back with the
// same names, types, owners and modes, and the bytes must not depend on when
// or where they were written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, padding, paxRecord, splitUstarPath, TAR_END, tarHeader, type TarEntry } from '../../dev/images/tar.js';

function archive(entries: Array<TarEntry & { body?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(tarHeader({ ...entry, ...(entry.body ? { size: entry.body.length } : {}) }));
    if (entry.body) parts.push(entry.body, Buffer.alloc(padding(entry.body.length)));
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

function gnuTarList(bytes: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'images-tar-'));
  try {
    writeFileSync(join(dir, 'layer.tar'), bytes);
    const listed = spawnSync('tar', ['--numeric-owner', '-tvf', join(dir, 'layer.tar')], { encoding: 'utf8' });
    expect(listed.stderr).toBe('');
    return listed.stdout.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('headers are whole blocks with a valid checksum and a fixed mtime', () => {
  const header = tarHeader({ path: 'etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 12 });
  expect(header.length).toBe(BLOCK);
  const stored = parseInt(header.subarray(148, 154).toString('ascii'), 8);
  const copy = Buffer.from(header);
  copy.fill(' ', 148, 156);
  expect(stored).toBe(copy.reduce((sum, byte) => sum + byte, 0));
  expect(header.subarray(136, 147).toString('ascii')).toBe('00000000000');
  expect(header.subarray(257, 263).toString('ascii')).toBe('ustar\0');
});

test('GNU tar reads files, directories, symlinks, owners and modes back', () => {
  const lines = gnuTarList(
    archive([
      { path: 'tmp', type: 'dir', mode: 0o1777, uid: 0, gid: 0 },
      { path: 'home/nonroot', type: 'dir', mode: 0o700, uid: 65532, gid: 65532 },
      { path: 'daprd', type: 'file', mode: 0o755, uid: 0, gid: 0, body: Buffer.from('#!/bin/true\n') },
      { path: 'usr/local/bin/npm', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: '../lib/node_modules/npm/bin/npm-cli.js' },
    ]),
  );
  expect(lines[0]).toMatch(/^drwxrwxrwt 0\/0 +0 1970-01-01 00:00 tmp\/$/);
  expect(lines[1]).toMatch(/^drwx------ 65532\/65532 +0 .* home\/nonroot\/$/);
  expect(lines[2]).toMatch(/^-rwxr-xr-x 0\/0 +12 .* daprd$/);
  expect(lines[3]).toMatch(/^lrwxrwxrwx 0\/0 +0 .* usr\/local\/bin\/npm -> \.\.\/lib\/node_modules\/npm\/bin\/npm-cli\.js$/);
});

test('long paths use the ustar prefix, and PAX records when even that is too short', () => {
  const deep = `${'a'.repeat(90)}/${'b'.repeat(90)}/file`;
  expect(splitUstarPath(deep)).toEqual({ prefix: 'a'.repeat(90), name: `${'b'.repeat(90)}/file` });
  const huge = `${'c'.repeat(120)}/${'d'.repeat(120)}`;
  expect(splitUstarPath(huge)).toBeUndefined();
  const lines = gnuTarList(
    archive([
      { path: deep, type: 'file', mode: 0o644, uid: 0, gid: 0, body: Buffer.from('x') },
      { path: huge, type: 'file', mode: 0o644, uid: 0, gid: 0, body: Buffer.from('y') },
      { path: 'link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'e'.repeat(150) },
    ]),
  );
  expect(lines[0]).toContain(` ${deep}`);
  expect(lines[1]).toContain(` ${huge}`);
  expect(lines[2]).toContain(`link -> ${'e'.repeat(150)}`);
});

test('a PAX record counts its own length', () => {
  expect(paxRecord('path', 'x')).toBe('9 path=x\n');
  // A 98-byte record with a 2-digit length would be 100 bytes long, which takes 3 digits: 101.
  expect(paxRecord('path', 'z'.repeat(91))).toMatch(/^101 /);
  const record = paxRecord('path', 'y'.repeat(95));
  expect(Buffer.byteLength(record)).toBe(Number(record.split(' ')[0]));
});

test('the same entries give the same bytes', () => {
  const entries: Array<TarEntry & { body?: Buffer }> = [{ path: 'noop', type: 'file', mode: 0o755, uid: 0, gid: 0, body: Buffer.from('bin') }];
  expect(archive(entries).equals(archive(entries))).toBe(true);
});
