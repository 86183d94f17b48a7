// Writes an ImageSpec as an OCI image layout directory (skopeo reads it as
// `oci:DIR:TAG`). Layers are streamed: a file is read once, hashed
// uncompressed for the config's diff_ids and compressed for the blob.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DevError } from '../dev-errors.js';
import { imageConfig, imageManifest, jsonBytes, layerEntries, layoutIndex, MEDIA_TYPES, OCI_LAYOUT_FILE, type Descriptor, type FileSource, type ImageSpec, type LayerSpec } from './oci.js';
import { parseReference } from './refs.js';
import { padding, TAR_END, tarHeader, type TarEntry } from './tar.js';

/**
 * gzip level 1: images go to a registry on loopback, so a few percent of size
 * matter less than the seconds that level 6 costs on Dapr's 100 MB binaries
 * with two cores.
 */
const GZIP_LEVEL = 1;

export interface WrittenImage {
  configDigest: string;
  manifestDigest: string;
  /** Compressed bytes of all layers. */
  size: number;
}

function sourceBytes(source: FileSource): Buffer | undefined {
  return 'text' in source ? Buffer.from(source.text, 'utf8') : undefined;
}

async function* tarStream(entries: Array<TarEntry & { source?: FileSource }>): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    if (entry.type !== 'file' || !entry.source) {
      yield tarHeader(entry);
      continue;
    }
    const bytes = sourceBytes(entry.source);
    if (bytes) {
      yield tarHeader({ ...entry, size: bytes.length });
      yield bytes;
      yield Buffer.alloc(padding(bytes.length));
      continue;
    }
    const host = (entry.source as { host: string }).host;
    const size = statSync(host).size;
    yield tarHeader({ ...entry, size });
    let read = 0;
    for await (const chunk of createReadStream(host)) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (read !== size) throw new DevError('ERR_IMAGE_INPUT_CHANGED', `${host} changed while it was being added to an image`);
    yield Buffer.alloc(padding(size));
  }
  yield TAR_END;
}

async function writeLayer(layer: LayerSpec, blobsDir: string, index: number): Promise<{ descriptor: Descriptor; diffId: string }> {
  const tmp = join(blobsDir, `.layer-${process.pid}-${index}`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  await pipeline(
    tarStream(layerEntries(layer.files)),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        diffHash.update(chunk);
        yield chunk;
      }
    },
    createGzip({ level: GZIP_LEVEL }),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        blobHash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(tmp),
  );
  const hex = blobHash.digest('hex');
  renameSync(tmp, join(blobsDir, hex));
  return { descriptor: { mediaType: MEDIA_TYPES.layerGzip, digest: `sha256:${hex}`, size }, diffId: `sha256:${diffHash.digest('hex')}` };
}

function writeBlob(blobsDir: string, bytes: Buffer, mediaType: string): Descriptor {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobsDir, hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * Writes the image as an OCI layout at `dir`, replacing what was there only
 * once the new layout is complete, and tags it with the reference's tag.
 */
export async function writeOciImage(spec: ImageSpec, dir: string): Promise<WrittenImage> {
  const tmpDir = `${dir}.tmp-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  const blobsDir = join(tmpDir, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  try {
    const layers: Array<{ descriptor: Descriptor; diffId: string }> = [];
    for (const [i, layer] of spec.layers.entries()) layers.push(await writeLayer(layer, blobsDir, i));
    const config = writeBlob(blobsDir, jsonBytes(imageConfig(spec, layers.map((l) => l.diffId))), MEDIA_TYPES.config);
    const manifest = writeBlob(blobsDir, jsonBytes(imageManifest(config, layers.map((l) => l.descriptor))), MEDIA_TYPES.manifest);
    writeFileSync(join(tmpDir, 'index.json'), jsonBytes(layoutIndex(manifest, parseReference(spec.reference).tag)));
    writeFileSync(join(tmpDir, 'oci-layout'), OCI_LAYOUT_FILE);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmpDir, dir);
    return { configDigest: config.digest, manifestDigest: manifest.digest, size: layers.reduce((sum, l) => sum + l.descriptor.size, 0) };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
