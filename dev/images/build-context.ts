// What every image step gets: the cache, the digest memo and the progress reporter.
import type { ImagesCache } from './cache.js';
import type { FileDigests } from './stamps.js';

export type Progress = (line: string) => void;

export interface BuildContext {
  cache: ImagesCache;
  digests: FileDigests;
  progress: Progress;
}

/** An image ready to push: where skopeo reads it, and its identity. */
export interface BuiltImage {
  name: string;
  reference: string;
  /** skopeo's source: `oci:DIR:TAG` or `containers-storage:[…]REF`. */
  source: string;
  configDigest: string;
  /** Bytes of its layers as stored (compressed for our layouts, uncompressed in buildah's store). */
  size: number;
  /** Whether this run built it (false: the cache had it). */
  built: boolean;
  /** Seconds spent building it in this run. */
  buildSeconds: number;
}

export function seconds(since: number): number {
  return Math.round((Date.now() - since) / 10) / 100;
}

/** A size for progress lines and reports: kB below a megabyte, MB above. */
export function megabytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
