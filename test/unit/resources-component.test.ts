import { describe, expect, test } from '@jest/globals';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { buildStateStoreComponent } from '../../operator/src/resources/component.js';
import { TEST_UID, operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

function componentFor(spec: Partial<WasiAppSpec> = {}, config: OperatorConfig = operatorConfig()) {
  return buildStateStoreComponent(wasiApp({ name: 'seed', spec }), config);
}

describe('buildStateStoreComponent', () => {
  test('is a state.redis Component named after the store, scoped to the app id, controlled by the app', () => {
    expect(componentFor({ dapr: { appId: 'seed-app', stateStore: { redis: { host: 'redis:6379' } } } })).toEqual({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'statestore',
        namespace: 'demo',
        labels: {
          'app.kubernetes.io/name': 'wasi-app',
          'app.kubernetes.io/instance': 'seed',
          'app.kubernetes.io/managed-by': 'wasi-operator',
        },
        ownerReferences: [
          { apiVersion: 'wasi-operator.dev/v1alpha1', kind: 'WasiApp', name: 'seed', uid: TEST_UID, controller: true, blockOwnerDeletion: true },
        ],
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
