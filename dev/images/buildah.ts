// buildah with a storage of our own under the cache (never the machine's
// /var/lib/containers), chroot isolation (no runc, no user namespaces: this
// runs as root on a machine without a container engine) and a registries.conf
// of our own, so `FROM node:26-slim` resolves to the image we assembled and
// nothing is pulled.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevError } from '../dev-errors.js';
import { runCommand, type RunOptions } from './run.js';

export type StorageDriver = 'overlay' | 'vfs';

export interface BuildahStore {
  root: string;
  runroot: string;
  driver: StorageDriver;
  registriesConf: string;
}

/** Pure: short names resolve against docker.io only, as Docker resolves them, and nothing asks a question. */
export const REGISTRIES_CONF = `unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
`;

/** Pure: mount points (from /proc/self/mountinfo) at or below any of `roots`, deepest first. */
export function mountsUnder(mountinfo: string, roots: string[]): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function storeFor(dir: string, driver: StorageDriver): BuildahStore {
  return { root: join(dir, `storage-${driver}`), runroot: join(dir, `runroot-${driver}`), driver, registriesConf: join(dir, 'registries.conf') };
}

export class Buildah {
  /** The store's images by name, read once per run (each buildah call costs ~0.2 s) and after every change. */
  private images: Map<string, string> | undefined;

  constructor(readonly store: BuildahStore) {}

  /**
   * The store under `dir`: overlay when this kernel lets us mount it (layers
   * are shared, a build copies nothing), vfs otherwise (every layer a full copy).
   * The choice is remembered, since a store cannot change its driver.
   */
  static async open(dir: string): Promise<Buildah> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'registries.conf'), REGISTRIES_CONF);
    const choice = join(dir, 'driver');
    if (existsSync(choice)) {
      const driver = readFileSync(choice, 'utf8').trim();
      if (driver === 'overlay' || driver === 'vfs') return new Buildah(storeFor(dir, driver));
    }
    for (const driver of ['overlay', 'vfs'] as const) {
      const buildah = new Buildah(storeFor(dir, driver));
      try {
        // Creating and mounting a container exercises the driver's mount, not just its set-up.
        const container = (await buildah.run(['from', '--quiet', 'scratch'])).trim();
        await buildah.run(['mount', container]);
        await buildah.run(['rm', container]);
        writeFileSync(choice, `${driver}\n`);
        return buildah;
      } catch (err) {
        if (driver === 'vfs') throw err;
      }
    }
    throw new DevError('ERR_IMAGE_BUILDAH', 'no buildah storage driver works here');
  }

  globalArgs(): string[] {
    return ['--root', this.store.root, '--runroot', this.store.runroot, '--storage-driver', this.store.driver];
  }

  env(): NodeJS.ProcessEnv {
    // BUILDAH_ISOLATION: RUN steps and `buildah run` default to chroot; CONTAINERS_REGISTRIES_CONF: our resolution rules.
    return { ...process.env, BUILDAH_ISOLATION: 'chroot', CONTAINERS_REGISTRIES_CONF: this.store.registriesConf };
  }

  run(args: string[], options: RunOptions = {}): Promise<string> {
    return runCommand('buildah', [...this.globalArgs(), ...args], { errorCode: 'ERR_IMAGE_BUILDAH', ...options, env: { ...this.env(), ...options.env } });
  }

  /** The image's ID (its config digest, `sha256:…`) by its full name, or undefined when the store has no such image. */
  async imageId(reference: string): Promise<string | undefined> {
    if (!this.images) {
      const listed = JSON.parse((await this.run(['images', '--json', '--no-trunc'])).trim() || '[]') as Array<{ id: string; names?: string[] | null }>;
      this.images = new Map(listed.flatMap((image) => (image.names ?? []).map((name): [string, string] => [name, `sha256:${image.id.replace(/^sha256:/, '')}`])));
    }
    return this.images.get(reference);
  }

  /** Call after anything that adds, tags or removes images. */
  forgetImages(): void {
    this.images = undefined;
  }

  /**
   * Before a build: working containers only outlive a build that was killed;
   * the store is ours alone and the caller holds the cache's lock, so none is in use.
   */
  async removeWorkingContainers(): Promise<void> {
    await this.run(['rm', '--all']).catch(() => undefined);
  }

  /** Removes images no tag names any more (the previous build of a rebuilt image). */
  async pruneDangling(): Promise<void> {
    await this.run(['rmi', '--prune']).catch(() => undefined);
    this.forgetImages();
  }

  /**
   * After a run: containers/storage's overlay driver bind-mounts its layer
   * directory onto itself and leaves it mounted when buildah exits, so a
   * mount under the cache would outlive every build (and make the cache
   * impossible to delete). Nothing of ours runs now; the next buildah call
   * mounts it again.
   */
  async release(): Promise<void> {
    if (this.store.driver !== 'overlay') return;
    const ours = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), [this.store.root, this.store.runroot]);
    for (const mountPoint of ours) await runCommand('umount', [mountPoint], { errorCode: 'ERR_IMAGE_BUILDAH' });
  }

  /** `containers-storage:` transport name of an image in this store, for skopeo. */
  storageReference(reference: string): string {
    return `containers-storage:[${this.store.driver}@${this.store.root}+${this.store.runroot}]${reference}`;
  }
}
