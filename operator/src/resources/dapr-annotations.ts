// The dapr.io annotations that make Dapr's injector add a sidecar to the Pod.
// A WasiApp runs to completion and serves nothing, which decides what is
// (and is not) set:
// - no dapr.io/app-port: daprd then neither probes nor calls the app, and the
//   host waits on /v1.0/healthz/outbound instead;
// - dapr.io/enable-native-sidecar: daprd becomes an init container with
//   restartPolicy Always (Dapr >= 1.18, Kubernetes >= 1.29), which the kubelet
//   stops once the host exits, so the Pod completes; with an older Dapr the
//   host's --dapr-shutdown does the same job;
// - no dapr.io/sidecar-listen-addresses: the default already is loopback only;
// - dapr.io/sidecar-seccomp-profile-type RuntimeDefault: daprd meets the
//   restricted Pod Security Standard like the host (its capabilities are
//   dropped only by the injector-wide `sidecarDropALLCapabilities` setting of
//   Dapr's chart, which a restricted namespace needs as well).
import type { WasiApp } from '../api/wasiapp.js';
import { appIdFor } from './names.js';
import { daprLogLevelFor, isDaprEnabled } from './spec-defaults.js';

export const DAPR_ENABLED_ANNOTATION = 'dapr.io/enabled';
export const DAPR_APP_ID_ANNOTATION = 'dapr.io/app-id';
export const DAPR_LOG_LEVEL_ANNOTATION = 'dapr.io/log-level';
export const DAPR_NATIVE_SIDECAR_ANNOTATION = 'dapr.io/enable-native-sidecar';
export const DAPR_SECCOMP_ANNOTATION = 'dapr.io/sidecar-seccomp-profile-type';

/** Empty when spec.dapr.enabled is false: no sidecar is injected at all. */
export function daprAnnotationsFor(app: WasiApp): Record<string, string> {
  if (!isDaprEnabled(app)) return {};
  return {
    [DAPR_ENABLED_ANNOTATION]: 'true',
    [DAPR_APP_ID_ANNOTATION]: appIdFor(app),
    [DAPR_LOG_LEVEL_ANNOTATION]: daprLogLevelFor(app),
    [DAPR_NATIVE_SIDECAR_ANNOTATION]: 'true',
    [DAPR_SECCOMP_ANNOTATION]: 'RuntimeDefault',
  };
}
