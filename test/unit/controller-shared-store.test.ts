// The shared state store without a cluster: the caches are maps, the API
// server is an in-memory writer that stamps resourceVersions. What the tests
// look at is what a user would: each app's StateStoreReady, the Component
// the "server" holds, and which apps were woken.
import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import type { ComponentObject } from '../../operator/src/api/dapr-component.js';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { keyOf } from '../../operator/src/controller/keys.js';
import { COMPONENT_PENDING, SharedStateStores, type ComponentWriter } from '../../operator/src/controller/shared-store.js';
import type { StateStoreState } from '../../operator/src/controller/status.js';
import { componentNameFor } from '../../operator/src/resources/names.js';
import { wantsOperatorComponent } from '../../operator/src/resources/component.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

const log = pino({ level: 'silent' });
const NAMESPACE = 'demo';

/** A namespace's apps and Components as informer caches hold them, and an API server that writes into them. */
class World {
  readonly apps = new Map<string, WasiApp>();
  readonly components = new Map<string, ComponentObject>();
  readonly requeued: string[] = [];
  readonly events: string[] = [];
  applies = 0;
  deletes = 0;
  /** While set, an apply waits for it (an apply in flight). */
  gate: Promise<void> | undefined;
  /** While set, an apply fails with it. */
  failure: Error | undefined;
  private revision = 0;
  private resourceVersion = 100;
  private age = 0;
  readonly stores: SharedStateStores;

  constructor(config: OperatorConfig = operatorConfig()) {
    const writer: ComponentWriter = {
      apply: async (component) => {
        this.applies += 1;
        await this.gate;
        if (this.failure) throw this.failure;
        const stored = structuredClone(component);
        stored.metadata = { ...stored.metadata, resourceVersion: String((this.resourceVersion += 1)), uid: 'component-uid' };
        this.components.set(stored.metadata.name as string, stored);
        return stored;
      },
      delete: async (_namespace, name) => {
        this.deletes += 1;
        this.components.delete(name);
      },
    };
    const cacheOf = <T>(items: Map<string, T>) => ({
      get: (name: string) => items.get(name),
      list: () => [...items.values()],
    });
    this.stores = new SharedStateStores({
      config,
      caches: {
        apps: cacheOf(this.apps),
        components: cacheOf(this.components),
        storeRevision: () => this.revision,
        storeMembers: (_namespace, store) => [...this.apps.values()].filter((app) => wantsOperatorComponent(app) && componentNameFor(app) === store).length,
      },
      writer,
      events: { normal: (_app, reason, message) => void this.events.push(`${reason}: ${message}`) },
      log,
      requeue: (key) => void this.requeued.push(key),
      applyIntervalMs: 0,
    });
  }

  /** A new app, younger than every app before it. */
  add(name: string, spec: Partial<WasiAppSpec> = {}): WasiApp {
    const app = wasiApp({ name, namespace: NAMESPACE, uid: `uid-${name}`, spec });
    this.age += 1;
    app.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, this.age));
    this.apps.set(name, app);
    this.revision += 1;
    return app;
  }

  remove(name: string): void {
    this.apps.delete(name);
    this.revision += 1;
  }

  state(app: WasiApp): Promise<StateStoreState | typeof COMPONENT_PENDING> {
    return this.stores.stateOf(app, log);
  }

  /** Lets background applies run to their end. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SharedStateStores.stateOf', () => {
  test('an app with Dapr off has no store and is ready', async () => {
    const world = new World();
    expect(await world.state(world.add('plain', { dapr: { enabled: false } }))).toMatchObject({ status: 'True', reason: 'DaprDisabled' });
    expect(world.applies).toBe(0);
  });

  test('an existing Component that is missing says which and what to do; once it exists the app is ready', async () => {
    const world = new World();
    const app = world.add('borrower', { dapr: { stateStore: { existingComponent: 'theirs' } } });
    const missing = await world.state(app);
    expect(missing).toMatchObject({ status: 'False', reason: 'ComponentNotFound' });
    expect((missing as StateStoreState).message).toContain('Dapr Component theirs named in spec.dapr.stateStore.existingComponent does not exist');
    world.components.set('theirs', { apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name: 'theirs', namespace: NAMESPACE } });
    expect(await world.state(app)).toMatchObject({ status: 'True', reason: 'ExistingComponentFound' });
    expect(world.applies).toBe(0);
  });

  test('a Component of the same name made by someone else is not taken over', async () => {
    const world = new World();
    world.components.set('statestore', { apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name: 'statestore', namespace: NAMESPACE } });
    const state = await world.state(world.add('seed'));
    expect(state).toMatchObject({ status: 'False', reason: 'ComponentConflict' });
    expect((state as StateStoreState).message).toContain('set spec.dapr.stateStore.existingComponent: statestore');
    expect(world.applies).toBe(0);
  });

  test('the first app waits for the Component, is woken when it is applied, and is then ready', async () => {
    const world = new World();
    const app = world.add('seed');
    expect(await world.state(app)).toBe(COMPONENT_PENDING);
    await world.settle();
    expect(world.requeued).toEqual([keyOf(app)]);
    expect(world.components.get('statestore')?.scopes).toEqual(['seed']);
    expect(world.events).toEqual(['ComponentApplied: applied Dapr Component statestore (state.redis)']);
    expect(await world.state(app)).toMatchObject({ status: 'True', reason: 'ComponentApplied' });
    expect(world.applies).toBe(1);
  });

  test('apps that join while an apply is in flight share the next apply, and all are woken', async () => {
    const world = new World();
    let open!: () => void;
    world.gate = new Promise((resolve) => (open = resolve));
    const first = world.add('app-0');
    expect(await world.state(first)).toBe(COMPONENT_PENDING);
    const joiners = Array.from({ length: 5 }, (_, i) => world.add(`app-${i + 1}`));
    for (const app of joiners) expect(await world.state(app)).toBe(COMPONENT_PENDING);
    open();
    await world.settle();
    // One apply for the first app; the five joiners wait on it too and go on with the freshest group.
    expect(world.requeued.sort()).toEqual([first, ...joiners].map(keyOf).sort());
    for (const app of joiners) {
      const state = await world.state(app);
      if (state === COMPONENT_PENDING) await world.settle();
    }
    expect(world.components.get('statestore')?.scopes).toEqual(['app-0', 'app-1', 'app-2', 'app-3', 'app-4', 'app-5']);
    expect(world.applies).toBeLessThanOrEqual(2);
  });

  test('an app with other Redis settings than the store holder is told whose store it is and how they differ', async () => {
    const world = new World();
    const holder = world.add('holder', { dapr: { stateStore: { redis: { host: 'redis-a:6379' } } } });
    await world.state(holder);
    await world.settle();
    const other = world.add('other', { dapr: { stateStore: { redis: { host: 'redis-b:6379' } } } });
    const state = await world.state(other);
    expect(state).toMatchObject({ status: 'False', reason: 'ComponentConflict' });
    expect((state as StateStoreState).message).toContain('is held by WasiApp holder with other Redis settings');
    expect(world.components.get('statestore')?.scopes).toEqual(['holder']);
  });

  test('a full Component leaves the newest app out with ComponentFull, and takes it in when an older sharer leaves', async () => {
    const world = new World(operatorConfig({ stateStoreMaxScopes: 2 }));
    const apps = ['a', 'b', 'c'].map((name) => world.add(name));
    for (const app of apps.slice(0, 2)) await world.state(app);
    await world.settle();
    expect(world.components.get('statestore')?.scopes).toEqual(['a', 'b']);
    expect(await world.state(apps[2]!)).toMatchObject({ status: 'False', reason: 'ComponentFull' });
    world.remove('a');
    await world.stores.sweep(NAMESPACE);
    expect(world.components.get('statestore')?.scopes).toEqual(['b', 'c']);
    expect(await world.state(apps[2]!)).toMatchObject({ status: 'True', reason: 'ComponentApplied' });
  });

  test('while the Component cannot be applied, waiting apps are woken and then fail with the error (a retry with backoff)', async () => {
    const world = new World();
    world.failure = new Error('admission webhook denied the request');
    const app = world.add('seed');
    expect(await world.state(app)).toBe(COMPONENT_PENDING);
    await world.settle();
    expect(world.requeued).toEqual([keyOf(app)]);
    await expect(world.state(app)).rejects.toThrow('admission webhook denied the request');
    world.failure = undefined;
    expect(await world.state(app)).toMatchObject({ status: 'True', reason: 'ComponentApplied' });
    expect(world.components.get('statestore')?.scopes).toEqual(['seed']);
  });
});

describe('SharedStateStores.sweep', () => {
  test('deletes the Component once its last sharer is gone, and leaves a Component with sharers in place', async () => {
    const world = new World();
    const [one, two] = [world.add('one'), world.add('two')];
    await world.state(one);
    await world.settle();
    await world.state(two);
    await world.settle();
    expect(world.components.get('statestore')?.scopes).toEqual(['one', 'two']);

    world.remove('one');
    await world.stores.sweep(NAMESPACE);
    expect(world.components.get('statestore')?.scopes).toEqual(['two']);
    world.remove('two');
    await world.stores.sweep(NAMESPACE);
    expect(world.components.has('statestore')).toBe(false);
    expect(world.deletes).toBe(1);
  });

  test('never deletes a Component the operator did not make', async () => {
    const world = new World();
    world.components.set('theirs', { apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name: 'theirs', namespace: NAMESPACE } });
    await world.stores.sweep(NAMESPACE);
    expect(world.components.has('theirs')).toBe(true);
    expect(world.deletes).toBe(0);
  });
});
