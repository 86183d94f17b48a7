// The "restricted" Pod Security Standard, so WasiApp Pods run in namespaces
// that enforce it. The host needs no writable file system (the module is
// mounted read-only, the result goes to /dev/termination-log) and no
// capabilities. Fresh objects on every call: callers may not share them.
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

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
