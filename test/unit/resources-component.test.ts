import { describe, expect, test } from '@jest/globals';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import {
  buildSharedStateStoreComponent,
  buildStateStoreComponent,
  describeStateStoreDifference,
  groupStateStoreApps,
} from '../../operator/src/resources/component.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

function componentFor(spec: Partial<WasiAppSpec> = {}, config: OperatorConfig = operatorConfig()) {
  return buildStateStoreComponent(wasiApp({ name: 'seed', spec }), config);
}

describe('buildStateStoreComponent', () => {
  test('is a state.redis Component named after the store, labelled with it, scoped to the app id, with no owner references', () => {
    expect(componentFor({ dapr: { appId: 'seed-app', stateStore: { redis: { host: 'redis:6379' } } } })).toEqual({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'statestore',
        namespace: 'demo',
        labels: {
          'app.kubernetes.io/name': 'wasi-app',
          'app.kubernetes.io/instance': 'statestore',
          'app.kubernetes.io/managed-by': 'wasi-operator',
        },
      },
      spec: {
        type: 'state.redis',
        version: 'v1',
        metadata: [
          { name: 'redisHost', value: 'redis:6379' },
          { name: 'enableTLS', value: 'false' },
        ],
      },
      scopes: ['seed-app'],
    });
  });

  test('uses spec.dapr.stateStore.name as the Component name', () => {
    expect(componentFor({ dapr: { stateStore: { name: 'orders' } } })?.metadata.name).toBe('orders');
  });

  test('is scoped to metadata.name when no app id is set', () => {
    expect(componentFor()?.scopes).toEqual(['seed']);
  });

  test('uses the operator default Redis, its password secret and TLS, when the spec names no Redis', () => {
    const config = operatorConfig({
      defaultRedis: { host: 'redis-master.redis.svc:6379', passwordSecretRef: { name: 'redis', key: 'password' }, enableTLS: true },
    });
    expect(componentFor({}, config)?.spec.metadata).toEqual([
      { name: 'redisHost', value: 'redis-master.redis.svc:6379' },
      { name: 'redisPassword', secretKeyRef: { name: 'redis', key: 'password' } },
      { name: 'enableTLS', value: 'true' },
    ]);
  });

  test('takes the password from the spec secret reference', () => {
    const redis = { host: 'redis:6379', passwordSecretRef: { name: 'app-redis', key: 'pw' } };
    expect(componentFor({ dapr: { stateStore: { redis } } })?.spec.metadata).toContainEqual({
      name: 'redisPassword',
      secretKeyRef: { name: 'app-redis', key: 'pw' },
    });
  });

  test('an explicit Redis does not inherit the default Redis password', () => {
    const config = operatorConfig({ defaultRedis: { host: 'default:6379', passwordSecretRef: { name: 'redis', key: 'password' } } });
    const names = componentFor({ dapr: { stateStore: { redis: { host: 'mine:6379' } } } }, config)?.spec.metadata.map((m) => m.name);
    expect(names).toEqual(['redisHost', 'enableTLS']);
  });

  test('writes enableTLS as the string "true" when TLS is on', () => {
    expect(componentFor({ dapr: { stateStore: { redis: { host: 'redis:6380', enableTLS: true } } } })?.spec.metadata).toContainEqual({
      name: 'enableTLS',
      value: 'true',
    });
  });

  test('is undefined when the app uses an existing Component', () => {
    expect(componentFor({ dapr: { stateStore: { existingComponent: 'shared-store' } } })).toBeUndefined();
  });

  test('is undefined when Dapr is disabled', () => {
    expect(componentFor({ dapr: { enabled: false } })).toBeUndefined();
  });
});

describe('groupStateStoreApps and buildSharedStateStoreComponent', () => {
  const config = operatorConfig();
  const app = (name: string, created: string, spec: Partial<WasiAppSpec> = {}, uid = `uid-${name}`) => {
    const made = wasiApp({ name, uid, spec });
    made.metadata.creationTimestamp = created as unknown as Date;
    return made;
  };

  test('one sharer: the same Component as buildStateStoreComponent', () => {
    const only = app('solo', '2030-01-01T00:00:00Z', { dapr: { appId: 'solo-app' } });
    const shared = buildSharedStateStoreComponent([only], config);
    expect(shared).toEqual(buildStateStoreComponent(only, config));
    expect(shared.scopes).toEqual(['solo-app']);
  });

  test("three sharers: scoped to all app ids, with the oldest's settings and no owner references", () => {
    const sharers = [
      app('zeta', '2030-01-01T00:00:00Z'),
      app('alpha', '2030-01-01T00:00:05Z', { dapr: { appId: 'alpha-id' } }),
      app('mid', '2030-01-01T00:00:03Z'),
    ];
    const component = buildSharedStateStoreComponent(sharers, config);
    expect(component.metadata.name).toBe('statestore');
    expect(component.scopes).toEqual(['alpha-id', 'mid', 'zeta']);
    expect(component.metadata.ownerReferences).toBeUndefined();
    expect(component.metadata.labels?.['app.kubernetes.io/instance']).toBe('statestore');
  });

  test('is the same object whatever the order of the sharers', () => {
    const sharers = [app('a', '2030-01-01T00:00:02Z'), app('b', '2030-01-01T00:00:01Z'), app('c', '2030-01-01T00:00:03Z')];
    const first = buildSharedStateStoreComponent(sharers, config);
    for (const order of [[2, 1, 0], [1, 0, 2], [0, 2, 1]]) {
      expect(buildSharedStateStoreComponent(order.map((i) => sharers[i]!), config)).toEqual(first);
    }
  });

  test('the winner is the oldest, then the first by name when created in the same second', () => {
    const apps = [app('late', '2030-01-02T00:00:00Z'), app('early', '2030-01-01T00:00:00Z'), app('also-early', '2030-01-01T00:00:00Z')];
    expect(groupStateStoreApps(apps, 'statestore', config).sharers.map((a) => a.metadata.name)).toEqual(['also-early', 'early', 'late']);
  });

  test('apps asking for other Redis settings than the winner conflict; other stores, existingComponent, Dapr off and deleted apps are left out', () => {
    const deleting = app('deleting', '2029-01-01T00:00:00Z');
    deleting.metadata.deletionTimestamp = '2030-01-03T00:00:00Z' as unknown as Date;
    const apps = [
      app('first', '2030-01-01T00:00:00Z', { dapr: { stateStore: { redis: { host: 'redis-a:6379' } } } }),
      app('same', '2030-01-01T00:00:01Z', { dapr: { stateStore: { redis: { host: 'redis-a:6379' } } } }),
      app('other-host', '2030-01-01T00:00:02Z', { dapr: { stateStore: { redis: { host: 'redis-b:6379' } } } }),
      app('tls', '2030-01-01T00:00:03Z', { dapr: { stateStore: { redis: { host: 'redis-a:6379', enableTLS: true } } } }),
      app('defaults', '2030-01-01T00:00:04Z'),
      app('orders', '2029-01-01T00:00:00Z', { dapr: { stateStore: { name: 'orders' } } }),
      app('existing', '2029-01-01T00:00:00Z', { dapr: { stateStore: { existingComponent: 'statestore' } } }),
      app('no-dapr', '2029-01-01T00:00:00Z', { dapr: { enabled: false } }),
      deleting,
    ];
    const group = groupStateStoreApps(apps, 'statestore', config);
    expect(group.sharers.map((a) => a.metadata.name)).toEqual(['first', 'same']);
    expect(group.conflicting.map((a) => a.metadata.name)).toEqual(['other-host', 'tls', 'defaults']);
    const component = buildSharedStateStoreComponent(group.sharers, config);
    expect(component.scopes).toEqual(['first', 'same']);
    expect(component.spec.metadata).toContainEqual({ name: 'redisHost', value: 'redis-a:6379' });
  });

  test('an explicit Redis equal to the default Redis shares with the apps that use the default', () => {
    const apps = [app('implicit', '2030-01-01T00:00:00Z'), app('explicit', '2030-01-01T00:00:01Z', { dapr: { stateStore: { redis: config.defaultRedis } } })];
    expect(groupStateStoreApps(apps, 'statestore', config).conflicting).toEqual([]);
  });

  test('no group for a store nobody wants', () => {
    expect(groupStateStoreApps([app('a', '2030-01-01T00:00:00Z')], 'orders', config)).toEqual({ sharers: [], conflicting: [], overflow: [] });
  });

  test('with --state-store-scopes=none: no scopes, and the Component is the same size for 100,000 sharers as for one', () => {
    const unscoped = operatorConfig({ stateStoreScopes: 'none' });
    const many = Array.from({ length: 100_000 }, (_, i) => app(`app-${i}`, '2030-01-01T00:00:00Z'));
    const group = groupStateStoreApps(many, 'statestore', unscoped);
    expect(group.sharers).toHaveLength(100_000);
    expect(group.overflow).toEqual([]);
    const component = buildSharedStateStoreComponent(group.sharers, unscoped);
    expect(component.scopes).toBeUndefined();
    expect(JSON.stringify(component)).toBe(JSON.stringify(buildSharedStateStoreComponent([many[0]!], unscoped)));
  });

  test('scoped: the sharers past --state-store-max-scopes, newest, are overflow and not listed; 20,000 ids stay far below the etcd limit', () => {
    const limited = operatorConfig({ stateStoreMaxScopes: 2 });
    const apps = [app('c', '2030-01-01T00:00:03Z'), app('a', '2030-01-01T00:00:01Z'), app('b', '2030-01-01T00:00:02Z')];
    const group = groupStateStoreApps(apps, 'statestore', limited);
    expect(group.sharers.map((a) => a.metadata.name)).toEqual(['a', 'b']);
    expect(group.overflow.map((a) => a.metadata.name)).toEqual(['c']);
    const twentyThousand = Array.from({ length: 20_000 }, (_, i) => app(`wasiapp-number-${i}`, '2030-01-01T00:00:00Z'));
    const big = buildSharedStateStoreComponent(groupStateStoreApps(twentyThousand, 'statestore', config).sharers, config);
    expect(big.scopes).toHaveLength(20_000);
    expect(JSON.stringify(big).length).toBeLessThan(512 * 1024);
  });

  test('describes what differs from the winner', () => {
    const winner = app('first', '2030-01-01T00:00:00Z', { dapr: { stateStore: { redis: { host: 'redis-a:6379' } } } });
    const other = app('second', '2030-01-01T00:00:01Z', {
      dapr: { stateStore: { redis: { host: 'redis-b:6379', passwordSecretRef: { name: 'pw', key: 'password' } } } },
    });
    expect(describeStateStoreDifference(other, winner, config)).toBe(
      'redisHost "redis-a:6379" (this app: "redis-b:6379"), redisPassword unset (this app: secret pw key password)',
    );
  });

  test('refuses an empty group and apps of another namespace', () => {
    expect(() => buildSharedStateStoreComponent([], config)).toThrow(/at least one WasiApp/);
    const elsewhere = wasiApp({ name: 'b', namespace: 'other', uid: 'uid-b' });
    expect(() => buildSharedStateStoreComponent([app('a', '2030-01-01T00:00:00Z'), elsewhere], config)).toThrow(/cannot share/);
  });
});
