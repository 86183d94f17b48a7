// Work-queue keys are "namespace/name" of a WasiApp; children map to their
// owner's key through the controller owner reference.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP, WASIAPP_ANNOTATION, WASIAPP_KIND } from '../api/names.js';

export interface ObjectKey {
  namespace: string;
  name: string;
}

/**
 * The queue key that sweeps a namespace's state store Components (see
 * Reconciler.sweepComponents): ":" cannot start a WasiApp's name.
 */
export const STORE_SWEEP_NAME = ':state-stores';

export function storeSweepKey(namespace: string | undefined): string {
  return `${namespace ?? ''}/${STORE_SWEEP_NAME}`;
}

export function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function isWasiAppOwner(ref: V1OwnerReference): boolean {
  return ref.kind === WASIAPP_KIND && ref.apiVersion.split('/')[0] === API_GROUP && ref.controller === true;
}

/** The controlling WasiApp's owner reference of a child, if it has one. */
export function wasiAppOwnerOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find(isWasiAppOwner);
}

/** The key of the WasiApp that controls `obj`, or undefined for objects we do not own. */
export function ownerKeyOf(obj: KubernetesObject): string | undefined {
  const owner = wasiAppOwnerOf(obj);
  if (!owner) return undefined;
  return `${obj.metadata?.namespace ?? ''}/${owner.name}`;
}

/**
 * The key of the WasiApp a run's Job or Pod belongs to. Its controller is a
 * Job (or, for a scheduled run's Job, a CronJob), so the app's name travels
 * in an annotation the operator puts on both.
 */
export function runAppKeyOf(obj: KubernetesObject): string | undefined {
  const name = obj.metadata?.annotations?.[WASIAPP_ANNOTATION];
  if (name) return `${obj.metadata?.namespace ?? ''}/${name}`;
  return ownerKeyOf(obj);
}
