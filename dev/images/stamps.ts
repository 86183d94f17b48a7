// Cache keys. An image is rebuilt only when the fingerprint of its inputs
// changes; the fingerprint and what the build produced are kept in a stamp
// file under the cache. Hashing large inputs (the 150 MB node binary, Dapr's
// binaries) on every `cluster up` would cost seconds, so a file's digest is
// remembered by its identity (device, inode, size, mtime), as git's index does.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DevError } from '../dev-errors.js';

/** Pure: JSON with object keys sorted, so the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Pure: the fingerprint of an image's inputs. A recipe version bumps every stamp when the way images are made changes. */
export function fingerprint(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** What a stamp file records: the inputs' fingerprint and the image that came out of them. */
export interface ImageStamp {
  inputs: string;
  /** The image's config digest: the identity a registry is checked against. */
  configDigest: string;
  /** Bytes of the image's layers (compressed where they are stored compressed). */
  size?: number;
}

export function readStamp(path: string): ImageStamp | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as Partial<ImageStamp>;
    return typeof stamp.inputs === 'string' && typeof stamp.configDigest === 'string' ? (stamp as ImageStamp) : undefined;
  } catch {
    return undefined;
  }
}

export function writeStamp(path: string, stamp: ImageStamp): void {
  mkdirSync(dirname(path), { recursive: true });
  // Written whole and renamed: a build interrupted here leaves the old stamp, never half a new one.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

interface MemoEntry {
  id: string;
  digest: string;
}

/** File digests remembered across runs in one JSON file, keyed by path and checked by identity. */
export class FileDigests {
  private readonly memo: Map<string, MemoEntry>;
  private dirty = false;

  constructor(private readonly memoPath: string) {
    this.memo = new Map();
    if (existsSync(memoPath)) {
      try {
        for (const [path, entry] of Object.entries(JSON.parse(readFileSync(memoPath, 'utf8')) as Record<string, MemoEntry>)) this.memo.set(path, entry);
      } catch {
        // A damaged memo only costs re-hashing.
      }
    }
  }

  async digest(path: string): Promise<string> {
    let stat;
    try {
      stat = statSync(path, { bigint: true });
    } catch (err) {
      throw new DevError('ERR_IMAGE_INPUT_MISSING', `an image input is missing: ${path}`, { cause: err });
    }
    const id = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const known = this.memo.get(path);
    if (known?.id === id) return known.digest;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const digest = `sha256:${hash.digest('hex')}`;
    this.memo.set(path, { id, digest });
    this.dirty = true;
    return digest;
  }

  save(): void {
    if (!this.dirty) return;
    mkdirSync(dirname(this.memoPath), { recursive: true });
    writeFileSync(`${this.memoPath}.tmp`, JSON.stringify(Object.fromEntries(this.memo)));
    renameSync(`${this.memoPath}.tmp`, this.memoPath);
    this.dirty = false;
  }
}
