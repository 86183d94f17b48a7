// The whole local loop on the node agent: a WasiApp's Pod and state-store
// Component as the operator builds them, a real daprd started by the agent
// in the injector's place, a real Redis, and the seed guest's verdict in the
// container's termination message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WASIAPP_KIND, WASIAPP_PLURAL } from '../../operator/src/api/names.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { repoRoot } from '../../operator/src/local/repo-root.js';
import { isToolCurrent, toolPaths } from '../../operator/src/local/tools/go-build.js';
import { DAPRD } from '../../operator/src/local/tools/pins.js';
import { buildStateStoreComponent } from '../../operator/src/resources/component.js';
import { buildHostPod } from '../../operator/src/resources/pod.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { operatorConfig } from '../helpers/wasiapp-fixtures.js';

let cluster: TestCluster;
let redis: TestRedis;

beforeAll(async () => {
  if (!isToolCurrent(DAPRD)) throw new Error('daprd is not built yet: run `node bin/wasi-operator.mjs tools ensure daprd`');
  redis = await startRedis();
  // The helper's in-process node agent, with a daprd for sidecars.
  cluster = await startTestCluster({ nodeAgent: true, daprdPath: toolPaths(DAPRD).daprd! });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

test('a WasiApp Pod with Dapr runs next to a daprd loaded with its Component and passes the seed test', async () => {
  const namespace = await cluster.createNamespace('dapr');
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const module = readFileSync(join(repoRoot(), 'guest', 'build', 'dapr-state-test.wasm')).toString('base64');
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'seed' }, binaryData: { 'dapr-state-test.wasm': module } } });
  const app = (await custom.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: WASIAPP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: WASIAPP_KIND, metadata: { name: 'seed' }, spec: { module: { configMap: { name: 'seed', key: 'dapr-state-test.wasm' } } } },
  })) as WasiApp;
  const config = operatorConfig({ defaultRedis: { host: redis.address } });
  const component = buildStateStoreComponent(app, config)!;
  await custom.createNamespacedCustomObject({ group: 'dapr.io', version: 'v1alpha1', namespace, plural: 'components', body: component });
  const pod = await core.createNamespacedPod({ namespace, body: buildHostPod(app, config) });

  let done: V1Pod;
  const deadline = Date.now() + 90_000;
  do {
    await sleep(250);
    done = await core.readNamespacedPod({ name: pod.metadata!.name!, namespace });
  } while (!['Succeeded', 'Failed'].includes(done.status?.phase ?? '') && Date.now() < deadline);

  const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
  expect({ phase: done.status?.phase, exitCode: terminated?.exitCode }).toEqual({ phase: 'Succeeded', exitCode: 0 });
  expect(JSON.parse(terminated?.message ?? '{}')).toMatchObject({ passed: true, exitCode: 0 });
  expect((JSON.parse(terminated?.message ?? '{}') as { output: string }).output).toContain('Test successfully!');
}, 120_000);
