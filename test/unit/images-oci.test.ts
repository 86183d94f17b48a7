// The images that need no build steps are specs: their layers' files and
// their runtime config must be what upstream's images have, because Dapr's
// injector, its chart, the CoreDNS and Redis Deployments and the kubelet
// start them without knowing they were made here.
import { basename } from 'node:path';
import {
  IMAGE_CREATED,
  imageConfig,
  imageManifest,
  layerEntries,
  layoutIndex,
  librariesLayer,
  MEDIA_TYPES,
  staticBaseLayer,
  type ImageSpec,
} from '../../dev/images/oci.js';
import {
  buildahConfigArgs,
  corednsImageSpec,
  daprImageSpec,
  moduleImageSpec,
  nodeBaseConfig,
  noopImageSpec,
  pauseImageSpec,
  redisImageSpec,
} from '../../dev/images/recipes.js';
import { COREDNS_IMAGE, DAPR_IMAGES, NOOP_IMAGE, PAUSE_IMAGE, REDIS_IMAGE } from '../../dev/images/refs.js';
import { hostSources, specInputs } from '../../dev/images/scratch-image.js';

const LIBC = { libraries: ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'], interpreter: '/lib64/ld-linux-x86-64.so.2' };

function paths(spec: ImageSpec): string[] {
  return spec.layers.flatMap((layer) => layer.files.map((file) => file.path));
}

test('layer entries get their parent directories and come sorted, parents first', () => {
  const entries = layerEntries([
    { path: '/usr/bin/redis-server', source: { host: '/usr/bin/redis-server' }, mode: 0o755 },
    { path: '/data', type: 'dir', uid: 65532, gid: 65532 },
    { path: '/usr/lib-extra', source: { text: 'x' } },
  ]);
  expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual(['dir:data', 'dir:usr', 'dir:usr/bin', 'file:usr/bin/redis-server', 'file:usr/lib-extra']);
  expect(entries[0]).toMatchObject({ uid: 65532, gid: 65532, mode: 0o755 });
  expect(entries[4]).toMatchObject({ mode: 0o644, uid: 0, gid: 0 });
});

test('a layer spec with a bad path, a duplicate or a file under a file is an error', () => {
  expect(() => layerEntries([{ path: '/a/../b', source: { text: '' } }])).toThrow(expect.objectContaining({ code: 'ERR_IMAGE_SPEC' }));
  expect(() => layerEntries([{ path: '/a', source: { text: '' } }, { path: '/a/', source: { text: '' } }])).toThrow(/twice/);
  expect(() => layerEntries([{ path: '/a', source: { text: '' } }, { path: '/a/b', source: { text: '' } }])).toThrow(/directory/);
  expect(() => layerEntries([{ path: '/a', type: 'file' }])).toThrow(/no source/);
});

test("Dapr's images: the binary at /NAME, user 65532, no entrypoint (the injector passes /daprd as the first arg)", () => {
  const spec = daprImageSpec('daprd', { binary: '/cache/bin/daprd', ...LIBC }, '/etc/ssl/certs/ca-certificates.crt');
  expect(spec.reference).toBe(DAPR_IMAGES.daprd);
  expect(spec.config.Entrypoint).toBeUndefined();
  expect(spec.config).toMatchObject({ User: '65532:65532', Cmd: ['/daprd'], WorkingDir: '/' });
  expect(spec.layers.map((l) => l.files.length)).toEqual([7, 2, 1]);
  expect(paths(spec)).toEqual(expect.arrayContaining(['/daprd', '/etc/passwd', '/tmp', '/etc/ssl/certs/ca-certificates.crt', ...LIBC.libraries]));
  // The loader stays executable; the libraries are data.
  expect(spec.layers[1]!.files.find((f) => f.path === LIBC.interpreter)?.mode).toBe(0o755);
  expect(spec.layers[1]!.files.find((f) => f.path.endsWith('libc.so.6'))?.mode).toBe(0o644);
});

test("the shared layers of Dapr's six images are the same spec, so the same blobs", () => {
  const [a, b] = (['operator', 'sentry'] as const).map((name) => daprImageSpec(name, { binary: `/bin/${name}`, ...LIBC }, undefined));
  expect(a!.layers[0]).toEqual(b!.layers[0]);
  expect(a!.layers[1]).toEqual(b!.layers[1]);
  expect(a!.layers[2]).not.toEqual(b!.layers[2]);
});

test('the static base is distroless static:nonroot: nonroot is 65532 and /tmp is world-writable and sticky', () => {
  const base = staticBaseLayer(undefined);
  const passwd = base.files.find((f) => f.path === '/etc/passwd')?.source;
  expect(passwd && 'text' in passwd ? passwd.text : '').toContain('nonroot:x:65532:65532:');
  expect(base.files.find((f) => f.path === '/tmp')?.mode).toBe(0o1777);
  expect(base.files.some((f) => f.path.includes('ca-certificates'))).toBe(false);
});

test('a static binary gets no library layer', () => {
  const spec = corednsImageSpec({ binary: '/cache/bin/coredns', libraries: [], interpreter: undefined }, undefined);
  expect(spec.reference).toBe(COREDNS_IMAGE);
  expect(spec.layers).toHaveLength(2);
  expect(spec.config).toMatchObject({ Entrypoint: ['/coredns'], User: '65532:65532' });
});

test('Redis runs as redis-server (its argv[0] picks the role of Debian\'s multi-call binary), args from the Pod', () => {
  const spec = redisImageSpec({ binary: '/usr/bin/redis-server', ...LIBC }, undefined);
  expect(spec.reference).toBe(REDIS_IMAGE);
  expect(spec.config).toMatchObject({ Entrypoint: ['redis-server'], Cmd: ['--protected-mode', 'no'], User: '65532:65532', WorkingDir: '/data' });
  expect(paths(spec)).toEqual(expect.arrayContaining(['/usr/bin/redis-server', '/data']));
});

test('pause and noop are one static binary each', () => {
  expect(pauseImageSpec('/w/pause')).toMatchObject({ reference: PAUSE_IMAGE, config: { User: '65535:65535', Entrypoint: ['/pause'] } });
  expect(noopImageSpec('/w/noop')).toMatchObject({ reference: NOOP_IMAGE, config: { Entrypoint: ['/noop'] } });
  expect(paths(pauseImageSpec('/w/pause'))).toEqual(['/pause']);
});

test('a module image is one layer with the .wasm at its root', () => {
  const spec = moduleImageSpec('/repo/guest/build/dapr-state-test.wasm', 'docker.io/wasi-modules/dapr-state-test:0.1.0');
  expect(spec.layers).toHaveLength(1);
  expect(spec.layers[0]!.files).toEqual([{ path: '/dapr-state-test.wasm', source: { host: '/repo/guest/build/dapr-state-test.wasm' }, mode: 0o644 }]);
  expect(spec.config.Entrypoint).toBeUndefined();
});

test('config, manifest and layout index have the OCI shapes and a fixed creation time', () => {
  const spec = noopImageSpec('/w/noop');
  const config = imageConfig(spec, ['sha256:aa']);
  expect(config).toMatchObject({ created: IMAGE_CREATED, os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: ['sha256:aa'] } });
  expect((config.history as unknown[]).length).toBe(spec.layers.length);
  const manifest = imageManifest({ mediaType: MEDIA_TYPES.config, digest: 'sha256:cc', size: 1 }, [{ mediaType: MEDIA_TYPES.layerGzip, digest: 'sha256:ll', size: 2 }]);
  expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest });
  expect(layoutIndex({ mediaType: MEDIA_TYPES.manifest, digest: 'sha256:mm', size: 3 }, '1')).toMatchObject({
    manifests: [{ digest: 'sha256:mm', annotations: { 'org.opencontainers.image.ref.name': '1' } }],
  });
});

test("a spec's inputs change with a file's digest and with its config, not with where the file lives", () => {
  const spec = pauseImageSpec('/w/pause');
  expect(hostSources(spec)).toEqual(['/w/pause']);
  const inputs = (digest: string, s: ImageSpec = spec) => JSON.stringify(specInputs(s, () => digest));
  expect(inputs('sha256:1')).toBe(inputs('sha256:1'));
  expect(inputs('sha256:1')).not.toBe(inputs('sha256:2'));
  expect(inputs('sha256:1', { ...spec, config: { ...spec.config, User: '0' } })).not.toBe(inputs('sha256:1'));
  expect(inputs('sha256:1')).not.toContain('/w/pause"');
});

test("the node base's config and the buildah flags that set it", () => {
  const config = nodeBaseConfig('26.10.0');
  expect(config.Env).toContain('NODE_VERSION=26.10.0');
  expect(buildahConfigArgs(config)).toEqual(['--env', config.Env![0], '--env', 'NODE_VERSION=26.10.0', '--cmd', '["node"]']);
  expect(librariesLayer(['/b', '/a', '/b'], undefined).files.map((f) => basename(f.path))).toEqual(['a', 'b']);
});
