// Pushes an image to the local registry under its reference's path, unless
// the registry already has the same image (same config digest) at that tag:
// the registry's storage outlives clusters, so a warm `cluster up` pushes
// nothing.
import { DevError } from '../dev-errors.js';
import { megabytes, seconds, type BuildContext, type BuiltImage } from './build-context.js';
import { localReference, parseReference } from './refs.js';
import { remoteManifest, type RemoteManifest } from './registry.js';
import { runCommand } from './run.js';

export interface PushResult {
  outcome: 'pushed' | 'current';
  /** The manifest's digest in the registry. */
  digest: string;
  /** What a pull transfers: the bytes of the layers as the registry stores them. */
  size: number;
}

function pulledSize(manifest: RemoteManifest): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/** Pushes `image` as `reference` (default: its own reference). */
export async function pushImage(image: BuiltImage, registry: string, ctx: BuildContext, reference: string = image.reference): Promise<PushResult> {
  const { path, tag } = parseReference(reference);
  const remote = await remoteManifest(registry, path, tag);
  if (remote && remote.configDigest === image.configDigest) return { outcome: 'current', digest: remote.digest, size: pulledSize(remote) };
  const started = Date.now();
  const destination = localReference(registry, reference);
  await runCommand('skopeo', ['copy', '--quiet', '--retry-times', '2', '--dest-tls-verify=false', image.source, `docker://${destination}`], {
    errorCode: 'ERR_IMAGE_PUSH',
  });
  // The check the next run relies on: the registry must now name this very image at that tag.
  const pushed = await remoteManifest(registry, path, tag);
  if (!pushed || pushed.configDigest !== image.configDigest) {
    throw new DevError(
      'ERR_IMAGE_PUSH',
      `after pushing ${reference} to ${destination} the registry's manifest names config ${pushed?.configDigest ?? '(none)'}, not ${image.configDigest}`,
    );
  }
  ctx.progress(`pushed ${reference} → ${destination} in ${seconds(started)}s (${megabytes(pulledSize(pushed))})`);
  return { outcome: 'pushed', digest: pushed.digest, size: pulledSize(pushed) };
}
