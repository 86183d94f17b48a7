// One store shared by more WasiApps than the old Component could hold. With an
// owner reference and a scope per sharer it reached 6,521 of 7,000 apps
// (1.17 MB) before etcd refused every apply ("request is too large") and
// every sharer's reconcile failed from then on. Now it holds only scopes: the
// same 7,000 apps all get StateStoreReady=True and a run, and the Component
// stays a small fraction of the limit. The apps are suspended (each run's Job
// is made but holds its Pod), so the test measures the store, not Pods.
import type { RunningOperator } from '../../operator/src/controller/operator.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { clientsFor, createApp, eventually, inParallel, listComponents, runOperator, type Clients } from './controller-support.js';

const SHARERS = 7_000;
/** The old design failed at 6,521 sharers; etcd's request limit is 1.5 MiB. */
const ETCD_REQUEST_LIMIT = 1.5 * 1024 * 1024;

let cluster: TestCluster;
let c: Clients;
let operator: RunningOperator | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  c = clientsFor(cluster.kc);
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
});

test(`${SHARERS} apps share one store: every one gets StateStoreReady=True and its run, and the Component stays far below the etcd limit`, async () => {
  const namespace = await cluster.createNamespace('store-scale');
  const names = Array.from({ length: SHARERS }, (_, i) => `sharer-${String(i).padStart(5, '0')}`);
  await inParallel(names, 16, (name) => createApp(c, namespace, name, { suspend: true }));
  operator = await runOperator(cluster.kc, { concurrency: 10 });

  const component = await eventually(
    'the Component scoped to every app',
    async () => {
      const [found] = await listComponents(c, namespace);
      return found?.scopes?.length === SHARERS && found;
    },
    { timeoutMs: 600_000, intervalMs: 2000 },
  );
  expect(component.metadata.ownerReferences).toBeUndefined();
  expect(JSON.stringify(component).length).toBeLessThan(ETCD_REQUEST_LIMIT / 10);

  // Every app past the old limit too: counted from the API server, a page at a time.
  await eventually(
    'StateStoreReady=True on every app',
    async () => {
      let ready = 0;
      let _continue: string | undefined;
      do {
        const page = (await c.custom.listNamespacedCustomObject({ group: 'wasi-operator.dev', version: 'v1alpha1', plural: 'wasiapps', namespace, limit: 1000, _continue })) as {
          items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
          metadata?: { continue?: string };
        };
        ready += page.items.filter((app) => app.status?.conditions?.some((x) => x.type === 'StateStoreReady' && x.status === 'True')).length;
        _continue = page.metadata?.continue || undefined;
      } while (_continue);
      return ready === SHARERS;
    },
    { timeoutMs: 600_000, intervalMs: 10_000 },
  );
  const jobs = await c.batch.listNamespacedJob({ namespace });
  expect(jobs.items).toHaveLength(SHARERS);
}, 1_500_000);
