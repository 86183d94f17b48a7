// The host Pod template of a WasiApp's runs: `wasi-host run` with the module
// mounted read-only, run once to completion, next to a Dapr sidecar unless
// spec.dapr.enabled is false. Pure: the same (app, config) gives the same
// template. Each run's Job (job.ts) makes its Pods from it.
import type { V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import { WASIAPP_ANNOTATION } from '../api/names.js';
import type { OperatorConfig } from '../api/operator-config.js';
import { HOST_CONTAINER_NAME } from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { daprAnnotationsFor } from './dapr-annotations.js';
import { literalArg } from './expansion.js';
import { guestDirsFor } from './guest-dirs.js';
import { HOST_COMMAND, hostInvocationFor } from './host-args.js';
import { podLabelsFor } from './labels.js';
import { MODULE_DIR, MODULE_VOLUME_NAME, moduleMountFor, type ModuleDownload } from './module-source.js';
import { requireName } from './required-metadata.js';
import { containerResourcesFor } from './resource-requirements.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security-context.js';
import { hostImageFor, isDaprEnabled } from './spec-defaults.js';

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
