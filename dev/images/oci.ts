// Pure: OCI image specs for images that need no build steps (a binary, its
// shared libraries, a few files), and the JSON documents of an OCI image
// (config, manifest, index). No Containerfile: the spec is the recipe, and its
// fingerprint is the cache key.
import { DevError } from '../dev-errors.js';
import type { TarEntry } from './tar.js';

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** The epoch for every `created`: the same inputs give the same config digest. */
export const IMAGE_CREATED = '1970-01-01T00:00:00Z';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export type FileSource = { host: string } | { text: string };

export interface LayerFile {
  /** Absolute path inside the image. */
  path: string;
  type?: 'file' | 'dir' | 'symlink';
  mode?: number;
  uid?: number;
  gid?: number;
  /** A file's contents: a file on this machine, or literal text. */
  source?: FileSource;
  /** A symlink's target. */
  target?: string;
}

export interface LayerSpec {
  /** What the layer holds, for the image's history and the progress lines. */
  comment: string;
  files: LayerFile[];
}

/** The runtime part of an OCI image config (the `config` object). */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Short name, used for cache directories and progress lines. */
  name: string;
  reference: string;
  layers: LayerSpec[];
  config: ContainerConfig;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export const ROOT_ENV_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One layer's tar entries: paths made relative, missing parent directories added, sorted (parents first). */
export function layerEntries(files: LayerFile[]): Array<TarEntry & { source?: FileSource }> {
  const byPath = new Map<string, TarEntry & { source?: FileSource }>();
  for (const file of files) {
    const path = file.path.replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '' || path.split('/').some((part) => part === '.' || part === '..' || part === '')) {
      throw new DevError('ERR_IMAGE_SPEC', `bad path in image layer: "${file.path}"`);
    }
    if (byPath.has(path)) throw new DevError('ERR_IMAGE_SPEC', `path "${file.path}" appears twice in one layer`);
    const type = file.type ?? (file.target !== undefined ? 'symlink' : file.source ? 'file' : 'dir');
    if (type === 'file' && !file.source) throw new DevError('ERR_IMAGE_SPEC', `file "${file.path}" has no source`);
    if (type === 'symlink' && file.target === undefined) throw new DevError('ERR_IMAGE_SPEC', `symlink "${file.path}" has no target`);
    byPath.set(path, {
      path,
      type,
      mode: file.mode ?? (type === 'symlink' ? 0o777 : type === 'dir' ? 0o755 : 0o644),
      uid: file.uid ?? 0,
      gid: file.gid ?? 0,
      ...(file.source ? { source: file.source } : {}),
      ...(file.target !== undefined ? { target: file.target } : {}),
    });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (!existing) byPath.set(parent, { path: parent, type: 'dir', mode: 0o755, uid: 0, gid: 0 });
      else if (existing.type !== 'dir') throw new DevError('ERR_IMAGE_SPEC', `"/${parent}" is a ${existing.type} and a directory`);
    }
  }
  // Byte order of the path's components: a directory comes right before its contents.
  const key = (path: string) => path.split('/').join('\0');
  return [...byPath.values()].sort((a, b) => (key(a.path) < key(b.path) ? -1 : key(a.path) > key(b.path) ? 1 : 0));
}

export function imageConfig(spec: Pick<ImageSpec, 'config' | 'layers'>, diffIds: string[]): Record<string, unknown> {
  return {
    created: IMAGE_CREATED,
    architecture: 'amd64',
    os: 'linux',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map((layer) => ({ created: IMAGE_CREATED, created_by: 'wasi-operator images', comment: layer.comment })),
  };
}

export function imageManifest(config: Descriptor, layers: Descriptor[]): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config, layers };
}

/** An OCI layout's index.json naming one manifest by its tag (skopeo's `oci:DIR:TAG`). */
export function layoutIndex(manifest: Descriptor, tag: string): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [{ ...manifest, annotations: { [REF_NAME_ANNOTATION]: tag } }] };
}

export const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/** Canonical bytes of a JSON document (no whitespace; key order as built). */
export function jsonBytes(document: unknown): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}

/**
 * What distroless `static:nonroot` (the base of Dapr's own images) gives a
 * static binary: users and groups, name resolution order, CA certificates, a
 * world-writable /tmp and the nonroot user's home. Shared by every binary
 * image, so it is one layer stored and pulled once.
 */
export function staticBaseLayer(caCertificates: string | undefined): LayerSpec {
  const files: LayerFile[] = [
    {
      path: '/etc/passwd',
      source: {
        text: [
          'root:x:0:0:root:/root:/sbin/nologin',
          'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
          'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
          '',
        ].join('\n'),
      },
    },
    { path: '/etc/group', source: { text: ['root:x:0:', 'tty:x:5:', 'staff:x:50:', 'nobody:x:65534:', 'nonroot:x:65532:', ''].join('\n') } },
    { path: '/etc/nsswitch.conf', source: { text: 'passwd: files\ngroup: files\nhosts: files dns\n' } },
    { path: '/tmp', type: 'dir', mode: 0o1777 },
    { path: '/root', type: 'dir', mode: 0o700 },
    { path: '/home/nonroot', type: 'dir', mode: 0o700, uid: 65532, gid: 65532 },
  ];
  if (caCertificates) files.push({ path: '/etc/ssl/certs/ca-certificates.crt', source: { host: caCertificates } });
  return { comment: 'users, groups, nsswitch.conf, CA certificates, /tmp (as distroless static:nonroot)', files };
}

/**
 * The shared libraries a dynamically linked binary needs (from `ldd`), each at
 * the path the dynamic loader finds it on this machine. The loader is
 * executable; the libraries are not, as in Debian.
 */
export function librariesLayer(libraries: string[], interpreter: string | undefined): LayerSpec {
  const files = [...new Set(libraries)].sort().map((path): LayerFile => ({ path, source: { host: path }, mode: path === interpreter ? 0o755 : 0o644 }));
  return { comment: `shared libraries: ${files.map((f) => f.path.split('/').pop()).join(' ')}`, files };
}

/** A single statically linked or self-contained binary at /NAME, as upstream images lay it out. */
export function binaryLayer(path: string, binary: string, extra: LayerFile[] = []): LayerSpec {
  return { comment: `${path} (${binary.split('/').pop() ?? binary} built on this machine)`, files: [{ path, source: { host: binary }, mode: 0o755 }, ...extra] };
}
