// TypeScript shape of the WasiApp custom resource. The CRD in
// crds/wasiapps.wasi-operator.dev.yaml is the source of truth for validation;
// these types mirror it for the operator's own code.
import type {
  V1Affinity,
  V1EnvVar,
  V1LocalObjectReference,
  V1ObjectMeta,
  V1ResourceRequirements,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';

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

/** Scheduling and Pod fields passed to the run's Pod template (the operator's labels and Dapr annotations win). */
export interface PodOverrides {
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  priorityClassName?: string;
  serviceAccountName?: string;
  imagePullSecrets?: V1LocalObjectReference[];
  runtimeClassName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A volume of spec.volumes made visible to the guest as a directory. */
export interface GuestDir {
  /** A name in spec.volumes. */
  volume: string;
  /** The absolute path the guest opens it by. */
  path: string;
  /** Default true: the guest may only read it. */
  readOnly?: boolean;
  subPath?: string;
}

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface WasiAppSpec {
  module: WasiModuleSource;
  args?: string[];
  env?: V1EnvVar[];
  allowedHosts?: string[];
  maxConcurrentRequests?: number;
  timeoutSeconds?: number;
  maxMemoryMb?: number;
  successOutput?: string;
  /** Call this exported function (no parameters) instead of `_start`; an i32 it returns is the exit code. */
  invoke?: string;
  /** Kubernetes volumes (configMap, secret, emptyDir, persistentVolumeClaim) the dirs come from. */
  volumes?: V1Volume[];
  dirs?: GuestDir[];
  resources?: V1ResourceRequirements;
  hostImage?: string;
  dapr?: DaprSpec;
  /** Failed attempts of a run that are retried (the Job's backoffLimit); default 0. */
  retries?: number;
  /** Seconds a finished run's Job and Pods are kept; default: kept until trimmed from the history. */
  ttlSecondsAfterFinished?: number;
  /** Cron schedule: the operator owns a CronJob that starts the runs. */
  schedule?: string;
  timeZone?: string;
  concurrencyPolicy?: ConcurrencyPolicy;
  startingDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  /** Pauses the schedule, or a run that has not started yet. */
  suspend?: boolean;
  /** How many runs status.runs keeps; default 10. */
  runsHistoryLimit?: number;
  pod?: PodOverrides;
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
/** With reason StateStoreUnavailable: the Dapr state API's last failure during the run. */
export interface WasiAppDaprError {
  /** daprd's HTTP status; 0 when it did not answer within the host's request timeout. */
  status: number;
  /** Dapr's code, e.g. ERR_STATE_SAVE; "" when it gave none. */
  errorCode: string;
  /** Dapr's message (or the start of a non-JSON body), clipped by the host. */
  message: string;
  /** The state store named in the request's path. */
  store: string;
}

export interface WasiAppResult {
  passed: boolean;
  exitCode: number;
  reason?: string;
  daprError?: WasiAppDaprError;
  output?: string;
  compileMillis?: number;
  instantiateMillis?: number;
  runMillis?: number;
}

export type RunTrigger = 'Spec' | 'Rerun' | 'Schedule';

/** One run of a WasiApp: one Job, its attempts, and what the last attempt's host reported. */
export interface WasiAppRun {
  jobName: string;
  generation: number;
  trigger: RunTrigger;
  phase: WasiAppPhase;
  startTime?: string;
  completionTime?: string;
  /** Pods the Job counted (failed + succeeded + active); disruptions the policy ignores are not counted. */
  attempts: number;
  passed?: boolean;
  exitCode?: number;
  reason?: string;
  message?: string;
  podName?: string;
  /** From the run's start to its last attempt's host starting: scheduling, image pull, the sidecar. */
  startDelaySeconds?: number;
  compileMillis?: number;
  instantiateMillis?: number;
  runMillis?: number;
}

export interface WasiAppStatus {
  phase?: WasiAppPhase;
  conditions?: Condition[];
  result?: WasiAppResult;
  podName?: string;
  jobName?: string;
  startTime?: string;
  completionTime?: string;
  observedGeneration?: number;
  /** The last runs, oldest first, at most spec.runsHistoryLimit. */
  runs?: WasiAppRun[];
  lastRun?: WasiAppRun;
  lastSuccessfulTime?: string;
  succeededRuns?: number;
  failedRuns?: number;
  /** The last wasi-operator.dev/rerun value a run was started for. */
  observedRerun?: string;
  /** For a schedule: when the CronJob last started a run. */
  lastScheduleTime?: string;
  /** For a schedule that is not suspended: when it fires next. */
  nextScheduleTime?: string;
}

export interface WasiApp {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: WasiAppSpec;
  status?: WasiAppStatus;
}
