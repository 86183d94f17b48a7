// Where each image lives in the local registry: containerd asks a mirror for
// the same repository path as the upstream registry, so an image is pushed
// under its reference's path with the registry name dropped.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  COREDNS_IMAGE,
  DAPR_IMAGE_NAMES,
  DAPR_IMAGES,
  localReference,
  moduleImage,
  normalizeReference,
  NOOP_IMAGE,
  PAUSE_IMAGE,
  parseReference,
  REDIS_IMAGE,
  wasiOperatorImage,
} from '../../dev/images/refs.js';
import { DAPRD } from '../../dev/tools/pins.js';

test('short names normalize as containerd normalizes them', () => {
  expect(normalizeReference('wasi-operator:0.1.0')).toBe('docker.io/library/wasi-operator:0.1.0');
  expect(normalizeReference('redis')).toBe('docker.io/library/redis:latest');
  expect(normalizeReference('wasi-modules/dapr-state-test:1')).toBe('docker.io/wasi-modules/dapr-state-test:1');
  expect(normalizeReference('localhost/foo:2')).toBe('localhost/foo:2');
  expect(normalizeReference('127.0.0.1:5111/library/noop:1')).toBe('127.0.0.1:5111/library/noop:1');
});

test('each image is pushed where a mirror of its registry is asked for it', () => {
  const registry = '127.0.0.1:5111';
  expect(localReference(registry, wasiOperatorImage('0.1.0'))).toBe('127.0.0.1:5111/library/wasi-operator:0.1.0');
  expect(localReference(registry, 'wasi-operator:latest')).toBe('127.0.0.1:5111/library/wasi-operator:latest');
  expect(localReference(registry, PAUSE_IMAGE)).toMatch(/^127\.0\.0\.1:5111\/pause:3\.10\.\d+$/);
  expect(localReference(registry, COREDNS_IMAGE)).toBe('127.0.0.1:5111/coredns/coredns:v1.15.0');
  expect(localReference(registry, DAPR_IMAGES.daprd)).toBe(`127.0.0.1:5111/dapr/daprd:${DAPRD.version.slice(1)}`);
  expect(localReference(registry, REDIS_IMAGE)).toBe('127.0.0.1:5111/library/redis:7');
  expect(localReference(registry, NOOP_IMAGE)).toBe('127.0.0.1:5111/library/noop:1');
  expect(localReference(registry, moduleImage('dapr-state-test', '0.1.0'))).toBe('127.0.0.1:5111/wasi-modules/dapr-state-test:0.1.0');
});

test("Dapr's images carry the dapr module's version and sit under the chart's default registry", () => {
  expect(parseReference(DAPR_IMAGES.sentry)).toEqual({ domain: 'ghcr.io', path: 'dapr/sentry', tag: DAPRD.version.replace(/^v/, '') });
  expect(Object.keys(DAPR_IMAGES).sort()).toEqual([...DAPR_IMAGE_NAMES].sort());
});

test('bad references are errors with a stable code', () => {
  for (const bad of ['UPPER/case:1', 'foo@sha256:abc', 'foo:bad tag', 'a//b']) {
    expect(() => parseReference(bad)).toThrow(expect.objectContaining({ code: 'ERR_IMAGE_REFERENCE' }));
  }
});

// The names must be the ones the chart's templates use; checked against the
// chart itself where the dapr module is in Go's module cache.
const chartDir = join(process.env.GOMODCACHE ?? join(homedir(), 'go', 'pkg', 'mod'), `github.com/dapr/dapr@${DAPRD.version}`, 'charts', 'dapr', 'charts');
(existsSync(chartDir) ? test : test.skip)("the image names are those of Dapr's chart (image.name, injectorImage.name)", () => {
  const names = ['dapr_operator', 'dapr_placement', 'dapr_scheduler', 'dapr_sentry', 'dapr_sidecar_injector'].flatMap((chart) =>
    [...readFileSync(join(chartDir, chart, 'values.yaml'), 'utf8').matchAll(/^(?:image|injectorImage):\n\s+name: "([^"]+)"/gm)].map((m) => m[1]),
  );
  expect(names.sort()).toEqual([...DAPR_IMAGE_NAMES].sort());
});
