// What a run that failed on its state store (the host's reason
// StateStoreUnavailable) tells the user: which store, where its Redis is
// (what the operator put in the Component, or the user's own Component), what
// daprd said, and what to check. Pure.
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp, WasiAppDaprError, WasiAppResult } from '../api/wasiapp.js';
import { storeNameFor } from '../resources/names.js';
import { isDaprEnabled } from '../resources/spec-defaults.js';

/** The app's state store as the operator set it up. */
export interface StateStoreTarget {
  /** The store name the guest's requests use (the Component's name). */
  store: string;
  namespace: string;
  /** host:port of the Redis in the operator's Component; absent for an existingComponent. */
  redisHost?: string;
  /** spec.dapr.stateStore.existingComponent. */
  existingComponent?: string;
}

export function stateStoreTargetFor(app: WasiApp, config: OperatorConfig): StateStoreTarget | undefined {
  if (!isDaprEnabled(app)) return undefined;
  const namespace = app.metadata.namespace ?? 'default';
  const stateStore = app.spec.dapr?.stateStore;
  if (stateStore?.existingComponent) return { store: storeNameFor(app), namespace, existingComponent: stateStore.existingComponent };
  return { store: storeNameFor(app), namespace, redisHost: (stateStore?.redis ?? config.defaultRedis).host };
}

function daprSaid(error: WasiAppDaprError | undefined): string {
  if (!error) return 'it failed during the run';
  const code = error.errorCode ? `${error.errorCode}: ` : '';
  return `${code}${error.message}`;
}

/** `state store "statestore" (Redis at redis.test.svc:6379)`, as far as it is known. */
function describeStore(store: string, target: StateStoreTarget | undefined): string {
  if (!target || target.store !== store) return `state store "${store}"`;
  if (target.existingComponent) return `state store "${store}" (the existing Dapr Component ${target.existingComponent})`;
  return `state store "${store}" (Redis at ${target.redisHost})`;
}

function whatToCheck(store: string, target: StateStoreTarget | undefined): string {
  const where = target ? ` from namespace ${target.namespace}` : '';
  if (target && target.store === store && target.existingComponent) {
    return `check that the Redis (or other store) that Component ${target.existingComponent} names is up and reachable${where}`;
  }
  if (target && target.store === store) return `check that Redis at ${target.redisHost} is up and reachable${where}`;
  return `check that the store behind the Dapr Component ${store} (Redis) is up and reachable${where}`;
}

/** The Succeeded condition's message (and the run's and the Event's) for a StateStoreUnavailable result. */
export function stateStoreFailureMessage(result: WasiAppResult, target: StateStoreTarget | undefined): string {
  const error = result.daprError;
  const store = error?.store || target?.store || 'statestore';
  const prefix = `the guest failed (exit code ${result.exitCode})`;
  const failed = error?.status === 0 ? 'did not answer' : 'failed';
  return `${prefix}: ${describeStore(store, target)} ${failed}: ${daprSaid(error)}; ${whatToCheck(store, target)}`;
}
