// Pure: POSIX tar headers for image layers. A layer we write ourselves is
// byte-for-byte the same for the same files (fixed owner, fixed mtime,
// sorted entries), so its digest is stable: an unchanged image is never
// pushed again, and layers shared by several images (libc, /etc/passwd) are
// stored and pulled once.
import { DevError } from '../dev-errors.js';

export const BLOCK = 512;
/** Every entry's mtime: the epoch, as reproducible builds do (SOURCE_DATE_EPOCH=0). */
export const LAYER_MTIME = 0;

export interface TarEntry {
  /** Relative path inside the layer, no leading slash; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** File size in bytes (files only). */
  size?: number;
  /** Symlink target. */
  target?: string;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL.
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new DevError('ERR_IMAGE_TAR', `value ${value} does not fit a ${width}-byte tar field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

/** Splits a long path into ustar's prefix (≤155) and name (≤100) at a slash, if it can be. */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

function header(fields: { name: string; prefix: string; mode: number; uid: number; gid: number; size: number; typeflag: string; linkname: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode & 0o7777, 8), 100, 'ascii');
  block.write(octal(fields.uid, 8), 108, 'ascii');
  block.write(octal(fields.gid, 8), 116, 'ascii');
  block.write(octal(fields.size, 12), 124, 'ascii');
  block.write(octal(LAYER_MTIME, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(fields.typeflag, 156, 'ascii');
  block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** A PAX extended header record: its length counts itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(`${length}${body}`) !== length) length = Buffer.byteLength(`${length}${body}`);
  return `${length}${body}`;
}

/**
 * The header block(s) of one entry: a ustar header, preceded by a PAX header
 * when the path or the link target is too long for ustar's fields.
 */
export function tarHeader(entry: TarEntry): Buffer {
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const target = entry.target ?? '';
  const split = splitUstarPath(path);
  const pax: string[] = [];
  if (!split) pax.push(paxRecord('path', path));
  if (Buffer.byteLength(target) > 100) pax.push(paxRecord('linkpath', target));
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
  const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
  const main = header({
    name: split ? split.name : path.slice(-100),
    prefix: split ? split.prefix : '',
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    size,
    typeflag,
    linkname: Buffer.byteLength(target) > 100 ? '' : target,
  });
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''), 'utf8');
  const paxHeader = header({ name: `PaxHeaders/${path}`.slice(0, 100), prefix: '', mode: 0o644, uid: 0, gid: 0, size: body.length, typeflag: 'x', linkname: '' });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), main]);
}

/** Zero bytes after a file's contents up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);
