// spec.resources as the Pod API wants it. The CRD accepts quantities as
// numbers or strings (like the Pod API); the client's types say string, so
// numbers become strings here rather than surprising a later deep-equal.
import type { V1ResourceRequirements } from '@kubernetes/client-node';

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
