// A Pod's volumes as local directories, and the container paths that point
// into them rewritten to those directories: the containers run as plain
// processes on this machine, without a mount namespace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CoreV1Api, V1Container, V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { errorMessage, WasiOperatorError } from '../../util/errors.js';
import { fieldValue } from './container-env.js';
import type { ProjectedTokens } from './service-account-token.js';

export interface LocalMount {
  mountPath: string;
  localPath: string;
}

function volumeError(pod: V1Pod, volume: V1Volume, problem: string, cause?: unknown): WasiOperatorError {
  return new WasiOperatorError('ERR_NODE_AGENT_VOLUME', `volume ${volume.name} of Pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${problem}`, { cause });
}

/** Downward API files: the fieldRef values this agent knows (resourceFieldRef has no meaning for a local process). */
function downwardApiFiles(pod: V1Pod, volume: V1Volume, items: V1DownwardAPIVolumeFile[]): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const item of items) {
    const value = item.fieldRef ? fieldValue(pod, item.fieldRef.fieldPath) : undefined;
    if (value === undefined) throw volumeError(pod, volume, `downward API file ${item.path}: only the fieldRefs of the env are supported by the local node agent`);
    files[item.path] = Buffer.from(value);
  }
  return files;
}

function writeItems(dir: string, files: Record<string, Buffer>, items: V1KeyToPath[] | undefined, missing: (key: string) => Error): void {
  const wanted = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const { key, path } of wanted) {
    const bytes = files[key];
    if (bytes === undefined) throw missing(key);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
}

async function configMapFiles(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, Buffer>> {
  const cm = await core.readNamespacedConfigMap({ name, namespace });
  return {
    ...Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    ...Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

async function secretFiles(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, Buffer>> {
  const secret = await core.readNamespacedSecret({ name, namespace });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

/**
 * Creates one local directory per volume and returns volume name → directory.
 * Projected service-account tokens are written through `tokens`, which keeps
 * them fresh until the Pod ends.
 */
export async function prepareVolumes(core: CoreV1Api, pod: V1Pod, podDir: string, tokens: ProjectedTokens): Promise<Map<string, string>> {
  const namespace = pod.metadata!.namespace!;
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.hostPath) {
      dirs.set(volume.name, volume.hostPath.path);
      continue;
    }
    const dir = join(podDir, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(volume.name, dir);
    const missing = (what: string) => (key: string) => volumeError(pod, volume, `key ${key} not found in ${what}`);
    if (volume.emptyDir) continue;
    if (volume.configMap) {
      const name = volume.configMap.name!;
      writeItems(dir, await configMapFiles(core, namespace, name), volume.configMap.items, missing(`ConfigMap ${name}`));
    } else if (volume.secret) {
      const name = volume.secret.secretName!;
      writeItems(dir, await secretFiles(core, namespace, name), volume.secret.items, missing(`Secret ${name}`));
    } else if (volume.projected) {
      // Above all the service-account volume that admission adds to every Pod
      // (kube-api-access-*): a token bound to the Pod, the cluster CA, the namespace.
      for (const source of volume.projected.sources ?? []) {
        if (source.configMap) writeItems(dir, await configMapFiles(core, namespace, source.configMap.name!), source.configMap.items, missing(`ConfigMap ${source.configMap.name}`));
        if (source.secret) writeItems(dir, await secretFiles(core, namespace, source.secret.name!), source.secret.items, missing(`Secret ${source.secret.name}`));
        if (source.downwardAPI) writeItems(dir, downwardApiFiles(pod, volume, source.downwardAPI.items ?? []), undefined, missing('the downward API'));
        if (source.serviceAccountToken) {
          const path = join(dir, source.serviceAccountToken.path);
          mkdirSync(dirname(path), { recursive: true });
          await tokens.project(source.serviceAccountToken, path).catch((err: unknown) => {
            throw volumeError(pod, volume, `service account token: ${errorMessage(err)}`, err);
          });
        }
      }
    } else if (volume.image) {
      throw volumeError(pod, volume, `image volumes (${volume.image.reference}) need an OCI pull, which the local node agent cannot do; use spec.module.configMap or spec.module.url locally`);
    } else {
      throw volumeError(pod, volume, 'this kind of volume is not supported by the local node agent');
    }
  }
  return dirs;
}

export function mountsFor(container: V1Container, volumeDirs: Map<string, string>): LocalMount[] {
  return (container.volumeMounts ?? []).flatMap((mount) => {
    const dir = volumeDirs.get(mount.name);
    if (dir === undefined) return [];
    return [{ mountPath: mount.mountPath.replace(/\/+$/, ''), localPath: mount.subPath ? join(dir, mount.subPath) : dir }];
  });
}

/** `path` inside the container, as a path on this machine when it lies under a mount. */
export function localPath(path: string, mounts: LocalMount[]): string {
  const mount = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length).find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  return mount ? mount.localPath + path.slice(mount.mountPath.length) : path;
}

/**
 * Rewrites container paths in arguments (a whole argument or the value of a
 * `--flag=VALUE`), up to a `--` after which the rest belongs to the program's
 * own program (the guest) and is left alone.
 */
export function rewriteArgs(args: string[], mounts: LocalMount[]): string[] {
  const end = args.indexOf('--');
  return args.map((arg, i) => {
    if (end !== -1 && i >= end) return arg;
    const flag = /^(--[^=]+=)(\/.*)$/.exec(arg);
    if (flag) return flag[1] + localPath(flag[2]!, mounts);
    return arg.startsWith('/') ? localPath(arg, mounts) : arg;
  });
}
