// Entry point of the image tooling: every image the local cluster runs,
// built without a Docker engine and pushed to the local registry, each only
// when its inputs changed (see stamps.ts) or the registry lacks it.
//
//   node:26-slim        debootstrap + the checkout's Node 26 + npm (buildah)
//   wasi-operator       the repository's Dockerfile (buildah build, chroot isolation)
//   dapr/*              Dapr's binaries from the dapr module, distroless-like
//   coredns, redis      CoreDNS's binary, Debian's redis-server, with their libraries
//   pause, noop         static C binaries
//   wasi-modules/*      the seed's WASI module (AssemblyScript, and its Go port) as images for ImageVolume
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DevError } from '../dev-errors.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { ensureAppImage, packageVersion } from './app-image.js';
import { ensureNodeBase } from './base-image.js';
import { corednsImage, daprImages, noopImage, pauseImage, redisImage } from './binary-images.js';
import { Buildah } from './buildah.js';
import { megabytes, seconds, type BuildContext, type BuiltImage, type Progress } from './build-context.js';
import { imagesCache, withImagesLock } from './cache.js';
import { moduleImageSpec } from './recipes.js';
import {
  COREDNS_IMAGE,
  DAPR_IMAGE_NAMES,
  DAPR_IMAGE_REGISTRY,
  DAPR_IMAGE_TAG,
  DAPR_IMAGES,
  moduleImage,
  NODE_BASE_IMAGE,
  NOOP_IMAGE,
  PAUSE_IMAGE,
  REDIS_IMAGE,
  WASI_OPERATOR_IMAGE_LATEST,
  wasiOperatorImage,
  type DaprImageName,
} from './refs.js';
import { pushImage, type PushResult } from './push.js';
import { waitForRegistry } from './registry.js';
import { ensureScratchImage } from './scratch-image.js';
import { FileDigests } from './stamps.js';

export {
  COREDNS_IMAGE,
  DAPR_IMAGE_REGISTRY,
  DAPR_IMAGE_TAG,
  DAPR_IMAGES,
  NODE_BASE_IMAGE,
  NOOP_IMAGE,
  PAUSE_IMAGE,
  REDIS_IMAGE,
  WASI_OPERATOR_IMAGE_LATEST,
};
export { localReference, normalizeReference } from './refs.js';

/** Our image at the checkout's version: what the operator's defaults and the chart's values name. */
export const WASI_OPERATOR_IMAGE = wasiOperatorImage(packageVersion());
/** The seed's guest (guest/build/dapr-state-test.wasm) as an ImageVolume module. */
export const SEED_MODULE_IMAGE = moduleImage('dapr-state-test', packageVersion());
export const SEED_MODULE_FILE = 'dapr-state-test.wasm';
/**
 * The seed's test ported to Go (guest/build/go-dapr-state-test.wasm, built by
 * scripts/build-go-guests.mjs). About 3.5 MB: over a ConfigMap's 1 MiB, so an
 * OCI artifact is how it reaches a Pod.
 */
export const GO_SEED_MODULE_IMAGE = moduleImage('go-dapr-state-test', packageVersion());
export const GO_SEED_MODULE_FILE = 'go-dapr-state-test.wasm';

/** Names `images ensure` accepts; each builds and pushes one image (or Dapr's six). */
export const IMAGE_NAMES = ['wasi-operator', 'node', 'dapr', 'coredns', 'redis', 'pause', 'noop', 'seed-module', 'go-seed-module'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export interface ImageReport {
  reference: string;
  configDigest: string;
  /** The manifest's digest in the registry. */
  digest: string;
  /** Bytes a pull transfers (the registry's layers). */
  size: number;
  /** Whether this run built it (false: its stamp matched). */
  built: boolean;
  /** Seconds spent building in this run. */
  buildSeconds: number;
  pushed: boolean;
}

/** The references of every image (fully qualified), and what this run did for each. */
export interface ImageSet {
  /** The registry (`host:port`) that holds them. */
  registry: string;
  /** Our image from the Dockerfile, at the checkout's version. */
  operator: string;
  operatorLatest: string;
  node: string;
  dapr: Readonly<Record<DaprImageName, string>>;
  /** For Dapr's chart: `global.registry` and `global.tag` that name these images. */
  daprRegistry: string;
  daprTag: string;
  coredns: string;
  redis: string;
  pause: string;
  noop: string;
  seedModule: string;
  goSeedModule: string;
  /** Images that could not be made here (e.g. CoreDNS before its tool pin exists). */
  skipped: string[];
  reports: ImageReport[];
}

export interface EnsureImagesOptions {
  /** The local registry, `host:port`. */
  registry: string;
  progress?: Progress;
  /** Only these images (default: all). */
  only?: readonly ImageName[];
}

const stderrProgress: Progress = (line) => process.stderr.write(`[images] ${line}\n`);

function referencesOf(registry: string): Omit<ImageSet, 'skipped' | 'reports'> {
  return {
    registry,
    operator: WASI_OPERATOR_IMAGE,
    operatorLatest: WASI_OPERATOR_IMAGE_LATEST,
    node: NODE_BASE_IMAGE,
    dapr: DAPR_IMAGES,
    daprRegistry: DAPR_IMAGE_REGISTRY,
    daprTag: DAPR_IMAGE_TAG,
    coredns: COREDNS_IMAGE,
    redis: REDIS_IMAGE,
    pause: PAUSE_IMAGE,
    noop: NOOP_IMAGE,
    seedModule: SEED_MODULE_IMAGE,
    goSeedModule: GO_SEED_MODULE_IMAGE,
  };
}

async function pushAll(images: Array<{ image: BuiltImage; as?: string }>, registry: string, ctx: BuildContext, reports: ImageReport[]): Promise<void> {
  for (const { image, as } of images) {
    const result: PushResult = await pushImage(image, registry, ctx, as);
    reports.push({
      reference: as ?? image.reference,
      configDigest: image.configDigest,
      digest: result.digest,
      size: result.size,
      built: as ? false : image.built,
      buildSeconds: as ? 0 : image.buildSeconds,
      pushed: result.outcome === 'pushed',
    });
  }
}

/**
 * Builds what changed and pushes what the registry lacks; returns every
 * image's reference. The registry must be running (see registry.ts).
 */
export async function ensureImages(options: EnsureImagesOptions): Promise<ImageSet> {
  const progress = options.progress ?? stderrProgress;
  const wanted = new Set<ImageName>(options.only ?? IMAGE_NAMES);
  // Fail before minutes of building, not after: every image ends in a push.
  await waitForRegistry(options.registry, 0);
  const seedModule = join(packageRoot(), 'guest', 'build', SEED_MODULE_FILE);
  const goSeedModule = join(packageRoot(), 'guest', 'build', GO_SEED_MODULE_FILE);
  for (const [name, path] of [['seed-module', seedModule], ['go-seed-module', goSeedModule]] as const) {
    if (wanted.has(name) && !existsSync(path)) {
      throw new DevError('ERR_IMAGE_CONTEXT', `${path} is missing; run \`npm run build:guests\` first`);
    }
  }
  const cache = imagesCache();
  mkdirSync(cache.workDir, { recursive: true });
  return withImagesLock(
    cache,
    async () => {
      const started = Date.now();
      const digests = new FileDigests(cache.digestsPath);
      const ctx: BuildContext = { cache, digests, progress };
      const reports: ImageReport[] = [];
      const skipped: string[] = [];
      try {
        // Two lanes on two cores: buildah's (Debian, Node, our Dockerfile) and
        // the images written directly (mostly gzip of Dapr's binaries).
        const buildahLane = async () => {
          if (!wanted.has('wasi-operator') && !wanted.has('node')) return;
          const buildah = await Buildah.open(cache.buildahDir);
          try {
            const base = await ensureNodeBase(buildah, ctx);
            const pushes: Array<{ image: BuiltImage; as?: string }> = [];
            if (wanted.has('node')) pushes.push({ image: base });
            if (wanted.has('wasi-operator')) {
              const app = await ensureAppImage(buildah, base, ctx);
              pushes.push({ image: app }, { image: app, as: WASI_OPERATOR_IMAGE_LATEST });
            }
            await pushAll(pushes, options.registry, ctx, reports);
          } finally {
            await buildah.release();
          }
        };
        const scratchLane = async () => {
          const push = (image: BuiltImage) => pushAll([{ image }], options.registry, ctx, reports);
          if (wanted.has('noop')) await push(await noopImage(ctx));
          if (wanted.has('pause')) await push(await pauseImage(ctx));
          if (wanted.has('seed-module')) await push(await ensureScratchImage(moduleImageSpec(seedModule, SEED_MODULE_IMAGE), ctx));
          if (wanted.has('go-seed-module')) await push(await ensureScratchImage(moduleImageSpec(goSeedModule, GO_SEED_MODULE_IMAGE), ctx));
          if (wanted.has('redis')) await push(await redisImage(ctx));
          if (wanted.has('coredns')) {
            const coredns = await corednsImage(ctx);
            if (coredns) await push(coredns);
            else {
              skipped.push(COREDNS_IMAGE);
              progress(`skipping ${COREDNS_IMAGE}: no Go tool pin named coredns yet`);
            }
          }
          if (wanted.has('dapr')) for (const image of await daprImages(ctx, DAPR_IMAGE_NAMES)) await push(image);
        };
        const lanes = await Promise.allSettled([buildahLane(), scratchLane()]);
        const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        digests.save();
      }
      const built = reports.filter((r) => r.built).length;
      const pushed = reports.filter((r) => r.pushed).length;
      progress(
        `${reports.length} images ready in ${options.registry} in ${seconds(started)}s (${built} built, ${pushed} pushed, ${megabytes(reports.reduce((sum, r) => sum + r.size, 0))} in all)`,
      );
      return { ...referencesOf(options.registry), skipped, reports };
    },
    progress,
  );
}

/** Pushes a WASI module as an image with one layer holding the .wasm at its root (for `spec.module.image`). */
export async function pushModuleImage(wasmPath: string, reference: string, options: { registry: string; progress?: Progress }): Promise<ImageReport> {
  if (!wasmPath.endsWith('.wasm')) throw new DevError('ERR_IMAGE_SPEC', `a module image holds a .wasm file, not ${wasmPath}`);
  const progress = options.progress ?? stderrProgress;
  const cache = imagesCache();
  return withImagesLock(
    cache,
    async () => {
      const digests = new FileDigests(cache.digestsPath);
      const ctx: BuildContext = { cache, digests, progress };
      try {
        const image = await ensureScratchImage(moduleImageSpec(wasmPath, reference), ctx);
        const reports: ImageReport[] = [];
        await pushAll([{ image }], options.registry, ctx, reports);
        return reports[0]!;
      } finally {
        digests.save();
      }
    },
    progress,
  );
}
