// Images written directly as OCI layouts from an ImageSpec: no build engine,
// no root needed, and the same inputs give the same digests.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { seconds, megabytes, type BuildContext, type BuiltImage } from './build-context.js';
import { writeOciImage } from './oci-layout.js';
import type { ImageSpec } from './oci.js';
import { IMAGE_RECIPE_VERSION } from './recipes.js';
import { parseReference } from './refs.js';
import { fingerprint, readStamp, writeStamp } from './stamps.js';

/** Pure: the spec with each file on this machine replaced by its digest: what the image depends on. */
export function specInputs(spec: ImageSpec, digestOf: (host: string) => string): unknown {
  return {
    recipe: IMAGE_RECIPE_VERSION,
    reference: spec.reference,
    config: spec.config,
    layers: spec.layers.map((layer) => ({
      comment: layer.comment,
      files: layer.files.map((file) => ({ ...file, source: file.source && ('host' in file.source ? { digest: digestOf(file.source.host) } : file.source) })),
    })),
  };
}

export function hostSources(spec: ImageSpec): string[] {
  return spec.layers.flatMap((layer) => layer.files.flatMap((file) => (file.source && 'host' in file.source ? [file.source.host] : [])));
}

/** Writes the image's OCI layout unless the stamp says the same inputs made the layout that is there. */
export async function ensureScratchImage(spec: ImageSpec, ctx: BuildContext): Promise<BuiltImage> {
  const digests = new Map<string, string>();
  for (const host of hostSources(spec)) digests.set(host, await ctx.digests.digest(host));
  const inputs = fingerprint(specInputs(spec, (host) => digests.get(host) ?? ''));
  const dir = ctx.cache.layoutDir(spec.name);
  const stampPath = ctx.cache.stampPath(spec.name);
  const source = `oci:${dir}:${parseReference(spec.reference).tag}`;
  const stamp = readStamp(stampPath);
  if (stamp?.inputs === inputs && existsSync(join(dir, 'index.json'))) {
    return { name: spec.name, reference: spec.reference, source, configDigest: stamp.configDigest, size: stamp.size ?? 0, built: false, buildSeconds: 0 };
  }
  const started = Date.now();
  ctx.progress(`building ${spec.reference} (${spec.layers.length} layer${spec.layers.length === 1 ? '' : 's'})…`);
  const written = await writeOciImage(spec, dir);
  writeStamp(stampPath, { inputs, configDigest: written.configDigest, size: written.size });
  const took = seconds(started);
  ctx.progress(`built ${spec.reference} in ${took}s (${megabytes(written.size)} compressed)`);
  return { name: spec.name, reference: spec.reference, source, configDigest: written.configDigest, size: written.size, built: true, buildSeconds: took };
}
