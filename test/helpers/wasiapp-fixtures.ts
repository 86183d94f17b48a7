// WasiApps and operator configs for builder tests: a valid app as the API
// server would return it (uid, generation, defaults applied), plus overrides.
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiApp, WasiAppSpec } from '../../operator/src/api/wasiapp.js';

export const TEST_UID = '6f1c2a4e-0b7d-4c1e-9a51-3d2f8e7b9c10';

export interface WasiAppOptions {
  name?: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  spec?: Partial<WasiAppSpec>;
}

export function wasiApp(options: WasiAppOptions = {}): WasiApp {
  return {
    apiVersion: 'wasi-operator.dev/v1alpha1',
    kind: 'WasiApp',
    metadata: {
      name: options.name ?? 'seed',
      namespace: options.namespace ?? 'demo',
      uid: options.uid ?? TEST_UID,
      generation: options.generation ?? 1,
    },
    spec: {
      module: { configMap: { name: 'seed-module', key: 'dapr-state-test.wasm' } },
      ...options.spec,
    },
  };
}

export function operatorConfig(overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return {
    hostImage: 'ghcr.io/wasi-operator/wasi-operator:0.1.0',
    defaultRedis: { host: 'redis-master.redis.svc:6379' },
    namespaces: [],
    ...overrides,
  };
}
