// The local OCI registry (github.com/distribution/distribution/v3's
// `registry`): its config, its command line, readiness, and the one question
// the image cache asks it (which image does this tag name?). The cluster code
// starts and stops the process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevError } from '../dev-errors.js';
import { MEDIA_TYPES } from './oci.js';

export interface RegistryOptions {
  /** Path of the `registry` binary. */
  binary: string;
  /** Where the registry keeps blobs and manifests; in the cache, so pushed images outlive the cluster. */
  storageDir: string;
  /** `127.0.0.1:PORT`: loopback only, plain HTTP. */
  address: string;
  /** Where to write config.yml; default: next to the storage, in the same parent directory. */
  configDir?: string;
}

export interface RegistryCommandLine {
  binary: string;
  args: string[];
  configPath: string;
  /** Added to the registry's environment. */
  env: NodeJS.ProcessEnv;
}

/** Pure: the registry's config.yml for a loopback registry with filesystem storage. */
export function registryConfig(storageDir: string, address: string): string {
  // JSON is YAML: no quoting rules to get wrong for paths.
  return `${JSON.stringify(
    {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storageDir },
        // Deleting tags/manifests lets a developer clear an image by hand; nothing here deletes.
        delete: { enabled: true },
      },
      // The secret signs upload state between requests; one registry on loopback needs no shared one,
      // and a fixed value keeps the registry from warning about a generated one at every start.
      http: { addr: address, secret: 'wasi-operator-local-registry' },
    },
    null,
    2,
  )}\n`;
}

/** Writes config.yml and returns how to start the registry on it. */
export function registryCommandLine({ binary, storageDir, address, configDir }: RegistryOptions): RegistryCommandLine {
  const dir = configDir ?? join(storageDir, '..');
  mkdirSync(dir, { recursive: true });
  mkdirSync(storageDir, { recursive: true });
  const configPath = join(dir, 'registry-config.yml');
  writeFileSync(configPath, registryConfig(storageDir, address));
  // distribution v3 exports OpenTelemetry traces to localhost:4318 unless told not to; nothing listens there.
  return { binary, args: ['serve', configPath], configPath, env: { OTEL_TRACES_EXPORTER: 'none' } };
}

async function pingOnce(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** Resolves once the registry answers its API's base endpoint; `timeoutMs` 0 asks once. */
export async function waitForRegistry(address: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(address)) return;
    if (Date.now() >= deadline) {
      throw new DevError('ERR_REGISTRY_UNREACHABLE', `no OCI registry answers at http://${address}/v2/${timeoutMs > 0 ? ` after ${timeoutMs / 1000}s` : ''}`);
    }
    await sleep(200);
  }
}

export interface RemoteManifest {
  /** The manifest's digest (Docker-Content-Digest). */
  digest: string;
  mediaType: string;
  /** The config digest of an image manifest; undefined for an index. */
  configDigest: string | undefined;
  layers: Array<{ digest: string; size: number; mediaType: string }>;
}

/** The manifest a tag names in the registry, or undefined when the repository or tag does not exist. */
export async function remoteManifest(registry: string, repository: string, tag: string): Promise<RemoteManifest | undefined> {
  const url = `http://${registry}/v2/${repository}/manifests/${tag}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Accept: [MEDIA_TYPES.manifest, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.index, MEDIA_TYPES.dockerManifestList].join(', ') },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new DevError('ERR_REGISTRY_UNREACHABLE', `cannot reach the registry at ${registry}: ${(err as Error).message}`, { cause: err });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    throw new DevError('ERR_REGISTRY_RESPONSE', `GET ${url}: HTTP ${response.status} ${await response.text()}`);
  }
  const body = (await response.json()) as { mediaType?: string; config?: { digest?: string }; layers?: Array<{ digest: string; size: number; mediaType: string }> };
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    mediaType: body.mediaType ?? response.headers.get('content-type') ?? '',
    configDigest: body.config?.digest,
    layers: body.layers ?? [],
  };
}
