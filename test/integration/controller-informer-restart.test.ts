// The Components informer survives its resource going away: with Dapr's CRD
// deleted its list fails (404), the informer restarts with backoff, and once
// the CRD is back it lists and watches again, so apps waiting for a Component
// carry on. Meanwhile apps without Dapr are still reconciled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { clientsFor, createApp, createUserComponent, eventually, getApp, podsOf, runOperator } from './controller-support.js';

const CRD_NAME = 'components.dapr.io';

let cluster: TestCluster;
let operator: RunningOperator | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
});

test('the Components informer restarts after its CRD was deleted and re-created', async () => {
  const extensions = cluster.kc.makeApiClient(ApiextensionsV1Api);
  const c = clientsFor(cluster.kc);
  const crd = load(readFileSync(join(process.cwd(), 'crds', `${CRD_NAME}.yaml`), 'utf8')) as V1CustomResourceDefinition;
  const namespace = await cluster.createNamespace('restart-informer');

  operator = await runOperator(cluster.kc);
  await extensions.deleteCustomResourceDefinition({ name: CRD_NAME });
  await eventually('the CRD to be gone', async () => {
    try {
      await extensions.readCustomResourceDefinition({ name: CRD_NAME });
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  });

  // Without the Component CRD, an app without Dapr still runs.
  await createApp(c, namespace, 'no-dapr', { dapr: { enabled: false } });
  await eventually('pod of no-dapr', async () => (await podsOf(c, namespace, 'no-dapr')).length === 1);
  await createApp(c, namespace, 'waits', { dapr: { stateStore: { existingComponent: 'later' } } });
  await eventually('ComponentNotFound', async () =>
    (await getApp(c, namespace, 'waits')).status?.conditions?.some((x) => x.reason === 'ComponentNotFound'),
  );

  await extensions.createCustomResourceDefinition({ body: crd });
  await eventually(
    'a Component to be accepted',
    async () => {
      await createUserComponent(c, namespace, 'later', 'later:6379');
      return true;
    },
    { timeoutMs: 30_000 },
  );
  // The informer's backoff is at most 30 s; the Component's add event wakes the app.
  await eventually('pod of waits', async () => (await podsOf(c, namespace, 'waits')).length === 1, { timeoutMs: 60_000 });
  // The status is written after the Pod is applied: wait until it no longer says ComponentNotFound.
  const store = await eventually('StateStoreReady after the Component appeared', async () => {
    const condition = (await getApp(c, namespace, 'waits')).status?.conditions?.find((x) => x.type === 'StateStoreReady');
    return condition?.reason !== 'ComponentNotFound' && condition;
  });
  expect(store).toMatchObject({ status: 'True', reason: 'ExistingComponentFound' });
}, 180_000);
