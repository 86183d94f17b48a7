// Controller owner references: garbage collection deletes a WasiApp's Pods and
// Component with it, and a restarted operator recognises what it made.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION, WASIAPP_KIND } from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { requireName, requireUid } from './names.js';

export function ownerReferenceFor(app: WasiApp): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: WASIAPP_KIND,
    name: requireName(app),
    uid: requireUid(app),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The object's controller owner reference, if it has one. */
export function controllerOf(obj: { metadata?: V1ObjectMeta }): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * True when `app` is the object's controller. An existing object with the name
 * the operator wants but another controller (or none) is a conflict to report,
 * never something to take over.
 */
export function isControlledBy(obj: { metadata?: V1ObjectMeta }, app: WasiApp): boolean {
  const controller = controllerOf(obj);
  return (
    controller !== undefined &&
    controller.uid === requireUid(app) &&
    controller.kind === WASIAPP_KIND &&
    controller.apiVersion.split('/')[0] === API_GROUP_VERSION.split('/')[0]
  );
}
