// What the operator is configured with (flags and env, parsed in
// controller/config.ts); the pure resource builders take it as input.
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import type { SecretKeyRef } from './wasiapp.js';

export interface DefaultRedisConfig {
  /** host:port of the Redis that backs WasiApps that name no state store. */
  host: string;
  passwordSecretRef?: SecretKeyRef;
  enableTLS?: boolean;
}

export interface OperatorConfig {
  /** Image that runs `wasi-host`; a WasiApp's spec.hostImage overrides it. */
  hostImage: string;
  defaultRedis: DefaultRedisConfig;
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: string[];
  /** Requests and limits of the host container when a WasiApp sets no spec.resources. */
  defaultHostResources?: V1ResourceRequirements;
  /**
   * Seconds added per attempt to spec.timeoutSeconds for a run Job's
   * activeDeadlineSeconds: scheduling, image pull and the sidecar's start.
   * The host's own timeout stops the guest first; the deadline is the backstop.
   */
  jobDeadlineAllowanceSeconds?: number;
  /**
   * Who may load a shared state store Component: `sharers` (default) lists
   * the app ids of the WasiApps that share it in its scopes, so no other Dapr
   * app of the namespace loads it or its Redis credentials; `none` leaves
   * scopes out (every Dapr app of the namespace may load it, Dapr's default)
   * and keeps the Component the same size whatever the number of sharers.
   */
  stateStoreScopes?: StateStoreScopes;
  /**
   * With `sharers`: the most app ids one Component lists (each about 20-70
   * bytes; etcd refuses an object over 1.5 MiB). The sharers past it, newest
   * first, get StateStoreReady=False (ComponentFull); those listed keep theirs.
   */
  stateStoreMaxScopes?: number;
}

export type StateStoreScopes = 'sharers' | 'none';

export const DEFAULT_STATE_STORE_MAX_SCOPES = 20_000;
