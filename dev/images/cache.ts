// Where the image tooling keeps its state: all under the wasi-operator cache,
// outside the repository, so clean checkouts and `cluster down` keep it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevError } from '../dev-errors.js';
import { cacheRoot } from '../tools/cache-dir.js';

export interface ImagesCache {
  dir: string;
  /** One stamp per image: `stamps/NAME.json`. */
  stampPath: (name: string) => string;
  /** One OCI layout per image written by us: `oci/NAME`. */
  layoutDir: (name: string) => string;
  /** buildah's storage (--root/--runroot) and registries.conf. */
  buildahDir: string;
  /** The debootstrapped rootfs tarballs. */
  rootfsDir: string;
  /** npm, unpacked from its registry tarball. */
  npmDir: string;
  /** Compiled helpers (pause, noop) and staging directories. */
  workDir: string;
  /** The file-digest memo (see stamps.ts). */
  digestsPath: string;
  lockDir: string;
}

export function imagesCache(env: NodeJS.ProcessEnv = process.env): ImagesCache {
  const dir = join(cacheRoot(env), 'images');
  return {
    dir,
    stampPath: (name) => join(dir, 'stamps', `${name}.json`),
    layoutDir: (name) => join(dir, 'oci', name),
    buildahDir: join(dir, 'buildah'),
    rootfsDir: join(dir, 'rootfs'),
    npmDir: join(dir, 'npm'),
    workDir: join(dir, 'work'),
    digestsPath: join(dir, 'file-digests.json'),
    lockDir: join(dir, 'lock'),
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding the cache's lock, so that two `cluster up`s (or a test and
 * a CLI call) never write the same layout or stamp at once. A lock left by a
 * process that died is taken over.
 */
export async function withImagesLock<T>(cache: ImagesCache, fn: () => Promise<T>, progress: (line: string) => void, timeoutMs = 60 * 60_000): Promise<T> {
  mkdirSync(cache.dir, { recursive: true });
  const owner = join(cache.lockDir, 'pid');
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(cache.lockDir);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : NaN);
      if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
        rmSync(cache.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() >= deadline) throw new DevError('ERR_IMAGES_LOCKED', `another process (${Number.isNaN(pid) ? 'unknown' : `pid ${pid}`}) holds ${cache.lockDir}`);
      if (!told) progress(`waiting for another image build to finish (${cache.lockDir})…`);
      told = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(cache.lockDir, { recursive: true, force: true });
  }
}
