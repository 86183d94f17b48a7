// The WasiApp `wasi-operator smoke` creates: the seed's example, renamed when
// it shares a namespace with the user's own apps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { EXAMPLE_PATH, SEED_APP } from '../../operator/src/cli/smoke/seed-app.js';
import { smokeApp } from '../../operator/src/cli/smoke/smoke-test.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

test('the WasiApp embedded in the smoke command is examples/wasiapp-seed.yaml, field for field', () => {
  expect(SEED_APP).toEqual(yaml.load(readFileSync(join(packageRoot(), EXAMPLE_PATH), 'utf8')));
});

test("in a namespace of its own: the example's names, moved into that namespace", () => {
  const app = smokeApp('wasi-smoke-abcde', false);
  expect(app.metadata).toMatchObject({ name: 'seed', namespace: 'wasi-smoke-abcde' });
  expect(app.spec.module.configMap).toEqual({ name: 'dapr-state-test', key: 'dapr-state-test.wasm' });
  expect(app.spec.successOutput).toBe('Test successfully!');
});

test("in a shared namespace: app and ConfigMap named wasi-smoke-SUFFIX, so the user's seed and dapr-state-test are never touched", () => {
  const app = smokeApp('team-a', true, 'x1y2z');
  expect(app.metadata).toMatchObject({ name: 'wasi-smoke-x1y2z', namespace: 'team-a' });
  expect(app.spec.module.configMap).toEqual({ name: 'wasi-smoke-x1y2z', key: 'dapr-state-test.wasm' });
  expect(smokeApp('team-a', true).metadata.name).toMatch(/^wasi-smoke-[0-9a-f]{5}$/);
});
