// TypeScript shape of the WasiApp custom resource. The CRD in
// crds/wasiapps.wasi-operator.dev.yaml is the source of truth for validation;
// these types mirror it for the operator's own code.
import type { V1EnvVar, V1ObjectMeta, V1ResourceRequirements } from '@kubernetes/client-node';

export interface ConfigMapModuleSource {
  name: string;
  key: string;
}

export interface WasiModuleSource {
  configMap?: ConfigMapModuleSource;
  url?: string;
  sha256?: string;
  image?: string;
  /** The module's path inside `image`; default `module.wasm`. */
  path?: string;
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface RedisStateStore {
  host: string;
  passwordSecretRef?: SecretKeyRef;
  enableTLS?: boolean;
}

export interface StateStoreSpec {
  name?: string;
  redis?: RedisStateStore;
  existingComponent?: string;
}

export interface DaprSpec {
  enabled?: boolean;
  appId?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  stateStore?: StateStoreSpec;
}

export interface WasiAppSpec {
  module: WasiModuleSource;
  args?: string[];
  env?: V1EnvVar[];
  allowedHosts?: string[];
  maxConcurrentRequests?: number;
  timeoutSeconds?: number;
  maxMemoryMb?: number;
  successOutput?: string;
  resources?: V1ResourceRequirements;
  hostImage?: string;
  dapr?: DaprSpec;
}

export type WasiAppPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What `wasi-host` writes as its termination message (see host/result.ts). */
export interface WasiAppResult {
  passed: boolean;
  exitCode: number;
  reason?: string;
  output?: string;
  compileMillis?: number;
  instantiateMillis?: number;
  runMillis?: number;
}

export interface WasiAppStatus {
  phase?: WasiAppPhase;
  conditions?: Condition[];
  result?: WasiAppResult;
  podName?: string;
  startTime?: string;
  completionTime?: string;
  observedGeneration?: number;
}

export interface WasiApp {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: WasiAppSpec;
  status?: WasiAppStatus;
}
