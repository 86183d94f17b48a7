// The host Pod template of a WasiApp's runs: `wasi-host run` with the module
// mounted read-only, run once to completion, next to a Dapr sidecar unless
// spec.dapr.enabled is false. Pure: the same (app, config) gives the same
// template. Each run's Job (job.ts) makes its Pods from it. Below it, the
// parts only this template uses: the Dapr annotations, the guest's dirs,
// resources as the Pod API wants them, the restricted security context.
import type { V1Container, V1PodTemplateSpec, V1Volume, V1VolumeMount, V1ResourceRequirements, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { WASIAPP_ANNOTATION, HOST_CONTAINER_NAME } from '../api/names.js';
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp } from '../api/wasiapp.js';
import { literalArg, HOST_COMMAND, hostInvocationFor } from './host-args.js';
import { podLabelsFor } from './labels.js';
import { MODULE_DIR, MODULE_VOLUME_NAME, moduleMountFor, type ModuleDownload } from './module-source.js';
import { appIdFor, requireName } from './names.js';
import { hostImageFor, isDaprEnabled, daprLogLevelFor } from './spec-defaults.js';

/** Init container that downloads a spec.module.url module and checks its sha256. */
export const FETCH_CONTAINER_NAME = 'fetch-module';
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';

export function buildHostPodTemplate(app: WasiApp, config: OperatorConfig): V1PodTemplateSpec {
  const image = hostImageFor(app, config);
  // spec.resources replaces the operator's defaults as a whole, as a Pod's own would.
  const resources = containerResourcesFor(app.spec.resources ?? config.defaultHostResources);
  const module = moduleMountFor(app);
  const dirs = guestDirsFor(app);
  const invocation = hostInvocationFor(app, module.filePath, dirs.args);
  const overrides = app.spec.pod ?? {};
  // The user's labels and annotations first: ours win on a conflict (the CRD
  // already rejects dapr.io/* annotations there, pointing at spec.dapr).
  const annotations = { ...overrides.annotations, ...daprAnnotationsFor(app), [WASIAPP_ANNOTATION]: requireName(app) };

  const host: V1Container = {
    name: HOST_CONTAINER_NAME,
    image,
    // Explicit, as cluster policies ask: a tag is pulled once per node, a digest never again.
    imagePullPolicy: 'IfNotPresent',
    command: [HOST_COMMAND],
    args: invocation.args,
    ...(invocation.env.length > 0 && { env: invocation.env }),
    ...(resources && { resources }),
    volumeMounts: [{ name: MODULE_VOLUME_NAME, mountPath: MODULE_DIR, readOnly: true }, ...dirs.mounts],
    securityContext: restrictedContainerSecurityContext(),
    // The host writes its JSON result here; if it dies before that, the log
    // tail tells the operator (and the user) why.
    terminationMessagePath: TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  const initContainers = module.download ? [fetchContainer(module.download, image, resources)] : undefined;

  return {
    metadata: {
      labels: { ...overrides.labels, ...podLabelsFor(app) },
      annotations,
    },
    spec: {
      // A failed attempt is a new Pod (the Job's backoffLimit and
      // podFailurePolicy decide), never a restarted container: each attempt
      // reports its own result. The Job API requires it for podFailurePolicy.
      restartPolicy: 'Never',
      // Service env vars are noise for a guest that only talks to its sidecar.
      enableServiceLinks: false,
      // daprd needs the service account token (Sentry identity, operator
      // access); without Dapr nothing in the Pod does.
      ...(!isDaprEnabled(app) && { automountServiceAccountToken: false }),
      securityContext: restrictedPodSecurityContext(),
      ...(overrides.nodeSelector && { nodeSelector: overrides.nodeSelector }),
      ...(overrides.tolerations && { tolerations: overrides.tolerations }),
      ...(overrides.affinity && { affinity: overrides.affinity }),
      ...(overrides.priorityClassName && { priorityClassName: overrides.priorityClassName }),
      ...(overrides.serviceAccountName && { serviceAccountName: overrides.serviceAccountName }),
      ...(overrides.imagePullSecrets && { imagePullSecrets: overrides.imagePullSecrets }),
      ...(overrides.runtimeClassName && { runtimeClassName: overrides.runtimeClassName }),
      ...(initContainers && { initContainers }),
      containers: [host],
      volumes: [module.volume, ...dirs.volumes],
    },
  };
}

// Reuses the host image: `wasi-host fetch URL SHA256 DEST` downloads into the
// shared emptyDir and exits non-zero (with a message saying which digest it
// got) when the bytes do not match, so the host container never starts.
function fetchContainer(download: ModuleDownload, image: string, resources: V1Container['resources']): V1Container {
  return {
    name: FETCH_CONTAINER_NAME,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: [HOST_COMMAND],
    args: ['fetch', literalArg(download.url), download.sha256, literalArg(download.destination)],
    ...(resources && { resources }),
    volumeMounts: [{ name: MODULE_VOLUME_NAME, mountPath: MODULE_DIR }],
    securityContext: restrictedContainerSecurityContext(),
    terminationMessagePath: TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

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

// spec.volumes and spec.dirs: Kubernetes volumes mounted into the host
// container, each dir at a path of its own, and handed to the guest with
// `--dir` (read-write) or `--dir-ro` (read-only, the default) under the path
// the user chose. A read-only dir is read-only twice: the volume mount and
// the host's own rule. Pure.
/** Where the i-th dir is mounted in the host container (a volume may be mounted twice, with two subPaths). */
export const GUEST_DIRS_ROOT = '/wasi-dirs';
/** Our Pod's own volume names (the module's) stay apart from the user's. */
const VOLUME_PREFIX = 'dir-';

export interface GuestDirMounts {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  /** `--dir=…` / `--dir-ro=…` host arguments, in the order of spec.dirs. */
  args: string[];
}

export function guestDirsFor(app: WasiApp): GuestDirMounts {
  const volumes = (app.spec.volumes ?? []).map((volume) => ({ ...volume, name: `${VOLUME_PREFIX}${volume.name}` }));
  const mounts: V1VolumeMount[] = [];
  const args: string[] = [];
  (app.spec.dirs ?? []).forEach((dir, i) => {
    const readOnly = dir.readOnly ?? true;
    const mountPath = `${GUEST_DIRS_ROOT}/${i}`;
    mounts.push({ name: `${VOLUME_PREFIX}${dir.volume}`, mountPath, readOnly, ...(dir.subPath !== undefined && { subPath: dir.subPath }) });
    args.push(`${readOnly ? '--dir-ro' : '--dir'}=${mountPath}::${dir.path}`);
  });
  return { volumes, mounts, args };
}

// spec.resources as the Pod API wants it. The CRD accepts quantities as
// numbers or strings (like the Pod API); the client's types say string, so
// numbers become strings here rather than surprising a later deep-equal.
type QuantityMap = Record<string, string | number>;

function quantities(map: QuantityMap | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  return Object.fromEntries(Object.entries(map).map(([resource, quantity]) => [resource, String(quantity)]));
}

export function containerResourcesFor(resources: V1ResourceRequirements | undefined): V1ResourceRequirements | undefined {
  if (!resources) return undefined;
  const limits = quantities(resources.limits as QuantityMap | undefined);
  const requests = quantities(resources.requests as QuantityMap | undefined);
  if (!limits && !requests) return undefined;
  return { ...(limits && { limits }), ...(requests && { requests }) };
}

// The "restricted" Pod Security Standard, so WasiApp Pods run in namespaces
// that enforce it. The host needs no writable file system (the module is
// mounted read-only, the result goes to /dev/termination-log) and no
// capabilities. Fresh objects on every call: callers may not share them.
/** The "nonroot" user of distroless-style images. */
export const NON_ROOT_UID = 65532;

export function restrictedPodSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_UID,
    runAsGroup: NON_ROOT_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}
