// A bare Pod made from a WasiApp's run template, as the Job controller would
// make it: for tests that check the template's contents, or run it on a node
// or an API server without a Job around it.
import type { V1Pod } from '@kubernetes/client-node';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { jobNameFor } from '../../operator/src/resources/names.js';
import { ownerReferenceFor } from '../../operator/src/resources/owner.js';
import { buildHostPodTemplate } from '../../operator/src/resources/pod.js';

export function buildHostPod(app: WasiApp, config: OperatorConfig): V1Pod {
  const template = buildHostPodTemplate(app, config);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...template.metadata,
      name: jobNameFor(app, undefined),
      namespace: app.metadata.namespace as string,
      ownerReferences: [ownerReferenceFor(app)],
    },
    spec: template.spec!,
  };
}
