// The image tooling against a real registry (distribution's `registry`, the
// one the node pulls from): images land under the paths containerd's mirror
// configuration asks for, a module image holds its .wasm at the root, and a
// second run pushes nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ensureImages, NOOP_IMAGE, pushModuleImage, SEED_MODULE_FILE, SEED_MODULE_IMAGE, type ImageSet } from '../../dev/images/images.js';
import { localReference, parseReference } from '../../dev/images/refs.js';
import { registryCommandLine, waitForRegistry } from '../../dev/images/registry.js';
import { packageRoot } from '../../operator/src/util/package-root.js';
import { ensureTool } from '../../dev/tools/go-build.js';
import { GO_TOOLS } from '../../dev/tools/pins.js';
import { freePort } from '../helpers/ports.js';
import { startProcess, type ManagedProcess } from '../helpers/processes.js';

let dir: string;
let registry: ManagedProcess | undefined;
let address: string;
const progress: string[] = [];

beforeAll(async () => {
  const pin = GO_TOOLS.find((tool) => tool.name === 'registry');
  if (!pin) throw new Error('no Go tool pin named registry');
  const { registry: binary } = await ensureTool(pin);
  dir = mkdtempSync(join(tmpdir(), 'images-registry-'));
  address = `127.0.0.1:${await freePort()}`;
  const line = registryCommandLine({ binary: binary!, storageDir: join(dir, 'storage'), address, configDir: dir });
  registry = startProcess('registry', line.binary, line.args, { env: { ...process.env, ...line.env } });
  await waitForRegistry(address, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${registry?.logTail()}`);
  });
}, 15 * 60_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function skopeoInspect(reference: string, config = false): Record<string, unknown> {
  const result = spawnSync('skopeo', ['inspect', '--tls-verify=false', ...(config ? ['--config'] : []), `docker://${reference}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`skopeo inspect ${reference}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

async function registryJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://${address}/v2/${path}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** The paths in a gzipped layer, listed by GNU tar. */
function layerFiles(layer: Buffer): string[] {
  const listed = spawnSync('tar', ['-t'], { input: gunzipSync(layer), encoding: 'utf8' });
  return listed.stdout.trim().split('\n');
}

let first: ImageSet;

test('the noop image and the seed module land where the node looks for them', async () => {
  first = await ensureImages({ registry: address, only: ['noop', 'seed-module'], progress: (line) => progress.push(line) });
  expect(first.noop).toBe(NOOP_IMAGE);
  expect(first.seedModule).toBe(SEED_MODULE_IMAGE);
  expect(first.reports.map((r) => [r.reference, r.pushed])).toEqual(
    expect.arrayContaining([
      [NOOP_IMAGE, true],
      [SEED_MODULE_IMAGE, true],
    ]),
  );

  const catalog = (await registryJson('_catalog')) as { repositories: string[] };
  expect(catalog.repositories.sort()).toEqual(['library/noop', 'wasi-modules/dapr-state-test']);

  const noop = skopeoInspect(localReference(address, NOOP_IMAGE));
  expect(noop).toMatchObject({ Os: 'linux', Architecture: 'amd64' });
  expect(noop.Layers).toHaveLength(1);
  expect(noop.Digest).toBe(first.reports.find((r) => r.reference === NOOP_IMAGE)?.digest);
  const config = skopeoInspect(localReference(address, NOOP_IMAGE), true) as { config: { Entrypoint: string[]; User: string } };
  expect(config.config).toMatchObject({ Entrypoint: ['/noop'], User: '65532:65532' });
});

test('the noop binary in the pushed layer runs and exits 0', async () => {
  const manifest = (await registryJson('library/noop/manifests/1')) as { layers: Array<{ digest: string }> };
  const blob = Buffer.from(await (await fetch(`http://${address}/v2/library/noop/blobs/${manifest.layers[0]!.digest}`)).arrayBuffer());
  expect(layerFiles(blob)).toEqual(['noop']);
  const unpacked = join(dir, 'noop-rootfs');
  spawnSync('mkdir', ['-p', unpacked]);
  expect(spawnSync('tar', ['-x', '-C', unpacked], { input: gunzipSync(blob) }).status).toBe(0);
  expect(spawnSync(join(unpacked, 'noop')).status).toBe(0);
});

test("the module image is one layer holding the guest's .wasm at its root", async () => {
  const { path, tag } = parseReference(SEED_MODULE_IMAGE);
  const manifest = (await registryJson(`${path}/manifests/${tag}`)) as { layers: Array<{ digest: string; mediaType: string }> };
  expect(manifest.layers).toHaveLength(1);
  expect(manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  const blob = Buffer.from(await (await fetch(`http://${address}/v2/${path}/blobs/${manifest.layers[0]!.digest}`)).arrayBuffer());
  expect(layerFiles(blob)).toEqual([SEED_MODULE_FILE]);
  const wasm = spawnSync('tar', ['-xO', SEED_MODULE_FILE], { input: gunzipSync(blob) }).stdout;
  expect(Buffer.compare(wasm, readFileSync(join(packageRoot(), 'guest', 'build', SEED_MODULE_FILE)))).toBe(0);
});

test('a second run builds and pushes nothing', async () => {
  const again = await ensureImages({ registry: address, only: ['noop', 'seed-module'], progress: (line) => progress.push(line) });
  expect(again.reports.map((r) => [r.reference, r.built, r.pushed])).toEqual(
    expect.arrayContaining([
      [NOOP_IMAGE, false, false],
      [SEED_MODULE_IMAGE, false, false],
    ]),
  );
  expect(again.reports.map((r) => r.digest).sort()).toEqual(first.reports.map((r) => r.digest).sort());
});

test('pushModuleImage ships any .wasm under the reference it is given, once', async () => {
  const wasm = join(packageRoot(), 'guest', 'build', 'exit-now.wasm');
  const reference = 'docker.io/wasi-modules/exit-now:images-test';
  const report = await pushModuleImage(wasm, reference, { registry: address, progress: (line) => progress.push(line) });
  expect(report).toMatchObject({ reference, pushed: true });
  const inspected = skopeoInspect(`${address}/wasi-modules/exit-now:images-test`);
  expect(inspected.Digest).toBe(report.digest);
  expect(inspected.Layers).toHaveLength(1);
  expect(await pushModuleImage(wasm, reference, { registry: address, progress: (line) => progress.push(line) })).toMatchObject({ pushed: false, digest: report.digest });
  await expect(pushModuleImage(join(packageRoot(), 'package.json'), reference, { registry: address })).rejects.toMatchObject({ code: 'ERR_IMAGE_SPEC' });
});
