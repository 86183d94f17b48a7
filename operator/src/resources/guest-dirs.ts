// spec.volumes and spec.dirs: Kubernetes volumes mounted into the host
// container, each dir at a path of its own, and handed to the guest with
// `--dir` (read-write) or `--dir-ro` (read-only, the default) under the path
// the user chose. A read-only dir is read-only twice: the volume mount and
// the host's own rule. Pure.
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { WasiApp } from '../api/wasiapp.js';

/** Where the i-th dir is mounted in the host container (a volume may be mounted twice, with two subPaths). */
export const GUEST_DIRS_ROOT = '/wasi-dirs';
/** Our Pod's own volume names (the module's) stay apart from the user's. */
const VOLUME_PREFIX = 'dir-';

export interface GuestDirMounts {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  /** `--dir=…` / `--dir-ro=…` host arguments, in the order of spec.dirs. */
  args: string[];
}

export function guestDirsFor(app: WasiApp): GuestDirMounts {
  const volumes = (app.spec.volumes ?? []).map((volume) => ({ ...volume, name: `${VOLUME_PREFIX}${volume.name}` }));
  const mounts: V1VolumeMount[] = [];
  const args: string[] = [];
  (app.spec.dirs ?? []).forEach((dir, i) => {
    const readOnly = dir.readOnly ?? true;
    const mountPath = `${GUEST_DIRS_ROOT}/${i}`;
    mounts.push({ name: `${VOLUME_PREFIX}${dir.volume}`, mountPath, readOnly, ...(dir.subPath !== undefined && { subPath: dir.subPath }) });
    args.push(`${readOnly ? '--dir-ro' : '--dir'}=${mountPath}::${dir.path}`);
  });
  return { volumes, mounts, args };
}
