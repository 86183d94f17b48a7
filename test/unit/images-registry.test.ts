// The registry's config and command line (the cluster code starts it), and
// the npm config our Dockerfile's `RUN npm ci` gets on this machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNpmrc } from '../../dev/images/app-image.js';
import { mountsUnder, REGISTRIES_CONF } from '../../dev/images/buildah.js';
import { registryCommandLine, registryConfig, waitForRegistry } from '../../dev/images/registry.js';

test('the registry keeps its storage where it is told and listens on loopback only', () => {
  const config = JSON.parse(registryConfig('/cache/registry', '127.0.0.1:5111')) as Record<string, Record<string, unknown>>;
  expect(config.storage).toMatchObject({ filesystem: { rootdirectory: '/cache/registry' } });
  expect(config.http).toMatchObject({ addr: '127.0.0.1:5111' });
});

test('registryCommandLine writes config.yml and returns `registry serve CONFIG`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-registry-'));
  try {
    const line = registryCommandLine({ binary: '/bin/registry', storageDir: join(dir, 'storage'), address: '127.0.0.1:5111', configDir: join(dir, 'state') });
    expect(line.binary).toBe('/bin/registry');
    expect(line.args).toEqual(['serve', line.configPath]);
    expect(line.configPath.startsWith(join(dir, 'state'))).toBe(true);
    expect(readFileSync(line.configPath, 'utf8')).toContain(join(dir, 'storage'));
    expect(line.env).toMatchObject({ OTEL_TRACES_EXPORTER: 'none' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('waitForRegistry with no time left asks once and fails with a stable code', async () => {
  await expect(waitForRegistry('127.0.0.1:1', 0)).rejects.toMatchObject({ code: 'ERR_REGISTRY_UNREACHABLE' });
});

test("npm in the build trusts this machine's CA bundle and uses its proxy, if any", () => {
  expect(buildNpmrc('/usr/local/etc/host-ca.crt', {})).toBe('cafile=/usr/local/etc/host-ca.crt\n');
  expect(buildNpmrc(undefined, { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost' })).toBe('https-proxy=http://proxy:3128\nnoproxy=localhost\n');
  expect(buildNpmrc(undefined, {})).toBe('');
});

test("buildah resolves short names as Docker does, against docker.io, without prompting", () => {
  expect(REGISTRIES_CONF).toContain('unqualified-search-registries = ["docker.io"]');
  expect(REGISTRIES_CONF).toContain('short-name-mode = "permissive"');
});

test("the overlay store's own mounts are found in mountinfo, deepest first, and nothing else", () => {
  const mountinfo = [
    '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '46 26 254:0 /c/images/buildah/storage-overlay/overlay /c/images/buildah/storage-overlay/overlay rw,relatime - ext4 /dev/vda rw',
    '47 46 0:50 / /c/images/buildah/storage-overlay/overlay/abc/merged rw - overlay overlay rw',
    '48 22 0:51 / /c/images/buildah/storage-overlay-other rw - tmpfs tmpfs rw',
    '49 22 0:52 / /c/images/buildah/runroot-overlay/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  expect(mountsUnder(mountinfo, ['/c/images/buildah/storage-overlay', '/c/images/buildah/runroot-overlay'])).toEqual([
    '/c/images/buildah/storage-overlay/overlay/abc/merged',
    '/c/images/buildah/runroot-overlay/with space',
    '/c/images/buildah/storage-overlay/overlay',
  ]);
});
