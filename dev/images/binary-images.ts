// The images made of one binary: Dapr's control plane and daprd, CoreDNS and
// Redis (with their shared libraries), and the static pause and noop.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevError } from '../dev-errors.js';
import { findGo, ensureTool } from '../tools/go-build.js';
import { DAPRD, GO_TOOLS, KUBERNETES } from '../tools/pins.js';
import type { BuildContext, BuiltImage } from './build-context.js';
import { linkedLibraries, type LinkedLibraries } from './libraries.js';
import {
  corednsImageSpec,
  daprImageSpec,
  noopImageSpec,
  NOOP_SOURCE,
  pauseImageSpec,
  redisImageSpec,
  type DynamicBinary,
} from './recipes.js';
import { DAPR_IMAGE_NAMES, PAUSE_VERSION, type DaprImageName } from './refs.js';
import { runCommand } from './run.js';
import { ensureScratchImage } from './scratch-image.js';
import { fingerprint } from './stamps.js';

/** Debian's CA bundle (ca-certificates), as distroless ships it; left out where the machine has none. */
const CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';
const REDIS_SERVER = '/usr/bin/redis-server';

function caCertificates(): string | undefined {
  return existsSync(CA_CERTIFICATES) ? CA_CERTIFICATES : undefined;
}

async function dynamicBinary(binary: string): Promise<DynamicBinary> {
  const linked: LinkedLibraries = await linkedLibraries(binary);
  return { binary, libraries: linked.paths, interpreter: linked.interpreter };
}

export async function daprImages(ctx: BuildContext, names: readonly DaprImageName[] = DAPR_IMAGE_NAMES): Promise<BuiltImage[]> {
  const binaries = await ensureTool(DAPRD, ctx.progress);
  const images: BuiltImage[] = [];
  for (const name of names) {
    const binary = binaries[name];
    if (!binary) throw new DevError('ERR_IMAGE_INPUT_MISSING', `the ${DAPRD.name} tool pin builds no ${name} binary (packages: ${DAPRD.packages.join(', ')})`);
    images.push(await ensureScratchImage(daprImageSpec(name, await dynamicBinary(binary), caCertificates()), ctx));
  }
  return images;
}

/** CoreDNS from its tool pin; undefined while no pin named `coredns` exists. */
export async function corednsImage(ctx: BuildContext): Promise<BuiltImage | undefined> {
  const pin = GO_TOOLS.find((tool) => tool.name === 'coredns');
  if (!pin) return undefined;
  const binaries = await ensureTool(pin, ctx.progress);
  const binary = binaries.coredns ?? Object.values(binaries)[0];
  if (!binary) throw new DevError('ERR_IMAGE_INPUT_MISSING', 'the coredns tool pin builds no binary');
  return ensureScratchImage(corednsImageSpec(await dynamicBinary(binary), caCertificates()), ctx);
}

export async function redisImage(ctx: BuildContext): Promise<BuiltImage> {
  if (!existsSync(REDIS_SERVER)) {
    throw new DevError('ERR_IMAGE_INPUT_MISSING', `${REDIS_SERVER} is missing: the Redis image is made from Debian's redis-server (apt-get install redis-server)`);
  }
  return ensureScratchImage(redisImageSpec(await dynamicBinary(REDIS_SERVER), caCertificates()), ctx);
}

/**
 * Compiles a C program into a static binary under the cache, keyed by its
 * source, flags and compiler, so it is compiled once.
 */
async function compileStatic(name: string, source: string, flags: string[], ctx: BuildContext): Promise<string> {
  const gcc = (await runCommand('gcc', ['-dumpfullversion'], { errorCode: 'ERR_IMAGE_COMPILE' })).trim();
  const key = fingerprint({ source: await ctx.digests.digest(source), flags, gcc }).slice('sha256:'.length, 'sha256:'.length + 16);
  const dir = join(ctx.cache.workDir, `${name}-${key}`);
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  ctx.progress(`compiling ${name} (gcc ${flags.join(' ')})`);
  await runCommand('gcc', [...flags, '-o', `${binary}.tmp`, source], { errorCode: 'ERR_IMAGE_COMPILE' });
  renameSync(`${binary}.tmp`, binary);
  return binary;
}

/** The kubernetes module's directory in Go's module cache (downloaded through the module proxy if missing). */
async function kubernetesModuleDir(): Promise<string> {
  const json = await runCommand(findGo(), ['mod', 'download', '-json', `${KUBERNETES.module}@${KUBERNETES.version}`], {
    errorCode: 'ERR_IMAGE_INPUT_MISSING',
    env: { ...process.env, GOFLAGS: '' },
  });
  const dir = (JSON.parse(json) as { Dir?: string }).Dir;
  if (!dir) throw new DevError('ERR_IMAGE_INPUT_MISSING', `go mod download ${KUBERNETES.module}@${KUBERNETES.version} gave no directory`);
  return dir;
}

/** build/pause/Makefile's CFLAGS for Linux, with the version the Makefile stamps in. */
export function pauseCompileFlags(version: string = PAUSE_VERSION): string[] {
  return ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${version}-wasi-operator`];
}

export async function pauseImage(ctx: BuildContext): Promise<BuiltImage> {
  const dir = await kubernetesModuleDir();
  const source = join(dir, 'build', 'pause', 'linux', 'pause.c');
  if (!existsSync(source)) throw new DevError('ERR_IMAGE_INPUT_MISSING', `${source} is missing from the ${KUBERNETES.module} module`);
  const binary = await compileStatic('pause', source, pauseCompileFlags(), ctx);
  return ensureScratchImage(pauseImageSpec(binary), ctx);
}

export async function noopImage(ctx: BuildContext): Promise<BuiltImage> {
  const source = join(ctx.cache.workDir, 'noop.c');
  mkdirSync(ctx.cache.workDir, { recursive: true });
  writeFileSync(source, NOOP_SOURCE);
  const binary = await compileStatic('noop', source, ['-Os', '-Wall', '-Werror', '-static', '-s'], ctx);
  return ensureScratchImage(noopImageSpec(binary), ctx);
}
