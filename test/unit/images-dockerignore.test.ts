// The image cache fingerprints the build context through .dockerignore, so
// its rules must mean what they mean to Docker and buildah (moby's
// patternmatcher), and the repository's own file must let in exactly what
// the Dockerfile copies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIgnored, mayReinclude, parseDockerignore, patternRegex } from '../../dev/images/dockerignore.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

test('* and ? stay within a path element, ** spans any number', () => {
  expect(patternRegex('dist/*.map').test('dist/a.map')).toBe(true);
  expect(patternRegex('dist/*.map').test('dist/sub/a.map')).toBe(false);
  expect(patternRegex('**/*.map').test('dist/sub/a.map')).toBe(true);
  expect(patternRegex('**/*.map').test('a.map')).toBe(true);
  expect(patternRegex('a?c').test('abc')).toBe(true);
  expect(patternRegex('a?c').test('a/c')).toBe(false);
  expect(patternRegex('a.b').test('aXb')).toBe(false);
});

test('a rule that matches a directory matches what is below it; the last matching rule decides', () => {
  const rules = parseDockerignore('# comment\n\nnode_modules\n/coverage/\ndist/*\n!dist/operator\ndist/operator/**/*.map\n');
  expect(isIgnored(rules, 'node_modules/a/b.js')).toBe(true);
  expect(isIgnored(rules, 'coverage/lcov.info')).toBe(true);
  expect(isIgnored(rules, 'dist/.tsbuildinfo')).toBe(true);
  expect(isIgnored(rules, 'dist/operator/src/x.js')).toBe(false);
  expect(isIgnored(rules, 'dist/operator/src/x.js.map')).toBe(true);
  expect(isIgnored(rules, 'src/node_modules')).toBe(false);
});

test('a walk looks into an ignored directory only when a ! rule could let something below it back in', () => {
  const rules = parseDockerignore('*\n!guest/build/dapr-state-test.wasm\n!dist/operator\n');
  expect(mayReinclude(rules, 'guest')).toBe(true);
  expect(mayReinclude(rules, 'guest/build')).toBe(true);
  expect(mayReinclude(rules, 'guest/src')).toBe(false);
  expect(mayReinclude(rules, 'operator')).toBe(false);
  expect(mayReinclude(parseDockerignore('*\n!**/keep'), 'anything/deep')).toBe(true);
});

test("the repository's .dockerignore lets in what the Dockerfile copies and nothing the image does not need", () => {
  const root = packageRoot();
  const rules = parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8'));
  const copied = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY\s+(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/).slice(0, -1));
  expect(copied.length).toBeGreaterThan(0);
  expect(copied.filter((path) => isIgnored(rules, path))).toEqual([]);
  expect(isIgnored(rules, 'dist/operator/src/cli/wasi-operator.js')).toBe(false);
  for (const out of ['.git/HEAD', 'node_modules/jest/package.json', 'operator/src/cli/wasi-operator.ts', 'test/unit/x.test.ts', 'dist/.tsbuildinfo', 'guest/build/flood.wasm', 'README.md', 'charts/wasi-operator/values.yaml']) {
    expect([out, isIgnored(rules, out)]).toEqual([out, true]);
  }
});

test("the repository's .dockerignore keeps the development harness (dev/ and its build, dist/dev) out of the image's build context", () => {
  const rules = parseDockerignore(readFileSync(join(packageRoot(), '.dockerignore'), 'utf8'));
  expect(isIgnored(rules, 'dev/cluster/cluster.ts')).toBe(true);
  expect(isIgnored(rules, 'dist/dev/cli/wasi-dev.js')).toBe(true);
  expect(isIgnored(rules, 'dist/operator/src/cli/wasi-operator.js')).toBe(false);
});
